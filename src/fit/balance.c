/* The balance of the properties of a joint fit (design 2.4, eq. 9b): L-BFGS minimises
 * c sum_p w_p log l_p, l_p = MSE_p / sigma_p^2 on the training frames, instead of eq. 9's
 * sum_p w_p l_p. Why: in the plain sum a term is worth its absolute size, so halving the easier
 * property's error (the dipole's, as far down as the polarizability's) gains only a fraction of
 * the other term, less the further it falls, and the shared steps follow the stiffer term (the
 * water dipole ends 8x worse than alone, bench/accuracy.md); in the sum of logarithms a halving
 * of any property's error is worth the same, whatever its size. The gradient is
 * c sum_p w_p grad(l_p) / l_p: one training prediction pass gives the l_p, and the engine's
 * loss-gradient pass with the loss scales multiplied by c / l_p gives the gradient.
 * Contract in balance.h. */
#include "fitimpl.h"
#include "balance.h"
#include "lsq.h"
#include "standardize.h"
#include <math.h>
#include <string.h>

const char *const TeannBalanceTypes[] = {"none", "log", "TeannBalanceType", "TEANN_BALANCE_", NULL};

/* l_p below this is taken as this: its logarithm stays finite (an RMSE of 1e-10 of the
   spread is round-off for every property). */
#define TEANN_BALANCE_FLOOR 1e-20

struct _n_TeannBalance {
  PetscReal *th;                /* parameters of the last Begin                  */
  PetscBool  have;              /* th, sse and cnt hold a completed Begin        */
  PetscReal  sse[TEANN_NKIND];  /* training error sums at th (TeannPredictionErrors) */
  PetscReal  cnt[TEANN_NKIND];  /* and their component counts                    */
  PetscReal  ell[TEANN_NKIND];  /* l_p at th                                     */
  PetscReal  c;                 /* scale of eq. 9b during one TaoSolve (TeannFitBalanceRestart) */
  PetscBool  keep;              /* c came from a checkpoint: the next Restart keeps it */
};

