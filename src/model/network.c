/* Atomic networks (design eq. 5): every layer of one element's network is one
 * dgemm over all atoms of that element in a chunk of frames, forward and back
 * (cut into blocks of TEANN_GEMM_ROWS atoms).
 * Row-major [rows][neurons] arrays are column-major [neurons][rows] to BLAS,
 * so Z = X W reads Z^T = W^T X^T with W^T being W as stored. */
#include "config.h"
#include "network.h"
#include <petscblaslapack.h>
#if defined(TEANN_HAVE_LIBXSMM)
  #include <libxsmm.h>
#endif
#include "mathimpl.h"
#include <math.h>

/* Products over more atoms than this (n or k of the calls below) are cut into blocks of this many: a block of a 64-wide
   layer is within the size (about 10^6 multiply-adds) for which OpenBLAS uses its small-matrix
   kernels on AVX-512 machines, which neither pack the operands nor clear C for beta = 0, and its
   operands stay in cache. The cut depends on the number of atoms only, never on threads or ranks. */
#ifndef TEANN_GEMM_ROWS
  #define TEANN_GEMM_ROWS 128
#endif

/* c[j] = beta c[j] + sum_p a[p] B[p ldb + j], j < n: the weight gradient of a single-output layer.
   The sweep goes over the rows of B, contiguous in j, in blocks the compiler vectorises; each c[j]
   still adds its terms in the order p = 0, 1, ... */
static inline void RowSums(PetscInt n, PetscInt k, const PetscReal *PETSC_RESTRICT a, const PetscReal *PETSC_RESTRICT B, PetscInt ldb, PetscReal beta, PetscReal *PETSC_RESTRICT c)
{
  for (PetscInt j0 = 0; j0 < n; j0 += 64) {
    const PetscInt nb = PetscMin(64, n - j0);
    PetscReal      t[64];
    for (PetscInt j = 0; j < nb; j++) t[j] = 0;
    for (PetscInt p = 0; p < k; p++) {
      const PetscReal  ap = a[p];
      const PetscReal *b  = B + p * ldb + j0;
      for (PetscInt j = 0; j < nb; j++) t[j] += ap * b[j];
    }
    for (PetscInt j = 0; j < nb; j++) c[j0 + j] = beta == 0.0 ? t[j] : beta * c[j0 + j] + t[j];
  }
}

/* c[j ldc] = beta c[j ldc] + a . B[j ldb ...], j < n: the forward pass of a single-output layer. Eight
   partial sums in a fixed order, so that the compiler vectorises the dot products (a single running
   sum is a chain of dependent multiply-adds) and the result does not depend on the thread count. */
static inline void Dots(PetscInt n, PetscInt k, const PetscReal *PETSC_RESTRICT a, const PetscReal *PETSC_RESTRICT B, PetscInt ldb, PetscReal beta, PetscReal *PETSC_RESTRICT C, PetscInt ldc)
{
  for (PetscInt j = 0; j < n; j++) {
    const PetscReal *b = B + j * ldb;
    PetscReal        s[8] = {0, 0, 0, 0, 0, 0, 0, 0}, t;
    PetscInt         p = 0;
    for (; p + 8 <= k; p += 8)
      for (PetscInt q = 0; q < 8; q++) s[q] += a[p + q] * b[p + q];
    t = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
    for (; p < k; p++) t += a[p] * b[p];
    C[j * ldc] = beta == 0.0 ? t : beta * C[j * ldc] + t;
  }
}

static PetscBool UseLibxsmm = PETSC_TRUE;

void TeannNetUseLibxsmm(PetscBool use)
{
  UseLibxsmm = use;
}

const char *TeannNetLibxsmmTarget(void)
{
#if defined(TEANN_HAVE_LIBXSMM)
  return UseLibxsmm ? libxsmm_get_target_arch() : NULL;
#else
  return NULL;
#endif
}

#if defined(TEANN_HAVE_LIBXSMM)
/* C = beta C + A op(B) (beta 0 or 1) by a kernel libxsmm generates for this CPU and shape (cached in
   its registry, so a dispatch is a look-up); 0 if there is none (another beta, A transposed, no JIT
   for this CPU or LIBXSMM_TARGET=0): the caller then uses BLAS. Every product of a given shape runs
   the same kernel, whatever the thread, so results stay independent of threads and ranks. */
