/* The work partition of frames over ranks (design section 3): frames cost
 * their neighbour pairs, ranks get contiguous ranges, and the largest range's
 * work (the time every rank waits for) is as small as it can be. */
#include "dataset.h"
#include "logimpl.h"
#include "neighbours.h"

PetscErrorCode TeannFramesPairCount(TeannFrames fr, PetscReal cutoff, PetscInt count[])
{
  PetscFunctionBegin;
  PetscCall(TeannInitializePackage());
  PetscCheck(cutoff > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "cutoff must be positive, got %g", (double)cutoff);
  PetscCall(PetscLogEventBegin(TEANN_EVENT_PairCount, 0, 0, 0, 0));
  for (PetscInt f = 0; f < fr->nframes; f++) { /* linked cells: O(n) per frame, images of a cell included */
    const PetscInt a0 = fr->atom_start[f];
    size_t         np;
    PetscCall(TeannNeighboursCount(fr->cell + 9 * f, fr->pbc[f], fr->atom_start[f + 1] - a0, fr->x + 3 * a0, cutoff, NULL, &np, NULL, NULL, NULL));
    count[f] = (PetscInt)PetscMin(np, (size_t)PETSC_MAX_INT);
  }
  PetscCall(PetscLogEventEnd(TEANN_EVENT_PairCount, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Largest e in [lo, hi] with P[e] - P[s] <= B; P[lo] - P[s] <= B is known. */
static PetscInt PartitionLastEnd(const PetscReal P[], PetscInt s, PetscInt lo, PetscInt hi, PetscReal B)
{
  while (lo < hi) {
    PetscInt m = lo + (hi - lo + 1) / 2;

    if (P[m] - P[s] <= B) lo = m;
    else hi = m - 1;
  }
  return lo;
}

/* Smallest s in [0, e] with P[e] - P[s] <= B. */
static PetscInt PartitionFirstStart(const PetscReal P[], PetscInt e, PetscReal B)
{
  PetscInt lo = 0, hi = e;

  while (lo < hi) {
    PetscInt m = lo + (hi - lo) / 2;

    if (P[e] - P[m] <= B) hi = m;
    else lo = m + 1;
  }
  return lo;
}

/* Can size ranges, each of work at most B, cover all n items? (Greedy: each range as long as it may be.) */
static PetscBool PartitionFeasible(PetscInt n, const PetscReal P[], PetscMPIInt size, PetscReal B)
{
  PetscInt s = 0;

  for (PetscMPIInt r = 0; r < size && s < n; r++) s = PartitionLastEnd(P, s, s, n, B);
  return (PetscBool)(s == n);
}

PetscErrorCode TeannPartition(PetscInt n, const PetscReal work[], PetscMPIInt size, PetscInt start[])
{
  PetscReal *P, lo = 0, hi, B;
  PetscInt  *L, s = 0;
  PetscBool  uniform = (PetscBool)!work;

  PetscFunctionBegin;
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "cannot partition %" PetscInt_FMT " items", n);
  PetscCheck(size >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "cannot partition over %d ranks", (int)size);
  for (PetscInt k = 0; work && k < n; k++) PetscCheck(work[k] >= 0 && !PetscIsInfOrNanReal(work[k]), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "work of item %" PetscInt_FMT " is %g, it must be finite and >= 0", k, (double)work[k]);
  PetscCall(PetscMalloc1(n + 1, &P));
  P[0] = 0;
  for (PetscInt k = 0; k < n; k++) P[k + 1] = P[k] + (uniform ? 1.0 : work[k]);
  /* Items of no work at all: split them by count instead. */
  if (n && P[n] <= 0) {
    uniform = PETSC_TRUE;
    for (PetscInt k = 0; k < n; k++) P[k + 1] = (PetscReal)(k + 1);
  }
  for (PetscInt k = 0; k < n; k++) lo = PetscMax(lo, P[k + 1] - P[k]);
  lo = PetscMax(lo, P[n] / size);
  hi = P[n];

  /* The smallest feasible bottleneck, by bisection down to adjacent doubles. */
  if (PartitionFeasible(n, P, size, lo)) B = lo;
  else {
    for (;;) {
      PetscReal mid = lo + 0.5 * (hi - lo);

      if (mid <= lo || mid >= hi) break;
      if (PartitionFeasible(n, P, size, mid)) hi = mid;
      else lo = mid;
    }
    B = hi;
  }

  /* L[R]: the first item R ranges of work <= B can cover to the end. A rank
   * may end anywhere from L[R-1] (the rest still fits the remaining ranks)
   * to as far as B allows; it ends where its work is closest to an equal
   * share of what is left, which keeps trailing ranks from idling. */
  PetscCall(PetscMalloc1(size + 1, &L));
  L[0] = n;
  for (PetscMPIInt R = 1; R <= size; R++) L[R] = PartitionFirstStart(P, L[R - 1], B);
  PetscCheck(L[size] == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "partition bound %g does not cover the items", (double)B);
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscMPIInt R = size - r;
    PetscInt    e;

    start[r] = s;
    if (R == 1) e = n;
    else {
      PetscInt  elo = PetscMax(L[R - 1], s), ehi = PartitionLastEnd(P, s, s, n, B);
      PetscReal share = (P[n] - P[s]) / R;

      PetscCheck(elo <= ehi, PETSC_COMM_SELF, PETSC_ERR_PLIB, "partition has no feasible cut for rank %d", (int)r);
      /* First e with P[e] - P[s] >= share, then the closer of it and e - 1. */
      {
        PetscInt a = elo, b = ehi;

        while (a < b) {
          PetscInt m = a + (b - a) / 2;

          if (P[m] - P[s] >= share) b = m;
          else a = m + 1;
        }
        e = a;
        if (e > elo && share - (P[e - 1] - P[s]) <= (P[e] - P[s]) - share) e = e - 1;
      }
    }
    s = e;
  }
  start[size] = n;
  PetscCall(PetscFree(L));
  PetscCall(PetscFree(P));
  PetscFunctionReturn(0);
}
