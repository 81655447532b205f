#!/usr/bin/env bash
# Runs the whole test suite. Uses the server in FRAISEEVENTS_TEST_CONNECTION when set; otherwise
# starts a throwaway local PostgreSQL (installing the Debian package if needed) and removes it after.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/scripts/with-postgres.sh" "$root/scripts/run-tests.sh" "$@"
