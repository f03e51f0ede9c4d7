"""Reference values for test/runtime/stats/reference.test.ts (run with Debian's /usr/bin/python3).

Reads a JSON manifest (argv[1]) naming little-endian float64 files, computes each case with
scipy / numpy / scikit-learn and prints one JSON document on stdout.
"""
import json
import sys

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon
from sklearn.ensemble import IsolationForest
from sklearn.ensemble._iforest import _average_path_length
from sklearn.metrics import roc_auc_score


def load(path):
    return np.fromfile(path, dtype='<f8')


def psi_direct(ref, cur, bins, eps):
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    r = np.bincount(np.searchsorted(edges, ref, side='right'), minlength=len(edges) + 1) / len(ref)
    c = np.bincount(np.searchsorted(edges, cur, side='right'), minlength=len(edges) + 1) / len(cur)
    r = np.where(r == 0, eps, r)
    c = np.where(c == 0, eps, c)
    return float(np.sum((c - r) * np.log(c / r))), edges, r, c


def main():
    manifest = json.load(open(sys.argv[1]))
    out = {'ks': [], 'binned': [], 'forest': [], 'pathLength': []}
    for case in manifest['ks']:
        r = stats.ks_2samp(load(case['a']), load(case['b']), method='auto')
        out['ks'].append({'statistic': float(r.statistic), 'pValue': float(r.pvalue)})
    for case in manifest['binned']:
        ref, cur = load(case['a']), load(case['b'])
        value, edges, _, _ = psi_direct(ref, cur, case['bins'], case['epsilon'])
        rc = np.bincount(np.searchsorted(edges, ref, side='right'), minlength=len(edges) + 1)
        cc = np.bincount(np.searchsorted(edges, cur, side='right'), minlength=len(edges) + 1)
        out['binned'].append({'psi': value, 'edges': edges.tolist(), 'js': float(jensenshannon(rc, cc, base=2))})
    for case in manifest['forest']:
        x = load(case['x']).reshape(-1, case['dims'])
        labels = load(case['labels'])
        ours = load(case['ours'])
        ref = IsolationForest(n_estimators=100, max_samples=256, random_state=case['seed']).fit(x)
        out['forest'].append({'sklearnAuc': float(roc_auc_score(labels, -ref.score_samples(x))), 'oursAuc': float(roc_auc_score(labels, ours))})
    out['pathLength'] = _average_path_length(np.array(manifest['pathLength'])).tolist()
    json.dump(out, sys.stdout)


main()
