#!/usr/bin/env bash
# Refuses AWS credentials and private keys in the files given (default: what is staged for commit).
# Patterns follow git-secrets' AWS set: access key ids, secret access keys and account ids in assignments,
# plus PEM private keys. Exit 1 and name file and line on a match; never print the matched secret.
set -euo pipefail

key_id='(A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}'
quote='("|'"'"')?'
opt_quote="$quote"
aws='(AWS|aws|Aws)?_?'
connect='\s*(:|=>|=)\s*'
secret="${opt_quote}${aws}(SECRET|secret|Secret)?_?(ACCESS|access|Access)?_?(KEY|key|Key)${opt_quote}${connect}${opt_quote}[A-Za-z0-9/+=]{40}${opt_quote}"
account="${opt_quote}${aws}(ACCOUNT|account|Account)_?(ID|id|Id)?${opt_quote}${connect}${opt_quote}[0-9]{4}-?[0-9]{4}-?[0-9]{4}${opt_quote}"
private_key='-----BEGIN ([A-Z]+ )?PRIVATE KEY( BLOCK)?-----'

if [ "$#" -eq 0 ]; then
  mapfile -t files < <(git diff --cached --name-only --diff-filter=ACM)
else
  files=("$@")
fi

found=0
for file in "${files[@]}"; do
  [ -f "$file" ] || continue
  for pattern in "$key_id" "$secret" "$account" "$private_key"; do
    if lines=$(grep -nEI -e "$pattern" -- "$file" | cut -d: -f1 | paste -sd, -); [ -n "$lines" ]; then
      echo "secret-scan: $file line(s) $lines look like an AWS credential or a private key; refusing." >&2
      found=1
    fi
  done
done
if [ "$found" -ne 0 ]; then
  echo "secret-scan: remove the secret (rotate it if it was real), or keep test keys out of the repository." >&2
  exit 1
fi
