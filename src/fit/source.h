/* source.h — the fit's data: files dealt to the ranks, the split, error sums.
 * Contract: a TeannSource is one data file whose frames are dealt to the ranks
 * of comm as contiguous, work-balanced ranges of any ascending id list
 * (NetCDF datasets: each rank reads only its frames). TeannSplit() is the
 * train/validation/test split: a permutation from the seed alone, the same on
 * every rank and for every rank count. */
#ifndef TEANN_SOURCE_H
#define TEANN_SOURCE_H
#include "model.h"
#include "predictions.h"
#include <stdint.h>

/* splitmix64: the generator of the split (TeannSplit) and of bootstrap resamples (ensemble.c) */
static inline uint64_t TeannSplitMix64(uint64_t *s)
{
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

typedef struct _n_TeannSource *TeannSource;
/* Open path (NetCDF dataset: read in slabs; else TeannFramesRead on every rank) and count each frame's work (pairs within cutoff plus atoms). Collective. */
PETSC_EXTERN PetscErrorCode TeannSourceCreate(MPI_Comm comm, const char path[], PetscReal cutoff, TeannSource *src);
PETSC_EXTERN PetscErrorCode TeannSourceGetNumFrames(TeannSource src, PetscInt *nframes);
/* The frames ids[0..n-1] (ascending, 0-based in the file) are cut by work into one contiguous range per rank; *local gets this rank's range. Collective. */
PETSC_EXTERN PetscErrorCode TeannSourceDistribute(TeannSource src, PetscInt n, const PetscInt ids[], TeannFrames *local);
/* The same with every rank's range made of whole blocks of `block` consecutive ids (the last block may be
   short): the fit's unit of work and of its exact sums (design 3.1), so that a block's frames are the same
   for every rank count. */
PETSC_EXTERN PetscErrorCode TeannSourceDistributeBlocks(TeannSource src, PetscInt n, const PetscInt ids[], PetscInt block, TeannFrames *local);
/* The default block for a subset of n frames of at most amax atoms each (0: not known): TEANN_CHUNK frames,
   or 16 blocks of at least 8 for small subsets, and at most TEANN_BLOCK_ATOMS atoms (at least one frame). */
#define TEANN_BLOCK_ATOMS 384
PETSC_EXTERN PetscInt TeannSourceBlockFrames(PetscInt n, PetscInt amax);
/* The atoms of the largest of the frames ids[0..n-1]. Not collective: every rank holds every frame's size. */
PETSC_EXTERN PetscErrorCode TeannSourceMaxAtoms(TeannSource src, PetscInt n, const PetscInt ids[], PetscInt *amax);
PETSC_EXTERN PetscErrorCode TeannSourceDestroy(TeannSource *src);

/* perm = a permutation of 0..N-1 drawn from seed (Fisher-Yates, splitmix64). */
PETSC_EXTERN PetscErrorCode TeannSplit(PetscInt N, PetscInt seed, PetscInt perm[]);
/* The frames 0..N-1 of one file split into training, validation and test (n[0], n[1] = nvalid,
   n[2] = ntest frames; ids[s] allocated, ascending): the first ntest, then nvalid frames of
   TeannSplit's permutation are held out. perm (N values, or NULL) receives the permutation. */
PETSC_EXTERN PetscErrorCode TeannSplitSubsets(PetscInt N, PetscInt seed, PetscInt nvalid, PetscInt ntest, PetscInt n[3], PetscInt *ids[3], PetscInt perm[]);

/* Sorted distinct atomic numbers over nf local frame sets on all ranks of comm. Z has room for TEANN_MAX_Z + 1. */
PETSC_EXTERN PetscErrorCode TeannElementsUnion(MPI_Comm comm, PetscInt nf, TeannFrames fr[], PetscInt *nel, PetscInt Z[]);

/* Sums over the frames of all ranks, per kind: squared error, absolute error, number of
   components compared (transition dipole: per frame the sign that matches better). */
PETSC_EXTERN PetscErrorCode TeannPredictionErrors(MPI_Comm comm, PetscInt props, TeannFrames frames, const PetscReal pred[], const PetscReal apred[], PetscReal sse[], PetscReal sae[], PetscReal cnt[]);
#endif
