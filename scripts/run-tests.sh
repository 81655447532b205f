#!/usr/bin/env bash
# Builds and runs every test project, the packed-package test (scripts/package-test.sh, counted
# as one test) and the samples (scripts/run-sample.sh, counted as one test), then prints one summary
# line for all of them:
#   N passed, N failed, N skipped
# Expects FRAISEEVENTS_TEST_CONNECTION to be set (scripts/test.sh does that).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
results=$(mktemp -d "${TMPDIR:-/tmp}/fraiseevents-results.XXXXXX")
trap 'rm -rf "$results"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

cd "$root"
dotnet build FraiseEvents.sln -c Release -nologo -v quiet
build_status=$?
if [[ $build_status -ne 0 ]]; then
  echo "build failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# Each test project writes its results to a folder of its own, so their TRX files cannot collide.
test_status=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build -nologo --logger "trx" --logger "console;verbosity=minimal" \
    --results-directory "$results/$name" || test_status=$?
done

passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*/*.trx; do
  [[ -f "$trx" ]] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done

# It builds in a folder of its own, so it cannot disturb the builds the tests above ran.
if "$root/scripts/package-test.sh"; then
  passed=$((passed + 1))
else
  echo "the packed-package test failed (scripts/package-test.sh)"
  failed=$((failed + 1))
fi

# The README's other command, counted as one test: every sample end to end on the same server, so
# that a sample whose own check fails breaks the suite instead of a new user's first run.
if FRAISEEVENTS_CONNECTION="$FRAISEEVENTS_TEST_CONNECTION" "$root/scripts/run-sample.sh" >"$results/samples.log" 2>&1; then
  passed=$((passed + 1))
else
  echo "the samples failed (scripts/run-sample.sh); the end of their output:"
  tail -n 30 "$results/samples.log"
  failed=$((failed + 1))
fi

if [[ $files -eq 0 ]]; then
  echo "no test results were written"
  failed=$((failed + 1))
fi
if [[ $test_status -ne 0 && $failed -eq 0 ]]; then
  # The runner failed without a failing test (a crashed host, a fixture that could not start).
  failed=1
fi

echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 && $passed -gt 0 ]]
