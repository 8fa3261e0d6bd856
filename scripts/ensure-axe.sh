#!/usr/bin/env bash
# axe-core, the accessibility checker the browser tests run on the pages (a TEST asset: never copied
# into the site). From the npm registry, into <venv>/axe-core/axe.min.js, once per version.
# Usage: scripts/ensure-axe.sh [VENV] [VERSION]
set -euo pipefail
VENV="${1:-.venv}"
VERSION="${2:-4.14.1}"
DEST="$VENV/axe-core"
if [ -f "$DEST/axe.min.js" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
  echo "note: npm not found; the accessibility tests need axe-core (apt-get install npm)"
  exit 0
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "axe-core@$VERSION" >/dev/null && tar -xzf axe-core-*.tgz)
mkdir -p "$DEST"
cp "$WORK/package/axe.min.js" "$WORK/package/LICENSE" "$DEST/"
echo "$VERSION" > "$DEST/VERSION"
echo "axe-core $VERSION for the accessibility tests: $DEST/axe.min.js"
