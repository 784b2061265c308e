/* standardize.h — the optimizer's coordinates (design 2.4, eq. 9c). Private to the fit module.
 * Contract: with -teann_standardize (off by default, design 2.4) the vectors TAO moves (its solution,
 * gradients, Jacobian rows, the L2 term, checkpoints) are phi, the parameters of networks that see
 * each density feature shifted by its training mean and divided by its training spread; the model
 * (model.nc, predictions, the engine) is theta = T phi (TeannModelStandardize). The shift and
 * spread come from exact sums over the training frames at the initial parameters, so they are the
 * same on every rank count, and a checkpoint keeps them. Off, phi = theta and these are no-ops. */
#ifndef TEANN_STANDARDIZE_H
#define TEANN_STANDARDIZE_H
#include "fit.h"

/* The feature statistics at the initial parameters th0 (after the training frames are set up). */
PETSC_EXTERN PetscErrorCode TeannFitStandardizeSetUp(TeannFit fit, const PetscReal th0[]);
/* The model's parameters theta for the optimizer's phi (all parameters): phi itself when off, else
   a buffer of the fit, valid until the next call. */
PETSC_EXTERN PetscErrorCode TeannFitModelParameters(TeannFit fit, const PetscReal phi[], const PetscReal **theta);
/* g (a full gradient or Jacobian row with respect to theta) becomes the one with respect to phi. */
PETSC_EXTERN PetscErrorCode TeannFitStandardizeGradient(TeannFit fit, PetscReal g[]);
/* Checkpoints: the shift and inverse spread as one array (2 nel F values; *n 0 when off), and
   their restoration from checkpoint path with the objective's factor kappa (n 0: a fit without
   standardisation). */
PETSC_EXTERN PetscErrorCode TeannFitStandardizeGet(TeannFit fit, PetscInt *n, const PetscReal **v);
PETSC_EXTERN PetscErrorCode TeannFitStandardizeSet(TeannFit fit, const char path[], PetscInt n, const PetscReal v[], PetscReal kappa);
PETSC_EXTERN PetscErrorCode TeannFitStandardizeDestroy(TeannFit fit);
/* Where TAO starts or restarts at X: the objective's factor kappa = min(1, delta / |grad|), so that
   the raw-gradient first step of a fresh L-BFGS has norm at most delta (standardised features make
   the initial gradient large). 1 when off or for least squares; a checkpoint's kappa is kept for
   the first solve after it. */
PETSC_EXTERN PetscErrorCode TeannFitStandardizeRestart(TeannFit fit, Vec X);
/* The model's theta of the best iterate on every rank; restore it before the next gather. */
PETSC_EXTERN PetscErrorCode TeannFitGetBestModel(TeannFit fit, const PetscReal **theta);
PETSC_EXTERN PetscErrorCode TeannFitRestoreBestModel(TeannFit fit, const PetscReal **theta);
#endif
