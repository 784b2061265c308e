/* The L-BFGS history of bqnls across a restart (design section 3): the fit
 * records its last accepted points and gradients (kept in checkpoints), and a
 * restarted fit replays them into TAO's LMVM matrix with the scaling bqnls
 * applies, so that it takes the step the uninterrupted fit would have taken. */
#include "qnreplay.h"

/* The L-BFGS matrix of a restarted bqnls fit as it was before the update with the current point:
   the recorded points of the current history, up to the one before the current point, in order,
   each with the scaling bqnls sets before its update. */
PetscErrorCode TeannFitQNReplay(TeannFit fit)
{
  PetscFunctionBegin;
  {
    Mat       B;
    Vec       x, g;
    PetscInt  nloc = fit->rend - fit->rstart, n = 0;
    PetscReal *a;
    /* the matrix as it was before the update with the current point: the recorded points of
       the current history, up to the one before the current point, in order */
    PetscCall(TaoSetUp(fit->tao));
    PetscCall(TaoGetLMVMMatrix(fit->tao, &B));
    PetscCall(MatLMVMReset(B, PETSC_FALSE));
    PetscCall(VecDuplicate(fit->theta, &x));
    PetscCall(VecDuplicate(fit->theta, &g));
    for (PetscInt i = 0; i < fit->qn_n; i++) {
      PetscReal gn2 = fit->qn_gn[i] * fit->qn_gn[i], delta;
      if (fit->qn_it[i] < fit->qn_from || fit->qn_it[i] >= fit->itoffset) continue;
      PetscCall(VecGetArray(x, &a));
      PetscCall(PetscArraycpy(a, fit->qn_x + i * nloc, nloc));
      PetscCall(VecRestoreArray(x, &a));
      PetscCall(VecGetArray(g, &a));
      PetscCall(PetscArraycpy(a, fit->qn_g + i * nloc, nloc));
      PetscCall(VecRestoreArray(g, &a));
      /* the scaling bqnls sets before each update (TaoBQNLSComputeHessian) */
      if (gn2 == 0.0) gn2 = PETSC_MACHINE_EPSILON;
      delta = fit->qn_f[i] == 0.0 ? 2.0 / gn2 : 2.0 * PetscAbsReal(fit->qn_f[i]) / gn2;
      PetscCall(MatLMVMSymBroydenSetDelta(B, delta));
      PetscCall(MatLMVMUpdate(B, x, g));
      n++;
    }
    PetscCall(VecDestroy(&x));
    PetscCall(VecDestroy(&g));
    PetscCall(TaoSetRecycleHistory(fit->tao, PETSC_TRUE));
    PetscCall(PetscInfo(fit->tao, "replayed %" PetscInt_FMT " L-BFGS points\n", n));
  }
  PetscFunctionReturn(0);
}

/* bqnls: keep the point; a step along the (scaled) negative gradient means the L-BFGS
   history was reset before it and starts at the previous point. */
PetscErrorCode TeannFitQNRecord(TeannFit fit, Tao tao, PetscInt its, PetscReal f, TaoConvergedReason reason)
{
  Vec              X, G;
  const PetscReal *x, *g;
  PetscInt         nloc = fit->rend - fit->rstart, last;
  PetscReal        gn, dots[3] = {0, 0, 0};

  PetscFunctionBegin;
  PetscCall(TaoGetSolution(tao, &X));
  PetscCall(TaoGetGradient(tao, &G, NULL, NULL));
  PetscCall(VecNorm(G, NORM_2, &gn));
  PetscCall(VecGetArrayRead(X, &x));
  PetscCall(VecGetArrayRead(G, &g));
  if (fit->qn_n > 0 && fit->qn_it[fit->qn_n - 1] == its - 1) {
    const PetscReal *xp = fit->qn_x + (fit->qn_n - 1) * nloc, *gp = fit->qn_g + (fit->qn_n - 1) * nloc;
    for (PetscInt i = 0; i < nloc; i++) {
      PetscReal s = x[i] - xp[i];
      dots[0] += s * gp[i];
      dots[1] += s * s;
      dots[2] += gp[i] * gp[i];
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, dots, 3, MPIU_REAL, MPIU_SUM, fit->comm));
    if (dots[1] > 0 && dots[2] > 0 && 1.0 + dots[0] / PetscSqrtReal(dots[1] * dots[2]) < 1e-8) fit->qn_from = its - 1;
  }
  if (its == 0) fit->qn_from = 0;
  /* a failed line search ends the solve; the driver restarts from this point with a fresh matrix */
  if (reason == TAO_DIVERGED_LS_FAILURE) fit->qn_from = its;
  if (fit->qn_n == fit->qn_m) {
    PetscCall(PetscArraymove(fit->qn_x, fit->qn_x + nloc, (fit->qn_m - 1) * nloc));
    PetscCall(PetscArraymove(fit->qn_g, fit->qn_g + nloc, (fit->qn_m - 1) * nloc));
    PetscCall(PetscArraymove(fit->qn_f, fit->qn_f + 1, fit->qn_m - 1));
    PetscCall(PetscArraymove(fit->qn_gn, fit->qn_gn + 1, fit->qn_m - 1));
    PetscCall(PetscArraymove(fit->qn_it, fit->qn_it + 1, fit->qn_m - 1));
    fit->qn_n--;
  }
  last = fit->qn_n++;
  PetscCall(PetscArraycpy(fit->qn_x + last * nloc, x, nloc));
  PetscCall(PetscArraycpy(fit->qn_g + last * nloc, g, nloc));
  fit->qn_f[last]  = f;
  fit->qn_gn[last] = gn;
  fit->qn_it[last] = its;
  PetscCall(VecRestoreArrayRead(G, &g));
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscFunctionReturn(0);
}