static int SmallGemm(const char *ta, const char *tb, PetscInt m, PetscInt n, PetscInt k, const PetscReal *A, PetscInt lda, const PetscReal *B, PetscInt ldb, PetscReal beta, PetscReal *C, PetscInt ldc)
{
  const libxsmm_blasint la = (libxsmm_blasint)lda, lb = (libxsmm_blasint)ldb, lc = (libxsmm_blasint)ldc;
  const double          one = 1.0;
  const int             flags = tb[0] == 'N' ? LIBXSMM_GEMM_FLAG_NONE : LIBXSMM_GEMM_FLAG_TRANS_B;
  libxsmm_dmmfunction   f;

  if (!UseLibxsmm || ta[0] != 'N' || (beta != 0.0 && beta != 1.0)) return 0;
  f = libxsmm_dmmdispatch((libxsmm_blasint)m, (libxsmm_blasint)n, (libxsmm_blasint)k, &la, &lb, &lc, &one, &beta, &flags, NULL);
  if (!f) return 0;
  f(A, B, C);
  return 1;
}
#endif

/* C = beta C + op(A) op(B), column-major. The single-output layers make products with one
   dimension 1 (dot products, outer products), where dgemm's packing costs more than the
   arithmetic: those are plain loops. */
static void Gemm(const char *ta, const char *tb, PetscInt m, PetscInt n, PetscInt k, const PetscReal *A, PetscInt lda, const PetscReal *B, PetscInt ldb, PetscReal beta, PetscReal *C, PetscInt ldc)
{
  const PetscBLASInt bm = (PetscBLASInt)m, bn = (PetscBLASInt)n, bk = (PetscBLASInt)k, la = (PetscBLASInt)lda, lb = (PetscBLASInt)ldb, lc = (PetscBLASInt)ldc;
  const PetscReal    one = 1.0;

  if (m == 1 || k == 1) {
    const PetscInt sai = ta[0] == 'N' ? 1 : lda, sap = ta[0] == 'N' ? lda : 1; /* op(A)[i,p] = A[i sai + p sap] */
    const PetscInt sbp = tb[0] == 'N' ? 1 : ldb, sbj = tb[0] == 'N' ? ldb : 1; /* op(B)[p,j] = B[p sbp + j sbj] */
    if (m == 1 && k > 1 && sap == 1 && sbj == 1 && ldc == 1) {
      RowSums(n, k, A, B, sbp, beta, C);
      return;
    }
    if (m == 1 && k > 1 && sap == 1 && sbp == 1) {
      Dots(n, k, A, B, sbj, beta, C, ldc);
      return;
    }
    for (PetscInt j = 0; j < n; j++) {
      PetscReal *c = C + j * ldc;
      if (k == 1) {
        const PetscReal b = B[j * sbj];
        if (beta == 0.0)
          for (PetscInt i = 0; i < m; i++) c[i] = A[i * sai] * b;
        else
          for (PetscInt i = 0; i < m; i++) c[i] = beta * c[i] + A[i * sai] * b;
      } else {
        const PetscReal *b = B + j * sbj;
        PetscReal        t = 0;
        for (PetscInt p = 0; p < k; p++) t += A[p * sap] * b[p * sbp];
        c[0] = beta == 0.0 ? t : beta * c[0] + t;
      }
    }
    return;
  }
  if (ta[0] == 'T' && tb[0] == 'N' && m * k <= 4096) {
    /* OpenBLAS packs op(A) = A^T (the input adjoints W^T dZ) at any size: with a transposed copy of
       the weights the product is one its small-matrix kernels take */
    PetscReal At[4096];
    for (PetscInt p = 0; p < k; p++)
      for (PetscInt i = 0; i < m; i++) At[p * m + i] = A[i * lda + p];
    Gemm("N", "N", m, n, k, At, m, B, ldb, beta, C, ldc);
    return;
  }
  if (n > TEANN_GEMM_ROWS) { /* the atoms as columns of C: independent blocks */
    const PetscInt sbj = tb[0] == 'N' ? ldb : 1;
    for (PetscInt j0 = 0; j0 < n; j0 += TEANN_GEMM_ROWS) Gemm(ta, tb, m, PetscMin(TEANN_GEMM_ROWS, n - j0), k, A, lda, B + j0 * sbj, ldb, beta, C + j0 * ldc, ldc);
    return;
  }
  if (k > TEANN_GEMM_ROWS) { /* the atoms as the inner dimension (weight gradients): blocks added in order */
    const PetscInt sap = ta[0] == 'N' ? lda : 1, sbp = tb[0] == 'N' ? 1 : ldb;
    for (PetscInt p0 = 0; p0 < k; p0 += TEANN_GEMM_ROWS) Gemm(ta, tb, m, n, PetscMin(TEANN_GEMM_ROWS, k - p0), A + p0 * sap, lda, B + p0 * sbp, ldb, p0 ? 1.0 : beta, C, ldc);
    return;
  }
#if defined(TEANN_HAVE_LIBXSMM)
  if (SmallGemm(ta, tb, m, n, k, A, lda, B, ldb, beta, C, ldc)) return;
#endif
  BLASgemm_(ta, tb, &bm, &bn, &bk, &one, A, &la, B, &lb, &beta, C, &lc);
}

