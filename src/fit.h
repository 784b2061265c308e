/* fit.h — the parallel fit of an EANN model with TAO (design sections 2.4, 3).
 * Contract: a TeannSource is one data file whose frames are dealt to the ranks
 * of comm as contiguous, work-balanced ranges of any ascending id list
 * (NetCDF datasets: each rank reads only its frames). TeannSplit() is the
 * train/validation/test split: a permutation from the seed alone, the same on
 * every rank and for every rank count. A TeannFit reads the data, splits it,
 * builds the model and one TeannEval per subset on every rank, minimises the
 * eq. 9 loss with TAO (monitor, early stopping on validation), reports errors
 * and writes model.nc and predictions.nc with the best-validation parameters
 * and history.nc.
 * Results agree between rank and thread counts to round-off. */
#ifndef TEANN_FIT_H
#define TEANN_FIT_H
#include "model.h"
#include "modelio.h"
#include <petsctao.h>

typedef struct _n_TeannSource *TeannSource;
/* Open path (NetCDF dataset: read in slabs; else TeannFramesRead on every rank) and count each frame's work (pairs within cutoff plus atoms). Collective. */
PETSC_EXTERN PetscErrorCode TeannSourceCreate(MPI_Comm comm, const char path[], PetscReal cutoff, TeannSource *src);
PETSC_EXTERN PetscErrorCode TeannSourceGetNumFrames(TeannSource src, PetscInt *nframes);
/* The frames ids[0..n-1] (ascending, 0-based in the file) are cut by work into one contiguous range per rank; *local gets this rank's range. Collective. */
PETSC_EXTERN PetscErrorCode TeannSourceDistribute(TeannSource src, PetscInt n, const PetscInt ids[], TeannFrames *local);
PETSC_EXTERN PetscErrorCode TeannSourceDestroy(TeannSource *src);

/* perm = a permutation of 0..N-1 drawn from seed (Fisher-Yates, splitmix64). */
PETSC_EXTERN PetscErrorCode TeannSplit(PetscInt N, PetscInt seed, PetscInt perm[]);

/* Sorted distinct atomic numbers over nf local frame sets on all ranks of comm. Z has room for 119. */
PETSC_EXTERN PetscErrorCode TeannElementsUnion(MPI_Comm comm, PetscInt nf, TeannFrames fr[], PetscInt *nel, PetscInt Z[]);

/* Sums over the frames of all ranks, per kind: squared error, absolute error, number of
   components compared (transition dipole: per frame the sign that matches better). */
PETSC_EXTERN PetscErrorCode TeannPredictionErrors(MPI_Comm comm, PetscInt props, TeannFrames frames, const PetscReal pred[], PetscReal sse[], PetscReal sae[], PetscReal cnt[]);

typedef struct _n_TeannFit *TeannFit;
PETSC_EXTERN PetscErrorCode TeannFitCreate(MPI_Comm comm, TeannFit *fit);
/* -teann_data -teann_valid -teann_test -teann_valid_fraction -teann_test_fraction -teann_seed
   -teann_weight_* -teann_l2 -teann_output_dir -teann_patience -teann_check_gradient and the model's options. */
PETSC_EXTERN PetscErrorCode TeannFitSetFromOptions(TeannFit fit);
/* Read and split the data, build the model, the evaluators, the loss scales and TAO. */
PETSC_EXTERN PetscErrorCode TeannFitSetUp(TeannFit fit);
/* Loss and gradient at a fixed, perturbed starting point, printed with 17 digits (rank-count and thread-count checks). */
PETSC_EXTERN PetscErrorCode TeannFitCheckGradient(TeannFit fit, PetscViewer viewer);
PETSC_EXTERN PetscErrorCode TeannFitSolve(TeannFit fit);
/* Train/validation/test RMSE and MAE per property with the best parameters. */
PETSC_EXTERN PetscErrorCode TeannFitSummary(TeannFit fit, PetscViewer viewer);
/* <output_dir>/model.nc and predictions.nc with the best parameters, and history.nc (one record per iteration). */
PETSC_EXTERN PetscErrorCode TeannFitWrite(TeannFit fit);
PETSC_EXTERN PetscErrorCode TeannFitDestroy(TeannFit *fit);
#endif
