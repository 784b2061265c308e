/* Standardised density features for the optimizer (design 2.4, eq. 9c; standardize.h). The
 * features of an element vary by 5-30 % around a large mean, so with plain features every first
 * layer must learn weights ~100x its initial scale and the loss is badly conditioned
 * (bench/accuracy-small-data.md); the standard remedy is to fit in coordinates where each
 * feature has zero mean and unit spread, and to hand the model the equivalent plain parameters. */
#include "fitimpl.h"
#include "standardize.h"
#include "lsq.h"

/* A feature whose spread is below this fraction of its mean is constant over the training atoms (an
   element seen in one environment, or one frame drawn several times by a bootstrap resample): the fit
   cannot learn how the model should depend on it, and its first-layer weights stay at their initial
   values. Scaled by 1/spread, any other environment would reach those weights amplified ~10^4 times
   (absurd predictions); it is scaled by 1/|mean| instead, as a relative deviation. */
#define TEANN_STD_MIN_REL_SPREAD 1e-4

/* The statistics (2 nel F) and the buffer of theta, once. */
static PetscErrorCode Allocate(TeannFit fit, PetscInt F)
{
  PetscFunctionBegin;
  if (!fit->fstd) PetscCall(PetscMalloc1(2 * fit->model->nel * F, &fit->fstd));
  if (!fit->thm) PetscCall(PetscMalloc1(fit->nparam, &fit->thm));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitStandardizeSetUp(TeannFit fit, const PetscReal th0[])
{
  TeannModel m = fit->model;
  PetscInt   F, nv;
  TeannXSum *xs;
  PetscReal *sum;

  PetscFunctionBegin;
  if (!fit->standardize) PetscFunctionReturn(0);
  PetscCall(TeannModelGetNumFeatures(m, &F));
  nv = m->nel * (2 * F + 1);
  PetscCall(PetscMalloc1(nv, &sum));
  PetscCall(Allocate(fit, F));
  PetscCall(TeannXSumCreate(nv, &xs));
  /* per block of training frames, as the loss: the same sums on any rank count */
  if (fit->ev[0]) PetscCall(TeannEvalFeatureMoments(fit->ev[0], th0, fit->fr[0]->nframes, fit->idx, xs));
  PetscCall(TeannXSumAllreduce(fit->comm, xs));
  TeannXSumGet(xs, sum);
  PetscCall(TeannXSumDestroy(&xs));
  for (PetscInt e = 0; e < m->nel; e++) {
    const PetscReal *s = sum + e * (2 * F + 1), n = s[0];
    for (PetscInt i = 0; i < F; i++) {
      const PetscReal mean = n > 0 ? s[1 + i] / n : 0, var = n > 0 ? s[1 + F + i] / n - mean * mean : 0;
      const PetscReal sd = PetscSqrtReal(PetscMax(var, 0)), d = sd > TEANN_STD_MIN_REL_SPREAD * PetscAbsReal(mean) ? sd : PetscAbsReal(mean);
      fit->fstd[e * F + i]              = mean;
      fit->fstd[m->nel * F + e * F + i] = d > 0 ? 1 / d : 1;
    }
  }
  PetscCall(PetscFree(sum));
  fit->fstd_n = 2 * m->nel * F;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitModelParameters(TeannFit fit, const PetscReal phi[], const PetscReal **theta)
{
  PetscFunctionBegin;
  if (!fit->fstd_n) {
    *theta = phi;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscArraycpy(fit->thm, phi, fit->nparam));
  PetscCall(TeannModelStandardize(fit->model, fit->fstd, fit->fstd + fit->fstd_n / 2, TEANN_STD_FORWARD, fit->thm));
  *theta = fit->thm;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitStandardizeGradient(TeannFit fit, PetscReal g[])
{
  PetscFunctionBegin;
  if (fit->fstd_n) PetscCall(TeannModelStandardize(fit->model, fit->fstd, fit->fstd + fit->fstd_n / 2, TEANN_STD_ADJOINT, g));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitStandardizeGet(TeannFit fit, PetscInt *n, const PetscReal **v)
{
  PetscFunctionBegin;
  *n = fit->fstd_n;
  *v = fit->fstd;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitStandardizeSet(TeannFit fit, const char path[], PetscInt n, const PetscReal v[], PetscReal kappa)
{
  PetscInt F;

  PetscFunctionBegin;
  PetscCall(TeannModelGetNumFeatures(fit->model, &F));
  PetscCheck(n == 0 || n == 2 * fit->model->nel * F, fit->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: the feature standardisation has %" PetscInt_FMT " values; this model needs %" PetscInt_FMT, path, n, 2 * fit->model->nel * F);
  PetscCall(Allocate(fit, F));
  if (n) PetscCall(PetscArraycpy(fit->fstd, v, n));
  if ((n > 0) != (fit->standardize == PETSC_TRUE)) PetscCall(PetscPrintf(fit->comm, "restart: the checkpoint's fit %s standardised features; continuing %s them\n", n ? "used" : "did not use", n ? "with" : "without"));
  fit->fstd_n      = n;
  fit->standardize = (PetscBool)(n > 0);
  fit->kappa       = n > 0 && kappa > 0 ? kappa : 1;
  fit->kappa_keep  = (PetscBool)(n > 0);
  PetscFunctionReturn(0);
}

/* The norm of the first step of a fresh L-BFGS in phi (whose entries start at ~1/sqrt(fan-in)). */
#define TEANN_STD_FIRST_STEP 1.0

PetscErrorCode TeannFitStandardizeRestart(TeannFit fit, Vec X)
{
  PetscBool ls;
  Vec       G;
  PetscReal f, gnorm;

  PetscFunctionBegin;
  PetscCall(TeannFitIsLeastSquares(fit, &ls));
  if (!fit->fstd_n || ls) {
    fit->kappa = 1;
    PetscFunctionReturn(0);
  }
  if (fit->kappa_keep) {
    fit->kappa_keep = PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  fit->kappa = 1;
  PetscCall(VecDuplicate(X, &G));
  PetscCall(TaoComputeObjectiveAndGradient(fit->tao, X, &f, G));
  PetscCall(VecNorm(G, NORM_2, &gnorm));
  PetscCall(VecDestroy(&G));
  /* a non-finite start is TAO's to report */
  if (PetscIsNormalReal(gnorm)) fit->kappa = PetscMin(1, TEANN_STD_FIRST_STEP / gnorm);
  PetscCall(PetscInfo(NULL, "objective factor %g for the first step (gradient norm %g)\n", (double)fit->kappa, (double)gnorm));
  PetscFunctionReturn(0);
}

/* The model's parameters of the best iterate on every rank (eq. 9c: theta = T phi); valid until
   the next gather. */
PetscErrorCode TeannFitGetBestModel(TeannFit fit, const PetscReal **th)
{
  const PetscReal *phi;

  PetscFunctionBegin;
  PetscCall(VecScatterBegin(fit->scat, fit->best, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(fit->scat, fit->best, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(fit->thetaAll, &phi));
  if (!fit->fstd_n) { /* the gathered vector itself: the caller restores it */
    *th = phi;
    PetscFunctionReturn(0);
  }
  PetscCall(TeannFitModelParameters(fit, phi, th));
  PetscCall(VecRestoreArrayRead(fit->thetaAll, &phi));
  PetscFunctionReturn(0);
}

/* Release what TeannFitGetBestModel handed out. */
PetscErrorCode TeannFitRestoreBestModel(TeannFit fit, const PetscReal **th)
{
  PetscFunctionBegin;
  if (!fit->fstd_n) PetscCall(VecRestoreArrayRead(fit->thetaAll, th));
  *th = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitStandardizeDestroy(TeannFit fit)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(fit->fstd));
  PetscCall(PetscFree(fit->thm));
  fit->fstd_n = 0;
  PetscFunctionReturn(0);
}
