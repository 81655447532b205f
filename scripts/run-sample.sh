#!/usr/bin/env bash
# Runs the getting-started sample end to end. Uses FRAISEEVENTS_CONNECTION when set; otherwise
# starts a throwaway local PostgreSQL (installing the Debian package if needed) and removes it after.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
project="$root/samples/FraiseEvents.Samples.GettingStarted"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [[ -n "${FRAISEEVENTS_CONNECTION:-}" ]]; then
  exec dotnet run -c Release --project "$project" -- "$FRAISEEVENTS_CONNECTION"
fi

unset FRAISEEVENTS_TEST_CONNECTION
exec "$root/scripts/with-postgres.sh" bash -c 'dotnet run -c Release --project "$0" -- "$FRAISEEVENTS_TEST_CONNECTION"' "$project"
