#!/usr/bin/env bash
# The main job: builds, starts (or reuses) the local PostgreSQL, seeds the demo market, trains and serves every API.
# ./run.sh [platform arguments]   e.g. ./run.sh serve --urls http://127.0.0.1:5080
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec dotnet run --project services/platform -c Release -- "$@"
