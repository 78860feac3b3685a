#!/bin/sh
# The HTTP benchmark tool of bench/ and `make bench-reads`: Debian's wrk (never a binary built by
# hand). Installs it with apt-get when it is missing (Debian, run as root); without root or
# apt-get it says so and the benchmark falls back to locust or stops.
set -e
if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-wrk: wrk is missing and cannot be installed here (need root and apt-get)" >&2
  exit 0
fi
echo "ensure-wrk: installing Debian's wrk"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends wrk >/dev/null
}
