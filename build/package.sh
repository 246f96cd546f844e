#!/usr/bin/env bash
# Builds the Lambda deployment packages, target/event-recorder-lambda.jar (the path the deploy pipeline uses) and
# target/event-recorder-export.jar (the export function's), and prints their sizes; the recorder's path last. Tests are skipped here: build/run-tests.sh runs them, including tests of this artifact.
set -euo pipefail
cd "$(dirname "$0")/.."
. build/lib.sh

require_java_and_maven
say "packaging"
mvn -B -ntp -q -DskipTests package
artifact=target/event-recorder-lambda.jar
[ -f "$artifact" ] || die "$artifact was not built"
# AWS's RDS CA bundle, so that a deployment can verify the database's certificate with DbCaBundleFile
# /var/task/rds-ca.pem (docs/security.md). Fetched where the network allows; said plainly where it does not.
rds_bundle_url=https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
mkdir -p target/ca
if command -v curl >/dev/null 2>&1 \
    && curl -fsS --max-time 15 -o target/ca/rds-ca.pem.tmp "$rds_bundle_url" 2>/dev/null \
    && grep -q "BEGIN CERTIFICATE" target/ca/rds-ca.pem.tmp; then
  mv target/ca/rds-ca.pem.tmp target/ca/rds-ca.pem
  (cd target/ca && jar uf "../../$artifact" rds-ca.pem)
  say "added AWS's RDS CA bundle as rds-ca.pem (/var/task/rds-ca.pem in Lambda): set DbCaBundleFile to it"
else
  rm -f target/ca/rds-ca.pem.tmp
  say "NOTE: AWS's RDS CA bundle could not be fetched from $rds_bundle_url (no network to it here): the artifact"
  say "      has no rds-ca.pem. Give the functions the bundle as an S3 object (DbCaBundleBucketName, DbCaBundleKey),"
  say "      or package where the fetch works; without a bundle, TLS to the database is not verified"
fi
[ -f target/event-recorder-export.jar ] || die "target/event-recorder-export.jar was not built"
export_bytes=$(stat -c %s target/event-recorder-export.jar)
say "target/event-recorder-export.jar (the export function, export and verify): $((export_bytes / 1024)) KiB"
bytes=$(stat -c %s "$artifact")
say "$artifact: $((bytes / 1024)) KiB ($(unzip -l "$artifact" | tail -1 | awk '{print $2}') entries)"
echo "$artifact"
