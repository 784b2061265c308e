/* Atomic networks (design eq. 5): every layer of one element's network is one
 * dgemm over all atoms of that element in a chunk of frames, forward and back.
 * Row-major [rows][neurons] arrays are column-major [neurons][rows] to BLAS,
 * so Z = X W reads Z^T = W^T X^T with W^T being W as stored. */
#include "network.h"
#include <petscblaslapack.h>
#include "mathimpl.h"
#include <math.h>

static inline void Gemm(const char *ta, const char *tb, PetscInt m, PetscInt n, PetscInt k, const PetscReal *A, PetscInt lda, const PetscReal *B, PetscInt ldb, PetscReal beta, PetscReal *C, PetscInt ldc)
{
  const PetscBLASInt bm = (PetscBLASInt)m, bn = (PetscBLASInt)n, bk = (PetscBLASInt)k, la = (PetscBLASInt)lda, lb = (PetscBLASInt)ldb, lc = (PetscBLASInt)ldc;
  const PetscReal    one = 1.0;

  BLASgemm_(ta, tb, &bm, &bn, &bk, &one, A, &la, B, &lb, &beta, C, &lc);
}

/* A = act(Z) for one hidden layer of h neurons; S keeps the sigmoid (or tanh) for the reverse pass. */
static void Activate(TeannActivation act, const PetscReal *PETSC_RESTRICT pa, const PetscReal *PETSC_RESTRICT pb, PetscInt n, PetscInt h, const PetscReal *PETSC_RESTRICT Z, PetscReal *PETSC_RESTRICT S, PetscReal *PETSC_RESTRICT A)
{
  switch (act) {
  case TEANN_ACT_RELU_LIKE:
    for (PetscInt r = 0; r < n; r++) {
      const PetscReal *z = Z + r * h;
      PetscReal       *s = S + r * h, *y = A + r * h;
      for (PetscInt j = 0; j < h; j++) {
        const PetscReal u = pb[j] * z[j], sg = 1.0 / (1.0 + TeannExp(-u));
        s[j] = sg;
        y[j] = pa[j] * u * sg;
      }
    }
    break;
  case TEANN_ACT_SILU:
    for (PetscInt q = 0; q < n * h; q++) {
      const PetscReal sg = 1.0 / (1.0 + TeannExp(-Z[q]));
      S[q]               = sg;
      A[q]               = Z[q] * sg;
    }
    break;
  case TEANN_ACT_TANH:
    for (PetscInt q = 0; q < n * h; q++) {
      S[q] = tanh(Z[q]);
      A[q] = S[q];
    }
    break;
  }
}

/* dA (in place) becomes dZ; gradients of a and b accumulated into ga, gb when not NULL. */
static void ActivateBackward(TeannActivation act, const PetscReal *PETSC_RESTRICT pa, const PetscReal *PETSC_RESTRICT pb, PetscInt n, PetscInt h, const PetscReal *PETSC_RESTRICT Z, const PetscReal *PETSC_RESTRICT S, PetscReal *PETSC_RESTRICT D, PetscReal *PETSC_RESTRICT ga, PetscReal *PETSC_RESTRICT gb)
{
  switch (act) {
  case TEANN_ACT_RELU_LIKE:
    for (PetscInt r = 0; r < n; r++) {
      const PetscReal *z = Z + r * h, *s = S + r * h;
      PetscReal       *d = D + r * h;
      if (ga) {
        for (PetscInt j = 0; j < h; j++) {
          const PetscReal u = pb[j] * z[j], dsilu = s[j] * (1.0 + u * (1.0 - s[j])), dy = d[j];
          ga[j] += dy * u * s[j];
          gb[j] += dy * pa[j] * dsilu * z[j];
          d[j] = dy * pa[j] * pb[j] * dsilu;
        }
      } else {
        for (PetscInt j = 0; j < h; j++) {
          const PetscReal u = pb[j] * z[j], dsilu = s[j] * (1.0 + u * (1.0 - s[j]));
          d[j] *= pa[j] * pb[j] * dsilu;
        }
      }
    }
    break;
  case TEANN_ACT_SILU:
    for (PetscInt q = 0; q < n * h; q++) D[q] *= S[q] * (1.0 + Z[q] * (1.0 - S[q]));
    break;
  case TEANN_ACT_TANH:
    for (PetscInt q = 0; q < n * h; q++) D[q] *= 1.0 - S[q] * S[q];
    break;
  }
}

