#!/usr/bin/env python3
"""A kernel-regression reference for the water-monomer polarizability on teann's own splits
(bench/accuracy.md, "A kernel reference on the same splits").

    monomer-kernel.py source.xyz predictions.nc [predictions.nc ...]

Each predictions.nc is a teann fit's output; its `subset` (train 0, validation 1, test 2 per
source frame) gives the split. For a three-atom molecule an exactly equivariant kernel model
needs no tensor kernel: the tensor is rotated into the molecule's own frame (x along the HOH
bisector, z normal to the plane), its components there are functions of (r1, r2, theta), and
exchanging the two H flips y and z. So xx, yy, zz, yz are fitted with a symmetrised Gaussian
kernel and xy, xz with an antisymmetrised one (Gaussian-process regression, one kernel per
component, the mean of the training frames subtracted). Length scales and the noise term are
chosen on the validation frames only; the test RMSE per component (over all 9, in the lab
frame, as teann reports it) is printed with the validation figure. numpy and netCDF4 only."""
import itertools
import sys

import netCDF4
import numpy as np


def read(path):
    X, A = [], []
    with open(path) as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines) and lines[i].strip():
        n = int(lines[i])
        head = lines[i + 1]
        a = np.array(head.split('polarizability="')[1].split('"')[0].split(), float).reshape(3, 3)
        rows = [lines[i + 2 + k].split() for k in range(n)]
        sym = [r[0] for r in rows]
        x = np.array([[float(v) for v in r[1:4]] for r in rows])
        order = [sym.index("O")] + [k for k, s in enumerate(sym) if s == "H"]
        X.append(x[order])
        A.append(a)
        i += n + 2
    return np.array(X), np.array(A)


def body(X):
    """Rotations into the molecular frame and the internal coordinates (r1, r2, theta)."""
    u1, u2 = X[:, 1] - X[:, 0], X[:, 2] - X[:, 0]
    r1, r2 = np.linalg.norm(u1, axis=1), np.linalg.norm(u2, axis=1)
    e1 = u1 / r1[:, None] + u2 / r2[:, None]
    e1 /= np.linalg.norm(e1, axis=1)[:, None]
    e3 = np.cross(u1, u2)
    e3 /= np.linalg.norm(e3, axis=1)[:, None]
    e2 = np.cross(e3, e1)
    R = np.stack([e1, e2, e3], axis=1)  # rows: the body axes in the lab frame
    th = np.arccos(np.clip(np.sum(u1 * u2, axis=1) / (r1 * r2), -1, 1))
    return R, np.stack([r1, r2, th], axis=1)


def kernel(F, G, ell, sign):
    def k(a, b):
        d = (a[:, None, :] - b[None, :, :]) / ell
        return np.exp(-0.5 * np.sum(d * d, axis=2))
    Gs = G[:, [1, 0, 2]]
    return k(F, G) + sign * k(F, Gs)


COMP = [((0, 0), 1), ((1, 1), 1), ((2, 2), 1), ((1, 2), 1), ((0, 1), -1), ((0, 2), -1)]


def fit_predict(Ftr, ytr, Fte, ell, noise, sign):
    mu = ytr.mean() if sign > 0 else 0.0
    K = kernel(Ftr, Ftr, ell, sign) + noise * np.eye(len(Ftr))
    w = np.linalg.solve(K, ytr - mu)
    return kernel(Fte, Ftr, ell, sign) @ w + mu


def main():
    X, A = read(sys.argv[1])
    R, F = body(X)
    B = np.einsum("fia,fab,fjb->fij", R, A, R)  # the tensors in the molecular frame
    grid_ell = [np.array([s, s, t]) for s, t in itertools.product([0.2, 0.4, 0.8, 1.6], [0.2, 0.4, 0.8, 1.6, 3.2])]
    grid_noise = [1e-12, 1e-10, 1e-8, 1e-6]
    tests = []
    for pred in sys.argv[2:]:
        with netCDF4.Dataset(pred) as d:
            fid = np.array(d.variables["frame_id"][:])
            sub = np.array(d.variables["subset"][:])
        tr, va, te = fid[sub == 0], fid[sub == 1], fid[sub == 2]
        Bva, Bte = np.zeros((len(va), 3, 3)), np.zeros((len(te), 3, 3))
        chosen = []
        for (i, j), sign in COMP:
            best = None
            for ell, noise in itertools.product(grid_ell, grid_noise):
                p = fit_predict(F[tr], B[tr, i, j], F[va], ell, noise, sign)
                e = np.mean((p - B[va, i, j]) ** 2)
                if best is None or e < best[0]:
                    best = (e, ell, noise)
            _, ell, noise = best
            chosen.append(f"{'xyz'[i]}{'xyz'[j]} {ell[0]:g}/{ell[2]:g}/{noise:g}")
            for Bs, ids in ((Bva, va), (Bte, te)):
                Bs[:, i, j] = fit_predict(F[tr], B[tr, i, j], F[ids], ell, noise, sign)
                Bs[:, j, i] = Bs[:, i, j]
        # back to the lab frame: the RMSE over all 9 components is frame independent
        Lva = np.einsum("fia,fij,fjb->fab", R[va], Bva, R[va])
        Lte = np.einsum("fia,fij,fjb->fab", R[te], Bte, R[te])
        rv = np.sqrt(np.mean((Lva - A[va]) ** 2))
        rt = np.sqrt(np.mean((Lte - A[te]) ** 2))
        fe = np.sqrt(np.mean((Lte - A[te]) ** 2, axis=(1, 2)))
        tests.append(rt)
        print(f"{pred}: train {len(tr)}, valid {rv:.3e}, test {rt:.3e} A^3 "
              f"(median frame {np.median(fe):.2e}, worst {fe.max():.2e})")
        print("  length scale r / theta / noise per component: " + ", ".join(chosen))
    print(f"median test RMSE over {len(tests)} splits: {np.median(tests):.3e} A^3")


if __name__ == "__main__":
    main()