PetscErrorCode TeannFitBalanceSetUp(TeannFit fit)
{
  PetscInt  nw = 0;
  PetscBool ls;

  PetscFunctionBegin;
  PetscCall(TeannFitBalanceDestroy(fit));
  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if ((fit->model->props & TeannProperties[k].bit) && fit->weight[k] > 0) nw++;
  PetscCall(TeannFitIsLeastSquares(fit, &ls));
  /* one term has nothing to balance; Gauss-Newton needs the residuals of eq. 9 */
  if (fit->balance == TEANN_BALANCE_NONE || nw < 2 || ls) PetscFunctionReturn(0);
  PetscCall(PetscNew(&fit->bal));
  PetscCall(PetscMalloc1(fit->nparam, &fit->bal->th));
  fit->bal->c = 1;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitBalanceBegin(TeannFit fit, const PetscReal th[])
{
  struct _n_TeannBalance *b = fit->bal;
  PetscReal               sae[TEANN_NKIND];

  PetscFunctionBegin;
  if (!b) PetscFunctionReturn(0);
  b->have = PETSC_FALSE;
  if (fit->ev[0]) PetscCall(TeannEvalPredictAtoms(fit->ev[0], th, fit->fr[0]->nframes, fit->idx, fit->pred, fit->nacomp ? fit->apred : NULL));
  /* global sums: every rank gets the same l_p, hence the same objective */
  PetscCall(TeannPredictionErrors(fit->comm, fit->model->props, fit->ev[0] ? fit->fr[0] : NULL, fit->pred, fit->apred, b->sse, sae, b->cnt));
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    if (!(fit->model->props & TeannProperties[k].bit)) continue;
    b->ell[k] = PetscMax(b->sse[k] / (PetscMax(b->cnt[k], 1) * PetscSqr(fit->stats.std[k])), TEANN_BALANCE_FLOOR);
    /* scale_p = w_p / (N_p sigma_p^2 N_train) (eq. 9), so scale_p / l_p is w_p / l_p times d l_p / d sse_p */
    if (fit->ev[0]) PetscCall(TeannEvalSetLossScale(fit->ev[0], TeannProperties[k].bit, b->c * fit->scale[k] / b->ell[k]));
  }
  PetscCall(PetscArraycpy(b->th, th, fit->nparam));
  b->have = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitBalanceEnd(TeannFit fit, PetscReal *f)
{
  struct _n_TeannBalance *b = fit->bal;
  PetscReal               sum = 0;

  PetscFunctionBegin;
  if (!b) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if ((fit->model->props & TeannProperties[k].bit) && fit->weight[k] > 0) sum += fit->weight[k] * PetscLogReal(b->ell[k]);
  *f = b->c * sum;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitBalanceRestart(TeannFit fit, Vec X)
{
  struct _n_TeannBalance *b = fit->bal;
  const PetscReal        *th, *tm;
  PetscReal               c = PETSC_MAX_REAL;

  PetscFunctionBegin;
  if (!b) PetscFunctionReturn(0);
  PetscCall(VecScatterBegin(fit->scat, X, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(fit->scat, X, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(fit->thetaAll, &th));
  PetscCall(TeannFitModelParameters(fit, th, &tm));
  PetscCall(TeannFitBalanceBegin(fit, tm));
  PetscCall(VecRestoreArrayRead(fit->thetaAll, &th));
  if (b->keep) { /* the first solve after a checkpoint goes on with the interrupted solve's c */
    b->keep = PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if ((fit->model->props & TeannProperties[k].bit) && fit->weight[k] > 0) c = PetscMin(c, b->ell[k]);
  /* a non-finite start is TAO's to report; keep the scale it had */
  if (PetscIsNormalReal(c)) b->c = PetscMin(c, 1);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitBalanceReportedLoss(TeannFit fit, const PetscReal th[], PetscReal *f)
{
  PetscReal l2term = 0;

  PetscFunctionBegin;
  if (!fit->bal) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < fit->nparam; i++) l2term += fit->mask[i] * th[i] * th[i];
  l2term *= fit->l2;
  *f = (*f - l2term) / fit->bal->c + l2term;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitBalanceTrainErrors(TeannFit fit, const PetscReal th[], PetscReal sse[], PetscReal cnt[], PetscBool *hit)
{
  struct _n_TeannBalance *b = fit->bal;
  int                     same;

  PetscFunctionBegin;
  *hit = PETSC_FALSE;
  if (!b || !b->have) PetscFunctionReturn(0);
  /* every rank holds the same th and b->th, so every rank takes the same branch */
  same = !memcmp(th, b->th, (size_t)fit->nparam * sizeof(PetscReal));
  if (!same) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    sse[k] = b->sse[k];
    cnt[k] = b->cnt[k];
  }
  *hit = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitBalanceValidationLoss(TeannFit fit, const PetscReal vsse[], const PetscReal vcnt[], PetscReal *vloss)
{
  PetscReal sum = 0;

  PetscFunctionBegin;
  if (!fit->bal) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if ((fit->model->props & TeannProperties[k].bit) && fit->weight[k] > 0) sum += fit->weight[k] * PetscLogReal(PetscMax(vsse[k] / (PetscMax(vcnt[k], 1) * PetscSqr(fit->stats.std[k])), TEANN_BALANCE_FLOOR));
  *vloss = sum;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitBalanceDestroy(TeannFit fit)
{
  PetscFunctionBegin;
  if (!fit->bal) PetscFunctionReturn(0);
  PetscCall(PetscFree(fit->bal->th));
  PetscCall(PetscFree(fit->bal));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitBalanceGetScale(TeannFit fit, PetscReal *c)
{
  PetscFunctionBegin;
  *c = fit->bal ? fit->bal->c : 0;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitBalanceSetScale(TeannFit fit, PetscReal c)
{
  PetscFunctionBegin;
  if (!fit->bal || !(c > 0)) PetscFunctionReturn(0);
  fit->bal->c    = c;
  fit->bal->keep = PETSC_TRUE;
  PetscFunctionReturn(0);
}
