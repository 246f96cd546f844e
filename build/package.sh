#!/usr/bin/env bash
# Builds the Lambda deployment package, target/event-recorder-lambda.jar (the path the deploy pipeline uses),
# and prints its size. Tests are skipped here: build/run-tests.sh runs them, including tests of this artifact.
set -euo pipefail
cd "$(dirname "$0")/.."
. build/lib.sh

require_java_and_maven
say "packaging"
mvn -B -ntp -q -DskipTests package
artifact=target/event-recorder-lambda.jar
[ -f "$artifact" ] || die "$artifact was not built"
bytes=$(stat -c %s "$artifact")
say "$artifact: $((bytes / 1024)) KiB ($(unzip -l "$artifact" | tail -1 | awk '{print $2}') entries)"
echo "$artifact"
