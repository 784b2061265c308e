/* dataset.h — the NetCDF training dataset (design section 4) and the work
 * partition of frames over ranks.
 * Contract: TeannDatasetWrite() writes a TeannFrames as CF-1.8 contiguous
 * ragged arrays, atomically. TeannDatasetRead() reads the frames listed in
 * ids (global 0-based numbers, ascending) on each rank of comm, collectively
 * with parallel NetCDF; ids == NULL with n < 0 reads every frame, with n = 0 none.
 * The writer is serial: rank 0 of comm holds the frames and writes them, the
 * other ranks only take part in the atomic rename (their frames are ignored).
 * TeannPartition() cuts n items with given work into size contiguous ranges,
 * deterministic, minimising the largest range's work. */
#ifndef TEANN_DATASET_H
#define TEANN_DATASET_H
#include "frames.h"

PETSC_EXTERN PetscErrorCode TeannDatasetWrite(MPI_Comm comm, TeannFrames frames, const char path[]);
/* As TeannDatasetWrite(); monitor (may be NULL) is called on rank 0 after each batch of frames with (frames written, total, ctx). */
PETSC_EXTERN PetscErrorCode TeannDatasetWriteMonitor(MPI_Comm comm, TeannFrames frames, const char path[], PetscErrorCode (*monitor)(PetscInt, PetscInt, void *), void *ctx);
PETSC_EXTERN PetscErrorCode TeannDatasetRead(MPI_Comm comm, const char path[], PetscInt n, const PetscInt ids[], TeannFrames frames);
/* Whether path starts with the NetCDF magic bytes ("CDF" classic, "\x89HDF" NetCDF-4); error if it cannot be opened. */
PETSC_EXTERN PetscErrorCode TeannFileIsNetCDF(const char path[], PetscBool *isnc);
/* Number of frames and atoms per frame without reading positions (serial, any rank). *natoms allocated with PetscMalloc1. */
PETSC_EXTERN PetscErrorCode TeannDatasetGetSizes(const char path[], PetscInt *nframes, PetscInt **natoms);

/* Ordered atom pairs (i != j) within cutoff, per frame: the work a frame costs. */
PETSC_EXTERN PetscErrorCode TeannFramesPairCount(TeannFrames frames, PetscReal cutoff, PetscInt count[]);
/* Contiguous ranges: item k goes to rank r with start[r] <= k < start[r+1]; start has size+1 entries.
 * work[k] >= 0 (NULL: every item costs the same); among the cuts with the smallest bottleneck it picks
 * the one whose ranges are closest to the mean, so no rank idles needlessly. */
PETSC_EXTERN PetscErrorCode TeannPartition(PetscInt n, const PetscReal work[], PetscMPIInt size, PetscInt start[]);
#endif
