#!/usr/bin/env bash
# Builds the plugin archive Grafana's catalog and plugin validator expect: a zip whose single top-level folder is
# the app plugin's id, holding dist/ (the nested datasource and panel plugins travel inside it).
set -euo pipefail
cd "$(dirname "$0")/.."
id=$(node -p "require('./src/plugin.json').id")
version=$(node -p "require('./package.json').version")
[ -f dist/module.js ] || { echo "package: dist/ is empty; run npm run build first" >&2; exit 1; }
rm -rf artifacts && mkdir -p "artifacts/$id"
cp -r dist/. "artifacts/$id/"
(cd artifacts && zip -qr "$id-$version.zip" "$id")
sha1sum "artifacts/$id-$version.zip" | cut -d' ' -f1 > "artifacts/$id-$version.zip.sha1"
echo "artifacts/$id-$version.zip"
