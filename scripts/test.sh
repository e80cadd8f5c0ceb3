#!/usr/bin/env bash
# Install what the tests need (pip packages; Debian chromium + chromium-driver when we can) and run them all.
# Usage: bash scripts/test.sh [pytest args]
set -uo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt || exit 1

if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian chromium + chromium-driver for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
      || echo "Could not install chromium: browser tests will be skipped."
  else
    echo "chromium/chromedriver not found and not root: browser tests will be skipped."
  fi
fi

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian redis-server for the scale-out tests..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null \
      || echo "Could not install redis-server: the scale-out tests will be skipped."
  else
    echo "redis-server not found and not root: the scale-out tests will be skipped."
  fi
fi

python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests (exit 5)"; rc=0
fi
exit "$rc"