void TeannNetForward(const TeannNet *net, TeannActivation act, const PetscReal theta[], PetscInt n, const PetscReal X[], PetscReal *const Z[], PetscReal *const S[], PetscReal *const A[], PetscReal Y[])
{
  const PetscReal *in  = X;
  PetscInt         nin = net->size[0];

  if (n <= 0) return;
  for (PetscInt l = 0; l < net->nl; l++) {
    const PetscInt   nout = net->size[l + 1];
    const PetscReal *bias = theta + net->b[l];
    PetscReal       *out  = (l < net->nl - 1) ? Z[l] : Y;

    for (PetscInt r = 0; r < n; r++)
      for (PetscInt j = 0; j < nout; j++) out[r * nout + j] = bias[j];
    Gemm("N", "N", nout, n, nin, theta + net->w[l], nout, in, nin, 1.0, out, nout);
    if (l < net->nl - 1) {
      Activate(act, net->a[l] >= 0 ? theta + net->a[l] : NULL, net->bb[l] >= 0 ? theta + net->bb[l] : NULL, n, nout, Z[l], S[l], A[l]);
      in  = A[l];
      nin = nout;
    }
  }
}

void TeannNetBackward(const TeannNet *net, TeannActivation act, const PetscReal theta[], PetscInt n, const PetscReal X[], PetscReal *const Z[], PetscReal *const S[], PetscReal *const A[], const PetscReal dY[], PetscReal w1[], PetscReal w2[], PetscReal g[], PetscReal dX[])
{
  const PetscReal *dZ = dY;

  if (n <= 0) return;
  for (PetscInt l = net->nl - 1; l >= 0; l--) {
    const PetscInt   nin = net->size[l], nout = net->size[l + 1];
    const PetscReal *in  = l > 0 ? A[l - 1] : X;

    if (g) {
      PetscReal *gb = g + net->b[l];
      Gemm("N", "T", nout, nin, n, dZ, nout, in, nin, 1.0, g + net->w[l], nout);
      for (PetscInt r = 0; r < n; r++)
        for (PetscInt j = 0; j < nout; j++) gb[j] += dZ[r * nout + j];
    }
    if (l > 0) {
      PetscReal *dA = (dZ == w1) ? w2 : w1;
      Gemm("T", "N", nin, n, nout, theta + net->w[l], nout, dZ, nout, 0.0, dA, nin);
      ActivateBackward(act, net->a[l - 1] >= 0 ? theta + net->a[l - 1] : NULL, net->bb[l - 1] >= 0 ? theta + net->bb[l - 1] : NULL, n, nin, Z[l - 1], S[l - 1], dA, (g && net->a[l - 1] >= 0) ? g + net->a[l - 1] : NULL, (g && net->bb[l - 1] >= 0) ? g + net->bb[l - 1] : NULL);
      dZ = dA;
    } else if (dX) {
      Gemm("T", "N", nin, n, nout, theta + net->w[l], nout, dZ, nout, 1.0, dX, nin);
    }
  }
}

PetscLogDouble TeannNetFlops(const TeannNet *net)
{
  PetscLogDouble f = 0;

  for (PetscInt l = 0; l < net->nl; l++) f += (PetscLogDouble)net->size[l] * net->size[l + 1];
  return f;
}

/* First and second derivative of the activation at z (s: the stored sigmoid or tanh), and for
   relu_like the derivatives of A and of A' with respect to a and b. */
static inline void ActDerivs(TeannActivation act, PetscReal a, PetscReal b, PetscReal z, PetscReal s, PetscReal *p1, PetscReal *p2, PetscReal *Aa, PetscReal *A1a, PetscReal *Ab, PetscReal *A1b)
{
  if (act == TEANN_ACT_TANH) {
    *p1 = 1 - s * s;
    *p2 = -2 * s * (1 - s * s);
  } else {
    const PetscReal u = (act == TEANN_ACT_RELU_LIKE) ? b * z : z, s1 = s * (1 + u * (1 - s)), s2 = s * (1 - s) * (2 + u * (1 - 2 * s));
    if (act == TEANN_ACT_RELU_LIKE) {
      *p1  = a * b * s1;
      *p2  = a * b * b * s2;
      *Aa  = u * s;
      *A1a = b * s1;
      *Ab  = a * s1 * z;
      *A1b = a * (s1 + u * s2);
    } else {
      *p1 = s1;
      *p2 = s2;
    }
  }
}

