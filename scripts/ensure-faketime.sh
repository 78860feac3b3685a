#!/bin/sh
# The node fault test (tests/nodes/test_node_faults.py) skews a node's clock with Debian's
# libfaketime (LD_PRELOAD, nothing downloaded). Installs it with apt-get when it is missing
# (Debian, run as root). Without root or apt-get it says so and leaves the decision to the test
# (it skips, or fails under CI=true).
set -e
if [ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-faketime: libfaketime is missing and cannot be installed here (need root and apt-get)" >&2
  exit 0
fi
echo "ensure-faketime: installing Debian's libfaketime"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends libfaketime >/dev/null
