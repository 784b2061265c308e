/* exactsum.h — sums of doubles that do not depend on the order of addition
 * (design section 3.1, eq. 13).
 * Contract: a TeannXSum holds n running sums. Each value added is split
 * exactly over TEANN_XSUM_BINS bins of 32 bits on a fixed binary grid
 * (2^-96 ... 2^64); every bin adds integers on its own grid, which double
 * arithmetic does exactly. The sum of a set of values is therefore the same,
 * bit for bit, whatever the order, the grouping into threads and ranks, or the
 * number of them; only the part of each value below 2^-96 is rounded away
 * (deterministically, value by value). Values must be finite with magnitude
 * below 2^60, and sums below 2^64; anything else voids the sums (TeannXSumGet gives NaN, as a
 * plain sum would for NaN or Inf). Two sums merge
 * exactly (TeannXSumMerge, TeannXSumAllreduce: MPI_SUM of normalised bins is
 * exact for fewer than 2^20 ranks). TeannXSumGet rounds the exact sums to
 * doubles from a canonical form, so equal sets give equal doubles.
 * TeannXSumAdd, TeannXSumAddClear and TeannXSumAddAt make no PETSc calls: they may run inside
 * OpenMP regions, one TeannXSum per thread. */
#ifndef TEANN_EXACTSUM_H
#define TEANN_EXACTSUM_H
#include <petscsys.h>

#define TEANN_XSUM_BINS 5

typedef struct {
  PetscInt   n;     /* running sums                                            */
  PetscInt   adds;  /* additions into each bin since the last normalisation    */
  PetscReal *bin;   /* [TEANN_XSUM_BINS * n], bin b of sum i at bin[b * n + i] */
  PetscReal  amax;  /* 0, or NaN once a value added was not finite or too large */
} TeannXSum;

PETSC_EXTERN PetscErrorCode TeannXSumCreate(PetscInt n, TeannXSum **xs);
PETSC_EXTERN PetscErrorCode TeannXSumDestroy(TeannXSum **xs);
PETSC_EXTERN void           TeannXSumZero(TeannXSum *xs);
/* sum[i] += x[i] for i < n */
PETSC_EXTERN void TeannXSumAdd(TeannXSum *xs, const PetscReal x[]);
/* the same, then x[i] = 0 (one pass over x) */
PETSC_EXTERN void TeannXSumAddClear(TeannXSum *xs, PetscReal x[]);
/* sum[i] += x for one i */
PETSC_EXTERN void TeannXSumAddAt(TeannXSum *xs, PetscInt i, PetscReal x);
/* dst += src, exactly (both normalised on return) */
PETSC_EXTERN void           TeannXSumMerge(TeannXSum *dst, TeannXSum *src);
PETSC_EXTERN PetscErrorCode TeannXSumAllreduce(MPI_Comm comm, TeannXSum *xs);
/* out[i] = sum[i] rounded to a double (normalises xs) */
PETSC_EXTERN void TeannXSumGet(TeannXSum *xs, PetscReal out[]);
/* Fails if the compiler's floating-point options break exact addition (e.g. -ffast-math). */
PETSC_EXTERN PetscErrorCode TeannXSumSelfTest(void);

#endif
