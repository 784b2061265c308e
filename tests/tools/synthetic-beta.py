#!/usr/bin/env python3
"""Synthetic first hyperpolarizabilities with a single irreducible part, for
tests/heads.sh: reads an extended XYZ of molecules and writes it back with
`hyperpolarizability=` replaced by

  lambda = 1:  beta = Sym(u (x) I),  u = sum_i q_Z r~_i          (pure vector part)
  lambda = 3:  beta = T - Sym(v (x) I), T = sum_i w_Z r~_i^(x3), v = 3/5 tr T
               (the traceless, fully symmetric part of T)

r~ relative to the centre of mass with teann's standard atomic weights, so
that both are exact functions of the geometry that the head of design eq. 11
can represent. Usage: synthetic-beta.py 1|3 IN.xyz OUT.xyz"""
import sys

MASS = {"H": 1.008, "C": 12.011, "N": 14.007, "O": 15.999}
Q = {"H": 0.4, "C": -0.2, "N": -0.5, "O": -0.8}
W = {"H": 1.0, "C": 0.3, "N": 0.4, "O": 0.5}


def sym_vec_identity(v):
    return [[[((j == k) * v[i] + (i == k) * v[j] + (i == j) * v[k]) / 3 for k in range(3)] for j in range(3)] for i in range(3)]


def beta_of(lam, els, xyz):
    M = sum(MASS[e] for e in els)
    c = [sum(MASS[e] * x[d] for e, x in zip(els, xyz)) / M for d in range(3)]
    rt = [[x[d] - c[d] for d in range(3)] for x in xyz]
    if lam == 1:
        u = [sum(Q[e] * r[d] for e, r in zip(els, rt)) for d in range(3)]
        return sym_vec_identity(u)
    T = [[[sum(W[e] * r[i] * r[j] * r[k] for e, r in zip(els, rt)) for k in range(3)] for j in range(3)] for i in range(3)]
    t = [sum(T[i][j][j] for j in range(3)) for i in range(3)]
    S = sym_vec_identity([0.6 * x for x in t])
    return [[[T[i][j][k] - S[i][j][k] for k in range(3)] for j in range(3)] for i in range(3)]


def main():
    lam, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    lines = open(src).read().splitlines()
    out, vals, i = [], [], 0
    while i < len(lines) and lines[i].strip():
        n = int(lines[i])
        comment, atoms = lines[i + 1], lines[i + 2:i + 2 + n]
        els = [a.split()[0] for a in atoms]
        xyz = [[float(v) for v in a.split()[1:4]] for a in atoms]
        b = beta_of(lam, els, xyz)
        vals += [b[p][q][r] for p in range(3) for q in range(3) for r in range(3)]
        flat = " ".join("%.15g" % b[p][q][r] for p in range(3) for q in range(3) for r in range(3))
        keep = []
        for tok in comment.split('" '):  # drop the old key, keep the rest
            if not tok.startswith("hyperpolarizability="):
                keep.append(tok)
        comment = '" '.join(keep)
        out += [str(n), 'hyperpolarizability="%s" %s' % (flat, comment)] + atoms
        i += 2 + n
    open(dst, "w").write("\n".join(out) + "\n")
    # the spread of the labels, pooled over the 27 components: what the test divides by
    n = len(vals) // 27
    mean = [sum(vals[c::27]) / n for c in range(27)]
    print("%.10g" % (sum((v - mean[i % 27]) ** 2 for i, v in enumerate(vals)) / len(vals)) ** 0.5)


main()
