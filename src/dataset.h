/* dataset.h — the NetCDF training dataset (design section 4) and the work
 * partition of frames over ranks.
 * Contract: TeannDatasetWrite() writes a TeannFrames as CF-1.8 contiguous
 * ragged arrays, atomically. TeannDatasetRead() reads the frames listed in
 * ids (global 0-based numbers, ascending) on each rank of comm, collectively
 * with parallel NetCDF; ids == NULL with n < 0 reads every frame.
 * TeannPartition() cuts n items with given work into size contiguous ranges,
 * deterministic, minimising the largest range's work. */
#ifndef TEANN_DATASET_H
#define TEANN_DATASET_H
#include "frames.h"

PETSC_EXTERN PetscErrorCode TeannDatasetWrite(MPI_Comm comm, TeannFrames frames, const char path[]);
PETSC_EXTERN PetscErrorCode TeannDatasetRead(MPI_Comm comm, const char path[], PetscInt n, const PetscInt ids[], TeannFrames frames);
/* Number of frames and atoms per frame without reading positions (serial, any rank). *natoms allocated with PetscMalloc1. */
PETSC_EXTERN PetscErrorCode TeannDatasetGetSizes(const char path[], PetscInt *nframes, PetscInt **natoms);

/* Ordered atom pairs (i != j) within cutoff, per frame: the work a frame costs. */
PETSC_EXTERN PetscErrorCode TeannFramesPairCount(TeannFrames frames, PetscReal cutoff, PetscInt count[]);
/* Contiguous ranges: item k goes to rank r with start[r] <= k < start[r+1]; start has size+1 entries. */
PETSC_EXTERN PetscErrorCode TeannPartition(PetscInt n, const PetscReal work[], PetscMPIInt size, PetscInt start[]);
#endif
