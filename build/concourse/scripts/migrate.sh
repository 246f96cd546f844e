#!/usr/bin/env bash
# Concourse task: apply the schema migrations with the artifact that will be deployed (MigrateCommand reads
# DB_CONNECTION_STRING and ENCRYPTED_DATABASE_PASSWORD, or logs in with an IAM token).
set -euo pipefail
: "${DB_CONNECTION_STRING:?DB_CONNECTION_STRING is required}"
echo "==> migrating the database"
java -cp artifact/event-recorder-lambda.jar uk.gov.ida.eventrecorder.lambda.MigrateCommand
