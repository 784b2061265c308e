#!/usr/bin/env python3
"""Water clusters cut from the periodic 64-water cells, for bench/periodic.sh.

    make-clusters.py CELLS.xyz OUTDIR [frames]

For each of the first `frames` cells: molecules made whole under the minimum
image (O with its two nearest H), the M molecules whose O are nearest to the
first O (M = 16, 32, 64), written as isolated clusters (no Lattice) with
placeholder dipole and polarizability labels (the benchmark measures cost, not
accuracy), to OUTDIR/water_cluster_M.xyz. numpy only."""
import sys
import numpy as np


def frames(path):
    with open(path) as f:
        while True:
            line = f.readline()
            if not line.strip():
                return
            n = int(line)
            comment = f.readline()
            lat = np.array(comment.split('Lattice="')[1].split('"')[0].split(), float).reshape(3, 3)
            rows = [f.readline().split() for _ in range(n)]
            yield lat, [r[0] for r in rows], np.array([[float(v) for v in r[1:4]] for r in rows])


def molecules(H, sym, x):
    Hi = np.linalg.inv(H)
    O = [i for i, s in enumerate(sym) if s == "O"]
    Hs = [i for i, s in enumerate(sym) if s == "H"]
    mols = []
    for o in O:
        d = x[Hs] - x[o]
        d -= np.round(d @ Hi) @ H
        near = np.argsort(np.linalg.norm(d, axis=1))[:2]
        mols.append(np.vstack([x[o], x[o] + d[near[0]], x[o] + d[near[1]]]))
    return mols


def main():
    src, out = sys.argv[1], sys.argv[2]
    nframes = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    rng = np.random.default_rng(1)
    files = {m: open(f"{out}/water_cluster_{m}.xyz", "w") for m in (16, 32, 64)}
    for k, (H, sym, x) in enumerate(frames(src)):
        if k >= nframes:
            break
        mols = molecules(H, sym, x)
        Hi = np.linalg.inv(H)
        c = mols[0][0]
        shift = []
        for m in mols:  # the image of each molecule nearest to the first O
            d = m[0] - c
            shift.append(-np.round(d @ Hi) @ H)
        dist = [np.linalg.norm(m[0] + s - c) for m, s in zip(mols, shift)]
        order = np.argsort(dist)
        for M, f in files.items():
            f.write(f"{3 * M}\n")
            mu = rng.normal(size=3)
            a = rng.normal(size=(3, 3))
            a = a + a.T + 30 * np.eye(3)
            f.write('dipole="%s" polarizability="%s" Properties=species:S:1:pos:R:3\n' % (" ".join("%.6f" % v for v in mu), " ".join("%.6f" % v for v in a.ravel())))
            for j in order[:M]:
                for s, p in zip("OHH", mols[j] + shift[j]):
                    f.write("%s %.8f %.8f %.8f\n" % (s, *p))
    for f in files.values():
        f.close()


if __name__ == "__main__":
    main()
