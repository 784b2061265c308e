static const char help[] = "Checks of the least-squares path (src/lsq.c): Jacobian, one LM step, a short fit.\n"
                           "  -lsq_mode jacobian: J against central differences of the residuals and against TeannEvalResiduals rows\n"
                           "                      (-lsq_fd_step: the difference step, default 1e-5);\n"
                           "                      1/2||r||^2 and J^T r against the eq. 9 loss and gradient\n"
                           "  -lsq_mode step:     one LM step solved matrix-free (CG, tight) and by ScaLAPACK Cholesky agree\n"
                           "  -lsq_mode restart:  4 lm iterations equal 2, then 2 more in a new fit given their parameters and damping\n"
                           "  -lsq_mode fit:      TeannFitSolve(); first and last loss and parameter checksums with 17 digits\n"
                           "Other options: those of teann-train (with -tao_type brgn).\n";

#include "lsq.h"
#include "fitimpl.h"
#include "standardize.h"

/* theta + 0.1 sin(1.3 i + 0.1): away from the zero last layer, so every block has a nonzero Jacobian */
static PetscErrorCode Perturb(TeannFit fit, Vec X)
{
  PetscReal *x;
  PetscInt   lo, hi;

  PetscFunctionBegin;
  PetscCall(VecCopy(fit->theta, X));
  PetscCall(VecGetOwnershipRange(X, &lo, &hi));
  PetscCall(VecGetArray(X, &x));
  for (PetscInt i = lo; i < hi; i++) x[i - lo] += 0.1 * PetscSinReal(1.3 * i + 0.1);
  PetscCall(VecRestoreArray(X, &x));
  PetscFunctionReturn(0);
}

