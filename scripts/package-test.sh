#!/usr/bin/env bash
# What users install is what is tested: packs FraiseEvents and FraiseEvents.Postgres into a local
# folder feed, installs FraiseEvents.Postgres from it into a new console project outside the
# repository, puts the README's quick start in its Program.cs and runs it against the server in
# FRAISEEVENTS_TEST_CONNECTION. Fails (exit 1, with the reason) if packing prints a warning, the
# package lacks its readme, XML docs or migration files, or the quick start does not build or run.
#
# Run alone with: ./scripts/with-postgres.sh ./scripts/package-test.sh
#
# The packages get a version suffix of their own per run, so no package of the same version left
# in the NuGet cache by an earlier run (or an earlier build of the same version) can stand in for
# the one just packed; those versions are removed from the cache again afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

fail() { echo "package test FAILED: $*" >&2; exit 1; }
[[ -n "${FRAISEEVENTS_TEST_CONNECTION:-}" ]] || fail "FRAISEEVENTS_TEST_CONNECTION is not set (run through scripts/with-postgres.sh)"

work=$(mktemp -d "${TMPDIR:-/tmp}/fraiseevents-package.XXXXXX")
feed="$work/feed"
app="$work/app"
suffix="packagetest.$(date -u +%Y%m%d%H%M%S).$$"
global_packages=$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')
version=""
cleanup() {
  local rc=$?
  if [[ -n "$version" && -n "$global_packages" ]]; then
    rm -rf "$global_packages/fraiseevents/$version" "$global_packages/fraiseevents.postgres/$version"
    rmdir --ignore-fail-on-non-empty "$global_packages/fraiseevents" "$global_packages/fraiseevents.postgres" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT

echo "[package-test] packing into $feed"
# Built under $work (--artifacts-path), so the work tree's bin/ and obj/ are left as they were.
for project in src/FraiseEvents/FraiseEvents.csproj src/FraiseEvents.Postgres/FraiseEvents.Postgres.csproj; do
  dotnet pack "$root/$project" -c Release -nologo --version-suffix "$suffix" --artifacts-path "$work/artifacts" -o "$feed" \
    >"$work/pack.log" 2>&1 || { cat "$work/pack.log" >&2; fail "dotnet pack $project failed"; }
  if grep -i -E "warning|missing a readme" "$work/pack.log" >&2; then
    fail "dotnet pack $project printed a warning"
  fi
done

package=$(ls "$feed"/FraiseEvents.Postgres.*.nupkg)
version=$(basename "$package" .nupkg)
version=${version#FraiseEvents.Postgres.}
for id in FraiseEvents FraiseEvents.Postgres; do
  [[ -f "$feed/$id.$version.nupkg" ]] || fail "$id.$version.nupkg was not packed"
  [[ -f "$feed/$id.$version.snupkg" ]] || fail "$id.$version.snupkg (symbols) was not packed"
done

echo "[package-test] installing FraiseEvents.Postgres $version into a new console project"
mkdir -p "$app"
cd "$app"
dotnet new console --name QuickStart --output . --no-restore --no-update-check >/dev/null
# Adds the local feed to the sources NuGet already uses (the user's and machine's configuration).
cat >NuGet.config <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="fraiseevents-package-test" value="$feed" />
  </packageSources>
</configuration>
XML
dotnet add package FraiseEvents.Postgres --version "$version" >"$work/add.log" 2>&1 \
  || { cat "$work/add.log" >&2; fail "dotnet add package FraiseEvents.Postgres $version failed"; }

installed="$global_packages/fraiseevents.postgres/$version"
[[ -f "$installed/README.md" ]] || fail "the package has no README.md"
# The adapter uses the core's internals, so it must depend on exactly the core it was built with.
grep -q "<dependency id=\"FraiseEvents\" version=\"\[$version\]\"" "$installed/fraiseevents.postgres.nuspec" \
  || fail "FraiseEvents.Postgres does not pin FraiseEvents to exactly [$version]"
[[ -f "$installed/lib/net10.0/FraiseEvents.Postgres.xml" ]] || fail "the package has no XML documentation"
[[ -f "$global_packages/fraiseevents/$version/lib/net10.0/FraiseEvents.xml" ]] || fail "FraiseEvents has no XML documentation"
for sql in "$root"/migrations/*.sql; do
  cmp -s "$sql" "$installed/migrations/$(basename "$sql")" || fail "the package's migrations/$(basename "$sql") differs from the repository's or is missing"
done

# The README's quick start, unchanged but for its connection string.
awk '/^## Quick start/ { section = 1 } section && /^```csharp/ { code = 1; next } code && /^```/ { exit } code' "$root/README.md" \
  | sed 's/"Host=localhost;Username=postgres;Password=secret"/QuickStartDatabase.ConnectionString/' >Program.cs
grep -q "QuickStartDatabase.ConnectionString" Program.cs || fail "could not find the quick start's connection string in README.md"
cp "$root/scripts/package-test/QuickStartDatabase.cs" .

echo "[package-test] building and running the README's quick start"
dotnet build -c Release -nologo -warnaserror >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; cat Program.cs >&2; fail "the quick start does not build against the package"; }
dotnet run -c Release --no-build >"$work/run.log" 2>&1 \
  || { cat "$work/run.log" >&2; fail "the quick start failed"; }
cat "$work/run.log"
# What the quick start prints: its two events, read back in order.
grep -q "^1: USER_CREATED" "$work/run.log" && grep -q "^2: USER_RENAMED" "$work/run.log" \
  || fail "the quick start did not print its two events (1: USER_CREATED, 2: USER_RENAMED)"
echo "[package-test] passed: FraiseEvents.Postgres $version installs from a feed and runs the README's quick start"
