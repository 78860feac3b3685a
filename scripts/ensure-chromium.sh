#!/bin/sh
# The browser tests drive Debian's chromium (never a browser downloaded by playwright): its
# headless shell (package chromium-headless-shell, /usr/lib/chromium/chromium-headless-shell,
# the same source and version as Debian's chromium, without the desktop browser around it; what
# playwright drives for headless runs). Installs it with apt-get when it is missing (Debian, run
# as root), with fonts for the Arabic and Chinese pages. Without root or apt-get it says so and
# leaves the decision to the tests (they skip, or fail under CI=true).
set -e
if [ -x /usr/lib/chromium/chromium-headless-shell ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: /usr/lib/chromium/chromium-headless-shell is missing and cannot be installed here (need root and apt-get)" >&2
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium-headless-shell"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium-headless-shell fonts-dejavu-core fonts-wqy-zenhei >/dev/null
