#!/usr/bin/env bash
# `npm start`: sets Hearth up on a fresh Linux machine and opens it in a local VS Code.
# Installs the npm dependencies and the tools (Node 24, code-server, chromium; cached under
# ~/.cache/hearth), builds the VSIX, installs it into a code-server kept in .hearth-dev/, and
# starts that code-server on 127.0.0.1 with the tiny test models in its models folder and one
# of them chosen for chat. Your own VS Code settings are not touched.
# Environment: PORT (default 8080), HEARTH_DEV_HOME (default ./.hearth-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
port="${PORT:-8080}"
home="${HEARTH_DEV_HOME:-$repo/.hearth-dev}"

[ -f node_modules/.package-lock.json ] || npm install --no-audit --no-fund
bash scripts/install-test-tools.sh
rm -f hearth-linux-x64-*.vsix
npm run package
vsix=$(ls hearth-linux-x64-*.vsix | head -n 1)

# shellcheck source=/dev/null
source "${HEARTH_CACHE:-$HOME/.cache/hearth}/tools.env"
mkdir -p "$home/models" "$home/user-data/User" "$home/user-data/Machine" "$home/extensions"
for model in test/fixtures/*.gguf; do
  [ -f "$home/models/$(basename "$model")" ] || cp "$model" "$home/models/"
done
# First run only: the models folder (a machine setting, as the extension host is code-server's),
# the chat and completion models, and VS Code's own chat panel hidden so Hearth's is the one you
# see. Later runs keep whatever you changed.
[ -f "$home/user-data/Machine/settings.json" ] ||
  printf '{\n  "hearth.modelsDirectory": "%s"\n}\n' "$home/models" > "$home/user-data/Machine/settings.json"
[ -f "$home/user-data/User/settings.json" ] ||
  cat > "$home/user-data/User/settings.json" <<'JSON'
{
  "hearth.models.chat": "llama-2-tiny-random-fim.gguf",
  "hearth.models.completion": "llama-2-tiny-random-fim.gguf",
  "hearth.llamaCpp.threads": 1,
  "workbench.startupEditor": "none",
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden"
}
JSON

code_server=("$HEARTH_NODE24" "$HEARTH_CODE_SERVER" --extensions-dir "$home/extensions" --user-data-dir "$home/user-data")
"${code_server[@]}" --force --install-extension "$vsix"

echo
echo "Hearth is running in VS Code at http://127.0.0.1:$port/?folder=$repo"
echo "(Ctrl+C stops it.)"
echo
exec "${code_server[@]}" --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --ignore-last-opened "$repo"