void TeannNetTangentBackward(const TeannNet *net, TeannActivation act, const PetscReal theta[], PetscInt n, const PetscReal X[], PetscReal *const Z[], PetscReal *const S[], PetscReal *const A[], const PetscReal Xd[], PetscReal *const Zd[], PetscReal *const Ad[], const PetscReal omega[], PetscReal w1[], PetscReal w2[], PetscReal w3[], PetscReal w4[], PetscReal g[], PetscReal dX[], PetscReal dXd[])
{
  const PetscReal *ind = Xd, *Zdbar = omega, *Zbar = NULL;
  PetscInt         nin = net->size[0];

  if (n <= 0) return;
  for (PetscInt l = 0; l < net->nl - 1; l++) {
    const PetscInt   h  = net->size[l + 1];
    const PetscReal *pa = net->a[l] >= 0 ? theta + net->a[l] : NULL, *pb = net->bb[l] >= 0 ? theta + net->bb[l] : NULL;
    Gemm("N", "N", h, n, nin, theta + net->w[l], h, ind, nin, 0.0, Zd[l], h);
    for (PetscInt r = 0; r < n; r++)
      for (PetscInt j = 0; j < h; j++) {
        PetscReal p1, p2, t1, t2, t3, t4;
        ActDerivs(act, pa ? pa[j] : 1, pb ? pb[j] : 1, Z[l][r * h + j], S[l][r * h + j], &p1, &p2, &t1, &t2, &t3, &t4);
        Ad[l][r * h + j] = p1 * Zd[l][r * h + j];
      }
    ind = Ad[l];
    nin = h;
  }
  for (PetscInt l = net->nl - 1; l >= 0; l--) {
    const PetscInt   ni = net->size[l], no = net->size[l + 1];
    const PetscReal *in = l > 0 ? A[l - 1] : X, *ind = l > 0 ? Ad[l - 1] : Xd, *W = theta + net->w[l];

    if (g) {
      Gemm("N", "T", no, ni, n, Zdbar, no, ind, ni, 1.0, g + net->w[l], no);
      if (Zbar) {
        PetscReal *gb = g + net->b[l];
        Gemm("N", "T", no, ni, n, Zbar, no, in, ni, 1.0, g + net->w[l], no);
        for (PetscInt r = 0; r < n; r++)
          for (PetscInt j = 0; j < no; j++) gb[j] += Zbar[r * no + j];
      }
    }
    if (l > 0) {
      const PetscInt   h  = ni;
      const PetscReal *pa = net->a[l - 1] >= 0 ? theta + net->a[l - 1] : NULL, *pb = net->bb[l - 1] >= 0 ? theta + net->bb[l - 1] : NULL;
      PetscReal       *Adb = (Zdbar == w1) ? w2 : w1, *Ab = (Zbar == w3) ? w4 : w3;
      PetscReal       *ga = (g && pa) ? g + net->a[l - 1] : NULL, *gbb = (g && pb) ? g + net->bb[l - 1] : NULL;
      Gemm("T", "N", h, n, no, W, no, Zdbar, no, 0.0, Adb, h);
      if (Zbar) Gemm("T", "N", h, n, no, W, no, Zbar, no, 0.0, Ab, h);
      else
        for (PetscInt q = 0; q < n * h; q++) Ab[q] = 0;
      for (PetscInt r = 0; r < n; r++)
        for (PetscInt j = 0; j < h; j++) {
          const PetscInt  q = r * h + j;
          const PetscReal zd = Zd[l - 1][q];
          PetscReal       p1, p2, Aa = 0, A1a = 0, Abb = 0, A1b = 0;
          ActDerivs(act, pa ? pa[j] : 1, pb ? pb[j] : 1, Z[l - 1][q], S[l - 1][q], &p1, &p2, &Aa, &A1a, &Abb, &A1b);
          if (ga) {
            ga[j] += Ab[q] * Aa + Adb[q] * A1a * zd;
            gbb[j] += Ab[q] * Abb + Adb[q] * A1b * zd;
          }
          Ab[q]  = p1 * Ab[q] + p2 * zd * Adb[q];
          Adb[q] = p1 * Adb[q];
        }
      Zdbar = Adb;
      Zbar  = Ab;
    } else {
      if (dXd) Gemm("T", "N", ni, n, no, W, no, Zdbar, no, 1.0, dXd, ni);
      if (dX && Zbar) Gemm("T", "N", ni, n, no, W, no, Zbar, no, 1.0, dX, ni);
    }
  }
}
