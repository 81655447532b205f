#!/usr/bin/env bash
# Runs every sample in samples/ end to end, in order, and fails if any fails. Uses
# FRAISEEVENTS_CONNECTION when set; otherwise starts a throwaway local PostgreSQL (installing the
# Debian package if needed) and removes it afterwards.
# Each sample keeps to a schema of its own (getting_started_sample, aggregates_sample,
# upcasting_sample, projection_worker_sample), so they share the one database without seeing each other's events.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [[ -z "${FRAISEEVENTS_CONNECTION:-}" ]]; then
  unset FRAISEEVENTS_TEST_CONNECTION
  exec "$root/scripts/with-postgres.sh" bash -c 'FRAISEEVENTS_CONNECTION="$FRAISEEVENTS_TEST_CONNECTION" exec "$0"' "$0"
fi

for project in "$root"/samples/*/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "=== $name"
  if [[ "$name" == FraiseEvents.Samples.ProjectionWorker ]]; then
    # Two processes, as the sample is meant to be run: a worker (which exits on its own after 8 s,
    # once its projection has caught up and its read model equals a fresh fold) while an appender
    # appends for 3 s.
    dotnet build -c Release -v q -nologo "$project" >/dev/null
    dotnet run -c Release --no-build --project "$project" -- "$FRAISEEVENTS_CONNECTION" --seconds 8 &
    worker=$!
    dotnet run -c Release --no-build --project "$project" -- "$FRAISEEVENTS_CONNECTION" --append --seconds 3
    wait "$worker"
    continue
  fi
  dotnet run -c Release --project "$project" -- "$FRAISEEVENTS_CONNECTION"
done
