#!/usr/bin/env bash
# Compares the price model with the standard peers, scikit-learn HistGradientBoostingRegressor and XGBoost's
# XGBRegressor (both with default settings on log1p(price), categoricals as codes), by 5-fold cross-validation on the
# SAME folds: our `train cv` writes the fold assignment, peer.py scores both peers on it. Our search, blend and interval
# calibration run inside each training fold, so nothing of a test fold is seen. Prints a Markdown table.
#
# usage: bench/price-peer/compare.sh [DATASETS_DIR] [SEED]      (default ../shared/datasets, seed 42)
#   TUNE_TRIALS (default 10) candidates per fold, TUNE_SECONDS (default 600) budget per fold: with the trial cap
#   reached first, the result does not depend on machine speed.
# Needs Debian's python3-sklearn and python3-xgboost (installed here if missing; benchmark only, never part of the product).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
datasets="${1:-$repo/../shared/datasets}"
seed="${2:-42}"
trials="${TUNE_TRIALS:-10}"
budget="${TUNE_SECONDS:-600}"
folds=5
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for module in sklearn:python3-sklearn xgboost:python3-xgboost; do
  if ! /usr/bin/python3 -c "import ${module%%:*}" 2>/dev/null; then
    echo "installing ${module#*:} (Debian) for the peers..." >&2
    apt-get install -y "${module#*:}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${module#*:}" >/dev/null; }
  fi
done

# The platform tool (its `train cv` verb); PLATFORM_CLI may name another build of it, e.g. "dotnet my/platform.dll".
if [[ -z "${PLATFORM_CLI:-}" ]]; then
  dotnet build "$repo/services/platform" -c Release --artifacts-path "$work/build" >/dev/null
  PLATFORM_CLI="dotnet $(find "$work/build/bin" -name platform.dll -path '*release*' | head -n 1)"
fi

printf '| data set | n | model | MdAPE %% | PPE10 %% | PPE20 %% | RMSLE | 80 %% interval coverage %% | mean relative width | flat width at equal coverage |\n'
printf '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n'
for name in sacramento windsor_houseprices boston_housing2; do
  data="$datasets/$name.csv"
  schema="$repo/datasets/$name.schema.json"
  out="$work/$name"
  $PLATFORM_CLI train cv --data "$data" --schema "$schema" --folds "$folds" --seed "$seed" --folds-out "$out" \
    --tune-seconds "$budget" --tune-trials "$trials" >/dev/null 2>"$out.log" || { cat "$out.log" >&2; exit 1; }
  /usr/bin/python3 "$repo/bench/price-peer/peer.py" "$data" "$schema" "$out/folds.csv" "$seed" > "$out/peer.json"
  /usr/bin/python3 - "$name" "$out/cv.json" "$out/peer.json" <<'PY'
import json, sys
name, ours, peers = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
iv = ours["intervals"]
print(f"| {name} | {ours['n']} | ML.NET, tuned + blend (ours) | {ours['MdAPE']:.2f} | {ours['PPE10']:.1f} | {ours['PPE20']:.1f} | {ours['RMSLE']:.4f} "
      f"| {iv['overall']['coverage']:.1f} | {iv['overall']['mean_relative_width']:.3f} | {iv['flat_at_equal_coverage']['mean_relative_width']:.3f} |")
for key, label in (("hgb", "sklearn HistGradientBoosting"), ("xgb", "XGBoost")):
    p = peers[key]
    print(f"| {name} | {p['n']} | {label} (peer) | {p['MdAPE']:.2f} | {p['PPE10']:.1f} | {p['PPE20']:.1f} | {p['RMSLE']:.4f} | – | – | – |")
trainers = ", ".join(f["trainer"] for f in ours["fold_models"])
print(f"<!-- {name} fold models: {trainers} -->")
PY
done
