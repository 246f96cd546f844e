# Shared by the build scripts: messages, and finding or starting what the project needs on this machine.
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

require_java_and_maven() {
  command -v java >/dev/null || die "java not found: install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)"
  command -v mvn >/dev/null || die "mvn not found: install Maven 3.8+ (Debian: apt-get install maven)"
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | awk -F= '/java.specification.version/ {gsub(/ /,"",$2); print $2}')
  [ "${v%%.*}" -ge 17 ] 2>/dev/null || die "Java 17 or newer is needed; found $v"
}

# Make sure a PostgreSQL answers for the tests: EVENT_RECORDER_TEST_DB if set, else the machine's server on
# 127.0.0.1:5432 (started here if installed but stopped), else Docker (the tests then use Testcontainers).
ensure_postgres() {
  if [ -n "${EVENT_RECORDER_TEST_DB:-}" ]; then
    say "tests use the PostgreSQL in EVENT_RECORDER_TEST_DB"
    return
  fi
  if pg_ready; then
    say "PostgreSQL answers on 127.0.0.1:5432"
    return
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    local version
    for version in $(ls /etc/postgresql 2>/dev/null); do
      say "starting the local PostgreSQL $version cluster"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 30); do pg_ready && return; sleep 1; done
  fi
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    if docker compose version >/dev/null 2>&1; then
      say "no local PostgreSQL; starting the postgres service of docker-compose.yml"
      docker compose up -d --wait postgres
      # shellcheck disable=SC1091
      . ./.env
      export EVENT_RECORDER_TEST_DB="host=127.0.0.1 port=5432 dbname=$POSTGRES_DB user=$POSTGRES_USER password=$POSTGRES_PASSWORD"
      return
    fi
    say "no local PostgreSQL; the tests will start one with Testcontainers (Docker is available)"
    return
  fi
  die "no PostgreSQL: install one (Debian: apt-get install postgresql) and start it, or set EVENT_RECORDER_TEST_DB \
to a libpq connection string such as 'host=127.0.0.1 port=5432 dbname=postgres user=postgres'"
}

pg_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p 5432 -U postgres
  else
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
  fi
}

# AWS's own linter on the SAM template: what `sam deploy` users meet first. Warnings fail too (exit 4). Under CI a
# missing linter fails, so a green CI always means a linted template.
lint_template() {
  if command -v cfn-lint >/dev/null 2>&1; then
    say "linting template.yaml ($(cfn-lint --version))"
    cfn-lint template.yaml || die "cfn-lint rejects template.yaml (above): fix it, or ignore the rule in the \
template's Metadata (cfn-lint: config: ignore_checks) with the reason beside it"
  elif [ "${CI:-}" = "true" ]; then
    die "cfn-lint is not installed, and under CI the template must be linted: pip install cfn-lint"
  else
    say "WARNING: cfn-lint is not installed, so template.yaml is not linted: pip install cfn-lint"
  fi
}

# docker-compose.yml is checked where a compose client is installed; it needs no Docker engine to validate.
check_compose_file() {
  if docker compose version >/dev/null 2>&1; then
    say "validating docker-compose.yml (docker compose config)"
    docker compose -f docker-compose.yml config -q || die "docker-compose.yml is invalid (above)"
  elif command -v docker-compose >/dev/null 2>&1; then
    say "validating docker-compose.yml (docker-compose config)"
    docker-compose -f docker-compose.yml config -q || die "docker-compose.yml is invalid (above)"
  else
    say "no docker compose client: docker-compose.yml not validated (Debian: apt-get install docker-compose)"
  fi
}
