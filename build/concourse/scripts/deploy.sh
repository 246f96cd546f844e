#!/usr/bin/env bash
# Concourse task: upload the tested artifact to both functions and publish versions (SnapStart snapshots
# published versions), then point the 'live' alias that the event source and schedule invoke at them.
set -euo pipefail
: "${RECORD_FUNCTION_NAME:?RECORD_FUNCTION_NAME is required}"
: "${DRAIN_FUNCTION_NAME:?DRAIN_FUNCTION_NAME is required}"
artifact=artifact/event-recorder-lambda.jar
[ -f "$artifact" ] || { echo "ERROR: $artifact missing: the package task must run first" >&2; exit 1; }
functions=("$RECORD_FUNCTION_NAME" "$DRAIN_FUNCTION_NAME")
# The hourly partition maintenance runs the same artifact: deploy it with the rest when the pipeline names it.
if [ -n "${MAINTENANCE_FUNCTION_NAME:-}" ]; then functions+=("$MAINTENANCE_FUNCTION_NAME"); fi
for function in "${functions[@]}"; do
  echo "==> deploying $artifact to $function"
  aws lambda update-function-code --function-name "$function" --zip-file "fileb://$artifact" >/dev/null
  aws lambda wait function-updated --function-name "$function"
  version=$(aws lambda publish-version --function-name "$function" --query Version --output text)
  aws lambda wait published-version-active --function-name "$function" --qualifier "$version"
  aws lambda update-alias --function-name "$function" --name live --function-version "$version" >/dev/null
  echo "==> $function: version $version is live"
done
