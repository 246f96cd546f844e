#!/usr/bin/env bash
# Concourse task: the README's test command (DocumentationTest holds them the same) (the producer vectors are in the
# repository's test resources).
set -euo pipefail
export MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.repo.local=$PWD/.m2/repository"
apt-get update -qq && apt-get install -y -qq postgresql openssl python3-venv >/dev/null
# AWS's template linter: run-tests.sh requires it when CI=true.
python3 -m venv /tmp/cfn-lint && /tmp/cfn-lint/bin/pip install -q cfn-lint
export PATH="/tmp/cfn-lint/bin:$PATH" CI=true
cd event-recorder
echo "==> starting PostgreSQL for the tests"
pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -n | tail -1)" main start
build/run-tests.sh