/* Z += bias, then A = act(Z) for one hidden layer of h neurons (the bias added here saves the
   dgemm a pass over Z); S keeps the sigmoid (or tanh) for the reverse pass. */
static void Activate(TeannActivation act, const PetscReal *PETSC_RESTRICT pa, const PetscReal *PETSC_RESTRICT pb, const PetscReal *PETSC_RESTRICT bias, PetscInt n, PetscInt h, PetscReal *PETSC_RESTRICT Z, PetscReal *PETSC_RESTRICT S, PetscReal *PETSC_RESTRICT A)
{
  for (PetscInt r = 0; r < n; r++) {
    PetscReal *z = Z + r * h, *s = S + r * h, *y = A + r * h;
    switch (act) {
    case TEANN_ACT_RELU_LIKE:
      for (PetscInt j = 0; j < h; j++) {
        const PetscReal zj = z[j] + bias[j], u = pb[j] * zj, sg = 1.0 / (1.0 + TeannExp(-u));
        z[j] = zj;
        s[j] = sg;
        y[j] = pa[j] * u * sg;
      }
      break;
    case TEANN_ACT_SILU:
      for (PetscInt j = 0; j < h; j++) {
        const PetscReal zj = z[j] + bias[j], sg = 1.0 / (1.0 + TeannExp(-zj));
        z[j] = zj;
        s[j] = sg;
        y[j] = zj * sg;
      }
      break;
    case TEANN_ACT_TANH:
      for (PetscInt j = 0; j < h; j++) {
        z[j] += bias[j];
        s[j] = tanh(z[j]);
        y[j] = s[j];
      }
      break;
    }
  }
}

/* D = Din .* act'(Z) (Din may be D: in place), the adjoint of A made that of Z; gradients of a and b
   accumulated into ga, gb when not NULL. */
static void ActivateBackward(TeannActivation act, const PetscReal *PETSC_RESTRICT pa, const PetscReal *PETSC_RESTRICT pb, PetscInt n, PetscInt h, const PetscReal *PETSC_RESTRICT Z, const PetscReal *PETSC_RESTRICT S, const PetscReal *Din, PetscReal *D, PetscReal *PETSC_RESTRICT ga, PetscReal *PETSC_RESTRICT gb)
{
  switch (act) {
  case TEANN_ACT_RELU_LIKE:
    for (PetscInt r = 0; r < n; r++) {
      const PetscReal *z = Z + r * h, *s = S + r * h, *di = Din + r * h;
      PetscReal       *d = D + r * h;
      if (ga) {
        for (PetscInt j = 0; j < h; j++) {
          const PetscReal u = pb[j] * z[j], dsilu = s[j] * (1.0 + u * (1.0 - s[j])), dy = di[j];
          ga[j] += dy * u * s[j];
          gb[j] += dy * pa[j] * dsilu * z[j];
          d[j] = dy * pa[j] * pb[j] * dsilu;
        }
      } else {
        for (PetscInt j = 0; j < h; j++) {
          const PetscReal u = pb[j] * z[j], dsilu = s[j] * (1.0 + u * (1.0 - s[j]));
          d[j] = di[j] * pa[j] * pb[j] * dsilu;
        }
      }
    }
    break;
  case TEANN_ACT_SILU:
    for (PetscInt q = 0; q < n * h; q++) D[q] = Din[q] * S[q] * (1.0 + Z[q] * (1.0 - S[q]));
    break;
  case TEANN_ACT_TANH:
    for (PetscInt q = 0; q < n * h; q++) D[q] = Din[q] * (1.0 - S[q] * S[q]);
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

    if (l < net->nl - 1) {
      Gemm("N", "N", nout, n, nin, theta + net->w[l], nout, in, nin, 0.0, out, nout);
      Activate(act, net->a[l] >= 0 ? theta + net->a[l] : NULL, net->bb[l] >= 0 ? theta + net->bb[l] : NULL, bias, n, nout, Z[l], S[l], A[l]);
      in  = A[l];
      nin = nout;
    } else {
      for (PetscInt r = 0; r < n; r++)
        for (PetscInt j = 0; j < nout; j++) out[r * nout + j] = bias[j];
      Gemm("N", "N", nout, n, nin, theta + net->w[l], nout, in, nin, 1.0, out, nout);
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
      ActivateBackward(act, net->a[l - 1] >= 0 ? theta + net->a[l - 1] : NULL, net->bb[l - 1] >= 0 ? theta + net->bb[l - 1] : NULL, n, nin, Z[l - 1], S[l - 1], dA, dA, (g && net->a[l - 1] >= 0) ? g + net->a[l - 1] : NULL, (g && net->bb[l - 1] >= 0) ? g + net->bb[l - 1] : NULL);
      dZ = dA;
    } else if (dX) {
      Gemm("T", "N", nin, n, nout, theta + net->w[l], nout, dZ, nout, 1.0, dX, nin);
    }
  }
}