static PetscErrorCode MakeFit(TeannFit *fit)
{
  PetscFunctionBegin;
  PetscCall(TeannFitCreate(PETSC_COMM_WORLD, fit));
  PetscCall(TeannFitSetFromOptions(*fit));
  PetscCall(TeannFitSetUp(*fit));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckJacobian(void)
{
  TeannFit         fit;
  Vec              X, Xp, R, Rp, Rm, G, Gref;
  Mat              J;
  const PetscReal *a, *th, *tm;
  PetscReal        h = 1e-5, jmax = 0, maxerr = 0, maxcol = 0, rowerr = 0, f, fref = 0, reg = 0, gerr, gnorm, *Jrow, *rrow;
  PetscInt         N, lda, m, cols[6], lo, hi, nloc, nc, nf;

  PetscFunctionBegin;
  /* the central-difference step: smaller where the residuals are strongly curved (standardised features) */
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-lsq_fd_step", &h, NULL));
  PetscCall(MakeFit(&fit));
  PetscCall(TeannFitLSQGetResidualJacobian(fit, &R, &J));
  PetscCall(VecDuplicate(fit->theta, &X));
  PetscCall(VecDuplicate(fit->theta, &Xp));
  PetscCall(VecDuplicate(R, &Rp));
  PetscCall(VecDuplicate(R, &Rm));
  PetscCall(Perturb(fit, X));
  PetscCall(TeannFitLSQComputeResidual(fit, X, R));
  PetscCall(TeannFitLSQComputeJacobian(fit, X, J));
  PetscCall(MatGetSize(J, NULL, &N));
  PetscCall(MatGetLocalSize(J, &m, NULL));
  PetscCall(MatDenseGetLDA(J, &lda));
  PetscCall(VecGetOwnershipRange(X, &lo, &hi));
  /* in each sixth of the parameter vector (radial, orbital, the networks) its largest column */
  {
    PetscReal *cn;
    PetscCall(PetscMalloc1(N, &cn));
    PetscCall(MatGetColumnNorms(J, NORM_2, cn));
    for (PetscInt k = 0; k < 6; k++) {
      cols[k] = (k * N) / 6;
      for (PetscInt q = (k * N) / 6; q < ((k + 1) * N) / 6; q++)
        if (cn[q] > cn[cols[k]]) cols[k] = q;
    }
    PetscCall(PetscFree(cn));
  }
  PetscCall(MatDenseGetArrayRead(J, &a));
  for (PetscInt q = 0; q < N; q++)
    for (PetscInt i = 0; i < m; i++) jmax = PetscMax(jmax, PetscAbsReal(a[(size_t)q * lda + i]));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &jmax, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
  for (PetscInt k = 0; k < 6; k++) {
    const PetscReal *rp, *rm;
    PetscReal        e = 0, c = 0;
    PetscCall(VecCopy(X, Xp));
    if (cols[k] >= lo && cols[k] < hi) PetscCall(VecSetValue(Xp, cols[k], h, ADD_VALUES));
    PetscCall(VecAssemblyBegin(Xp));
    PetscCall(VecAssemblyEnd(Xp));
    PetscCall(TeannFitLSQComputeResidual(fit, Xp, Rp));
    PetscCall(VecCopy(X, Xp));
    if (cols[k] >= lo && cols[k] < hi) PetscCall(VecSetValue(Xp, cols[k], -h, ADD_VALUES));
    PetscCall(VecAssemblyBegin(Xp));
    PetscCall(VecAssemblyEnd(Xp));
    PetscCall(TeannFitLSQComputeResidual(fit, Xp, Rm));
    PetscCall(VecGetArrayRead(Rp, &rp));
    PetscCall(VecGetArrayRead(Rm, &rm));
    for (PetscInt i = 0; i < m; i++) {
      PetscReal fd = (rp[i] - rm[i]) / (2 * h);
      e            = PetscMax(e, PetscAbsReal(fd - a[(size_t)cols[k] * lda + i]));
      c            = PetscMax(c, PetscAbsReal(a[(size_t)cols[k] * lda + i]));
    }
    PetscCall(VecRestoreArrayRead(Rp, &rp));
    PetscCall(VecRestoreArrayRead(Rm, &rm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &e, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &c, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "column %" PetscInt_FMT ": max |J| %.3e, max |J - FD| %.3e\n", cols[k], (double)c, (double)e));
    /* central differences of O(1) residuals carry ~1e-11 round-off: a floor tied to the largest entry */
    maxerr = PetscMax(maxerr, e / (c + 1e-6 * jmax));
    maxcol = PetscMax(maxcol, c);
  }
  PetscCheck(maxcol > 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "every checked Jacobian column is zero: the check would prove nothing");
  PetscCheck(maxerr < 1e-6, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "Jacobian disagrees with central differences: relative %g", (double)maxerr);
  /* fixed parameters (-teann_fix_radial) have zero columns */
  {
    PetscReal z = 0;
    PetscInt  nfixed = 0;
    for (PetscInt q = 0; q < N; q++)
      if (fit->mask[q] == 0) {
        nfixed++;
        for (PetscInt i = 0; i < m; i++) z = PetscMax(z, PetscAbsReal(a[(size_t)q * lda + i]));
      }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &z, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "fixed parameters %" PetscInt_FMT ": max |J| in their columns %.3e\n", nfixed, (double)z));
    PetscCheck(z == 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "a fixed parameter has a nonzero Jacobian column");
  }
  /* the data rows are sqrt(2) times TeannEvalResiduals rows at the model's theta, taken to the
     optimizer's phi (eq. 9c), in the order of the local frames */
  nc = fit->ncomp;
  nf = fit->ev[0] ? fit->fr[0]->nframes : 0;
  PetscCall(VecScatterBegin(fit->scat, X, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(fit->scat, X, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(fit->thetaAll, &th));
  PetscCall(TeannFitModelParameters(fit, th, &tm));
  PetscCall(PetscMalloc2(nc * N, &Jrow, nc, &rrow));
  for (PetscInt f0 = 0; f0 < nf; f0 += PetscMax(1, nf / 7)) {
    PetscCall(TeannEvalResiduals(fit->ev[0], tm, 1, fit->idx + f0, rrow, Jrow));
    for (PetscInt c = 0; c < nc; c++) PetscCall(TeannFitStandardizeGradient(fit, Jrow + c * N));
    for (PetscInt c = 0; c < nc; c++)
      for (PetscInt q = 0; q < N; q++) rowerr = PetscMax(rowerr, PetscAbsReal(PetscSqrtReal(2.0) * Jrow[c * N + q] - a[(size_t)q * lda + f0 * nc + c]));
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &rowerr, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "rows against TeannEvalResiduals: max difference %.3e\n", (double)rowerr));
  PetscCheck(rowerr <= 1e-14 * maxcol, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "Jacobian rows differ from TeannEvalResiduals: %g", (double)rowerr);
  /* 1/2 ||r||^2 and J^T r are the eq. 9 loss (with L2) and its gradient */
  PetscCall(VecNorm(R, NORM_2, &f));
  f = 0.5 * f * f;
  {
    PetscReal *gl, *g, loc = 0;
    PetscCall(PetscCalloc1(N, &gl));
    if (fit->ev[0]) PetscCall(TeannEvalLossGradient(fit->ev[0], tm, nf, fit->idx, &loc, gl));
    PetscCallMPI(MPI_Allreduce(&loc, &fref, 1, MPIU_REAL, MPIU_SUM, PETSC_COMM_WORLD));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, gl, (PetscMPIInt)N, MPIU_REAL, MPIU_SUM, PETSC_COMM_WORLD));
    PetscCall(TeannFitStandardizeGradient(fit, gl));
    for (PetscInt i = 0; i < N; i++) reg += fit->mask[i] * th[i] * th[i];
    fref += fit->l2 * reg;
    PetscCall(VecDuplicate(X, &G));
    PetscCall(VecDuplicate(X, &Gref));
    PetscCall(MatMultTranspose(J, R, G));
    PetscCall(VecGetLocalSize(Gref, &nloc));
    PetscCall(VecGetArray(Gref, &g));
    for (PetscInt i = 0; i < nloc; i++) g[i] = fit->mask[lo + i] * (gl[lo + i] + 2 * fit->l2 * th[lo + i]);
    PetscCall(VecRestoreArray(Gref, &g));
    PetscCall(PetscFree(gl));
  }
  PetscCall(VecRestoreArrayRead(fit->thetaAll, &th));
  PetscCall(VecNorm(Gref, NORM_2, &gnorm));
  PetscCall(VecAXPY(G, -1.0, Gref));
  PetscCall(VecNorm(G, NORM_2, &gerr));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "loss 1/2||r||^2 %.17g eq. 9 %.17g; |J^T r - grad| / |grad| %.3e\n", (double)f, (double)fref, (double)(gerr / gnorm)));
  PetscCheck(PetscAbsReal(f - fref) <= 1e-12 * fref, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "1/2 ||r||^2 is not the eq. 9 loss");
  PetscCheck(gerr <= 1e-10 * gnorm, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "J^T r is not the eq. 9 gradient");
  PetscCall(PetscFree2(Jrow, rrow));
  PetscCall(MatDenseRestoreArrayRead(J, &a));
  PetscCall(VecDestroy(&X));
  PetscCall(VecDestroy(&Xp));
  PetscCall(VecDestroy(&Rp));
  PetscCall(VecDestroy(&Rm));
  PetscCall(VecDestroy(&G));
  PetscCall(VecDestroy(&Gref));
  PetscCall(TeannFitDestroy(&fit));
  PetscFunctionReturn(0);
}

