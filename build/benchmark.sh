#!/usr/bin/env bash
# Prints the recorder's figures against the local PostgreSQL, ElasticMQ and the KMS double (docs/performance.md).
# With no option, one run of what docs/performance.md's tables show: the event-source handler in-process and the cold
# start (fresh JVMs on the packaged artifact, by phase, and SnapStart-primed), both under the template's JVM options;
# then the drain as deployed (the --drain figures). The benchmarks' own options are JVM properties, given as
# -Dexec.jvmArgs="-Xss1m -Devents=N …" (events: default 10000).
# With --drain only the drain: the handler from the packaged artifact, each run in a fresh JVM with the template's JVM
# options, against a warmed sequential do-nothing consumer (both SDK HTTP clients measured), local and with 3 ms added
# each way to SQS (properties drain.concurrency, default 1,2,4,8,16; drain.delayMs, default 3).
# With --runtime: only the cold start as Lambda reports it, under Lambda's runtime interface client (init, first
# 10-message invocation, SnapStart restore to first batch; coldStart.runs, default 5; coldStart.initType=none,
# coldStart.handler=class::method or
# coldStart.javaOptions=… alternate runs with another init type or other JVM options, for a ratio in one run).
# With --floor: the four figures against the floor (FloorHandler alone in its own task folder, same runtime
# client and options), in one run: the --runtime figures (on-demand init + first invocation, SnapStart restore to the
# first batch, eight invocations at once in one process with the database 2 ms away each way; on JDK 25 the on-demand
# start alternates the zip with the container image and its AOT cache, trained first), then the --fleet ones
# (warm function CPU an event); each part ends by checking every event recorded exactly once (about 10 minutes).
# With --fleet: cost per event: eight event-source containers of the artifact under the runtime client fed
# 10-message batches by an emulated event source, a do-nothing fleet on the same source, and the database's ceiling
# for the same rows; events/s, CPU-ms and log bytes an event, cost per million events (fleet.containers, default 8;
# fleet.events, default 8000; fleet.javaOptions=… or fleet.before=<artifact> add a recorder fleet to compare). With
# them, the ledger's comparison: the recorder fleet again with the packaged export jar's LedgerHandler running
# alongside (one warm container against moto's S3 and KMS, every fleet.ledgerIntervalMs, default 1000: the schedule's
# minute shortened so that several checkpoints fall inside the timed events), its events/s ratio, CPU an event, the
# checkpoint runs' own CPU and cost, and a check that every recorded row is in exactly one leaf (fleet.ledger=false
# leaves it out).
# With --replay: the archive replay figures (property replay.megabytes, default 1024: the large archive's size).
# With --catch-up [rows]: partition catch-up beside a recorder writing this month's events at full rate, with [rows]
# (default 5 million) in the default partition: the recorder's batch latency without a catch-up and during one, for
# the maintenance as it was and as it is (about 10 minutes at 5 million rows).
# With --export [rows …]: the daily export: a day of [rows] audit events (default 1 and 10 million), exported
# by the packaged event-recorder-export.jar (-Xmx256m, the template's JVM options) to S3Mock, signed by moto's KMS,
# against PostgreSQL's own COPY … TO STDOUT (FORMAT binary) of the same query; rows/s, peak heap, cost per million rows
# (needs moto_server). -Dexec.jvmArgs="-Dexport.javaOptions=…" adds options to the export's JVM only (a flight
# recording: -XX:StartFlightRecording=filename=/tmp/export.jfr,settings=profile).
# With --late-rows [base [step …]]: what finding the export's late rows costs, and what migrations V9 and V10 cost the
# recorder: [base] audit rows at V8 (default 10 million), a writer's rate and worst transaction before, during and after
# the migration, then history recorded with the column in the steps given (default 1 and 9 million) and at each size
# EXPLAIN ANALYZE of the export's search after 1,000 late rows (10,000 at the last); about 12 minutes and 20 GB.
# With --ledger [history]: what a checkpoint costs at [history] rows (default 100 million) against an empty ledger:
# a database of narrow audit rows and as many leaves with their stored nodes and signed checkpoints, generated in
# PostgreSQL (migration V11 applied at 10 million rows while a writer inserts: its rate and worst transaction before,
# during and after), then, alternating with a database holding the genesis alone, checkpoint runs after 1,000 and
# 10,000 new rows (ledger.new), their phases, EXPLAIN of the new-rows search, and idle runs (time, statements, round
# trips); needs moto_server. About 2 hours and 55 GB of disk at 100 million on 2 cores (the generation: audit rows
# 15-20 min, leaves and nodes about 1 hour, the leaves' row index 15-20 min); -Dexec.jvmArgs="-Dledger.database=NAME"
# keeps that database and resumes its generation where an earlier run stopped. The databases are dropped otherwise.
# With --growth [rows]: insert rate and WAL per event into empty tables and tables holding [rows] (default 10 million)
# historic rows, before and after the partitioning migrations (property growth.seconds per measurement, default 60; about
# 25 minutes and 25 GB of disk at 10 million rows).
set -euo pipefail
cd "$(dirname "$0")/.."
. build/lib.sh

