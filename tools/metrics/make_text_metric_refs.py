#!/usr/bin/python3
"""Generates test/fixtures/metrics/text.json: reference values for src/metrics/text.ts (the metrics of
the user's own classification, regression and multi-label data), from sklearn and scipy (it imports
nothing of albert-ts):

- classification: sklearn's accuracy_score, and f1_score (pos_label=1) when there are two classes;
- regression: scipy's pearsonr and spearmanr (ties, constant inputs: NaN), sklearn's mean_squared_error;
- multi-label: label-id sets as MultiLabelBinarizer indicator rows; f1_score(average='micro'), 0 when
  there is no positive decision at all (sklearn's zero_division), and accuracy_score (exact match).

Run: /usr/bin/python3 tools/metrics/make_text_metric_refs.py   (deterministic: seeded)
"""
import json
import os
import random
import sys

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error
from sklearn.preprocessing import MultiLabelBinarizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_metric_refs import ROOT, num  # noqa: E402 (its warnings filter too; nothing of albert-ts)

OUT = os.path.join(ROOT, 'test', 'fixtures', 'metrics', 'text.json')
rng = random.Random(20261204)


def noisy(gold, k, p):
    return [rng.randrange(k) if rng.random() < p else g for g in gold]


def classification_cases():
    cases = []
    for _ in range(30):
        k = rng.randint(2, 5)
        n = rng.randint(1, 60)
        gold = [rng.randrange(k) for _ in range(n)]
        cases.append((k, gold, noisy(gold, k, rng.random())))
    cases.append((2, [0] * 8, [0] * 8))          # no positive anywhere: F1 0
    cases.append((2, [1, 0, 1, 1], [0, 0, 0, 0]))  # nothing predicted positive
    cases.append((3, [0, 1, 2], [2, 0, 1]))
    out = []
    for k, gold, pred in cases:
        expected = [['accuracy', num(accuracy_score(gold, pred))]]
        if k == 2:
            expected.append(['f1', num(f1_score(gold, pred, pos_label=1, zero_division=0))])
        out.append({'num_labels': k, 'gold': gold, 'predicted': pred, 'expected': expected})
    return out


def regression_cases():
    cases = []
    for _ in range(20):
        n = rng.randint(2, 50)
        grid = rng.choice([0.5, 1.0, None])
        gold = [rng.uniform(-3, 3) if grid is None else round(rng.uniform(0, 5) / grid) * grid for _ in range(n)]
        pred = [round(g + rng.gauss(0, rng.choice([0.1, 1, 3])), rng.choice([0, 1, 4])) for g in gold]
        cases.append((gold, pred))
    cases.append(([2.0] * 5, [1.0, 2.0, 3.0, 4.0, 5.0]))  # constant gold: correlations NaN
    cases.append(([1.0, 2.0], [3.0, -1.0]))
    out = []
    for gold, pred in cases:
        out.append({'gold': gold, 'predicted': pred, 'expected': [
            ['pearson', num(pearsonr(gold, pred)[0])], ['spearmanr', num(spearmanr(gold, pred)[0])],
            ['mse', num(mean_squared_error(gold, pred))]]})
    return out


def multilabel_cases():
    cases = []
    for _ in range(25):
        k = rng.randint(2, 6)
        n = rng.randint(1, 40)
        gold = [sorted(rng.sample(range(k), rng.randint(0, k))) for _ in range(n)]
        pred = [g if rng.random() < 0.5 else sorted(rng.sample(range(k), rng.randint(0, k))) for g in gold]
        cases.append((k, gold, pred))
    cases.append((3, [[], []], [[], []]))          # no positive decision at all: F1 0, exact match 1
    cases.append((3, [[0, 1], [2]], [[], []]))     # nothing predicted
    cases.append((3, [[0], [1, 2]], [[0], [2, 1]]))
    out = []
    for k, gold, pred in cases:
        mlb = MultiLabelBinarizer(classes=list(range(k)))
        g, p = mlb.fit_transform(gold), mlb.transform(pred)
        out.append({'gold': gold, 'predicted': pred, 'expected': [
            ['f1', num(f1_score(g, p, average='micro', zero_division=0))], ['accuracy', num(accuracy_score(g, p))]]})
    return out


def main():
    env = {'python': sys.version.split()[0], 'numpy': np.__version__,
           'sklearn': __import__('sklearn').__version__, 'scipy': __import__('scipy').__version__}
    obj = {'generated_by': 'tools/metrics/make_text_metric_refs.py', 'versions': env,
           'classification': classification_cases(), 'regression': regression_cases(), 'multi_label': multilabel_cases()}
    with open(OUT, 'w') as f:
        json.dump(obj, f, separators=(',', ':'), allow_nan=False)
        f.write('\n')
    print('%s: %d bytes' % (os.path.relpath(OUT, ROOT), os.path.getsize(OUT)))


if __name__ == '__main__':
    main()
