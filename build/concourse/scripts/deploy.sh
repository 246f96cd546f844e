#!/usr/bin/env bash
# Concourse task: upload the tested artifact to every function and publish versions (SnapStart snapshots
# published versions), then point the 'live' alias that the event source and schedule invoke at them.
set -euo pipefail
: "${RECORD_FUNCTION_NAME:?RECORD_FUNCTION_NAME is required}"
: "${DRAIN_FUNCTION_NAME:?DRAIN_FUNCTION_NAME is required}"
artifact=artifact/event-recorder-lambda.jar
[ -f "$artifact" ] || { echo "ERROR: $artifact missing: the package task must run first" >&2; exit 1; }
functions=("$RECORD_FUNCTION_NAME" "$DRAIN_FUNCTION_NAME")
# Every function of the template runs this artifact. The three below came later than the pipeline's first
# credentials; one left unnamed keeps running its old code, so say so rather than skip it silently.
for pair in "REPLAY_FUNCTION_NAME:ArchiveReplayFunction" "FRAUD_UPLOAD_FUNCTION_NAME:FraudUploadFunction" \
            "MAINTENANCE_FUNCTION_NAME:PartitionMaintenanceFunction"; do
  variable=${pair%%:*}
  if [ -n "${!variable:-}" ]; then
    functions+=("${!variable}")
  else
    echo "WARNING: $variable is not set: the stack's ${pair#*:} keeps its old code" >&2
  fi
done
for function in "${functions[@]}"; do
  echo "==> deploying $artifact to $function"
  aws lambda update-function-code --function-name "$function" --zip-file "fileb://$artifact" >/dev/null
  aws lambda wait function-updated --function-name "$function"
  version=$(aws lambda publish-version --function-name "$function" --query Version --output text)
  aws lambda wait published-version-active --function-name "$function" --qualifier "$version"
  aws lambda update-alias --function-name "$function" --name live --function-version "$version" >/dev/null
  echo "==> $function: version $version is live"
done