require_java_and_maven
ensure_postgres
# The functions' JVM options, as the template gives them to Lambda.
jvm_options=$(sed -n 's/^ *JAVA_TOOL_OPTIONS: *//p' template.yaml | head -1)
# The fresh JVMs run the packaged artifact: build it when missing or older than the code, so a figure is never taken
# on yesterday's build.
package_if_missing() {
  local jar
  for jar in target/event-recorder-lambda.jar target/event-recorder-export.jar; do
    if [ ! -f "$jar" ] || [ -n "$(find src/main pom.xml -newer "$jar" -print -quit)" ]; then
      say "packaging the artifacts the fresh JVMs run"
      build/package.sh >/dev/null
      return
    fi
  done
}
run() {
  mvn -B -ntp -q exec:exec -Dexec.mainClass="$1" "${@:2}"
}
# On JDK 25 the cold-start figures include the container image (build/image/Dockerfile): its build's training run
# makes the AOT cache here, and the recorder's runs alternate between the zip and the image.
image_option=""
if [ "$(java -XshowSettings:properties -version 2>&1 | awk -F= '/java.specification.version/ {gsub(/ /,"",$2); print $2}')" -ge 25 ] 2>/dev/null; then
  image_option="-DcoldStart.aotCache=$PWD/target/aot/event-recorder.aot"
  mkdir -p target/aot
fi
say "compiling"
mvn -B -ntp -q test-compile
case "${1:-}" in
  --replay)
    shift
    say "benchmarking the archive replay (a 1 GB archive takes several minutes)"
    run uk.gov.ida.eventrecorder.bench.ReplayBenchmark "$@" ;;
  --drain)
    shift
    package_if_missing
    say "benchmarking the drain handler in fresh JVMs against the queue's ceiling, local and with added latency"
    run uk.gov.ida.eventrecorder.bench.DrainBenchmark "$@" ;;
  --catch-up)
    shift
    rows=5000000
    if [ -n "${1:-}" ] && [ "${1#-}" = "$1" ]; then rows=$1; shift; fi
    say "partition catch-up with $rows rows in the default partition, a recorder beside it"
    run uk.gov.ida.eventrecorder.bench.CatchUpBenchmark -Dexec.appArgs="$rows" "$@" ;;
  --export)
    shift
    sizes=""
    while [ -n "${1:-}" ] && [ "${1#-}" = "$1" ]; do sizes="$sizes $1"; shift; done
    build/package.sh >/dev/null
    say "the daily export's rate and memory: the packaged export against PostgreSQL's own COPY, to S3Mock"
    run uk.gov.ida.eventrecorder.bench.ExportBenchmark -Dexec.appArgs="${sizes# }" "$@" ;;
  --late-rows)
    shift
    sizes=""
    while [ -n "${1:-}" ] && [ "${1#-}" = "$1" ]; do sizes="$sizes $1"; shift; done
    say "the export's search for late rows at two sizes of history, and migrations V9 and V10 beside a writer"
    run uk.gov.ida.eventrecorder.bench.LateRowsBenchmark -Dexec.appArgs="${sizes# }" "$@" ;;
  --ledger)
    shift
    history=100000000
    if [ -n "${1:-}" ] && [ "${1#-}" = "$1" ]; then history=$1; shift; fi
    say "the ledger's checkpoint at $history rows of history against an empty ledger, and migration V11 beside a writer"
    run uk.gov.ida.eventrecorder.bench.LedgerBenchmark -Dexec.appArgs="$history" "$@" ;;
  --growth)
    shift
    rows=10000000
    if [ -n "${1:-}" ] && [ "${1#-}" = "$1" ]; then rows=$1; shift; fi
    say "benchmarking growth with $rows historic rows a table"
    run uk.gov.ida.eventrecorder.bench.GrowthBenchmark -Dexec.appArgs="$rows" "$@" ;;
  --fleet)
    shift
    package_if_missing
    say "cost per event: fleets of the artifact under Lambda's runtime interface client, a do-nothing fleet, the database's ceiling"
    run uk.gov.ida.eventrecorder.bench.FleetBenchmark -Dexec.jvmArgs="-Xss1m -Dsun.net.httpserver.nodelay=true" "$@" ;;
  --floor)
    shift
    package_if_missing
    say "the four figures against the floor (FloorHandler alone under the same runtime client), in one run: on-demand init + first invocation, SnapStart restore to first batch, eight at once with the database 2 ms away, then warm CPU an event in fleets"
    run uk.gov.ida.eventrecorder.bench.RuntimeColdStartBenchmark -Dexec.jvmArgs="-Xss1m -Dsun.net.httpserver.nodelay=true $image_option" "$@"
    run uk.gov.ida.eventrecorder.bench.FleetBenchmark -Dexec.jvmArgs="-Xss1m -Dsun.net.httpserver.nodelay=true" "$@" ;;
  --runtime)
    shift
    package_if_missing
    say "cold start as Lambda reports it: the artifact under Lambda's runtime interface client, on $(java -version 2>&1 | head -1)"
    run uk.gov.ida.eventrecorder.bench.RuntimeColdStartBenchmark -Dexec.jvmArgs="-Xss1m -Dsun.net.httpserver.nodelay=true $image_option" "$@" ;;
  *)
    package_if_missing
    say "benchmarking the event-source handler and the cold start with JAVA_TOOL_OPTIONS=$jvm_options (a few minutes)"
    run uk.gov.ida.eventrecorder.bench.RecorderBenchmark -Dexec.jvmArgs="-Xss1m $jvm_options" "$@"
    say "cold start as Lambda reports it: the artifact under Lambda's runtime interface client (init, first invocation, SnapStart restore)"
    run uk.gov.ida.eventrecorder.bench.RuntimeColdStartBenchmark -Dexec.jvmArgs="-Xss1m -Dsun.net.httpserver.nodelay=true $image_option" "$@"
    say "benchmarking the drain handler in fresh JVMs against the queue's ceiling, local and with added latency"
    run uk.gov.ida.eventrecorder.bench.DrainBenchmark "$@" ;;
esac
