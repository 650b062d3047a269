#!/usr/bin/env bash
# Brings src/*/PublicAPI.Unshipped.txt up to date with the code: adds what RS0016 reports (new public API) and drops
# what RS0017 reports (public API that no longer exists), through the analyzers' own code fixes.
#   eng/update-public-api.sh          after a merge or an intended API change; review the diff, then commit
#   eng/update-public-api.sh --ship   at a release: moves every Unshipped line into PublicAPI.Shipped.txt
set -euo pipefail
cd "$(dirname "$0")/.."

for project in src/Kcp.Transport/Kcp.Transport.csproj src/Kcp.AspNetCore/Kcp.AspNetCore.csproj; do
  dotnet format analyzers "$project" --diagnostics RS0016 RS0017 --severity error --verbosity quiet || true
done

if [ "${1:-}" = "--ship" ]; then
  for dir in src/Kcp.Transport src/Kcp.AspNetCore; do
    # Shipped keeps its "#nullable enable" first line; both files stay sorted as the code fix writes them.
    { echo '#nullable enable'; grep -hv '^#nullable' "$dir/PublicAPI.Shipped.txt" "$dir/PublicAPI.Unshipped.txt" | LC_ALL=C sort -u; } \
      > "$dir/PublicAPI.Shipped.txt.new"
    mv "$dir/PublicAPI.Shipped.txt.new" "$dir/PublicAPI.Shipped.txt"
    echo '#nullable enable' > "$dir/PublicAPI.Unshipped.txt"
  done
fi

# The build is the check: RS0016/RS0017 are errors.
dotnet build src/Kcp.AspNetCore/Kcp.AspNetCore.csproj -c Release --nologo --verbosity quiet
