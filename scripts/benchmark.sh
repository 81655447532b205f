#!/usr/bin/env bash
# Runs the side-by-side benchmarks (FraiseEvents vs Marten vs raw Npgsql) and prints the table.
# Arguments go to the runner: scenario ids (S1 S1-inline S2 S2-inline S2' S3 S4 S5a S5b S7 S8 S1-v4 S3-v4
# S3-unbatched S3-multi S7-alone S2-long S5-snapshot, and G when named), --reps N (default 5), --smoke,
# --out DIR, --micro. Uses FRAISEEVENTS_TEST_CONNECTION when set; otherwise starts a throwaway
# local PostgreSQL with stock durable settings (installing the Debian package if needed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$root"
dotnet build benchmarks/FraiseEvents.Benchmarks -c Release -nologo -v quiet
exec "$root/scripts/with-postgres.sh" dotnet run -c Release --no-build --project benchmarks/FraiseEvents.Benchmarks -- "$@"
