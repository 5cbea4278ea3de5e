#!/usr/bin/env bash
# Builds the plugin, packages the archive and runs Grafana's plugin validator (plugincheck2) on it.
# plugincheck2 comes from $PLUGINCHECK2 or PATH; docs/grafana.md says how it was built here.
set -euo pipefail
cd "$(dirname "$0")/.."
checker=${PLUGINCHECK2:-$(command -v plugincheck2 || true)}
if [ -z "$checker" ]; then
  echo "validate: plugincheck2 not found; set PLUGINCHECK2=/path/to/plugincheck2 (see docs/grafana.md)" >&2
  exit 2
fi
npm run build --silent
archive=$(bash scripts/package-plugin.sh)
echo "validate: $checker -strict -sourceCodeUri file://$PWD $archive"
"$checker" -strict -sourceCodeUri "file://$PWD" "$archive"
