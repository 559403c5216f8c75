#!/usr/bin/env bash
# Installs the PostgreSQL server the warehouse tests start. Skips quietly when it is already there,
# and leaves the tests to skip with a clear message when it cannot be installed.
set -u

if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL is not installed and cannot be installed here; the PostgreSQL tests will skip."
    exit 0
fi
echo "Installing the PostgreSQL server from Debian packages..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq postgresql >/dev/null 2>&1 \
    || echo "PostgreSQL could not be installed; the PostgreSQL tests will skip."
exit 0