void TeannNetInputGradient(const TeannNet *net, TeannActivation act, const PetscReal theta[], PetscInt n, PetscReal *const Z[], PetscReal *const S[], const PetscReal omega[], PetscReal *const Da[], PetscReal w1[], PetscReal dX[])
{
  const PetscReal *dZ = omega;

  if (n <= 0) return;
  for (PetscInt l = net->nl - 1; l >= 0; l--) {
    const PetscInt nin = net->size[l], nout = net->size[l + 1];
    if (l > 0) {
      Gemm("T", "N", nin, n, nout, theta + net->w[l], nout, dZ, nout, 0.0, Da[l - 1], nin);
      ActivateBackward(act, net->a[l - 1] >= 0 ? theta + net->a[l - 1] : NULL, net->bb[l - 1] >= 0 ? theta + net->bb[l - 1] : NULL, n, nin, Z[l - 1], S[l - 1], Da[l - 1], w1, NULL, NULL);
      dZ = w1;
    } else Gemm("T", "N", nin, n, nout, theta + net->w[l], nout, dZ, nout, 1.0, dX, nin);
  }
}

PetscLogDouble TeannNetFlops(const TeannNet *net)
{
  PetscLogDouble f = 0;

  for (PetscInt l = 0; l < net->nl; l++) f += (PetscLogDouble)net->size[l] * net->size[l + 1];
  return f;
}

/* Forward tangent of one hidden layer: Ad = act'(Z) .* Zd. */
static void TangentActivate(TeannActivation act, const PetscReal *PETSC_RESTRICT pa, const PetscReal *PETSC_RESTRICT pb, PetscInt n, PetscInt h, const PetscReal *PETSC_RESTRICT Z, const PetscReal *PETSC_RESTRICT S, const PetscReal *PETSC_RESTRICT Zd, PetscReal *PETSC_RESTRICT Ad)
{
  switch (act) {
  case TEANN_ACT_RELU_LIKE:
    for (PetscInt r = 0; r < n; r++)
      for (PetscInt j = 0; j < h; j++) {
        const PetscInt  q = r * h + j;
        const PetscReal u = pb[j] * Z[q], s = S[q];
        Ad[q]             = pa[j] * pb[j] * s * (1 + u * (1 - s)) * Zd[q];
      }
    break;
  case TEANN_ACT_SILU:
    for (PetscInt q = 0; q < n * h; q++) Ad[q] = S[q] * (1 + Z[q] * (1 - S[q])) * Zd[q];
    break;
  case TEANN_ACT_TANH:
    for (PetscInt q = 0; q < n * h; q++) Ad[q] = (1 - S[q] * S[q]) * Zd[q];
    break;
  }
}

/* Reverse pass over one hidden layer of the tangent computation A = act(Z), Ad = act'(Z) Zd:
   Ab (adjoint of A) becomes the adjoint of Z, including act''(Z) Zd Adb; Adb, the adjoint of Ad, is
   that of A in the plain reverse pass with the same seed (TeannNetInputGradient), and Zdb receives
   the adjoint of Zd, act'(Z) Adb; relu_like a and b gradients into ga, gb when not NULL. */
