/* Order-independent sums (design 3.1, eq. 13): every value is split exactly
 * over fixed 32-bit bins, x = sum_b q_b, q_b an integer multiple of the bin's
 * unit u_b = 2^(32 b - 128), by q_b = (C_b + x) - C_b with C_b = 1.5 2^52 u_b
 * (round to nearest), top bin first. A bin's additions are additions of
 * integers below 2^53 units, hence exact; normalisation moves each bin's
 * whole multiples of u_(b+1) up, leaving a canonical digit in [0, 2^32) units,
 * so merged sums and the doubles read from them do not depend on the order in
 * which values, threads or ranks were combined. */
#include "exactsum.h"
#include <math.h>

#define XSUM_E0       (-128)    /* exponent of bin 0's unit                          */
#define XSUM_MAXABS   0x1p100   /* largest magnitude accepted                        */
#define XSUM_MAX_ADDS 65536     /* additions per bin between normalisations (< 2^17) */

static inline PetscReal Unit(PetscInt b) { return ldexp(1.0, XSUM_E0 + 32 * (int)b); }

PetscErrorCode TeannXSumCreate(PetscInt n, TeannXSum **xs)
{
  PetscFunctionBegin;
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "cannot hold %" PetscInt_FMT " sums", n);
  PetscCall(PetscNew(xs));
  (*xs)->n = n;
  PetscCall(PetscCalloc1((size_t)TEANN_XSUM_BINS * n + 1, &(*xs)->bin));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannXSumDestroy(TeannXSum **xs)
{
  PetscFunctionBegin;
  if (!*xs) PetscFunctionReturn(0);
  PetscCall(PetscFree((*xs)->bin));
  PetscCall(PetscFree(*xs));
  PetscFunctionReturn(0);
}

void TeannXSumZero(TeannXSum *xs)
{
  for (size_t k = 0; k < (size_t)TEANN_XSUM_BINS * xs->n; k++) xs->bin[k] = 0;
  xs->adds = 0;
  xs->amax = 0;
}

/* Carries: bin b keeps its remainder modulo u_(b+1), in [0, u_(b+1)). */
static void Normalize(TeannXSum *xs)
{
  const PetscInt n = xs->n;

  for (PetscInt b = 0; b + 1 < TEANN_XSUM_BINS; b++) {
    const PetscReal up = Unit(b + 1), iup = 1.0 / up;
    PetscReal      *lo = xs->bin + (size_t)b * n, *hi = lo + n;

    for (PetscInt i = 0; i < n; i++) {
      const PetscReal c = floor(lo[i] * iup) * up;
      lo[i] -= c;
      hi[i] += c;
    }
  }
  xs->adds = 0;
}

/* x over the bins, top first; the remainder below u_0/2 is dropped. */
static inline void Split(PetscReal *bin, PetscInt n, PetscInt i, PetscReal x, const PetscReal C[])
{
  for (PetscInt b = TEANN_XSUM_BINS - 1; b >= 0; b--) {
    const PetscReal q = (C[b] + x) - C[b];
    bin[(size_t)b * n + i] += q;
    x -= q;
  }
}

static inline void Constants(PetscReal C[])
{
  for (PetscInt b = 0; b < TEANN_XSUM_BINS; b++) C[b] = 1.5 * ldexp(1.0, 52) * Unit(b);
}

static inline void Count(TeannXSum *xs)
{
  if (++xs->adds >= XSUM_MAX_ADDS) Normalize(xs);
}

void TeannXSumAdd(TeannXSum *xs, const PetscReal x[])
{
  const PetscInt n = xs->n;
  PetscReal      C[TEANN_XSUM_BINS];
  int            ok = 1;

  for (PetscInt i = 0; i < n; i++) ok &= (fabs(x[i]) < XSUM_MAXABS); /* false for NaN too */
  if (!ok || !(xs->amax < XSUM_MAXABS)) { /* the sums are void: TeannXSumGet gives NaN */
    xs->amax = NAN;
    return;
  }
  Constants(C);
  for (PetscInt i = 0; i < n; i++) Split(xs->bin, n, i, x[i], C);
  Count(xs);
}

void TeannXSumAddAt(TeannXSum *xs, PetscInt i, PetscReal x)
{
  PetscReal C[TEANN_XSUM_BINS];

  if (!(fabs(x) < XSUM_MAXABS) || !(xs->amax < XSUM_MAXABS)) {
    xs->amax = NAN;
    return;
  }
  Constants(C);
  Split(xs->bin, xs->n, i, x, C);
  Count(xs);
}

void TeannXSumMerge(TeannXSum *dst, TeannXSum *src)
{
  Normalize(dst);
  Normalize(src);
  for (size_t k = 0; k < (size_t)TEANN_XSUM_BINS * dst->n; k++) dst->bin[k] += src->bin[k];
  if (!(src->amax < XSUM_MAXABS)) dst->amax = NAN;
  Normalize(dst);
}

PetscErrorCode TeannXSumAllreduce(MPI_Comm comm, TeannXSum *xs)
{
  PetscMPIInt size, cnt;
  PetscReal   amax;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(0);
  PetscCheck(size < (1 << 20), comm, PETSC_ERR_SUP, "exact sums support fewer than 2^20 ranks");
  Normalize(xs);
  PetscCall(PetscMPIIntCast((PetscInt)TEANN_XSUM_BINS * xs->n, &cnt));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, xs->bin, cnt, MPIU_REAL, MPIU_SUM, comm));
  /* the flag: NaN or too large anywhere voids the sums everywhere */
  amax = (xs->amax < XSUM_MAXABS) ? 0 : 1;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &amax, 1, MPIU_REAL, MPIU_MAX, comm));
  if (amax > 0) xs->amax = NAN;
  Normalize(xs);
  PetscFunctionReturn(0);
}

void TeannXSumGet(TeannXSum *xs, PetscReal out[])
{
  const PetscInt n = xs->n;

  Normalize(xs);
  for (PetscInt i = 0; i < n; i++) {
    PetscReal s = xs->bin[(size_t)(TEANN_XSUM_BINS - 1) * n + i];
    for (PetscInt b = TEANN_XSUM_BINS - 2; b >= 0; b--) s += xs->bin[(size_t)b * n + i];
    out[i] = (xs->amax < XSUM_MAXABS) ? s : NAN;
  }
}

PetscErrorCode TeannXSumSelfTest(void)
{
  volatile PetscReal v[4] = {0x1p60, 1.0, -0x1p60, 0x1p-100};
  PetscReal          x[4], s[2];
  TeannXSum         *a, *b;

  PetscFunctionBegin;
  for (int k = 0; k < 4; k++) x[k] = v[k];
  PetscCall(TeannXSumCreate(1, &a));
  PetscCall(TeannXSumCreate(1, &b));
  for (int k = 0; k < 4; k++) TeannXSumAddAt(a, 0, x[k]);
  for (int k = 3; k >= 0; k--) TeannXSumAddAt(b, 0, x[k]);
  TeannXSumGet(a, &s[0]);
  TeannXSumGet(b, &s[1]);
  PetscCall(TeannXSumDestroy(&a));
  PetscCall(TeannXSumDestroy(&b));
  PetscCheck(s[0] == 1.0 + 0x1p-100 && s[1] == s[0], PETSC_COMM_SELF, PETSC_ERR_LIB,
             "exact summation fails (%.17g, %.17g instead of 1 + 2^-100): teann was compiled with floating-point options that reassociate additions (e.g. -ffast-math, -Ofast); rebuild without them", (double)s[0], (double)s[1]);
  PetscFunctionReturn(0);
}
