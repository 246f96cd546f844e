#!/usr/bin/env bash
# Concourse task: build the artifact with build/package.sh and hand it to later tasks in artifact/.
set -euo pipefail
export MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.repo.local=$PWD/.m2/repository"
out="$PWD/artifact"
cd event-recorder
artifact=$(build/package.sh | tail -1)
cp "$artifact" "$out/"
# The export function's own artifact (Parquet), built by the same package step.
cp target/event-recorder-export.jar "$out/"
echo "==> $(basename "$artifact") and event-recorder-export.jar ready for migrate and deploy"
