#!/usr/bin/env bash
# Installs what the browser test (ChatHub.Tests BrowserPageTests) needs: Debian's chromium and playwright-core from
# package-lock.json into tests/browser/node_modules. Idempotent; does nothing when both are already in place.
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing ${need_apt[*]} (apt)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

wanted=$(node -p 'require("./package-lock.json").packages["node_modules/playwright-core"].version')
installed=$(node -p 'try { require("./node_modules/playwright-core/package.json").version } catch { "" }')
if [ "$wanted" != "$installed" ]; then
  echo "Installing playwright-core $wanted (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
