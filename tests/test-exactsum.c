/* Exact sums (src/data/exactsum.c, design eq. 13):
 *  - cancellation: large random values and their negatives, shuffled among small multiples of
 *    2^-100, 2^-20 and 1, sum exactly to the small part (a double sum loses it entirely);
 *  - order independence: the same values in random orders, split over random numbers of partial
 *    sums merged in random order, and over the ranks of MPI_COMM_WORLD, give bitwise equal doubles;
 *  - against a compensated long double sum on moderate ranges (agreement to 1 ulp);
 *  - NaN, Inf and values beyond 2^100 void the sums (NaN), also across ranks. */
#include "exactsum.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

static uint64_t rng = 88172645463325252ULL;
static double   Uniform(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (double)(rng >> 11) * 0x1p-53;
}

/* the exact sums of x[0..n) in the order perm, over nparts partial sums merged in random order */
static PetscErrorCode SumShuffled(PetscInt n, const double x[], PetscInt nparts, double *out)
{
  TeannXSum **p;
  PetscInt   *perm;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(nparts, &p, n, &perm));
  for (PetscInt k = 0; k < nparts; k++) PetscCall(TeannXSumCreate(1, &p[k]));
  for (PetscInt i = 0; i < n; i++) perm[i] = i;
  for (PetscInt i = n - 1; i > 0; i--) {
    PetscInt j = (PetscInt)(Uniform() * (i + 1)), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (PetscInt i = 0; i < n; i++) TeannXSumAddAt(p[(PetscInt)(Uniform() * nparts)], 0, x[perm[i]]);
  for (PetscInt k = nparts - 1; k > 0; k--) TeannXSumMerge(p[(PetscInt)(Uniform() * k)], p[k]);
  TeannXSumGet(p[0], out);
  for (PetscInt k = 0; k < nparts; k++) PetscCall(TeannXSumDestroy(&p[k]));
  PetscCall(PetscFree2(p, perm));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const PetscInt n = 20000;
  double        *x, ref, s, s0 = 0, naive = 0;
  PetscMPIInt    rank, size;
  TeannXSum     *xs;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(TeannXSumSelfTest());
  PetscCall(PetscMalloc1(n, &x));

  /* cancellation: pairs +-big (up to 2^60) around a small exact part */
  ref = 0;
  for (PetscInt i = 0; i < n / 2; i += 2) {
    double big = ldexp(Uniform() + 0.5, (int)(Uniform() * 110) - 50);
    x[i]       = big;
    x[i + 1]   = -big;
  }
  for (PetscInt i = n / 2; i < n; i++) {
    const double units[3] = {0x1p-90, 0x1p-20, 1.0};
    x[i] = units[i % 3] * (double)((PetscInt)(Uniform() * 1000) - 500);
  }
  { /* the exact small part: integers per unit, summed exactly in doubles */
    double a[3] = {0, 0, 0};
    for (PetscInt i = n / 2; i < n; i++) a[i % 3] += x[i] / (i % 3 == 0 ? 0x1p-90 : i % 3 == 1 ? 0x1p-20 : 1.0);
    ref = a[2] + a[1] * 0x1p-20 + a[0] * 0x1p-90;
  }
  for (PetscInt i = 0; i < n; i++) naive += x[i];
  for (int trial = 0; trial < 20; trial++) {
    PetscCall(SumShuffled(n, x, 1 + (PetscInt)(Uniform() * 16), &s));
    if (trial == 0) s0 = s;
    PetscCheck(memcmp(&s, &s0, sizeof(s)) == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "order %d: %.17g differs from %.17g", trial, s, s0);
  }
  PetscCheck(fabs(s0 - ref) <= 2e-16 * fabs(ref), PETSC_COMM_SELF, PETSC_ERR_PLIB, "cancellation: %.17g, exact %.17g", s0, ref);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "cancellation: exact sum %.17g (plain double sum %.6g), 20 orders bitwise equal\n", s0, naive));

  /* moderate range: against a Neumaier-compensated long double sum */
  for (PetscInt i = 0; i < n; i++) x[i] = (Uniform() - 0.3) * ldexp(1.0, (int)(Uniform() * 40) - 20);
  {
    long double sum = 0, c = 0;
    for (PetscInt i = 0; i < n; i++) {
      long double t = sum + x[i];
      c += (fabsl(sum) >= fabsl((long double)x[i])) ? (sum - t) + x[i] : ((long double)x[i] - t) + sum;
      sum = t;
    }
    ref = (double)(sum + c);
  }
  PetscCall(SumShuffled(n, x, 7, &s));
  PetscCheck(fabs(s - ref) <= 2.3e-16 * fabs(ref), PETSC_COMM_SELF, PETSC_ERR_PLIB, "moderate range: %.17g, compensated %.17g", s, ref);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "moderate range: %.17g, compensated long double %.17g\n", s, ref));

  /* over the ranks: rank r adds the values i = r mod size; all ranks get the serial result */
  PetscCall(TeannXSumCreate(1, &xs));
  for (PetscInt i = rank; i < n; i += size) TeannXSumAddAt(xs, 0, x[i]);
  PetscCall(TeannXSumAllreduce(PETSC_COMM_WORLD, xs));
  TeannXSumGet(xs, &s0);
  PetscCheck(memcmp(&s0, &s, sizeof(s)) == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%d ranks: %.17g, serial %.17g", size, s0, s);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d ranks: bitwise equal to the serial sum\n", size));

  /* void values: NaN, Inf, > 2^60 (on the last rank only) make every rank's sum NaN */
  {
    const double bad[3] = {NAN, INFINITY, 0x1p61};
    for (int b = 0; b < 3; b++) {
      TeannXSumZero(xs);
      TeannXSumAddAt(xs, 0, 1.0);
      if (rank == size - 1) TeannXSumAdd(xs, &bad[b]);
      PetscCall(TeannXSumAllreduce(PETSC_COMM_WORLD, xs));
      TeannXSumGet(xs, &s);
      PetscCheck(isnan(s), PETSC_COMM_SELF, PETSC_ERR_PLIB, "value %g gave %g, not NaN", bad[b], s);
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "NaN, Inf and 2^61 void the sums on every rank\n"));
  }
  PetscCall(TeannXSumDestroy(&xs));
  PetscCall(PetscFree(x));
  PetscCall(PetscFinalize());
  return 0;
}
