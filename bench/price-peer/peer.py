#!/usr/bin/env python3
"""The standard peers for the price model, as a new user would run them: scikit-learn HistGradientBoostingRegressor
and XGBoost's XGBRegressor, both with their default settings on log1p(price), categoricals as ordinal codes, the
schema's numeric columns and latitude/longitude (columns the schema excludes are never read), evaluated on the fold
assignment our `train cv --folds-out` wrote.

usage: peer.py DATA.csv SCHEMA.json FOLDS.csv [SEED]
prints one JSON object: {"hgb": {pooled metrics}, "xgb": {pooled metrics}}
"""
import csv
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from xgboost import XGBRegressor


def number(text):
    return float("nan") if text in ("", "NA") else float(text)


def main():
    data_path, schema_path, folds_path = sys.argv[1:4]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 42
    schema = json.load(open(schema_path))
    with open(data_path, newline="") as f:
        rows = list(csv.DictReader(f))
    # folds.csv: line (1-based line in DATA.csv, header is line 1), fold
    with open(folds_path, newline="") as f:
        fold_of_line = {int(r["line"]): int(r["fold"]) for r in csv.DictReader(f)}
    lines = sorted(fold_of_line)
    rows = [rows[line - 2] for line in lines]
    fold = np.array([fold_of_line[line] for line in lines])

    columns = []
    for name in schema.get("numeric", []):
        columns.append([number(r[name]) for r in rows])
    for name in schema.get("categorical", []):
        levels = {v: i for i, v in enumerate(sorted({r[name] for r in rows}))}
        columns.append([float(levels[r[name]]) for r in rows])
    for key in ("latitude", "longitude"):
        if schema.get(key):
            columns.append([number(r[schema[key]]) for r in rows])
    X = np.array(columns).T
    y = np.array([number(r[schema["target"]]) for r in rows])

    peers = {
        "hgb": lambda: HistGradientBoostingRegressor(random_state=seed),
        "xgb": lambda: XGBRegressor(random_state=seed, n_jobs=1),
    }
    print(json.dumps({name: score(make, X, y, fold) for name, make in peers.items()}))


def score(make, X, y, fold):
    predicted = np.zeros_like(y)
    for f in sorted(set(fold)):
        train, test = fold != f, fold == f
        model = make()
        model.fit(X[train], np.log1p(y[train]))
        predicted[test] = np.expm1(model.predict(X[test]))

    ape = np.abs(predicted - y) / y * 100
    return {
        "n": int(len(y)),
        "folds": int(len(set(fold))),
        "MdAPE": float(np.median(ape)),
        "MAPE": float(np.mean(ape)),
        "PPE10": float(np.mean(ape <= 10) * 100),
        "PPE20": float(np.mean(ape <= 20) * 100),
        "RMSLE": float(np.sqrt(np.mean((np.log1p(predicted) - np.log1p(y)) ** 2))),
    }


if __name__ == "__main__":
    main()
