#!/usr/bin/env bash
# The whole test suite, from a fresh machine: checks the toolchain, starts PostgreSQL if it is installed but
# stopped, then runs every test (unit, real-server, artifact) through Maven. ElasticMQ, S3Mock and the KMS double
# start inside the test JVM.
set -euo pipefail
cd "$(dirname "$0")/.."
. build/lib.sh

require_java_and_maven
ensure_postgres
say "running the test suite (mvn verify)"
mvn -B -ntp verify "$@"