static void TangentActivateBackward(TeannActivation act, const PetscReal *PETSC_RESTRICT pa, const PetscReal *PETSC_RESTRICT pb, PetscInt n, PetscInt h, const PetscReal *PETSC_RESTRICT Z, const PetscReal *PETSC_RESTRICT S, const PetscReal *PETSC_RESTRICT Zd, PetscReal *PETSC_RESTRICT Ab, const PetscReal *PETSC_RESTRICT Adb, PetscReal *PETSC_RESTRICT Zdb, PetscReal *PETSC_RESTRICT ga, PetscReal *PETSC_RESTRICT gb)
{
  switch (act) {
  case TEANN_ACT_RELU_LIKE:
    if (ga) {
      for (PetscInt r = 0; r < n; r++)
        for (PetscInt j = 0; j < h; j++) {
          const PetscInt  q = r * h + j;
          const PetscReal a = pa[j], b = pb[j], z = Z[q], zd = Zd[q], u = b * z, s = S[q];
          const PetscReal s1 = s * (1 + u * (1 - s)), s2 = s * (1 - s) * (2 + u * (1 - 2 * s)); /* SiLU', SiLU'' at u */
          const PetscReal ab = Ab[q], adb = Adb[q];
          ga[j] += ab * u * s + adb * b * s1 * zd;
          gb[j] += ab * a * s1 * z + adb * a * (s1 + u * s2) * zd;
          Ab[q]  = a * b * (s1 * ab + b * s2 * zd * adb);
          Zdb[q] = a * b * s1 * adb;
        }
    } else {
      for (PetscInt r = 0; r < n; r++)
        for (PetscInt j = 0; j < h; j++) {
          const PetscInt  q = r * h + j;
          const PetscReal a = pa[j], b = pb[j], u = b * Z[q], s = S[q];
          const PetscReal s1 = s * (1 + u * (1 - s)), s2 = s * (1 - s) * (2 + u * (1 - 2 * s));
          Ab[q]  = a * b * (s1 * Ab[q] + b * s2 * Zd[q] * Adb[q]);
          Zdb[q] = a * b * s1 * Adb[q];
        }
    }
    break;
  case TEANN_ACT_SILU:
    for (PetscInt q = 0; q < n * h; q++) {
      const PetscReal z = Z[q], s = S[q], s1 = s * (1 + z * (1 - s)), s2 = s * (1 - s) * (2 + z * (1 - 2 * s));
      Ab[q]  = s1 * Ab[q] + s2 * Zd[q] * Adb[q];
      Zdb[q] = s1 * Adb[q];
    }
    break;
  case TEANN_ACT_TANH:
    for (PetscInt q = 0; q < n * h; q++) {
      const PetscReal t = S[q], p1 = 1 - t * t, p2 = -2 * t * p1;
      Ab[q]  = p1 * Ab[q] + p2 * Zd[q] * Adb[q];
      Zdb[q] = p1 * Adb[q];
    }
    break;
  }
}

void TeannNetTangentBackward(const TeannNet *net, TeannActivation act, const PetscReal theta[], PetscInt n, const PetscReal X[], PetscReal *const Z[], PetscReal *const S[], PetscReal *const A[], const PetscReal Xd[], PetscReal *const Zd[], PetscReal *const Ad[], const PetscReal omega[], PetscReal *const Da[], PetscReal w1[], PetscReal w2[], PetscReal w3[], PetscReal w4[], PetscReal g[], PetscReal dX[])
{
  const PetscReal *ind = Xd, *Zdbar = omega, *Zbar = NULL;
  PetscInt         nin = net->size[0];

  if (n <= 0) return;
  for (PetscInt l = 0; l < net->nl - 1; l++) {
    const PetscInt   h  = net->size[l + 1];
    const PetscReal *pa = net->a[l] >= 0 ? theta + net->a[l] : NULL, *pb = net->bb[l] >= 0 ? theta + net->bb[l] : NULL;
    Gemm("N", "N", h, n, nin, theta + net->w[l], h, ind, nin, 0.0, Zd[l], h);
    TangentActivate(act, pa, pb, n, h, Z[l], S[l], Zd[l], Ad[l]);
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
      PetscReal       *Zdb = (Zdbar == w1) ? w2 : w1, *Ab = (Zbar == w3) ? w4 : w3;
      PetscReal       *ga = (g && pa) ? g + net->a[l - 1] : NULL, *gbb = (g && pb) ? g + net->bb[l - 1] : NULL;
      if (Zbar) Gemm("T", "N", h, n, no, W, no, Zbar, no, 0.0, Ab, h);
      else
        for (PetscInt q = 0; q < n * h; q++) Ab[q] = 0;
      TangentActivateBackward(act, pa, pb, n, h, Z[l - 1], S[l - 1], Zd[l - 1], Ab, Da[l - 1], Zdb, ga, gbb);
      Zdbar = Zdb;
      Zbar  = Ab;
    } else if (dX && Zbar) Gemm("T", "N", ni, n, no, W, no, Zbar, no, 1.0, dX, ni);
  }
}
