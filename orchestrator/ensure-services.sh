#!/usr/bin/env bash
# Installs the real services sessionlab starts (redis-server, memcached, nginx, PostgreSQL;
# docker-compose to validate docker-compose.yml; chromium to open the HTML report) from Debian
# packages when they are missing. As root it runs apt-get; otherwise it names the command to run.
set -euo pipefail

missing=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
have redis-server || missing+=(redis-server)
have redis-cli || missing+=(redis-tools)
have memcached || missing+=(memcached)
have nginx || missing+=(nginx)
have openssl || missing+=(openssl)
# Debian's package puts the binaries in /usr/lib/postgresql/<version>/bin and makes the postgres user.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || have initdb || missing+=(postgresql)
# Headless browser for the report test (test/reports/browser.test.ts).
have chromium || missing+=(chromium)
# Only to validate docker-compose.yml: no Docker engine is needed or started.
have docker-compose || missing+=(docker-compose)

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "sessionlab: missing ${missing[*]} — run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "sessionlab: installing ${missing[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
