#!/usr/bin/env bash
# Candidates for deletion in the product code (not tests): names nothing calls, per vulture. Check each by
# hand; names used in ways vulture cannot see are listed, with why, in scripts/vulture_whitelist.py.
set -uo pipefail
cd "$(dirname "$0")/.."
python -m vulture app.py config.py data_access.py release_store.py components pages web reuse vocab etl gallery bench \
  scripts/vulture_whitelist.py --min-confidence 60 "$@"
