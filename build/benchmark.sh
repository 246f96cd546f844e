#!/usr/bin/env bash
# Prints throughput and cold-start figures against the local PostgreSQL, ElasticMQ and the KMS double.
# Options: -Devents=N (default 10000). With --replay: the archive replay figures instead
# (-Dreplay.megabytes=N, default 1024: the size of the large archive whose peak heap is measured).
set -euo pipefail
cd "$(dirname "$0")/.."
. build/lib.sh

require_java_and_maven
ensure_postgres
say "compiling"
mvn -B -ntp -q test-compile
main=uk.gov.ida.eventrecorder.bench.RecorderBenchmark
if [ "${1:-}" = "--replay" ]; then
  shift
  main=uk.gov.ida.eventrecorder.bench.ReplayBenchmark
  say "benchmarking the archive replay (a 1 GB archive takes several minutes)"
else
  say "benchmarking (takes about a minute)"
fi
mvn -B -ntp -q exec:exec -Dexec.mainClass="$main" "$@"
