#!/usr/bin/env bash
# Compares the price model with the standard peer (scikit-learn HistGradientBoostingRegressor on log1p(price),
# categoricals as codes) by 5-fold cross-validation on the SAME folds: our `train cv` writes the fold assignment,
# peer.py scores the peer on it. Prints one table row per data set.
#
# usage: bench/price-peer/compare.sh [DATASETS_DIR] [SEED]      (default ../shared/datasets, seed 42)
# Needs Debian's python3-sklearn (installed here if missing; benchmark only, never part of the product).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
datasets="${1:-$repo/../shared/datasets}"
seed="${2:-42}"
folds=5
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! /usr/bin/python3 -c 'import sklearn' 2>/dev/null; then
  echo "installing python3-sklearn (Debian) for the peer..." >&2
  apt-get install -y python3-sklearn >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-sklearn >/dev/null; }
fi

# The platform tool (its `train cv` verb); PLATFORM_CLI may name another build of it, e.g. "dotnet my/platform.dll".
if [[ -z "${PLATFORM_CLI:-}" ]]; then
  dotnet build "$repo/services/platform" -c Release --artifacts-path "$work/build" >/dev/null
  PLATFORM_CLI="dotnet $(find "$work/build/bin" -name platform.dll -path '*release*' | head -n 1)"
fi

printf '| data set | n | model | MdAPE %% | PPE10 %% | PPE20 %% | RMSLE | 80 %% interval coverage %% |\n'
printf '|---|---:|---|---:|---:|---:|---:|---:|\n'
for name in sacramento windsor_houseprices; do
  data="$datasets/$name.csv"
  schema="$repo/datasets/$name.schema.json"
  out="$work/$name"
  $PLATFORM_CLI train cv --data "$data" --schema "$schema" --folds "$folds" --seed "$seed" --folds-out "$out" >/dev/null
  /usr/bin/python3 "$repo/bench/price-peer/peer.py" "$data" "$schema" "$out/folds.csv" "$seed" > "$out/peer.json"
  /usr/bin/python3 - "$name" "$out/cv.json" "$out/peer.json" <<'PY'
import json, sys
name, ours, peer = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
print(f"| {name} | {ours['n']} | ML.NET {ours['trainer']} (ours) | {ours['MdAPE']:.2f} | {ours['PPE10']:.1f} | {ours['PPE20']:.1f} | {ours['RMSLE']:.4f} | {ours['interval_coverage']:.1f} |")
print(f"| {name} | {peer['n']} | sklearn HistGradientBoosting (peer) | {peer['MdAPE']:.2f} | {peer['PPE10']:.1f} | {peer['PPE20']:.1f} | {peer['RMSLE']:.4f} | – |")
PY
done
