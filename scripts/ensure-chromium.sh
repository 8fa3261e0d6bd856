#!/usr/bin/env bash
# The browser tests drive Debian's chromium (no browser download). Install it if it is missing
# and we are root; otherwise those tests skip with a reason.
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium (Debian package) for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; browser tests will be skipped"
else
  echo "note: chromium not found; browser tests will be skipped (apt-get install chromium)"
fi
exit 0
