#!/usr/bin/env bash
# Concourse task: upload the tested artifact to every function and publish versions (SnapStart snapshots
# published versions), then point the 'live' alias that the event source and schedule invoke at them.
# Each version is published from $LATEST, so it carries the configuration the stack last gave the function as well as
# the new code. The stack's parameters change only through 'sam deploy', which publishes new versions for a changed
# parameter when given build/configuration-digest.sh's digest as ConfigurationDigest (deploying guide).
set -euo pipefail
: "${RECORD_FUNCTION_NAME:?RECORD_FUNCTION_NAME is required}"
: "${DRAIN_FUNCTION_NAME:?DRAIN_FUNCTION_NAME is required}"
recorder=artifact/event-recorder-lambda.jar
export_jar=artifact/event-recorder-export.jar
for jar in "$recorder" "$export_jar"; do
  [ -f "$jar" ] || { echo "ERROR: $jar missing: the package task must run first" >&2; exit 1; }
done
# Each entry: function name and the artifact it runs (the export has its own, with Parquet, and the ledger runs it).
deployments=("$RECORD_FUNCTION_NAME|$recorder" "$DRAIN_FUNCTION_NAME|$recorder")
# The ones below came later than the pipeline's first credentials; one left unnamed keeps running its old code, so
# say so rather than skip it silently.
for entry in "REPLAY_FUNCTION_NAME:ArchiveReplayFunction:$recorder" "FRAUD_UPLOAD_FUNCTION_NAME:FraudUploadFunction:$recorder" \
             "MAINTENANCE_FUNCTION_NAME:PartitionMaintenanceFunction:$recorder" \
             "EXPORT_FUNCTION_NAME:ExportFunction:$export_jar" "LEDGER_FUNCTION_NAME:LedgerFunction:$export_jar"; do
  IFS=: read -r variable resource jar <<<"$entry"
  if [ -n "${!variable:-}" ]; then
    deployments+=("${!variable}|$jar")
  else
    echo "WARNING: $variable is not set: the stack's $resource keeps its old code" >&2
  fi
done
for deployment in "${deployments[@]}"; do
  function=${deployment%%|*}
  artifact=${deployment#*|}
  # A stack deployed with RecorderPackageType Image runs the event-source function as a container image, which a zip
  # cannot update: it takes the image built from this same artifact (build/image/Dockerfile), or stops here.
  package_type=$(aws lambda get-function-configuration --function-name "$function" --query PackageType --output text)
  if [ "$package_type" = Image ]; then
    if [ "$function" != "$RECORD_FUNCTION_NAME" ] || [ -z "${RECORD_IMAGE_URI:-}" ]; then
      echo "ERROR: $function runs a container image (RecorderPackageType Image): build build/image/Dockerfile from" \
        "this artifact, push it to ECR and set RECORD_IMAGE_URI to it (docs/deploying.md)" >&2
      exit 1
    fi
    echo "==> deploying $RECORD_IMAGE_URI to $function"
    aws lambda update-function-code --function-name "$function" --image-uri "$RECORD_IMAGE_URI" >/dev/null
  else
    echo "==> deploying $artifact to $function"
    aws lambda update-function-code --function-name "$function" --zip-file "fileb://$artifact" >/dev/null
  fi
  aws lambda wait function-updated --function-name "$function"
  version=$(aws lambda publish-version --function-name "$function" --query Version --output text)
  aws lambda wait published-version-active --function-name "$function" --qualifier "$version"
  aws lambda update-alias --function-name "$function" --name live --function-version "$version" >/dev/null
  echo "==> $function: version $version is live"
done
