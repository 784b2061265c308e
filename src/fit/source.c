/* The fit's data sources (design section 3): frames dealt to the ranks by
 * work, the seeded split, element union and error sums over all ranks. */
#include "source.h"
#include "dataset.h"
#include "heads/head.h"
#include <stdint.h>

/* ------------------------------------------------------------------ sources */

struct _n_TeannSource {
  MPI_Comm    comm;
  char        path[PETSC_MAX_PATH_LEN];
  PetscBool   isnc;
  TeannFrames all;  /* every frame (not NetCDF) */
  PetscInt    N;
  PetscReal  *work; /* [N] */
  PetscInt   *natoms; /* [N] */
};

PetscErrorCode TeannSourceCreate(MPI_Comm comm, const char path[], PetscReal cutoff, TeannSource *out)
{
  TeannSource  src;
  PetscMPIInt  size, rank, *counts, *displs, cnt;
  PetscInt     lo, hi, *ids, *pairs, *na;
  PetscReal   *w;
  TeannFrames  slab;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscNew(&src));
  src->comm = comm;
  PetscCall(PetscStrncpy(src->path, path, sizeof(src->path)));
  {
    const char *format;
    PetscCall(TeannFramesGetFormat(path, &format));
    src->isnc = (PetscBool)!strcmp(format, "netcdf");
  }
  if (src->isnc) {
    PetscInt *natoms;
    PetscCall(TeannDatasetGetSizes(path, &src->N, &natoms));
    PetscCall(PetscFree(natoms));
  } else {
    PetscCall(TeannFramesCreate(&src->all));
    PetscCall(TeannFramesRead(path, src->all));
    src->N = src->all->nframes;
  }
  PetscCheck(src->N > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: no frames", path);
  /* the work of each frame is counted on an even slab per rank, then shared */
  lo = (src->N * rank) / size;
  hi = (src->N * (rank + 1)) / size;
  PetscCall(PetscMalloc4(hi - lo + 1, &ids, hi - lo + 1, &pairs, hi - lo + 1, &na, hi - lo + 1, &w));
  PetscCall(PetscMalloc1(src->N, &src->natoms));
  for (PetscInt i = lo; i < hi; i++) ids[i - lo] = i;
  if (src->isnc) {
    PetscCall(TeannFramesCreate(&slab));
    PetscCall(TeannDatasetRead(comm, path, hi - lo, ids, slab));
  } else PetscCall(TeannFramesSubset(src->all, hi - lo, ids, &slab));
  PetscCall(TeannFramesPairCount(slab, cutoff, pairs));
  for (PetscInt i = 0; i < hi - lo; i++) {
    na[i] = slab->atom_start[i + 1] - slab->atom_start[i];
    w[i]  = (PetscReal)(pairs[i] + na[i]);
  }
  PetscCall(TeannFramesDestroy(&slab));
  PetscCall(PetscMalloc1(src->N, &src->work));
  PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCall(PetscMPIIntCast(hi - lo, &cnt));
  PetscCallMPI(MPI_Allgather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, comm));
  displs[0] = 0;
  for (PetscMPIInt r = 1; r < size; r++) displs[r] = displs[r - 1] + counts[r - 1];
  PetscCallMPI(MPI_Allgatherv(w, cnt, MPIU_REAL, src->work, counts, displs, MPIU_REAL, comm));
  PetscCallMPI(MPI_Allgatherv(na, cnt, MPIU_INT, src->natoms, counts, displs, MPIU_INT, comm));
  PetscCall(PetscFree2(counts, displs));
  PetscCall(PetscFree4(ids, pairs, na, w));
  *out = src;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSourceGetNumFrames(TeannSource src, PetscInt *N)
{
  PetscFunctionBegin;
  *N = src->N;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSourceDistribute(TeannSource src, PetscInt n, const PetscInt ids[], TeannFrames *local)
{
  PetscFunctionBegin;
  PetscCall(TeannSourceDistributeBlocks(src, n, ids, 1, local));
  PetscFunctionReturn(0);
}

PetscInt TeannSourceBlockFrames(PetscInt n, PetscInt amax)
{
  /* Whole chunks (large dgemm calls, few exact additions of the gradient) from 1024 frames on; fewer
     frames are cut into 16 blocks of at least 8, so that a few ranks still share them evenly. Large
     frames are taken a few at a time: a chunk's arrays then stay in cache, and blocks of 150-400 atoms
     run about 15 % faster per atom than blocks of 1,000-3,000 (bench/periodic.md section 1.3). */
  PetscInt b = PetscMax(8, PetscMin(TEANN_CHUNK, (n + 15) / 16));

  if (amax > 0) b = PetscMin(b, PetscMax(1, TEANN_BLOCK_ATOMS / amax));
  return b;
}

PetscErrorCode TeannSourceMaxAtoms(TeannSource src, PetscInt n, const PetscInt ids[], PetscInt *amax)
{
  PetscFunctionBegin;
  *amax = 0;
  for (PetscInt i = 0; i < n; i++) *amax = PetscMax(*amax, src->natoms[ids[i]]);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSourceDistributeBlocks(TeannSource src, PetscInt n, const PetscInt ids[], PetscInt block, TeannFrames *local)
{
  PetscMPIInt size, rank;
  PetscInt   *start, dummy = 0, nb = (n + block - 1) / PetscMax(block, 1);
  PetscReal  *w;

  PetscFunctionBegin;
  PetscCheck(block >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "blocks of %" PetscInt_FMT " frames", block);
  PetscCallMPI(MPI_Comm_size(src->comm, &size));
  PetscCallMPI(MPI_Comm_rank(src->comm, &rank));
  PetscCall(PetscCalloc1(size + 1, &start));
  if (n > 0) {
    PetscCall(PetscCalloc1(nb, &w));
    for (PetscInt i = 0; i < n; i++) {
      PetscCheck(ids[i] >= 0 && ids[i] < src->N && (i == 0 || ids[i] >= ids[i - 1]), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame ids must be non-decreasing and within 0..%" PetscInt_FMT, src->N - 1);
      w[i / block] += src->work[ids[i]];
    }
    PetscCall(TeannPartition(nb, w, size, start));
    PetscCall(PetscFree(w));
    for (PetscMPIInt r = 0; r <= size; r++) start[r] = PetscMin(start[r] * block, n); /* whole blocks per rank */
  }
  if (src->isnc) {
    PetscCall(TeannFramesCreate(local));
    PetscCall(TeannDatasetRead(src->comm, src->path, start[rank + 1] - start[rank], n > 0 ? ids + start[rank] : &dummy, *local));
  } else PetscCall(TeannFramesSubset(src->all, start[rank + 1] - start[rank], n > 0 ? ids + start[rank] : &dummy, local));
  PetscCall(PetscFree(start));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSourceDestroy(TeannSource *src)
{
  PetscFunctionBegin;
  if (!*src) PetscFunctionReturn(0);
  if ((*src)->all) PetscCall(TeannFramesDestroy(&(*src)->all));
  PetscCall(PetscFree((*src)->work));
  PetscCall(PetscFree((*src)->natoms));
  PetscCall(PetscFree(*src));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ split */

PetscErrorCode TeannSplit(PetscInt N, PetscInt seed, PetscInt perm[])
{
  uint64_t s = (uint64_t)seed * 0x2545F4914F6CDD1DULL + 1;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < N; i++) perm[i] = i;
  for (PetscInt i = N - 1; i > 0; i--) {
    PetscInt j = (PetscInt)(TeannSplitMix64(&s) % (uint64_t)(i + 1)), t = perm[i];
    perm[i]    = perm[j];
    perm[j]    = t;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSplitSubsets(PetscInt N, PetscInt seed, PetscInt nvalid, PetscInt ntest, PetscInt n[3], PetscInt *ids[3], PetscInt perm[])
{
  PetscInt *p = perm;

  PetscFunctionBegin;
  n[2] = ntest;
  n[1] = nvalid;
  n[0] = N - nvalid - ntest;
  if (!p) PetscCall(PetscMalloc1(N + 1, &p));
  PetscCall(TeannSplit(N, seed, p));
  /* the first test, then validation frames of the permutation are held out; each subset ascending */
  for (PetscInt s = 0; s < 3; s++) PetscCall(PetscMalloc1(n[s] + 1, &ids[s]));
  PetscCall(PetscArraycpy(ids[2], p, n[2]));
  PetscCall(PetscArraycpy(ids[1], p + n[2], n[1]));
  PetscCall(PetscArraycpy(ids[0], p + n[2] + n[1], n[0]));
  for (PetscInt s = 0; s < 3; s++) PetscCall(PetscSortInt(n[s], ids[s]));
  if (!perm) PetscCall(PetscFree(p));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannElementsUnion(MPI_Comm comm, PetscInt nf, TeannFrames fr[], PetscInt *nel, PetscInt Z[])
{
  PetscInt have[TEANN_MAX_Z + 1] = {0};

  PetscFunctionBegin;
  for (PetscInt s = 0; s < nf; s++)
    for (PetscInt a = 0; fr[s] && a < fr[s]->natoms; a++) {
      PetscCheck(fr[s]->Z[a] > 0 && fr[s]->Z[a] <= TEANN_MAX_Z, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: atomic number %" PetscInt_FMT " out of range", fr[s]->source, fr[s]->Z[a]);
      have[fr[s]->Z[a]] = 1;
    }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, have, TEANN_MAX_Z + 1, MPIU_INT, MPI_MAX, comm));
  *nel = 0;
  for (PetscInt z = 1; z <= TEANN_MAX_Z; z++)
    if (have[z]) Z[(*nel)++] = z;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannPredictionErrors(MPI_Comm comm, PetscInt props, TeannFrames fr, const PetscReal pred[], const PetscReal apred[], PetscReal sse[], PetscReal sae[], PetscReal cnt[])
{
  PetscInt  ncomp = TeannPropertyNumComponents(props), nacomp = TeannPropertyNumAtomComponents(props);
  PetscReal  buf[3 * TEANN_NKIND] = {0};
  TeannXSum *xs; /* the squared and absolute errors, summed exactly (design 3.1) */

  PetscFunctionBegin;
  PetscCall(TeannXSumCreate(2 * TEANN_NKIND, &xs));
  for (PetscInt k = 0, aoff = 0; k < TEANN_NKIND; k++) {
    PetscInt         off, nc = TeannProperties[k].ncomp;
    const PetscReal *ref;
    const TeannHead *hd = TeannHeadOf(k);
    if (TeannProperties[k].peratom && (props & TeannProperties[k].bit)) { /* every labelled atom */
      for (PetscInt a = 0; fr && a < fr->natoms; a++) {
        const PetscReal *y = fr->y[k] + (size_t)nc * a, *p = apred + (size_t)nacomp * a + aoff;
        if (PetscIsNanReal(y[0])) continue;
        for (PetscInt c = 0; c < nc; c++) {
          TeannXSumAddAt(xs, k, (y[c] - p[c]) * (y[c] - p[c]));
          TeannXSumAddAt(xs, TEANN_NKIND + k, PetscAbsReal(y[c] - p[c]));
        }
        buf[2 * TEANN_NKIND + k] += nc;
      }
      aoff += nc;
      continue;
    }
    off = TeannPropertyOffset(props, k);
    if (off < 0 || !fr) continue;
    ref = fr->y[k];
    for (PetscInt f = 0; f < fr->nframes; f++) {
      const PetscReal *y = ref + f * nc, *p = pred + f * ncomp + off, sg = hd->refsign ? hd->refsign(p, y) : 1.0;
      if (PetscIsNanReal(y[0])) continue;
      /* per Cartesian component against the reference as read (the sign-free head picks its sign) */
      for (PetscInt c = 0; c < nc; c++) {
        TeannXSumAddAt(xs, k, (sg * y[c] - p[c]) * (sg * y[c] - p[c]));
        TeannXSumAddAt(xs, TEANN_NKIND + k, PetscAbsReal(sg * y[c] - p[c]));
      }
      buf[2 * TEANN_NKIND + k] += nc;
    }
  }
  PetscCall(TeannXSumAllreduce(comm, xs));
  TeannXSumGet(xs, buf);
  PetscCall(TeannXSumDestroy(&xs));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, buf + 2 * TEANN_NKIND, TEANN_NKIND, MPIU_REAL, MPIU_SUM, comm)); /* counts: integers, exact */
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    sse[k] = buf[k];
    sae[k] = buf[TEANN_NKIND + k];
    cnt[k] = buf[2 * TEANN_NKIND + k];
  }
  PetscFunctionReturn(0);
}
