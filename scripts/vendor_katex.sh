#!/usr/bin/env bash
# Vendor KaTeX into the site's static assets, from the npm registry (no CDN at run time).
# Usage: scripts/vendor_katex.sh [VERSION]   (default: the version pinned below)
# Copies katex.min.js, katex.min.css, the woff2 fonts and the LICENSE into
# src/arxiv_digest/render/static/katex/ (the site finds the math itself: render/static/math.js). Only the woff2 fonts are kept (every current browser
# reads them); the CSS's woff/ttf fallbacks are cut so that it names no file we do not ship.
set -euo pipefail
VERSION="${1:-0.19.1}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/arxiv_digest/render/static/katex"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "katex@$VERSION" >/dev/null
tar -xzf katex-*.tgz
PKG="$WORK/package"

rm -rf "$DEST"
mkdir -p "$DEST/fonts"
cp "$PKG/dist/katex.min.js" "$DEST/"
sed -E 's/,url\(fonts\/[A-Za-z0-9_-]+\.(woff|ttf)\) format\("(woff|truetype)"\)//g' \
  "$PKG/dist/katex.min.css" > "$DEST/katex.min.css"
cp "$PKG"/dist/fonts/*.woff2 "$DEST/fonts/"
cp "$PKG/LICENSE" "$DEST/LICENSE"
echo "$VERSION" > "$DEST/VERSION"
echo "KaTeX $VERSION vendored into $DEST"
