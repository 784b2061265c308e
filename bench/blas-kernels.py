#!/usr/bin/env python3
"""Check the BLAS kernels teann's atomic networks run on, against extended-precision products.

    python3 bench/blas-kernels.py                    # the kernels OPENBLAS_CORETYPE selects, if set
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/blas-kernels.py   # OpenBLAS's own choice

Calls cblas_dgemm of the BLAS teann links (libblas.so.3; OpenBLAS on Debian) with every shape,
transposition and beta that src/model/network.c passes for networks of 8-128 neurons and blocks
of up to 128 atoms (forward products, input adjoints, weight gradients added block by block),
and compares each result with the same product in long double: the error of every element,
relative to sum_p |a_ip b_pj| + |beta c_ij|, must stay below k * 2^-52 (a correct kernel's bound,
rounding included). A wrong kernel (OpenBLAS has shipped AVX-512 kernels that were) is off by
O(1) there. Prints the kernel set, the number of products and the largest relative error; exits
1 if any product fails.
"""
import ctypes
import ctypes.util
import sys

import numpy as np

COL, NOTRANS, TRANS = 102, 111, 112


def load():
    blas = ctypes.CDLL(ctypes.util.find_library("blas") or "libblas.so.3")
    core = "unknown (not OpenBLAS)"
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas")):
        try:
            ob = ctypes.CDLL(name)
            ob.openblas_get_corename.restype = ctypes.c_char_p
            core = "OpenBLAS " + ob.openblas_get_corename().decode()
            break
        except (OSError, TypeError, AttributeError):
            continue
    f = blas.cblas_dgemm
    P = ctypes.POINTER(ctypes.c_double)
    f.argtypes = [ctypes.c_int] * 6 + [ctypes.c_double, P, ctypes.c_int, P, ctypes.c_int, ctypes.c_double, P, ctypes.c_int]
    f.restype = None
    return f, core


def gemm(f, ta, tb, m, n, k, A, B, beta, C):
    """C (m x n, column-major, in place) = beta C + op(A) op(B); A, B column-major as stored."""
    P = ctypes.POINTER(ctypes.c_double)
    lda = A.shape[0]
    ldb = B.shape[0]
    f(COL, TRANS if ta else NOTRANS, TRANS if tb else NOTRANS, m, n, k, 1.0,
      A.ctypes.data_as(P), lda, B.ctypes.data_as(P), ldb, beta, C.ctypes.data_as(P), m)


def check(f, rng, ta, tb, m, n, k, beta):
    # column-major storage: a Fortran-ordered array of shape (rows, cols)
    A = np.asfortranarray(rng.standard_normal((k, m) if ta else (m, k)))
    B = np.asfortranarray(rng.standard_normal((n, k) if tb else (k, n)))
    C0 = np.asfortranarray(rng.standard_normal((m, n)))
    C = C0.copy(order="F")
    gemm(f, ta, tb, m, n, k, A, B, beta, C)
    opA = (A.T if ta else A).astype(np.longdouble)
    opB = (B.T if tb else B).astype(np.longdouble)
    ref = opA @ opB + beta * C0.astype(np.longdouble)
    scale = np.abs(opA) @ np.abs(opB) + abs(beta) * np.abs(C0.astype(np.longdouble))
    return float(np.max(np.abs(C.astype(np.longdouble) - ref) / scale)), k * 2.0 ** -52


def main():
    f, core = load()
    rng = np.random.default_rng(7)
    widths = (8, 16, 24, 32, 48, 64, 96, 128)
    atoms = (1, 2, 3, 7, 16, 31, 48, 64, 100, 127, 128)
    worst, count, bad = 0.0, 0, []
    for h in widths:
        for nin in widths:
            for na in atoms:
                cases = [(False, False, h, na, nin, 0.0),   # forward Z = W X
                         (False, False, nin, na, h, 0.0),   # input adjoint via the transposed copy
                         (False, False, nin, na, h, 1.0),   # ... added into dX
                         (True, False, nin, na, h, 0.0),    # input adjoint W^T dZ as BLAS sees it
                         (False, True, h, nin, na, 1.0)]    # weight gradient dZ X^T, block by block
                for ta, tb, m, n, k, beta in cases:
                    err, bound = check(f, rng, ta, tb, m, n, k, beta)
                    count += 1
                    worst = max(worst, err / bound)
                    if err > bound:
                        bad.append((ta, tb, m, n, k, beta, err))
    print("%s: %d products, largest error %.3g of the bound k 2^-52" % (core, count, worst))
    for b in bad[:10]:
        print("  FAILED: trans %s %s, m %d n %d k %d, beta %g: relative error %.3g" % b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
