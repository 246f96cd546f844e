#!/usr/bin/env bash
# Prints the digest to deploy with as ConfigurationDigest: SHA-256 of the parameter values given (NAME=VALUE, as
# 'sam deploy --parameter-overrides' takes them) and of template.yaml, whose defaults stand for the others.
#
# Why: every trigger invokes a function's 'live' alias, and SAM publishes a new version (and moves the alias) only
# when the code, a literal property or the memory changes: its hash sees {"Ref": "DbUser"}, not the value. A changed
# parameter would then reach $LATEST and never the version that runs. SAM does resolve a parameter given as
# AutoPublishCodeSha256, which every function takes from ConfigurationDigest: a new digest, new versions.
#
#   sam deploy --parameter-overrides "${overrides[@]}" "ConfigurationDigest=$(build/configuration-digest.sh "${overrides[@]}")"
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f template.yaml ] || { echo "ERROR: template.yaml not found beside build/" >&2; exit 1; }
for given in "$@"; do
  case "$given" in
    *=*) ;;
    *) echo "ERROR: '$given' is not NAME=VALUE (the form --parameter-overrides takes)" >&2; exit 1 ;;
  esac
done
{
  sha256sum template.yaml | cut -d' ' -f1
  # The digest itself is not part of what it digests; the order the values are given in does not matter.
  if [ "$#" -gt 0 ]; then printf '%s\n' "$@" | grep -v '^ConfigurationDigest=' | LC_ALL=C sort || true; fi
} | sha256sum | cut -d' ' -f1
