#!/usr/bin/env bash
# Runs every sample in samples/ end to end, in order, and fails if any fails. Uses
# FRAISEEVENTS_CONNECTION when set; otherwise starts a throwaway local PostgreSQL (installing the
# Debian package if needed) and removes it afterwards.
# Each sample keeps to a schema of its own (getting_started_sample, aggregates_sample,
# upcasting_sample), so they share the one database without seeing each other's events.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [[ -z "${FRAISEEVENTS_CONNECTION:-}" ]]; then
  unset FRAISEEVENTS_TEST_CONNECTION
  exec "$root/scripts/with-postgres.sh" bash -c 'FRAISEEVENTS_CONNECTION="$FRAISEEVENTS_TEST_CONNECTION" exec "$0"' "$0"
fi

for project in "$root"/samples/*/*.csproj; do
  echo "=== $(basename "$project" .csproj)"
  dotnet run -c Release --project "$project" -- "$FRAISEEVENTS_CONNECTION"
done
