#!/usr/bin/env python3
"""Committee uncertainty against actual error on the test frames of a teann-train ensemble.

    bench/ensemble-spearman.py OUTDIR/predictions.nc

For every property with a committee standard deviation (<property>_std), prints the test RMSE
of the committee mean and the Spearman rank correlation between the per-frame predicted
uncertainty (RMS of the components' std) and the per-frame error of the mean (RMS over the
components). Ties are ranked in frame order."""
import sys

import netCDF4
import numpy as np


def ranks(x):
    order = np.argsort(x, kind="stable")
    r = np.empty(len(x))
    r[order] = np.arange(len(x))
    return r


d = netCDF4.Dataset(sys.argv[1])
test = np.asarray(d["subset"][:]) == 2
if not test.any():
    sys.exit("%s: no test frames (subset 2)" % sys.argv[1])
found = False
for p in ["dipole", "polarizability", "quadrupole", "hyperpolarizability", "transition_dipole"]:
    if p + "_std" not in d.variables:
        continue
    found = True
    ref, pred, std = (np.asarray(d[v][:]).reshape(len(test), -1)[test] for v in (p, p + "_predicted", p + "_std"))
    err = np.sqrt(((pred - ref) ** 2).mean(1))
    sd = np.sqrt((std ** 2).mean(1))
    rho = np.corrcoef(ranks(sd), ranks(err))[0, 1]
    print("%s: %d test frames, RMSE of the mean %.4e, Spearman(std, error) = %.3f" % (p, test.sum(), np.sqrt(((pred - ref) ** 2).mean()), rho))
if not found:
    sys.exit("%s: no <property>_std variables: not an ensemble's predictions" % sys.argv[1])