/* One brgn iteration from the perturbed point with the given solver; step = X1 - X0. */
static PetscErrorCode OneStep(const char solver[], Vec *step)
{
  TeannFit fit;
  Vec      X0;

  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(NULL, "-teann_lm_solver", solver));
  PetscCall(MakeFit(&fit));
  PetscCall(VecDuplicate(fit->theta, &X0));
  PetscCall(Perturb(fit, X0));
  PetscCall(VecCopy(X0, fit->theta));
  PetscCall(TaoSetMaximumIterations(fit->tao, 1));
  PetscCall(TeannFitSolve(fit));
  PetscCall(VecDuplicate(X0, step));
  PetscCall(VecWAXPY(*step, -1.0, X0, fit->theta));
  PetscCall(VecDestroy(&X0));
  PetscCall(TeannFitDestroy(&fit));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckStep(void)
{
  Vec       s1, s2;
  PetscReal n1, d, t0, t1, t2;
  PetscBool timing = PETSC_FALSE;

  PetscFunctionBegin;
  /* -lsq_timing: the solvers as configured (no tight tolerance), times only */
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-lsq_timing", &timing, NULL));
  if (!timing) {
    PetscCall(PetscOptionsSetValue(NULL, "-teann_lm_ksp_rtol", "1e-15"));
    PetscCall(PetscOptionsSetValue(NULL, "-teann_lm_ksp_max_it", "100000"));
  }
  t0 = MPI_Wtime();
  PetscCall(OneStep("matfree", &s1));
  t1 = MPI_Wtime();
  PetscCall(OneStep("scalapack", &s2));
  t2 = MPI_Wtime();
  PetscCall(VecNorm(s1, NORM_2, &n1));
  PetscCall(VecAXPY(s2, -1.0, s1));
  PetscCall(VecNorm(s2, NORM_2, &d));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "seconds for setup + one step: matfree %.3f scalapack %.3f\n", (double)(t1 - t0), (double)(t2 - t1)));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "step norm %.6e; |step(scalapack) - step(matfree)| / |step| %.3e\n", (double)n1, (double)(d / n1)));
  PetscCheck(n1 > 0, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "the LM step is zero");
  PetscCheck(timing || d <= 1e-10 * n1, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "the ScaLAPACK and matrix-free steps differ: %g relative", (double)(d / n1));
  PetscCall(VecDestroy(&s1));
  PetscCall(VecDestroy(&s2));
  PetscFunctionReturn(0);
}

