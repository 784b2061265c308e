/* Gauss-Newton and Levenberg-Marquardt through TAO's brgn (design 2.4, 3):
 * residuals and a dense Jacobian distributed like the data, and the solve of
 * the damped normal equations (matrix-free CG or ScaLAPACK Cholesky). */
#include "logimpl.h"
#include "lsq.h"
#include "fitimpl.h"
#include "standardize.h"
#include <petscksp.h>
#include <unistd.h>
#if defined(_OPENMP)
  #include <omp.h>
#endif

const char *const TeannLMSolvers[] = {"matfree", "scalapack", "TeannLMSolver", "TEANN_LM_", NULL};
const char *const TeannLMDampings[] = {"gain", "step", "TeannLMDamping", "TEANN_LM_DAMPING_", NULL};


/* brgn's regularizers as its options name them (brgn.c of PETSc 3.18) */
typedef enum { REG_USER, REG_L2PROX, REG_L2PURE, REG_L1DICT, REG_LM } LSQReg;
static const char *const RegNames[] = {"user", "l2prox", "l2pure", "l1dict", "lm"};

typedef struct {
  TeannFit      fit;
  Vec           R;           /* residuals: nres data rows, then nl2 L2 rows              */
  Mat           J;           /* MATMPIDENSE, rows of R, columns in theta's layout        */
  PetscInt      nres, nl2;   /* local data rows, local L2 rows                          */
  PetscInt      chunk;       /* frames per TeannEvalResiduals call                       */
  PetscReal    *buf, *rbuf;  /* one chunk of Jacobian rows (row-major) and residuals     */
  Vec           Xj;          /* the point J was computed at                              */
  PetscBool     jvalid;
  PetscInt      jgen;        /* counts the Jacobians computed                            */
  Vec           colsq;       /* squared column norms of J = diag(J^T J)                 */
  TeannLMSolver solver;
  PetscReal     ksp_rtol;
  PetscInt      ksp_max_it;
  LSQReg        reg;
  PetscReal     lambda;      /* brgn's regulariser weight (lm: damping factor) now       */
  PetscReal     down, up, fprev;
  TeannLMDamping rule;       /* gain: gain ratio of the full step; step: the accepted step length */
  PetscReal     nu;          /* gain: the factor of the next increase of lambda                    */
  PetscBool     wantpred;    /* gain: the next objective evaluation is the full step's             */
  PetscReal     fk, pred, ffull, rho; /* gain: f at the iterate, the model's and the full step's  */
  Vec           step, Jd;    /* gain: the full step, and J times it                                */
  /* state of the subproblem solver: rebuilt when J or the damping changes */
  PetscInt      sgen;
  Vec           damp, sdamp; /* damping added to J^T J now, and at the last rebuild      */
  Vec           jacobi;      /* matfree: diag(J^T J) + damping                           */
  Mat           H, Hs;       /* scalapack: J^T J + damping, as MATMPIDENSE and MATSCALAPACK */
  PC            chol;
  Vec           Rw;          /* residual work vector for the loss of l2prox              */
  Vec           xprev, xwork; /* l2prox: the proximal centre (the current point)         */
  Mat           Ireg;        /* l2prox: the identity, Hessian of the proximal term        */
  PetscReal     floor;       /* lm: damping at least lambda * floor * mean(diag(J^T J))   */
  PetscErrorCode (*hess)(Tao, Vec, Mat, Mat, void *); /* brgn's Hessian routine, wrapped */
  void         *hessctx;
} LSQ;

PetscErrorCode TeannFitIsLeastSquares(TeannFit fit, PetscBool *flg)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)fit->tao, TAOBRGN, flg));
  PetscFunctionReturn(0);
}

