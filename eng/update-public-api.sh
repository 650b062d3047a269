#!/usr/bin/env bash
# Brings src/*/PublicAPI.Unshipped.txt up to date with the code, the way the analyzers want it:
#   - new public API (RS0016): its lines are added, through the analyzer's own code fix;
#   - public API that is gone (RS0017): its line is dropped from Unshipped, or, if it had shipped, recorded in
#     Unshipped as *REMOVED*<line> (a breaking change, visible in review).
#   eng/update-public-api.sh          after a merge or an intended API change; review the diff, then commit
#   eng/update-public-api.sh --ship   at a release: applies Unshipped to PublicAPI.Shipped.txt and empties it
set -euo pipefail
cd "$(dirname "$0")/.."
projects=(src/Kcp.Transport src/Kcp.AspNetCore)

for dir in "${projects[@]}"; do
  dotnet format analyzers "$dir/$(basename "$dir").csproj" --diagnostics RS0016 --severity error --verbosity quiet || true
done

# RS0017 has no code fix: read the build's errors (file, symbol) and edit the files.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet build src/Kcp.AspNetCore/Kcp.AspNetCore.csproj -c Release --nologo --verbosity quiet >"$log" 2>&1 || true
{ grep -oE "[^ ]*PublicAPI\.(Shipped|Unshipped)\.txt\([0-9]+,[0-9]+\): error RS0017: Symbol '.*' is part of the declared API" "$log" || true; } \
  | sort -u | while IFS= read -r hit; do
    file=${hit%%(*}
    symbol=${hit#*"error RS0017: Symbol '"}
    symbol=${symbol%"' is part of the declared API"}
    if [[ $file == *PublicAPI.Unshipped.txt ]]; then
      grep -vxF -- "$symbol" "$file" >"$file.new" || true
      mv "$file.new" "$file"
    else
      echo "*REMOVED*$symbol" >>"$(dirname "$file")/PublicAPI.Unshipped.txt"
    fi
  done

if [ "${1:-}" = "--ship" ]; then
  for dir in "${projects[@]}"; do
    shipped="$dir/PublicAPI.Shipped.txt"
    unshipped="$dir/PublicAPI.Unshipped.txt"
    removed=$(grep '^\*REMOVED\*' "$unshipped" | sed 's/^\*REMOVED\*//' || true)
    # Shipped keeps its "#nullable enable" first line and stays sorted, as the code fix writes the files.
    {
      echo '#nullable enable'
      { grep -v '^#nullable' "$shipped" | grep -vxF -- "$removed" || true; grep -v -e '^#nullable' -e '^\*REMOVED\*' "$unshipped" || true; } \
        | grep -v '^$' | LC_ALL=C sort -u
    } >"$shipped.new"
    mv "$shipped.new" "$shipped"
    echo '#nullable enable' >"$unshipped"
  done
fi

# The build is the check: RS0016 and RS0017 are errors.
dotnet build src/Kcp.AspNetCore/Kcp.AspNetCore.csproj -c Release --nologo --verbosity quiet
