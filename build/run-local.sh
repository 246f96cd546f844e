#!/usr/bin/env bash
# See the recorder work locally: encrypted events -> ElasticMQ -> the real handler -> the local PostgreSQL.
# No AWS account and no Docker needed. Options: --events N, --duplicates SHARE, --invalid SHARE, --event-source.
set -euo pipefail
cd "$(dirname "$0")/.."
. build/lib.sh

require_java_and_maven
ensure_postgres
say "compiling"
mvn -B -ntp -q test-compile
mvn -B -ntp -q exec:exec -Dexec.mainClass=uk.gov.ida.eventrecorder.demo.LocalRun -Dexec.appArgs="$*"
