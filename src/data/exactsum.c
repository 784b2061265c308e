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

#define XSUM_E0       (-96)     /* exponent of bin 0's unit: u_4 = 2^32                  */
#define XSUM_MAXABS   0x1p60    /* largest magnitude of a value added                    */
#define XSUM_MAXSUM   0x1p64    /* largest magnitude of a normalised sum: 2^32 top units, so
                                   that the top bins of 2^20 ranks add exactly           */
#define XSUM_MAX_ADDS 65536     /* additions per bin between normalisations (top bin: 2^16
                                   values of at most 2^28 units stay below 2^53 units)    */

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

/* floor(v) for |v| < 2^51, without a libm call: round to nearest, then step down if that went up. */
static inline PetscReal Floor(PetscReal v)
{
  const PetscReal C = 0x1.8p52, r = (C + v) - C;
  return r > v ? r - 1 : r;
}

/* Carries: bin b keeps its remainder modulo u_(b+1), in [0, u_(b+1)). */
static void Normalize(TeannXSum *xs)
{
  const PetscInt n = xs->n;

  for (PetscInt b = 0; b + 1 < TEANN_XSUM_BINS; b++) {
    const PetscReal up = Unit(b + 1), iup = 1.0 / up;
    PetscReal *restrict lo = xs->bin + (size_t)b * n, *restrict hi = lo + n;

    for (PetscInt i = 0; i < n; i++) {
      const PetscReal c = Floor(lo[i] * iup) * up;
      lo[i] -= c;
      hi[i] += c;
    }
  }
  { /* a sum beyond the range voids the sums, as a value beyond it does */
    const PetscReal *top = xs->bin + (size_t)(TEANN_XSUM_BINS - 1) * n;
    int              ok  = 1;
    for (PetscInt i = 0; i < n; i++) ok &= (fabs(top[i]) < XSUM_MAXSUM);
    if (!ok) xs->amax = NAN;
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

/* The hot loop of the fit's sums (once per block and parameter): compiled for AVX-512 and AVX2 as well,
   chosen at load time, since the default x86-64 target has 2-wide vectors only. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__has_attribute)
  #if __has_attribute(target_clones)
    #define XSUM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
  #endif
#endif
#if !defined(XSUM_CLONES)
  #define XSUM_CLONES
#endif

#define XSUM_STEP(bb, CC) \
  do { \
    const PetscReal q = (CC + v) - CC; \
    bb[i] += q; \
    v -= q; \
  } while (0)

/* All five bins, top first. */
XSUM_CLONES static void AddBins5(PetscInt n, PetscReal *restrict x, PetscReal *restrict bin, const PetscReal C[], PetscBool clear)
{
  PetscReal *restrict b0 = bin, *restrict b1 = b0 + n, *restrict b2 = b1 + n, *restrict b3 = b2 + n, *restrict b4 = b3 + n;
  const PetscReal     C0 = C[0], C1 = C[1], C2 = C[2], C3 = C[3], C4 = C[4];

  for (PetscInt i = 0; i < n; i++) {
    PetscReal v = x[i];
    XSUM_STEP(b4, C4);
    XSUM_STEP(b3, C3);
    XSUM_STEP(b2, C2);
    XSUM_STEP(b1, C1);
    XSUM_STEP(b0, C0);
  }
  if (clear)
    for (PetscInt i = 0; i < n; i++) x[i] = 0;
}

/* Values below 2^31 (u_4 / 2) leave the top bin 0: four bins, a fifth less memory traffic. */
XSUM_CLONES static void AddBins4(PetscInt n, PetscReal *restrict x, PetscReal *restrict bin, const PetscReal C[], PetscBool clear)
{
  PetscReal *restrict b0 = bin, *restrict b1 = b0 + n, *restrict b2 = b1 + n, *restrict b3 = b2 + n;
  const PetscReal     C0 = C[0], C1 = C[1], C2 = C[2], C3 = C[3];

  for (PetscInt i = 0; i < n; i++) {
    PetscReal v = x[i];
    XSUM_STEP(b3, C3);
    XSUM_STEP(b2, C2);
    XSUM_STEP(b1, C1);
    XSUM_STEP(b0, C0);
  }
  if (clear)
    for (PetscInt i = 0; i < n; i++) x[i] = 0;
}
#undef XSUM_STEP

/* 0: every |x[i]| below 2^31 (the top bin stays 0); 1: some below 2^60 only; 2: a value out of range,
   NaN or infinite (the comparisons are false for NaN). Integer flags, so that the loop vectorises. */
XSUM_CLONES static int Range(PetscInt n, const PetscReal *restrict x)
{
  int big = 0, bad = 0;
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal a = fabs(x[i]);
    big |= !(a < 0x1p31);
    bad |= !(a < XSUM_MAXABS);
  }
  return bad ? 2 : big;
}

/* x into the bins (4 or 5 by Range); with clear, x is zeroed in the same pass, or at once if void. */
static void AddArray(TeannXSum *xs, PetscReal x[], PetscBool clear)
{
  PetscReal C[TEANN_XSUM_BINS];
  const int r = Range(xs->n, x);

  if (r == 2 || !(xs->amax < XSUM_MAXABS)) { /* the sums are void: TeannXSumGet gives NaN */
    xs->amax = NAN;
    if (clear)
      for (PetscInt i = 0; i < xs->n; i++) x[i] = 0;
    return;
  }
  Constants(C);
  if (r == 0) AddBins4(xs->n, x, xs->bin, C, clear);
  else AddBins5(xs->n, x, xs->bin, C, clear);
  Count(xs);
}

void TeannXSumAdd(TeannXSum *xs, const PetscReal x[])
{
  AddArray(xs, (PetscReal *)x, PETSC_FALSE); /* not written without clear */
}

void TeannXSumAddClear(TeannXSum *xs, PetscReal x[])
{
  AddArray(xs, x, PETSC_TRUE);
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
  if (dst->adds + src->adds + 1 >= XSUM_MAX_ADDS) { /* else the bins add exactly as they are */
    Normalize(dst);
    Normalize(src);
  }
  for (size_t k = 0; k < (size_t)TEANN_XSUM_BINS * dst->n; k++) dst->bin[k] += src->bin[k];
  dst->adds += src->adds + 1;
  if (!(src->amax < XSUM_MAXABS)) dst->amax = NAN;
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
  xs->adds = 2; /* normalised digits of fewer than 2^20 ranks: below 2^53 units, like two additions */
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
  volatile PetscReal v[4] = {0x1p59, 1.0, -0x1p59, 0x1p-90};
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
  PetscCheck(s[0] == 1.0 && s[1] == s[0], PETSC_COMM_SELF, PETSC_ERR_LIB,
             "exact summation fails (%.17g, %.17g instead of 1): teann was compiled with floating-point options that reassociate additions (e.g. -ffast-math, -Ofast); rebuild without them", (double)s[0], (double)s[1]);
  PetscFunctionReturn(0);
}
