/* balance.h — how the properties of a joint fit are weighed against each other (design 2.4,
 * eq. 9b). Private to the fit module.
 * Contract: with -teann_balance log (the default) and two or more properties of nonzero weight,
 * the objective L-BFGS minimises is c sum_p w_p log l_p (+ lambda |theta|^2), where
 * l_p = MSE_p / sigma_p^2 is property p's training mean squared error over its spread (c: a
 * constant within one TaoSolve, see TeannFitBalanceRestart), and the
 * validation measure of early stopping is the same sum over the validation errors. Every rank
 * computes the l_p from the same global sums (TeannPredictionErrors), so the objective and
 * every decision taken from it are the same on every rank. With -teann_balance none, one
 * property, or a least-squares optimizer (brgn: its residuals are eq. 9's), the fit is eq. 9
 * as it was: these functions then do nothing. */
#ifndef TEANN_BALANCE_H
#define TEANN_BALANCE_H
#include "fit.h"

typedef enum {
  TEANN_BALANCE_NONE,
  TEANN_BALANCE_LOG
} TeannBalanceType;
PETSC_EXTERN const char *const TeannBalanceTypes[];

/* Decide whether the balance applies (after TAO is set up: the optimizer's type matters). */
PETSC_INTERN PetscErrorCode TeannFitBalanceSetUp(TeannFit fit);
/* Before the loss-gradient pass at the gathered parameters th: the l_p from the training
   predictions, and the engine's loss scales set to scale_p / l_p, so that the pass returns the
   gradient of eq. 9b. */
PETSC_INTERN PetscErrorCode TeannFitBalanceBegin(TeannFit fit, const PetscReal th[]);
/* After it: *f (the reduced data term of the pass) replaced by c sum_p w_p log l_p. */
PETSC_INTERN PetscErrorCode TeannFitBalanceEnd(TeannFit fit, PetscReal *f);
/* The training error sums at th if the last Begin was at th (the accepted point of a line
   search usually is): *hit tells; the monitor then needs no prediction pass of its own. */
PETSC_INTERN PetscErrorCode TeannFitBalanceTrainErrors(TeannFit fit, const PetscReal th[], PetscReal sse[], PetscReal cnt[], PetscBool *hit);
/* The validation measure of early stopping from the validation error sums: eq. 9b's sum over
   the validation errors (left as it is, eq. 9 on validation, when the balance is off). */
PETSC_INTERN PetscErrorCode TeannFitBalanceValidationLoss(TeannFit fit, const PetscReal vsse[], const PetscReal vcnt[], PetscReal *vloss);
/* Before every TaoSolve, at its starting point X: c = min(1, min_p l_p) there. A fresh L-BFGS
   takes a unit step along -grad; the gradient of sum_p w_p log l_p grows as 1/l_p, and near a
   minimum that step overflows the networks, the line search fails and TAO cannot go on. The
   factor c makes the first step no longer than eq. 9's would be; L-BFGS steps after it do not
   depend on c. */
PETSC_INTERN PetscErrorCode TeannFitBalanceRestart(TeannFit fit, Vec X);
/* The monitor's loss: TAO's objective f at the gathered parameters th, reported without c. */
PETSC_INTERN PetscErrorCode TeannFitBalanceReportedLoss(TeannFit fit, const PetscReal th[], PetscReal *f);
/* c of the current solve (0 when the balance is off), for checkpoints; and c from a checkpoint,
   kept by the next TeannFitBalanceRestart (a restarted fit goes on as the uninterrupted one). */
PETSC_INTERN PetscErrorCode TeannFitBalanceGetScale(TeannFit fit, PetscReal *c);
PETSC_INTERN PetscErrorCode TeannFitBalanceSetScale(TeannFit fit, PetscReal c);
PETSC_INTERN PetscErrorCode TeannFitBalanceDestroy(TeannFit fit);
#endif
