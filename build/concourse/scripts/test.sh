#!/usr/bin/env bash
# Concourse task: the README's test command. The shared vectors sit beside the repository, as in development.
set -euo pipefail
export MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.repo.local=$PWD/.m2/repository"
export EVENT_RECORDER_VECTORS="$PWD/shared/vectors/verify-event-emitter.jsonl"
apt-get update -qq && apt-get install -y -qq postgresql openssl >/dev/null
cd event-recorder
echo "==> starting PostgreSQL for the tests"
pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -n | tail -1)" main start
build/run-tests.sh
