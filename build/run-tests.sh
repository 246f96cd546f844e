#!/usr/bin/env bash
# The whole test suite, from a fresh machine: checks the toolchain, lints template.yaml with cfn-lint (required
# under CI=true) and validates docker-compose.yml where a compose client is installed, starts PostgreSQL if it is
# installed but stopped, then runs every test (unit, real-server, artifact) through Maven. ElasticMQ, S3Mock and the KMS double
# start inside the test JVM.
set -euo pipefail
cd "$(dirname "$0")/.."
. build/lib.sh

require_java_and_maven
lint_template
check_compose_file
ensure_postgres
say "running the test suite (mvn verify)"
mvn -B -ntp verify "$@"
