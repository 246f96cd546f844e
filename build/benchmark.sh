#!/usr/bin/env bash
# Prints throughput and cold-start figures against the local PostgreSQL, ElasticMQ and the KMS double.
# Options: -Devents=N (default 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
. build/lib.sh

require_java_and_maven
ensure_postgres
say "compiling"
mvn -B -ntp -q test-compile
say "benchmarking (takes about a minute)"
mvn -B -ntp -q exec:exec -Dexec.mainClass=uk.gov.ida.eventrecorder.bench.RecorderBenchmark "$@"
