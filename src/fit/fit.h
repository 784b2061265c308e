/* fit.h — the parallel fit of an EANN model with TAO (design sections 2.4, 3).
 * Contract: a TeannFit reads the data (source.h), splits it,
 * builds the model and one TeannEval per subset on every rank, minimises the
 * eq. 9 loss with TAO (monitor, early stopping on validation), reports errors
 * and writes model.nc and predictions.nc with the best-validation parameters
 * and history.nc.
 * Results agree between rank and thread counts to round-off. */
#ifndef TEANN_FIT_H
#define TEANN_FIT_H
#include "model.h"
#include "modelio.h"
#include "source.h"
#include <petsctao.h>

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
