#!/usr/bin/env bash
# build/fuzz.sh [SECONDS per target, default 60] [target …]
# Fuzzes each parser target in turn with Jazzer (coverage-guided) and saves every input that fails as a regression
# input under src/test/resources/uk/gov/ida/eventrecorder/fuzz/ParserFuzzTestInputs/, which ./build/run-tests.sh then
# replays. Jazzer's JUnit runs last the @FuzzTest's maxDuration (60 s) and no setting here overrides it, so SECONDS
# is rounded up to whole 60-second runs; the working corpus in .cifuzz-corpus/ carries over, so each run starts where
# the last stopped. A longer campaign: build/fuzz.sh 3600 (an hour a target), or one target:
# build/fuzz.sh 600 anEncryptedEventGetsADocumentedVerdict.
set -euo pipefail
cd "$(dirname "$0")/.."
. build/lib.sh

seconds="${1:-60}"
[[ "$seconds" =~ ^[0-9]+$ ]] || die "SECONDS must be a whole number (got '$seconds'): build/fuzz.sh [SECONDS] [target …]"
rounds=$(( (seconds + 59) / 60 ))
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
