#!/usr/bin/env bash
# Audit the pinned dependencies for known vulnerabilities with pip-audit (pinned in requirements-dev.txt).
# Needs network access: pip-audit resolves the requirements from PyPI and reads PyPI's vulnerability data.
# Usage: bash scripts/audit.sh [requirements file, default requirements.txt] [more pip-audit options]
# Exit codes: 0 nothing known, 1 vulnerabilities found or a package not checkable (listed), 2 pip-audit
# missing, 3 offline (nothing checked).
set -uo pipefail
cd "$(dirname "$0")/.."
req="${1:-requirements.txt}"
shift || true

if ! python -m pip_audit --version >/dev/null 2>&1; then
  echo "audit: pip-audit is not installed; run: python -m pip install -r requirements-dev.txt" >&2
  exit 2
fi
if ! python - <<'PY'
import json
import sys
import urllib.request

try:  # the per-release JSON pip-audit reads; a proxy or mirror without it counts as offline
    with urllib.request.urlopen("https://pypi.org/pypi/pip/23.0/json", timeout=10) as response:
        sys.exit(0 if "vulnerabilities" in json.load(response) else 1)
except Exception:  # noqa: BLE001 - any failure means the data cannot be read
    sys.exit(1)
PY
then
  echo "audit: PyPI's vulnerability data cannot be read (offline?), so nothing was checked." >&2
  echo "audit: run this script on a machine with internet access (e.g. in CI or before building the image)." >&2
  exit 3
fi
echo "audit: checking $req (and what it pulls in) against PyPI's vulnerability data..."
# --strict: a dependency that cannot be looked up fails the audit instead of passing unchecked
python -m pip_audit --requirement "$req" --strict --progress-spinner off --desc on "$@"
