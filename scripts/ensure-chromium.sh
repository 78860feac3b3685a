#!/bin/sh
# The browser tests drive Debian's chromium (never a browser downloaded by playwright).
# Installs it with apt-get when /usr/bin/chromium is missing (Debian, run as root), with fonts
# for the Arabic and Chinese pages. Without root or apt-get it says so and leaves the decision to
# the tests (they skip, or fail under CI=true).
set -e
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: /usr/bin/chromium is missing and cannot be installed here (need root and apt-get)" >&2
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-wqy-zenhei >/dev/null