static PetscErrorCode LSQDestroy(void *ptr)
{
  LSQ *c = (LSQ *)ptr;

  PetscFunctionBegin;
  PetscCall(VecDestroy(&c->R));
  PetscCall(MatDestroy(&c->J));
  PetscCall(VecDestroy(&c->Xj));
  PetscCall(VecDestroy(&c->colsq));
  PetscCall(VecDestroy(&c->damp));
  PetscCall(VecDestroy(&c->sdamp));
  PetscCall(VecDestroy(&c->jacobi));
  PetscCall(VecDestroy(&c->Rw));
  PetscCall(VecDestroy(&c->step));
  PetscCall(VecDestroy(&c->Jd));
  PetscCall(VecDestroy(&c->xprev));
  PetscCall(VecDestroy(&c->xwork));
  PetscCall(MatDestroy(&c->Ireg));
  PetscCall(MatDestroy(&c->H));
  PetscCall(MatDestroy(&c->Hs));
  PetscCall(PCDestroy(&c->chol));
  PetscCall(PetscFree2(c->buf, c->rbuf));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetLSQ(TeannFit fit, LSQ **c)
{
  PetscContainer cont;

  PetscFunctionBegin;
  PetscCall(PetscObjectQuery((PetscObject)fit->tao, "TeannLSQ", (PetscObject *)&cont));
  PetscCheck(cont, fit->comm, PETSC_ERR_ORDER, "TeannFitLSQSetUp() has not been called (needs -tao_type brgn)");
  PetscCall(PetscContainerGetPointer(cont, (void **)c));
  PetscFunctionReturn(0);
}

/* Gather X to every rank (fit->thetaAll). */
static PetscErrorCode Gather(TeannFit fit, Vec X, const PetscReal **th)
{
  PetscFunctionBegin;
  PetscCall(VecScatterBegin(fit->scat, X, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(fit->scat, X, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(fit->thetaAll, th));
  PetscFunctionReturn(0);
}

/* brgn minimises 1/2 ||r||^2: sqrt(2) times the eq. 9 residuals make it the eq. 9 loss. */
static PetscErrorCode LSQResidual(Tao tao, Vec X, Vec R, void *ctx)
{
  LSQ             *c   = (LSQ *)ctx;
  TeannFit         fit = c->fit;
  const PetscReal *th, *tm;
  PetscReal       *r, s2 = PetscSqrtReal(2.0), sl = PetscSqrtReal(2.0 * fit->l2);

  PetscFunctionBegin;
  PetscCall(Gather(fit, X, &th));
  PetscCall(TeannFitModelParameters(fit, th, &tm)); /* eq. 9c: the L2 rows stay on phi */
  PetscCall(VecGetArrayWrite(R, &r));
  if (c->nres) PetscCall(TeannEvalResiduals(fit->ev[0], tm, fit->fr[0]->nframes, fit->idx, r, NULL));
  for (PetscInt i = 0; i < c->nres; i++) r[i] *= s2;
  for (PetscInt i = 0; i < c->nl2; i++) r[c->nres + i] = sl * fit->mask[fit->rstart + i] * th[fit->rstart + i];
  PetscCall(PetscLogFlops(c->nres + 2.0 * c->nl2));
  PetscCall(VecRestoreArrayWrite(R, &r));
  PetscCall(VecRestoreArrayRead(fit->thetaAll, &th));
  PetscFunctionReturn(0);
}

/* brgn asks for J at every objective evaluation and again for the Hessian at the
   same point: J is kept with the point it belongs to and recomputed only when X moves. */
static PetscErrorCode LSQJacobian(Tao tao, Vec X, Mat J, Mat Jpre, void *ctx)
{
  LSQ             *c   = (LSQ *)ctx;
  TeannFit         fit = c->fit;
  const PetscReal *th, *tm;
  PetscReal       *a, *norms, *d, s2 = PetscSqrtReal(2.0), sl = PetscSqrtReal(2.0 * fit->l2);
  PetscInt         lda, np = fit->nparam, nc = fit->ncomp, nf = c->nres / PetscMax(nc, 1);
  PetscBool        same = PETSC_FALSE;

  PetscFunctionBegin;
  if (c->jvalid) PetscCall(VecEqual(X, c->Xj, &same));
  if (same) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(TEANN_EVENT_LSQJacobian, 0, 0, 0, 0));
  PetscCall(Gather(fit, X, &th));
  PetscCall(TeannFitModelParameters(fit, th, &tm));
  PetscCall(MatDenseGetArrayWrite(J, &a));
  PetscCall(MatDenseGetLDA(J, &lda));
  /* TeannEvalResiduals gives rows; MATDENSE stores columns: transpose one chunk of frames at a time */
  for (PetscInt f0 = 0; f0 < nf; f0 += c->chunk) {
    PetscInt nk = PetscMin(c->chunk, nf - f0), nr = nk * nc, row0 = f0 * nc;
    PetscCall(TeannEvalResiduals(fit->ev[0], tm, nk, fit->idx + f0, c->rbuf, c->buf));
    for (PetscInt i = 0; i < nk * nc; i++) PetscCall(TeannFitStandardizeGradient(fit, c->buf + (size_t)i * np)); /* rows d r / d phi */
#pragma omp parallel for schedule(static)
    for (PetscInt q0 = 0; q0 < np; q0 += 64) {
      const PetscInt q1 = PetscMin(np, q0 + 64);
      for (PetscInt i = 0; i < nr; i++) {
        const PetscReal *src = c->buf + (size_t)i * np;
        for (PetscInt q = q0; q < q1; q++) a[(size_t)q * lda + row0 + i] = s2 * src[q];
      }
    }
  }
  /* the L2 rows: sqrt(2 lambda) on the diagonal of the trainable parameters this rank owns */
  if (c->nl2) {
    for (PetscInt q = 0; q < np; q++)
      for (PetscInt i = 0; i < c->nl2; i++) a[(size_t)q * lda + c->nres + i] = 0;
    for (PetscInt i = 0; i < c->nl2; i++) a[(size_t)(fit->rstart + i) * lda + c->nres + i] = sl * fit->mask[fit->rstart + i];
  }
  PetscCall(PetscLogFlops((PetscLogDouble)c->nres * np));
  PetscCall(MatDenseRestoreArrayWrite(J, &a));
  PetscCall(VecRestoreArrayRead(fit->thetaAll, &th));
  PetscCall(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
  PetscCall(PetscMalloc1(np, &norms));
  PetscCall(MatGetColumnNorms(J, NORM_2, norms));
  PetscCall(VecGetArrayWrite(c->colsq, &d));
  for (PetscInt i = 0; i < fit->rend - fit->rstart; i++) d[i] = norms[fit->rstart + i] * norms[fit->rstart + i];
  PetscCall(VecRestoreArrayWrite(c->colsq, &d));
  PetscCall(PetscFree(norms));
  PetscCall(VecCopy(X, c->Xj));
  c->jvalid = PETSC_TRUE;
  c->jgen++;
  PetscCall(PetscLogEventEnd(TEANN_EVENT_LSQJacobian, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The damping brgn adds to J^T J for the coming step: lm lambda clip(diag(J^T J)) (its
   damping vector), l2prox and l2pure lambda I. */
static PetscErrorCode CurrentDamping(LSQ *c)
{
  TeannFit fit = c->fit;

  PetscFunctionBegin;
  switch (c->reg) {
  case REG_LM: {
    Vec d;
    PetscCall(TaoBRGNGetDampingVector(fit->tao, &d));
    PetscCall(VecCopy(d, c->damp));
  } break;
  case REG_L2PROX:
  case REG_L2PURE:
    PetscCall(VecSet(c->damp, c->lambda));
    break;
  default:
    SETERRQ(fit->comm, PETSC_ERR_SUP, "-tao_brgn_regularization_type %s is not supported by teann-train; use lm, l2prox or l2pure", RegNames[c->reg]);
  }
  PetscFunctionReturn(0);
}

/* Rebuild the preconditioner (matfree) or the Cholesky factors (scalapack) when J or the
   damping changed since the last solve. The PC's own setup cannot tell: brgn's shell
   Hessian keeps its object state while J and the damping change under it. */
static PetscErrorCode UpdateSolver(LSQ *c)
{
  PetscBool same = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(CurrentDamping(c));
  if (c->sgen == c->jgen) PetscCall(VecEqual(c->damp, c->sdamp, &same));
  if (same) PetscFunctionReturn(0);
  PetscCall(VecCopy(c->damp, c->sdamp));
  c->sgen = c->jgen;
  if (c->solver == TEANN_LM_MATFREE) {
    PetscReal *d;
    PetscInt   n;
    PetscCall(VecWAXPY(c->jacobi, 1.0, c->colsq, c->damp));
    PetscCall(VecGetLocalSize(c->jacobi, &n));
    PetscCall(VecGetArray(c->jacobi, &d));
    for (PetscInt i = 0; i < n; i++)
      if (!(d[i] > 0)) d[i] = 1;
    PetscCall(VecRestoreArray(c->jacobi, &d));
  } else {
    PetscCall(PetscLogEventBegin(TEANN_EVENT_LSQFactor, 0, 0, 0, 0));
    PetscCall(MatTransposeMatMult(c->J, c->J, c->H ? MAT_REUSE_MATRIX : MAT_INITIAL_MATRIX, PETSC_DEFAULT, &c->H));
    PetscCall(MatDiagonalSet(c->H, c->damp, ADD_VALUES));
    PetscCall(MatDestroy(&c->Hs));
    PetscCall(MatConvert(c->H, MATSCALAPACK, MAT_INITIAL_MATRIX, &c->Hs));
    PetscCall(PCSetOperators(c->chol, c->Hs, c->Hs));
    PetscCall(PCSetUp(c->chol));
    PetscCall(PetscLogEventEnd(TEANN_EVENT_LSQFactor, 0, 0, 0, 0));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApply_LSQ(PC pc, Vec x, Vec y)
{
  LSQ *c;

  PetscFunctionBegin;
  PetscCall(PCShellGetContext(pc, &c));
  PetscCall(UpdateSolver(c));
  if (c->solver == TEANN_LM_MATFREE) PetscCall(VecPointwiseDivide(y, x, c->jacobi));
  else PetscCall(PCApply(c->chol, x, y));
  PetscFunctionReturn(0);
}

/* Levenberg-Marquardt damping. brgn 3.18 takes every lm step whole (unit line search)
   and only scales lambda by 1/5 after a decrease or by 3/2 after an increase, so one bad
   step, taken anyway, throws the fit uphill and it diverges. Here the subsolver runs an
   Armijo line search along the lm step, which cannot go uphill, and the monitor (end of
   iteration k) decides lambda of iteration k+1, so fit->lm_lambda and fit->lm_nu are what a
   checkpoint must keep. Two rules (-teann_lm_damping):
   gain: Nielsen's gain-ratio rule on the full lm step d, whose objective the line search
     evaluates first: rho = (f(x) - f(x + d)) / (m(0) - m(d)), m the Gauss-Newton model
     f + g^T d + 1/2 ||J d||^2. rho > 0 (a step LM would accept): lambda *= max(1/3,
     1 - (2 rho - 1)^3), nu = 2; otherwise (LM would reject it) lambda *= nu, nu *= 2. The
     line search then still takes the shorter step it found, so a rejection costs no iteration.
   step: lambda follows the step length s the line search accepted: a whole step shrinks it
     by the downhill factor, a step cut to s < 1 grows it by uphill/s. */
static PetscErrorCode LSQMonitor(Tao sub, void *ctx)
{
  LSQ      *c = (LSQ *)ctx;
  PetscInt  its;
  PetscReal f, s;

  PetscFunctionBegin;
  PetscCall(TaoGetSolutionStatus(sub, &its, &f, NULL, NULL, &s, NULL));
  if (c->reg == REG_LM && its > 0) {
    if (c->rule == TEANN_LM_DAMPING_GAIN && !c->wantpred) {
      /* no model decrease (a stationary point): nothing to learn, treat as a rejection */
      c->rho = c->pred > 0 ? (c->fk - c->ffull) / c->pred : -1;
      if (c->rho > 0) {
        PetscReal t = 2 * c->rho - 1;
        c->lambda *= PetscMax(1.0 / 3.0, 1 - t * t * t);
        c->nu = 2;
      } else {
        c->lambda *= c->nu;
        c->nu = PetscMin(2 * c->nu, 1e6);
      }
    } else { /* the step rule, or a line search that never evaluated the full step alone */
      if (s >= 1) c->lambda *= c->down;
      else if (s > 0) c->lambda *= c->up / s;
      else c->lambda *= 100; /* the line search failed: the next try must be much shorter */
    }
    c->lambda         = PetscMin(PetscMax(c->lambda, 1e-12), 1e12);
    c->fit->lm_lambda = c->lambda;
    c->fit->lm_nu     = c->nu;
    PetscCall(PetscInfo(sub, "lm iteration %" PetscInt_FMT ": step %g, gain ratio %g; next lambda %g, nu %g\n", its, (double)s, (double)c->rho, (double)c->lambda, (double)c->nu));
  }
  c->fprev = f;
  PetscFunctionReturn(0);
}

/* brgn's lm damping is lambda diag(J^T J), clipped only at sqrt(eps). A parameter the
   residuals do not see yet (every hidden layer while EANN's last layer is zero) then has
   a curvature of 2 l2 from its L2 row alone, and one Gauss-Newton step solves that row
   exactly: the parameter jumps to zero and the network with it, a stationary point
   (-teann_l2 with lm stalled at the constant-prediction loss). A floor relative to the
   mean curvature keeps such steps short until the data see the parameter; without L2 it
   also keeps Marquardt's scaling from sending weakly determined parameters far. */
static PetscErrorCode LSQHessian(Tao sub, Vec X, Mat H, Mat Hpre, void *ctx)
{
  LSQ       *c = (LSQ *)ctx;
  Vec        d;
  PetscReal  sum, lo, *a;
  PetscInt   n, N;

  PetscFunctionBegin;
  PetscCall((*c->hess)(sub, X, H, Hpre, c->hessctx));
  PetscCall(TaoBRGNGetDampingVector(c->fit->tao, &d));
  PetscCall(VecSum(c->colsq, &sum));
  PetscCall(VecGetSize(c->colsq, &N));
  lo = c->lambda * c->floor * sum / PetscMax(N, 1);
  /* and at least an L2 row's own curvature, so that one step takes a parameter the data do
     not see at most halfway to zero */
  if (c->floor > 0) lo = PetscMax(lo, 2 * c->fit->l2);
  PetscCall(VecGetLocalSize(d, &n));
  PetscCall(VecGetArray(d, &a));
  for (PetscInt i = 0; i < n; i++) a[i] = PetscMax(a[i], lo);
  PetscCall(VecRestoreArray(d, &a));
  PetscFunctionReturn(0);
}

/* Called by brgn at the start of every iteration, after its own update: our lambda wins,
   and the proximal centre moves to the current point. */
static PetscErrorCode LSQUpdate(Tao tao, PetscInt it, void *ctx)
{
  LSQ *c = (LSQ *)ctx;

  PetscFunctionBegin;
  if (c->reg == REG_LM && c->floor > 0 && !c->hess) {
    /* brgn gives its subsolver the Hessian routine when it is set up, inside TaoSolve:
       wrap it at the first update, before the first Hessian */
    Tao  sub;
    Mat  H, Hpre;
    PetscErrorCode (*f)(Tao, Vec, Mat, Mat, void *);
    void *fctx;
    PetscCall(TaoBRGNGetSubsolver(tao, &sub));
    PetscCall(TaoGetHessian(sub, &H, &Hpre, &f, &fctx));
    PetscCheck(f, c->fit->comm, PETSC_ERR_ORDER, "brgn's subsolver has no Hessian routine");
    c->hess    = f;
    c->hessctx = fctx;
    PetscCall(TaoSetHessian(sub, H, Hpre, LSQHessian, c));
  }
  if (c->reg == REG_LM) PetscCall(TaoBRGNSetRegularizerWeight(tao, c->lambda));
  c->wantpred = (PetscBool)(c->reg == REG_LM && c->rule == TEANN_LM_DAMPING_GAIN);
  c->pred     = 0;
  c->rho      = 0;
  if (c->reg == REG_L2PROX) {
    Vec X;
    PetscCall(TaoGetSolution(tao, &X));
    PetscCall(VecCopy(X, c->xprev));
  }
  PetscFunctionReturn(0);
}

/* l2prox: brgn 3.18 centres the proximal term of the first iteration of every solve at
   x = 0, not at the starting point. Parameters the residuals do not see yet (the hidden
   layers, while the last layer is still zero as EANN initialises it) then jump to zero,
   and the whole network stays there: a stationary point. teann keeps the proximal term
   itself (brgn's "user" regulariser), centred at the current point from the start. */
static PetscErrorCode ProxObjectiveGradient(Tao tao, Vec X, PetscReal *f, Vec G, void *ctx)
{
  LSQ *c = (LSQ *)ctx;

  PetscFunctionBegin;
  PetscCall(VecWAXPY(G, -1.0, c->xprev, X));
  PetscCall(VecDot(G, G, f));
  *f *= 0.5;
  PetscFunctionReturn(0);
}

static PetscErrorCode ProxHessian(Tao tao, Vec X, Mat H, void *ctx)
{
  PetscFunctionBegin;
  PetscFunctionReturn(0); /* the identity, always */
}

/* Objective alone (1/2 ||r||^2, plus lambda/2 ||X - centre||^2 for l2prox) so that rejected
   line-search trials cost a residual evaluation, not a Jacobian. */
static PetscErrorCode LSQObjective(Tao sub, Vec X, PetscReal *f, void *ctx)
{
  LSQ *c = (LSQ *)ctx;

  PetscFunctionBegin;
  if (c->wantpred && c->jvalid) {
    PetscReal gtd, jd2;
    /* the line search's first trial is the full lm step from the point J and R belong to:
       the model's decrease -(g^T d + 1/2 ||J d||^2), with g = J^T r */
    PetscCall(VecWAXPY(c->step, -1.0, c->Xj, X));
    PetscCall(MatMult(c->J, c->step, c->Jd));
    PetscCall(VecDot(c->Jd, c->R, &gtd));
    PetscCall(VecDot(c->Jd, c->Jd, &jd2));
    PetscCall(VecDot(c->R, c->R, &c->fk));
    c->fk *= 0.5;
    c->pred = -(gtd + 0.5 * jd2);
  }
  PetscCall(LSQResidual(sub, X, c->Rw, c));
  PetscCall(VecDot(c->Rw, c->Rw, f));
  *f *= 0.5;
  if (c->wantpred) {
    c->ffull    = *f;
    c->wantpred = PETSC_FALSE;
  }
  if (c->reg == REG_L2PROX) {
    PetscReal d2;
    PetscCall(VecWAXPY(c->xwork, -1.0, c->xprev, X));
    PetscCall(VecDot(c->xwork, c->xwork, &d2));
    *f += 0.5 * c->lambda * d2;
  }
  PetscFunctionReturn(0);
}

/* brgn does not pass its convergence test to the subsolver that iterates: early stopping goes there. */
static PetscErrorCode LSQConvergenceTest(Tao sub, void *ctx)
{
  LSQ *c = (LSQ *)ctx;

  PetscFunctionBegin;
  PetscCall(TaoDefaultConvergenceTest(sub, NULL));
  if (c->fit->stop) {
    PetscCall(PetscInfo(sub, "no better validation loss for %" PetscInt_FMT " iterations\n", c->fit->patience));
    PetscCall(TaoSetConvergedReason(sub, TAO_CONVERGED_USER));
  }
  PetscFunctionReturn(0);
}

/* The dense Jacobian (and, for ScaLAPACK, J^T J twice) is allocated whole: say how much, and
   refuse before allocating when a node's ranks would need more than 90 % of its memory (a
   default 64-64 network has ~49,000 parameters: 19 GB per copy of J^T J). */
static PetscErrorCode CheckMemory(LSQ *c)
{
  TeannFit       fit = c->fit;
  const double   n   = (double)fit->nparam;
  double         rows, mine, need, phys, jac, jtj;
  long           pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
  PetscMPIInt    size, nsize;
  MPI_Comm       node;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(fit->comm, &size));
  rows = (double)(c->nres + c->nl2);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &rows, 1, MPI_DOUBLE, MPI_SUM, fit->comm));
  jac  = 8 * rows * n;
  jtj  = c->solver == TEANN_LM_SCALAPACK ? 2 * 8 * n * n : 0;
  mine = 8 * ((double)(c->nres + c->nl2) + (double)c->chunk * fit->ncomp) * n + jtj / size;
  PetscCallMPI(MPI_Comm_split_type(fit->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &nsize));
  PetscCallMPI(MPI_Allreduce(&mine, &need, 1, MPI_DOUBLE, MPI_SUM, node));
  PetscCallMPI(MPI_Comm_free(&node));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &need, 1, MPI_DOUBLE, MPI_MAX, fit->comm));
  phys = pages > 0 && psize > 0 ? (double)pages * (double)psize : 0;
  if (jtj > 0) PetscCall(PetscPrintf(fit->comm, "Levenberg-Marquardt: %" PetscInt_FMT " parameters, %.0f residual rows: Jacobian %.1f MB, J^T J (ScaLAPACK, two copies) %.1f MB, over %d ranks\n", fit->nparam, rows, jac / 1e6, jtj / 1e6, (int)size));
  else PetscCall(PetscPrintf(fit->comm, "Levenberg-Marquardt: %" PetscInt_FMT " parameters, %.0f residual rows: Jacobian %.1f MB, over %d ranks\n", fit->nparam, rows, jac / 1e6, (int)size));
  PetscCheck(phys == 0 || need <= 0.9 * phys, fit->comm, PETSC_ERR_USER_INPUT,
             "Levenberg-Marquardt needs %.1f GB on one node (%d ranks; Jacobian %.1f GB in all%s%.1f GB), more than 90%% of its %.1f GB: use fewer parameters (-teann_hidden, -teann_nwave), %smore nodes, or -tao_type lmvm",
             need / 1e9, (int)nsize, jac / 1e9, jtj > 0 ? ", J^T J " : "", jtj / 1e9, phys / 1e9, jtj > 0 ? "-teann_lm_solver matfree (no J^T J), " : "");
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitLSQSetUp(TeannFit fit)
{
  LSQ             *c;
  PetscContainer   cont;
  PetscBool        islsq;
  const char      *prefix;
  PetscInt         nloc, reg = REG_L2PROX, nthreads = 1;
  Tao              sub;
  KSP              ksp;
  PC               pc;

  PetscFunctionBegin;
  PetscCall(TeannFitIsLeastSquares(fit, &islsq));
  PetscCheck(islsq, fit->comm, PETSC_ERR_ARG_WRONG, "TeannFitLSQSetUp() needs -tao_type brgn");
  PetscCall(TeannInitializePackage());
  PetscCall(PetscNew(&c));
  c->fit      = fit;
  c->solver   = TEANN_LM_MATFREE;
  c->ksp_rtol   = 1e-8;
  c->ksp_max_it = 200;
  c->lambda   = 1e-4;
  c->down     = 0.2;
  c->up       = 1.5;
  c->rule     = TEANN_LM_DAMPING_GAIN;
  c->nu       = 2;
  c->sgen     = -1;
  c->floor    = 1e-4;
  PetscOptionsBegin(fit->comm, NULL, "teann least-squares (tao brgn) options", "TeannFitLSQSetUp");
  PetscCall(PetscOptionsEnum("-teann_lm_solver", "Solve of the damped normal equations: matfree (CG on J^T J) or scalapack (Cholesky of the assembled J^T J)", "TeannFitLSQSetUp", TeannLMSolvers, (PetscEnum)c->solver, (PetscEnum *)&c->solver, NULL));
  PetscCall(PetscOptionsReal("-teann_lm_ksp_rtol", "Relative tolerance of the matfree CG solve", "TeannFitLSQSetUp", c->ksp_rtol, &c->ksp_rtol, NULL));
  PetscCall(PetscOptionsEnum("-teann_lm_damping", "lm damping update: gain (Nielsen's gain-ratio rule) or step (from the line search's step length)", "TeannFitLSQSetUp", TeannLMDampings, (PetscEnum)c->rule, (PetscEnum *)&c->rule, NULL));
  PetscCall(PetscOptionsReal("-teann_lm_damping_floor", "lm: the damping is at least lambda times this times the mean of diag(J^T J) (0: brgn's sqrt(eps) clip alone)", "TeannFitLSQSetUp", c->floor, &c->floor, NULL));
  PetscCheck(c->floor >= 0, fit->comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_lm_damping_floor must be >= 0, not %g", (double)c->floor);
  PetscCall(PetscOptionsInt("-teann_lm_ksp_max_it", "Most CG iterations per matfree solve (a truncated solve is still a descent step)", "TeannFitLSQSetUp", c->ksp_max_it, &c->ksp_max_it, NULL));
  PetscOptionsEnd();
  /* brgn keeps its settings private: read them as it does, to mirror its damping */
  PetscCall(TaoGetOptionsPrefix(fit->tao, &prefix));
  PetscCall(PetscOptionsGetEList(NULL, prefix, "-tao_brgn_regularization_type", RegNames, 5, &reg, NULL));
  c->reg = (LSQReg)reg;
  PetscCall(PetscOptionsGetReal(NULL, prefix, "-tao_brgn_regularizer_weight", &c->lambda, NULL));
  PetscCall(PetscOptionsGetReal(NULL, prefix, "-tao_brgn_lm_downhill_lambda_change", &c->down, NULL));
  PetscCall(PetscOptionsGetReal(NULL, prefix, "-tao_brgn_lm_uphill_lambda_change", &c->up, NULL));
  if (c->reg == REG_LM) {
    if (fit->lm_lambda > 0) c->lambda = fit->lm_lambda; /* a restart */
    if (fit->lm_nu >= 2) c->nu = fit->lm_nu;
    PetscCall(TaoBRGNSetRegularizerWeight(fit->tao, c->lambda));
    fit->lm_lambda = c->lambda;
    fit->lm_nu     = c->nu;
  }
  PetscCheck(c->reg == REG_LM || c->reg == REG_L2PROX || c->reg == REG_L2PURE, fit->comm, PETSC_ERR_SUP, "-tao_brgn_regularization_type %s is not supported by teann-train; use lm, l2prox or l2pure", RegNames[c->reg]);
  if (c->reg == REG_L2PROX) {
    char opt[256];
    /* brgn has no setter for its regulariser type: switch it to "user" through the options
       database for one TaoSetFromOptions(), then put back what the user wrote */
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%stao_brgn_regularization_type", prefix ? prefix : ""));
    PetscCall(PetscOptionsSetValue(NULL, opt, "user"));
    PetscCall(TaoSetFromOptions(fit->tao));
    PetscCall(PetscOptionsSetValue(NULL, opt, "l2prox"));
    PetscCall(VecDuplicate(fit->theta, &c->xprev));
    PetscCall(VecDuplicate(fit->theta, &c->xwork));
    PetscCall(VecCopy(fit->theta, c->xprev));
    PetscCall(VecGetLocalSize(fit->theta, &nloc));
    PetscCall(MatCreateConstantDiagonal(fit->comm, nloc, nloc, fit->nparam, fit->nparam, 1.0, &c->Ireg));
    PetscCall(TaoBRGNSetRegularizerObjectiveAndGradientRoutine(fit->tao, ProxObjectiveGradient, c));
    PetscCall(TaoBRGNSetRegularizerHessianRoutine(fit->tao, c->Ireg, ProxHessian, c));
  }

  /* rows: the training residuals this rank owns, then the L2 rows of its parameters */
  c->nres = fit->ev[0] ? fit->fr[0]->nframes * fit->ncomp : 0;
  c->nl2  = fit->l2 > 0 ? fit->rend - fit->rstart : 0;
#if defined(_OPENMP)
  nthreads = omp_get_max_threads();
#endif
  c->chunk = PetscMax(16, 4 * nthreads);
  PetscCall(CheckMemory(c));
  PetscCall(PetscMalloc2((size_t)c->chunk * fit->ncomp * fit->nparam, &c->buf, c->chunk * fit->ncomp, &c->rbuf));
  PetscCall(VecCreateMPI(fit->comm, c->nres + c->nl2, PETSC_DETERMINE, &c->R));
  PetscCall(VecDuplicate(c->R, &c->Rw));
  PetscCall(VecDuplicate(c->R, &c->Jd));
  PetscCall(VecDuplicate(fit->theta, &c->step));
  PetscCall(VecGetLocalSize(fit->theta, &nloc));
  PetscCall(MatCreateDense(fit->comm, c->nres + c->nl2, nloc, PETSC_DETERMINE, fit->nparam, NULL, &c->J));
  PetscCall(MatSetUp(c->J));
  PetscCall(VecDuplicate(fit->theta, &c->Xj));
  PetscCall(VecDuplicate(fit->theta, &c->colsq));
  PetscCall(VecDuplicate(fit->theta, &c->damp));
  PetscCall(VecDuplicate(fit->theta, &c->sdamp));
  PetscCall(VecDuplicate(fit->theta, &c->jacobi));

  PetscCall(PetscContainerCreate(fit->comm, &cont));
  PetscCall(PetscContainerSetPointer(cont, c));
  PetscCall(PetscContainerSetUserDestroy(cont, LSQDestroy));
  PetscCall(PetscObjectCompose((PetscObject)fit->tao, "TeannLSQ", (PetscObject)cont));
  PetscCall(PetscContainerDestroy(&cont));

  PetscCall(TaoSetResidualRoutine(fit->tao, c->R, LSQResidual, c));
  PetscCall(TaoSetJacobianResidualRoutine(fit->tao, c->J, c->J, LSQJacobian, c));

  /* The subproblem: brgn's subsolver (bnls) defaults to a trust-region CG (stcg) with a
     quasi-Newton preconditioner; the damped normal equations are symmetric positive
     definite, so plain CG (matfree) or one Cholesky solve (scalapack) gives the step. */
  PetscCall(TaoBRGNGetSubsolver(fit->tao, &sub));
  PetscCall(TaoGetKSP(sub, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCSHELL));
  PetscCall(PCShellSetContext(pc, c));
  PetscCall(PCShellSetApply(pc, PCApply_LSQ));
  PetscCall(PCShellSetName(pc, c->solver == TEANN_LM_MATFREE ? "teann Jacobi from diag(J^T J) + damping" : "teann ScaLAPACK Cholesky of J^T J + damping"));
  if (c->solver == TEANN_LM_MATFREE) {
    PetscCall(KSPSetType(ksp, KSPCG));
    PetscCall(KSPSetTolerances(ksp, c->ksp_rtol, 0.0, PETSC_DEFAULT, c->ksp_max_it));
  } else {
    PetscCall(KSPSetType(ksp, KSPPREONLY));
    PetscCall(PCCreate(fit->comm, &c->chol));
    PetscCall(PCSetType(c->chol, PCCHOLESKY));
    PetscCall(PCFactorSetMatSolverType(c->chol, MATSOLVERSCALAPACK));
  }
  /* the command line still has the last word on the subproblem's KSP and line search */
  PetscCall(KSPSetFromOptions(ksp));
  if (c->reg == REG_LM) {
    TaoLineSearch ls;
    PetscCall(TaoGetLineSearch(sub, &ls));
    PetscCall(TaoLineSearchSetType(ls, TAOLINESEARCHARMIJO));
    PetscCall(TaoLineSearchSetFromOptions(ls));
  }
  if (c->reg == REG_LM || c->reg == REG_L2PROX) PetscCall(TaoSetObjective(sub, LSQObjective, c));
  PetscCall(TaoSetUpdate(fit->tao, LSQUpdate, c));
  PetscCall(TaoSetConvergenceTest(sub, LSQConvergenceTest, c));
  PetscCall(TaoSetMonitor(sub, LSQMonitor, c, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitLSQGetResidualJacobian(TeannFit fit, Vec *R, Mat *J)
{
  LSQ *c;

  PetscFunctionBegin;
  PetscCall(GetLSQ(fit, &c));
  if (R) *R = c->R;
  if (J) *J = c->J;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitLSQComputeResidual(TeannFit fit, Vec X, Vec R)
{
  LSQ *c;

  PetscFunctionBegin;
  PetscCall(GetLSQ(fit, &c));
  PetscCall(LSQResidual(fit->tao, X, R, c));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitLSQComputeJacobian(TeannFit fit, Vec X, Mat J)
{
  LSQ *c;

  PetscFunctionBegin;
  PetscCall(GetLSQ(fit, &c));
  PetscCheck(J == c->J, fit->comm, PETSC_ERR_ARG_WRONG, "J must be the Jacobian of TeannFitLSQGetResidualJacobian()");
  PetscCall(LSQJacobian(fit->tao, X, J, J, c));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitLSQLoss(TeannFit fit, Vec X, PetscReal f, PetscReal *loss)
{
  LSQ *c;

  PetscFunctionBegin;
  PetscCall(GetLSQ(fit, &c));
  *loss = f;
  if (c->reg == REG_LM) PetscFunctionReturn(0); /* brgn's lm objective has no regulariser term */
  PetscCall(LSQResidual(fit->tao, X, c->Rw, c));
  PetscCall(VecDot(c->Rw, c->Rw, loss));
  *loss *= 0.5;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitGetLMDamping(TeannFit fit, PetscReal *lambda)
{
  PetscFunctionBegin;
  *lambda = fit->lm_lambda;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitGetLMDampingState(TeannFit fit, PetscReal *lambda, PetscReal *nu)
{
  PetscFunctionBegin;
  if (lambda) *lambda = fit->lm_lambda;
  if (nu) *nu = fit->lm_nu;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitSetLMDampingState(TeannFit fit, PetscReal lambda, PetscReal nu)
{
  PetscContainer cont = NULL;

  PetscFunctionBegin;
  PetscCheck(lambda > 0, fit->comm, PETSC_ERR_ARG_OUTOFRANGE, "the Levenberg-Marquardt damping must be positive, not %g", (double)lambda);
  fit->lm_lambda = lambda;
  fit->lm_nu     = nu >= 2 ? nu : 2;
  if (fit->tao) PetscCall(PetscObjectQuery((PetscObject)fit->tao, "TeannLSQ", (PetscObject *)&cont));
  if (cont) {
    LSQ *c;
    PetscCall(PetscContainerGetPointer(cont, (void **)&c));
    if (c->reg == REG_LM) {
      c->lambda = lambda;
      c->nu     = fit->lm_nu;
      PetscCall(TaoBRGNSetRegularizerWeight(fit->tao, lambda));
    }
  }
  PetscFunctionReturn(0);
}