static PetscErrorCode Fit(void)
{
  TeannFit  fit;
  Vec       W;
  PetscReal nrm, dot, l0, l1, lam;
  PetscInt  lo, hi;

  PetscFunctionBegin;
  PetscCall(MakeFit(&fit));
  PetscCall(TeannFitSolve(fit));
  PetscCall(VecDuplicate(fit->theta, &W));
  PetscCall(VecGetOwnershipRange(W, &lo, &hi));
  for (PetscInt i = lo; i < hi; i++) PetscCall(VecSetValue(W, i, 1.0 + (PetscReal)(i % 7) / 7.0, INSERT_VALUES));
  PetscCall(VecAssemblyBegin(W));
  PetscCall(VecAssemblyEnd(W));
  PetscCall(VecNorm(fit->theta, NORM_2, &nrm));
  PetscCall(VecDot(fit->theta, W, &dot));
  PetscCheck(fit->hn >= 2, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "fewer than two monitored iterations");
  l0 = fit->hist[1];
  l1 = fit->hist[(fit->hn - 1) * HIST_W + 1];
  PetscCall(TeannFitGetLMDamping(fit, &lam));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "iterations %" PetscInt_FMT "\nloss_first %.17g\nloss_last %.17g\ntheta_norm %.17g\ntheta_checksum %.17g\nlm_lambda %.17g\n", fit->hn - 1, (double)l0, (double)l1, (double)nrm, (double)dot, (double)lam));
  PetscCall(TeannFitSummary(fit, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(VecDestroy(&W));
  PetscCall(TeannFitDestroy(&fit));
  PetscFunctionReturn(0);
}

/* its brgn iterations from theta0 (NULL: the initial parameters) with damping state lambda0, nu0
   (lambda0 = 0: the option's); the final parameters and damping state */
static PetscErrorCode Iterate(PetscInt its, Vec theta0, PetscReal lambda0, PetscReal nu0, Vec *theta, PetscReal *lambda, PetscReal *nu)
{
  TeannFit fit;

  PetscFunctionBegin;
  PetscCall(MakeFit(&fit));
  if (theta0) PetscCall(VecCopy(theta0, fit->theta));
  if (lambda0 > 0) PetscCall(TeannFitSetLMDampingState(fit, lambda0, nu0));
  PetscCall(TaoSetMaximumIterations(fit->tao, its));
  PetscCall(TeannFitSolve(fit));
  PetscCall(VecDuplicate(fit->theta, theta));
  PetscCall(VecCopy(fit->theta, *theta));
  PetscCall(TeannFitGetLMDampingState(fit, lambda, nu));
  PetscCall(TeannFitDestroy(&fit));
  PetscFunctionReturn(0);
}

/* 4 iterations in one go = 2, then a new fit restarted from their parameters and damping, 2 more */
static PetscErrorCode CheckRestart(void)
{
  Vec       a, b, c;
  PetscReal la, lb, lc, va, vb, vc, na, d;

  PetscFunctionBegin;
  PetscCall(Iterate(4, NULL, 0, 0, &a, &la, &va));
  PetscCall(Iterate(2, NULL, 0, 0, &b, &lb, &vb));
  PetscCall(Iterate(2, b, lb, vb, &c, &lc, &vc));
  PetscCall(VecNorm(a, NORM_2, &na));
  PetscCall(VecAXPY(c, -1.0, a));
  PetscCall(VecNorm(c, NORM_2, &d));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "lambda (nu) after 2 %.17g (%g), after 4 %.17g (%g), after 2+2 %.17g (%g); |theta(2+2) - theta(4)| / |theta(4)| %.3e\n", (double)lb, (double)vb, (double)la, (double)va, (double)lc, (double)vc, (double)(d / na)));
  PetscCheck(PetscAbsReal(la - lc) <= 1e-12 * la && va == vc, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "the damping after a restart differs");
  PetscCheck(la != lb, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "the damping did not change: the check would prove nothing");
  PetscCheck(d <= 1e-10 * na, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "a restarted fit took other steps");
  PetscCall(VecDestroy(&a));
  PetscCall(VecDestroy(&b));
  PetscCall(VecDestroy(&c));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char      mode[32] = "jacobian";
  PetscBool isjac, isstep, isrestart;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-lsq_mode", mode, sizeof(mode), NULL));
  PetscCall(PetscStrcmp(mode, "jacobian", &isjac));
  PetscCall(PetscStrcmp(mode, "step", &isstep));
  PetscCall(PetscStrcmp(mode, "restart", &isrestart));
  if (isjac) PetscCall(CheckJacobian());
  else if (isrestart) PetscCall(CheckRestart());
  else if (isstep) PetscCall(CheckStep());
  else PetscCall(Fit());
  PetscCall(PetscFinalize());
  return 0;
}
