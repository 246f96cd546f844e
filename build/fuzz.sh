#!/usr/bin/env bash
# Fuzzes each parser target in turn with Jazzer (coverage-guided) for its @FuzzTest maxDuration (60 s), and saves
# every input that fails as a regression input under
# src/test/resources/uk/gov/ida/eventrecorder/fuzz/ParserFuzzTestInputs/, which ./build/run-tests.sh then replays.
# ROUNDS (default 1) repeats the whole pass: a longer campaign is build/fuzz.sh 60 (an hour a target), or one
# target: build/fuzz.sh 10 anEncryptedEventGetsADocumentedVerdict. The working corpus in .cifuzz-corpus/ carries
# over between runs, so each round starts where the last stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
. build/lib.sh

rounds="${1:-1}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(grep -A1 '@FuzzTest' src/test/java/uk/gov/ida/eventrecorder/fuzz/ParserFuzzTest.java \
    | sed -n 's/^ *void \([A-Za-z0-9_]*\)(.*/\1/p')
fi
require_java_and_maven
say "compiling"
mvn -B -ntp -q test-compile
failed=()
for round in $(seq 1 "$rounds"); do
  for target in "${targets[@]}"; do
    say "round $round/$rounds: fuzzing $target"
    log="target/fuzz-$target.log"
    if JAZZER_FUZZ=1 mvn -B -ntp test -Dtest="ParserFuzzTest#$target" -Dsurefire.failIfNoSpecifiedTests=false \
        >"$log" 2>&1; then
      say "$target: nothing found ($(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1)s;\
 $(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1))"
    else
      failed+=("$target")
      say "$target: FOUND an input that fails; it is saved under src/test/resources (see $log)"
    fi
  done
done
if [ ${#failed[@]} -gt 0 ]; then
  die "findings in: ${failed[*]}. Fix them; the saved inputs then replay in ./build/run-tests.sh"
fi
say "every target fuzzed, $rounds round(s), with nothing new"
