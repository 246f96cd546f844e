#!/usr/bin/env bash
# Prints the digest to deploy with as ConfigurationDigest: SHA-256 of the code (the two packaged jars), of both
# templates (whose defaults stand for the values not given) and of the parameter values given (NAME=VALUE, as
# 'sam deploy --parameter-overrides' takes them, the image's RecorderImageUri included).
#
# Why: every trigger invokes a function's 'live' alias, and SAM publishes a new version (and moves the alias) only
# when the code, a literal property or the memory changes: its hash sees {"Ref": "DbUser"}, not the value. A changed
# parameter would then reach $LATEST and never the version that runs. SAM does resolve a parameter given as
# AutoPublishCodeSha256, which every function takes from ConfigurationDigest: a new digest, new versions. Given
# that value, SAM names versions from it alone, no longer from the code, so the digest must change with the code too.
#
#   build/package.sh
#   sam deploy --parameter-overrides "${overrides[@]}" "ConfigurationDigest=$(build/configuration-digest.sh "${overrides[@]}")"
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f template.yaml ] || { echo "ERROR: template.yaml not found beside build/" >&2; exit 1; }
for jar in target/event-recorder-lambda.jar target/event-recorder-export.jar; do
  [ -f "$jar" ] || { echo "ERROR: $jar is missing: run build/package.sh first (the digest covers the code)" >&2; exit 1; }
done
for given in "$@"; do
  case "$given" in
    *=*) ;;
    *) echo "ERROR: '$given' is not NAME=VALUE (the form --parameter-overrides takes)" >&2; exit 1 ;;
  esac
done
{
  sha256sum template.yaml target/event-recorder-lambda.jar target/event-recorder-export.jar | cut -d' ' -f1
  if [ -f build/image/template.yaml ]; then sha256sum build/image/template.yaml | cut -d' ' -f1; fi
  # The digest itself is not part of what it digests; the order the values are given in does not matter.
  if [ "$#" -gt 0 ]; then printf '%s\n' "$@" | grep -v '^ConfigurationDigest=' | LC_ALL=C sort || true; fi
} | sha256sum | cut -d' ' -f1
