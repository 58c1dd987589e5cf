#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine with the .NET 10 SDK lacks to build, run and test the platform, and only
# what is missing:
# - PostgreSQL server binaries (the platform starts its own throwaway or project-local cluster from them);
# - kubectl where apt offers it (tests/Deploy.Tests renders the Kubernetes overlays with `kubectl kustomize`; without it
#   those tests are skipped);
# - Debian's Chromium (the dashboard's browser tests drive /usr/bin/chromium through Playwright, never `playwright install`).
set -euo pipefail

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
apt_updated=""

# apt-get install, with one `apt-get update` per run before the first install.
apt_install() {
    if [ -z "$apt_updated" ]; then
        $sudo_cmd apt-get update -qq || true
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@" >/dev/null
}

have_postgres() {
    command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET 10 SDK is required (https://dot.net); 'dotnet' is not on PATH." >&2
    exit 1
fi

if ! have_postgres; then
    echo "setup: installing PostgreSQL server binaries (apt-get install postgresql)..."
    apt_install postgresql
fi

if ! command -v kubectl >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    [ -n "$apt_updated" ] || { $sudo_cmd apt-get update -qq || true; apt_updated=1; }
    # The Kubernetes apt repository's `kubectl`, else the distribution's `kubernetes-client`.
    package=""
    for candidate in kubectl kubernetes-client; do
        if apt-cache policy "$candidate" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
            package=$candidate
            break
        fi
    done
    if [ -n "$package" ]; then
        echo "setup: installing kubectl (apt-get install $package)..."
        apt_install "$package" || echo "setup: could not install $package; the Kubernetes manifest tests will be skipped." >&2
    else
        echo "setup: apt offers no kubectl; the Kubernetes manifest tests will be skipped." >&2
    fi
fi

if [ ! -x /usr/bin/chromium ]; then
    echo "setup: installing Chromium for the dashboard browser tests (apt-get install chromium)..."
    apt_install chromium
fi
