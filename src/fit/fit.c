/* The parallel fit (design section 3): data over ranks by work, theta as a
 * distributed Vec gathered to every rank for each evaluation, TAO for the
 * optimisation, validation in the monitor with early stopping. */
#include "logimpl.h"
#include "fitimpl.h"
#include "lsq.h"
#include "checkpoint.h"
#include "history.h"
#include "dataset.h"
#include "ensemble.h"
#include "ncutil.h"
#include "balance.h"
#include "standardize.h"
#include <math.h>
#include <stdint.h>
#if defined(_OPENMP)
  #include <omp.h>
#endif

static const char   *SubsetName[3] = {"train", "valid", "test"};

/* ------------------------------------------------------------------ the fit */

PetscErrorCode TeannFitCreate(MPI_Comm comm, TeannFit *out)
{
  TeannFit fit;

  PetscFunctionBegin;
  PetscCall(TeannInitializePackage());
  PetscCall(PetscNew(&fit));
  fit->comm   = comm;
  fit->flast  = NAN; /* no finite objective yet (FormObjectiveGradient) */
  fit->fvalid = 0.1;
  fit->ftest  = 0.1;
  fit->seed   = 1;
  fit->repro  = PETSC_TRUE;
  fit->standardize = PETSC_FALSE;
  fit->kappa       = 1;
  for (PetscInt k = 0; k < TEANN_NKIND; k++) fit->weight[k] = 1.0;
  fit->balance = TEANN_BALANCE_LOG;
  fit->patience = TEANN_DEFAULT_PATIENCE;
  PetscCall(PetscStrncpy(fit->outdir, "./", sizeof(fit->outdir)));
  fit->t0 = MPI_Wtime();
  PetscCall(TeannModelCreate(comm, &fit->model));
  *out = fit;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitSetFromOptions(TeannFit fit)
{
  PetscBool set;

  PetscFunctionBegin;
  /* first: with -teann_restart the checkpoint's options fill in the database */
  PetscCall(TeannFitCheckpointSetFromOptions(fit));
  PetscOptionsBegin(fit->comm, NULL, "teann fit options", "TeannFit");
  PetscCall(PetscOptionsString("-teann_data", "Training data: extended XYZ, EANN configuration or NetCDF dataset (.nc)", "TeannFitSetFromOptions", fit->data, fit->data, sizeof(fit->data), &fit->hasdata));
  PetscCall(PetscOptionsString("-teann_valid", "Validation data file (instead of -teann_valid_fraction)", "TeannFitSetFromOptions", fit->valid, fit->valid, sizeof(fit->valid), NULL));
  PetscCall(PetscOptionsString("-teann_test", "Test data file (instead of -teann_test_fraction)", "TeannFitSetFromOptions", fit->test, fit->test, sizeof(fit->test), NULL));
  PetscCall(PetscOptionsReal("-teann_valid_fraction", "Fraction of -teann_data held out for validation", "TeannFitSetFromOptions", fit->fvalid, &fit->fvalid, NULL));
  PetscCall(PetscOptionsReal("-teann_test_fraction", "Fraction of -teann_data held out for testing", "TeannFitSetFromOptions", fit->ftest, &fit->ftest, NULL));
  PetscCall(PetscOptionsInt("-teann_seed", "Seed of the split and of the initial parameters", "TeannFitSetFromOptions", fit->seed, &fit->seed, NULL));
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    char opt[64], text[128];
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-teann_weight_%s", TeannProperties[k].name));
    PetscCall(PetscSNPrintf(text, sizeof(text), "Loss weight w_p of the %s (eq. 9)", TeannProperties[k].name));
    PetscCall(PetscOptionsReal(opt, text, "TeannFitSetFromOptions", fit->weight[k], &fit->weight[k], NULL));
  }
  {
    PetscEnum b = (PetscEnum)fit->balance;
    PetscCall(PetscOptionsEnum("-teann_balance", "How a joint fit weighs its properties: none (eq. 9) or log (eq. 9b: sum of w_p log of each property's relative error)", "TeannFitSetFromOptions", TeannBalanceTypes, b, &b, NULL));
    fit->balance = (PetscInt)b;
  }
  PetscCall(PetscOptionsReal("-teann_l2", "L2 regularisation lambda on the trainable parameters (eq. 9)", "TeannFitSetFromOptions", fit->l2, &fit->l2, NULL));
  PetscCall(PetscOptionsString("-teann_output_dir", "Directory for model.nc and predictions.nc (created if missing)", "TeannFitSetFromOptions", fit->outdir, fit->outdir, sizeof(fit->outdir), NULL));
  PetscCall(PetscOptionsBool("-teann_overwrite", "Let a new fit replace model.nc and checkpoint.nc of an earlier fit in -teann_output_dir", "TeannFitSetFromOptions", fit->overwrite, &fit->overwrite, NULL));
  PetscCall(PetscOptionsInt("-teann_patience", "Stop after this many iterations without a better validation loss (0: off)", "TeannFitSetFromOptions", fit->patience, &fit->patience, NULL));
  PetscCall(PetscOptionsBool("-teann_reproducible", "The same model on any number of ranks and threads: the optimizer's vectors live on rank 0 (L-BFGS family; design 3.1)", "TeannFitSetFromOptions", fit->repro, &fit->repro, NULL));
  PetscCall(PetscOptionsBool("-teann_standardize", "Fit in the coordinates of standardised density features: each element's features shifted by their training mean and divided by their spread (eq. 9c)", "TeannFitSetFromOptions", fit->standardize, &fit->standardize, NULL));
  PetscCall(PetscOptionsInt("-teann_chunk_frames", "Frames per block, the unit of work of ranks and threads and of the exact sums (0: 64, or 16 blocks of at least 8 frames for subsets below 1024 frames, and at most 384 atoms per block)", "TeannFitSetFromOptions", fit->chunk_opt, &fit->chunk_opt, NULL));
  PetscCall(PetscOptionsName("-teann_check_gradient", "Print loss and gradient at a fixed point and stop", "TeannFitCheckGradient", &set));
  PetscOptionsEnd();
  PetscCheck(fit->fvalid >= 0 && fit->ftest >= 0 && fit->fvalid + fit->ftest < 1, fit->comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_valid_fraction %g and -teann_test_fraction %g must be >= 0 with sum < 1", (double)fit->fvalid, (double)fit->ftest);
  PetscCheck(fit->l2 >= 0, fit->comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_l2 must be >= 0");
  PetscCheck(fit->patience >= 0, fit->comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_patience must be >= 0");
  PetscCheck(fit->chunk_opt >= 0 && fit->chunk_opt <= TEANN_CHUNK, fit->comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_chunk_frames must be 0 (automatic) or 1..%d, got %" PetscInt_FMT, TEANN_CHUNK, fit->chunk_opt);
  for (PetscInt k = 0; k < TEANN_NKIND; k++) PetscCheck(fit->weight[k] >= 0, fit->comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_weight_%s must be >= 0", TeannProperties[k].name);
  PetscCall(TeannModelSetFromOptions(fit->model));
  PetscFunctionReturn(0);
}

/* Mean per component and pooled standard deviation of the training references (eq. 9 sigma_p). */
/* Smallest spread of a fitted property's training labels, relative to their largest magnitude. */
#define TEANN_MIN_REL_SPREAD 1e-10

static PetscErrorCode ComputeStats(TeannFit fit)
{
  TeannFrames fr    = fit->fr[0];
  PetscInt    props = fit->model->props;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&fit->stats, sizeof(fit->stats)));
  fit->stats.ntrain = fit->nglob[0];
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    PetscInt         nc = TeannProperties[k].ncomp, nrow = TeannProperties[k].peratom ? fr->natoms : fr->nframes;
    const PetscReal *y;
    PetscReal        sum[TEANN_MAX_COMP] = {0}, ss = 0, ymax = 0, nlab = 0;
    TeannXSum       *xs;
    if (!(props & TeannProperties[k].bit)) continue;
    y = fr->y[k];
    /* rows: frames (all carry the label: TeannFramesRequireAll), or the labelled atoms of a per-atom property */
    for (PetscInt r = 0; r < nrow; r++) nlab += !PetscIsNanReal(y[r * nc]);
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &nlab, 1, MPIU_REAL, MPIU_SUM, fit->comm));
    PetscCheck(nlab > 0, fit->comm, PETSC_ERR_ARG_WRONG, "%s: no training atom carries a %s label", fit->data, TeannProperties[k].name);
    fit->nlab[k] = nlab;
    /* a sign-free property (the transition dipole) has mean zero by construction */
    /* exact sums (design 3.1): statistics, and so the loss, independent of the rank count */
    PetscCall(TeannXSumCreate(nc, &xs));
    if (!TeannProperties[k].signfree) {
      for (PetscInt r = 0; r < nrow; r++)
        for (PetscInt c = 0; c < nc && !PetscIsNanReal(y[r * nc]); c++) TeannXSumAddAt(xs, c, y[r * nc + c]);
      PetscCall(TeannXSumAllreduce(fit->comm, xs));
      TeannXSumGet(xs, sum);
      for (PetscInt c = 0; c < nc; c++) fit->stats.mean[k][c] = sum[c] / nlab;
    }
    TeannXSumZero(xs);
    for (PetscInt r = 0; r < nrow; r++)
      for (PetscInt c = 0; c < nc && !PetscIsNanReal(y[r * nc]); c++) {
        TeannXSumAddAt(xs, 0, PetscSqr(y[r * nc + c] - fit->stats.mean[k][c]));
        ymax = PetscMax(ymax, PetscAbsReal(y[r * nc + c]));
      }
    PetscCall(TeannXSumAllreduce(fit->comm, xs));
    TeannXSumGet(xs, sum);
    ss = sum[0];
    PetscCall(TeannXSumDestroy(&xs));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ymax, 1, MPIU_REAL, MPIU_MAX, fit->comm));
    fit->stats.std[k] = PetscSqrtReal(ss / (nlab * nc));
    /* Identical labels leave the rounding of the mean (~1e-16 of their size), not 0: a spread
       that small relative to the values is none, and dividing by it makes the loss ~1e31. */
    PetscCheck(fit->stats.std[k] > TEANN_MIN_REL_SPREAD * ymax, fit->comm, PETSC_ERR_ARG_WRONG, "%s: the training frames' %s has zero spread (%g, for values up to %g; at least %g relative is needed); nothing to fit", fit->data, TeannProperties[k].name, (double)fit->stats.std[k], (double)ymax, (double)TEANN_MIN_REL_SPREAD);
    /* eq. 9 divided by N_train (design 2.4): O(1) loss, lambda independent of the data size; a
       per-atom property by its labelled atoms, so that each property weighs alike */
    fit->scale[k] = fit->weight[k] / (nc * PetscSqr(fit->stats.std[k]) * (TeannProperties[k].peratom ? nlab : (PetscReal)fit->nglob[0]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FormObjectiveGradient(Tao tao, Vec X, PetscReal *f, Vec G, void *ctx)
{
  TeannFit         fit = (TeannFit)ctx;
  const PetscReal *th, *tm;
  PetscReal       *g, reg = 0, tot;

  PetscFunctionBegin;
  PetscCall(VecScatterBegin(fit->scat, X, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(fit->scat, X, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(fit->thetaAll, &th));
  /* th: the optimizer's phi; tm: the model's theta (eq. 9c, standardize.c) */
  PetscCall(TeannFitModelParameters(fit, th, &tm));
  /* eq. 9b (balance.c): the per-property scales for this point */
  PetscCall(TeannFitBalanceBegin(fit, tm));
  TeannXSumZero(fit->acc);
  if (fit->ev[0]) PetscCall(TeannEvalLossGradientSum(fit->ev[0], tm, fit->fr[0]->nframes, fit->idx, fit->acc));
  PetscCall(VecGetArray(G, &g));
  /* exact sums over all ranks (design 3.1, eq. 13): the same gradient and loss for any rank count */
  PetscCall(PetscLogEventBegin(TEANN_EVENT_Reduce, 0, 0, 0, 0));
  PetscCall(TeannXSumAllreduce(fit->comm, fit->acc));
  TeannXSumGet(fit->acc, fit->gloc);
  PetscCall(PetscLogEventEnd(TEANN_EVENT_Reduce, 0, 0, 0, 0));
  PetscCall(TeannFitStandardizeGradient(fit, fit->gloc));
  tot = fit->gloc[fit->nparam];
  PetscCall(TeannFitBalanceEnd(fit, &tot));
  /* the L2 term from the full phi every rank holds: independent of the rank count */
  for (PetscInt i = 0; i < fit->nparam; i++) reg += fit->mask[i] * th[i] * th[i];
  for (PetscInt i = 0; i < fit->rend - fit->rstart; i++) g[i] = fit->mask[fit->rstart + i] * (fit->gloc[fit->rstart + i] + 2 * fit->l2 * th[fit->rstart + i]);
  PetscCall(PetscLogFlops(4.0 * fit->nparam));
  /* eq. 9c: a constant factor, so that a fresh L-BFGS's first step (the raw gradient) stays small */
  if (fit->kappa != 1)
    for (PetscInt i = 0; i < fit->rend - fit->rstart; i++) g[i] *= fit->kappa;
  PetscCall(VecRestoreArray(G, &g));
  PetscCall(VecRestoreArrayRead(fit->thetaAll, &th));
  *f = fit->kappa * (tot + fit->l2 * reg);
  /* A trial step so long that the model overflows gives NaN,
     on which TAO's More-Thuente search gives up at once, and every restart from the same point takes
     the same first step. A finite value above the last one, with a zero gradient, makes it backtrack
     instead; it is never accepted (sufficient decrease fails). The same bits on every rank: tot is
     the exact global sum. */
  if (PetscIsInfOrNanReal(*f) && !PetscIsInfOrNanReal(fit->flast)) { /* not at the start: that is an error */
    *f = 10 * (PetscAbsReal(fit->flast) + 1);
    PetscCall(VecZeroEntries(G));
  } else fit->flast = *f;
  PetscFunctionReturn(0);
}

/* Global error sums of subset s at the gathered parameters th. */
static PetscErrorCode SubsetErrors(TeannFit fit, PetscInt s, const PetscReal th[], PetscReal sse[], PetscReal sae[], PetscReal cnt[])
{
  PetscFunctionBegin;
  if (fit->ev[s]) PetscCall(TeannEvalPredictAtoms(fit->ev[s], th, fit->fr[s]->nframes, fit->idx, fit->pred, fit->nacomp ? fit->apred : NULL));
  PetscCall(TeannPredictionErrors(fit->comm, fit->model->props, fit->ev[s] ? fit->fr[s] : NULL, fit->pred, fit->apred, sse, sae, cnt));
  PetscFunctionReturn(0);
}

/* An ensemble member's lines are tagged "[member k] " (else ""): members on other rank groups
   print theirs at the same time. */
static PetscErrorCode MemberTag(TeannFit fit, char tag[], size_t len)
{
  PetscFunctionBegin;
  tag[0] = 0;
  if (fit->suffix[0]) PetscCall(PetscSNPrintf(tag, len, "[member %" PetscInt_FMT "] ", fit->member));
  PetscFunctionReturn(0);
}

static PetscErrorCode Monitor(Tao tao, void *ctx)
{
  TeannFit           fit = (TeannFit)ctx;
  PetscInt           its;
  PetscReal          f, gnorm, cnorm, xdiff, vloss = 0, reg = 0, tsse[TEANN_NKIND] = {0}, vsse[TEANN_NKIND] = {0}, sae[TEANN_NKIND], tcnt[TEANN_NKIND], vcnt[TEANN_NKIND];
  PetscInt           nfitted = 0, kfit = 0;
  TaoConvergedReason reason;
  const PetscReal   *th, *tm;
  Vec                X;
  char               line[1024], tok[128], tag[48] = "";

  PetscFunctionBegin;
  for (PetscInt k = 0; k < TEANN_NKIND; k++) tcnt[k] = vcnt[k] = 1;
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, &cnorm, &xdiff, &reason));
  /* a restarted solve (line search, checkpoint) begins at the point its predecessor ended on, which was monitored already */
  if ((fit->itoffset > 0 || fit->restored) && its == 0) PetscFunctionReturn(0);
  its += fit->itoffset;
  f /= fit->kappa; /* eq. 9c's factor (standardize.c): report the loss and gradient themselves */
  gnorm /= fit->kappa;
  PetscCall(TaoGetSolution(tao, &X));
  {
    PetscBool ls; /* brgn's l2prox/l2pure objective is not eq. 9: report eq. 9 */
    PetscCall(TeannFitIsLeastSquares(fit, &ls));
    if (ls) PetscCall(TeannFitLSQLoss(fit, X, f, &f));
  }
  PetscCall(PetscLogStagePush(TEANN_STAGE_Valid));
  PetscCall(VecScatterBegin(fit->scat, X, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(fit->scat, X, fit->thetaAll, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(fit->thetaAll, &th));
  PetscCall(TeannFitModelParameters(fit, th, &tm));
  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if (fit->model->props & TeannProperties[k].bit) {
      nfitted++;
      kfit = k;
    }
  /* one property with nonzero weight: its training RMSE follows from the loss without another pass */
  if (nfitted == 1 && fit->weight[kfit] > 0) {
    for (PetscInt i = 0; i < fit->nparam; i++) reg += fit->mask[i] * th[i] * th[i];
    tsse[kfit] = (f - fit->l2 * reg) / fit->scale[kfit];
    tcnt[kfit] = (TeannProperties[kfit].peratom ? fit->nlab[kfit] : (PetscReal)fit->nglob[0]) * TeannProperties[kfit].ncomp;
  } else {
    PetscBool hit; /* eq. 9b computed them at this point already */
    PetscCall(TeannFitBalanceTrainErrors(fit, tm, tsse, tcnt, &hit));
    if (!hit) PetscCall(SubsetErrors(fit, 0, tm, tsse, sae, tcnt));
    PetscCall(TeannFitBalanceReportedLoss(fit, th, &f));
  }
  if (fit->nglob[1]) {
    PetscCall(SubsetErrors(fit, 1, tm, vsse, sae, vcnt));
    for (PetscInt k = 0; k < TEANN_NKIND; k++)
      if (fit->model->props & TeannProperties[k].bit) vloss += fit->weight[k] / (TeannProperties[k].ncomp * PetscSqr(fit->stats.std[k])) * vsse[k] / (TeannProperties[k].peratom ? PetscMax(vcnt[k] / TeannProperties[k].ncomp, 1) : (PetscReal)fit->nglob[1]);
    PetscCall(TeannFitBalanceValidationLoss(fit, vsse, vcnt, &vloss));
  }
  PetscCall(VecRestoreArrayRead(fit->thetaAll, &th));
  if (!fit->nglob[1] || its == 0 || vloss < fit->best_vloss) {
    fit->best_vloss = vloss;
    fit->best_it    = its;
    PetscCall(VecCopy(X, fit->best));
  }
  if (fit->nglob[1] && fit->patience > 0 && its - fit->best_it >= fit->patience) fit->stop = PETSC_TRUE;
  PetscCall(PetscLogStagePop());

  PetscCall(MemberTag(fit, tag, sizeof(tag)));
  if (!fit->header) {
    PetscCall(PetscSNPrintf(line, sizeof(line), "%s  it         loss     |grad|", tag));
    for (PetscInt k = 0; k < TEANN_NKIND; k++)
      if (fit->model->props & TeannProperties[k].bit) {
        PetscCall(PetscSNPrintf(tok, sizeof(tok), "  train RMSE %s  valid RMSE %s", TeannProperties[k].name, TeannProperties[k].name));
        PetscCall(PetscStrlcat(line, tok, sizeof(line)));
      }
    PetscCall(PetscStrlcat(line, "   time/s", sizeof(line)));
    PetscCall(PetscPrintf(fit->comm, "%s\n", line));
    fit->header = PETSC_TRUE;
  }
  if (fit->hn == fit->hcap) {
    PetscReal *h;
    fit->hcap = PetscMax(64, 2 * fit->hcap);
    PetscCall(PetscMalloc1(fit->hcap * HIST_W, &h));
    PetscCall(PetscArraycpy(h, fit->hist, fit->hn * HIST_W));
    PetscCall(PetscFree(fit->hist));
    fit->hist = h;
  }
  {
    PetscReal *h = fit->hist + HIST_W * fit->hn++;
    h[0]         = (PetscReal)its;
    h[1]         = f;
    h[2]         = gnorm;
    h[3]         = xdiff;
    h[4]         = MPI_Wtime() - fit->t0;
    for (PetscInt k = 0; k < TEANN_NKIND; k++) {
      h[5 + k]               = PetscSqrtReal(PetscMax(tsse[k], 0) / tcnt[k]);
      h[5 + TEANN_NKIND + k] = fit->nglob[1] ? PetscSqrtReal(vsse[k] / vcnt[k]) : NAN;
    }
  }
  PetscCall(PetscSNPrintf(line, sizeof(line), "%s%4" PetscInt_FMT " %12.6e %10.3e", tag, its, (double)f, (double)gnorm));
  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if (fit->model->props & TeannProperties[k].bit) {
      PetscInt wt = (PetscInt)strlen(TeannProperties[k].name) + 11;
      PetscCall(PetscSNPrintf(tok, sizeof(tok), "  %*.6g  %*.6g", (int)wt, (double)PetscSqrtReal(PetscMax(tsse[k], 0) / tcnt[k]), (int)wt, fit->nglob[1] ? (double)PetscSqrtReal(vsse[k] / vcnt[k]) : NAN));
      PetscCall(PetscStrlcat(line, tok, sizeof(line)));
    }
  PetscCall(PetscSNPrintf(tok, sizeof(tok), " %8.2f%s", MPI_Wtime() - fit->t0, fit->best_it == its && fit->nglob[1] ? " *" : ""));
  PetscCall(PetscStrlcat(line, tok, sizeof(line)));
  PetscCall(PetscPrintf(fit->comm, "%s\n", line));
  /* history.txt, L-BFGS points, checkpoints when due, job signals */
  PetscCall(TeannFitCheckpointMonitor(fit, tao, its));
  PetscFunctionReturn(0);
}

static PetscErrorCode ConvergenceTest(Tao tao, void *ctx)
{
  TeannFit fit = (TeannFit)ctx;

  PetscFunctionBegin;
  PetscCall(TaoDefaultConvergenceTest(tao, NULL));
  if (fit->stop) {
    PetscCall(PetscInfo(tao, "no better validation loss for %" PetscInt_FMT " iterations\n", fit->patience));
    PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
  }
  PetscFunctionReturn(0);
}

/* A new fit into a directory holding an earlier fit's model.nc or checkpoint.nc would replace
   them at its first checkpoint: refuse before any work, unless -teann_overwrite. An earlier
   ensemble's checkpoint-member0.nc counts too: the single fit would take over the directory's
   teann-train.status, and restarting it would restart the ensemble. (A member's names carry
   its suffix; the ensemble checks the directory for all members, ensemble.c.) A restart
   writes where its checkpoint is (or -teann_output_dir), by design. */
static PetscErrorCode CheckOutputDir(TeannFit fit)
{
  const char    *names[3] = {"model.nc", "checkpoint.nc", "checkpoint-member0.nc"};
  const PetscInt n        = fit->suffix[0] ? 2 : 3;
  PetscInt       found    = -1;
  PetscMPIInt rank;

  PetscFunctionBegin;
  /* a restart continues a fit: its outputs are the ones to replace */
  if (fit->overwrite || fit->restart[0]) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(fit->comm, &rank));
  if (rank == 0) {
    char      path[PETSC_MAX_PATH_LEN];
    PetscBool exists;
    for (PetscInt i = 0; i < n && found < 0; i++) {
      PetscCall(TeannFitOutputPath(fit, names[i], path, sizeof(path)));
      PetscCall(PetscTestFile(path, '\0', &exists));
      if (exists) found = i;
    }
  }
  PetscCallMPI(MPI_Bcast(&found, 1, MPIU_INT, 0, fit->comm));
  PetscCheck(found < 0, fit->comm, PETSC_ERR_USER_INPUT, "%s already holds %s of an earlier fit; give another -teann_output_dir, or -teann_overwrite to replace it (to continue that fit: -teann_restart %s%scheckpoint.nc)", fit->outdir, names[found], fit->outdir, fit->outdir[0] && fit->outdir[strlen(fit->outdir) - 1] == '/' ? "" : "/");
  PetscFunctionReturn(0);
}

/* lmvm's L-BFGS history unless -tao_lmvm_mat_lmvm_hist_size is given: TAO's 5 pairs leave
   the joint and the periodic fits far from their single-property, longer-history results
   (bench/accuracy.md); set through the options database, the only way into lmvm's matrix. */
static PetscErrorCode DefaultHistorySize(TeannFit fit)
{
  char      type[64] = TAOLMVM, val[32];
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-tao_type", type, sizeof(type), NULL));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-tao_lmvm_mat_lmvm_hist_size", &set));
  if (strcmp(type, TAOLMVM) || set) PetscFunctionReturn(0);
  PetscCall(PetscSNPrintf(val, sizeof(val), "%d", TEANN_DEFAULT_LMVM_HISTORY));
  PetscCall(PetscOptionsSetValue(NULL, "-tao_lmvm_mat_lmvm_hist_size", val));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitSetUp(TeannFit fit)
{
  TeannSource src[3] = {NULL, NULL, NULL};
  PetscInt    N, *perm, nsplit[3] = {0, 0, 0}, *ids[3] = {NULL, NULL, NULL}, nel, Z[TEANN_MAX_Z + 1], nmax = 0, nloc;
  PetscReal  *th0;
  PetscMPIInt size;
  const char *files[3] = {fit->data, fit->valid, fit->test};

  PetscFunctionBegin;
  PetscCheck(fit->hasdata && fit->data[0], fit->comm, PETSC_ERR_USER_INPUT, "no training data: give -teann_data FILE (extended XYZ, EANN configuration or NetCDF dataset)");
  PetscCall(CheckOutputDir(fit));
  PetscCallMPI(MPI_Comm_size(fit->comm, &size));
  PetscCall(TeannSourceCreate(fit->comm, fit->data, fit->model->cutoff, &src[0]));
  PetscCall(TeannSourceGetNumFrames(src[0], &N));
  for (PetscInt s = 1; s < 3; s++)
    if (files[s][0]) PetscCall(TeannSourceCreate(fit->comm, files[s], fit->model->cutoff, &src[s]));
  {
    const PetscInt ntest = src[2] ? 0 : (PetscInt)PetscFloorReal(fit->ftest * N + 0.5), nvalid = src[1] ? 0 : (PetscInt)PetscFloorReal(fit->fvalid * N + 0.5);
    PetscCheck(N - nvalid - ntest > 0, fit->comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: %" PetscInt_FMT " frames leave no training frames after the split", fit->data, N);
    PetscCall(PetscMalloc1(N, &perm));
    PetscCall(TeannSplitSubsets(N, fit->seed, nvalid, ntest, nsplit, ids, perm));
    PetscCall(TeannFitCheckpointHashSplit(fit, N, perm));
    PetscCall(PetscFree(perm));
  }
  /* an ensemble member with -teann_ensemble_bootstrap: its own resample (ensemble.c), ascending */
  if (fit->bootstrap) PetscCall(TeannFitBootstrapIds(fit, nsplit[0], ids[0]));
  for (PetscInt s = 0; s < 3; s++) {
    if (src[s] && s > 0) {
      PetscInt Ns;
      PetscCall(TeannSourceGetNumFrames(src[s], &Ns));
      PetscCall(PetscFree(ids[s]));
      PetscCall(PetscMalloc1(Ns, &ids[s]));
      for (PetscInt i = 0; i < Ns; i++) ids[s][i] = i;
      nsplit[s] = Ns;
    }
    if (fit->chunk_opt) fit->block[s] = fit->chunk_opt;
    else {
      PetscInt amax;
      PetscCall(TeannSourceMaxAtoms(src[s] ? src[s] : src[0], nsplit[s], ids[s], &amax));
      fit->block[s] = TeannSourceBlockFrames(nsplit[s], amax);
    }
    PetscCall(TeannSourceDistributeBlocks(src[s] ? src[s] : src[0], nsplit[s], ids[s], fit->block[s], &fit->fr[s]));
    fit->nglob[s] = nsplit[s];
    PetscCall(PetscFree(ids[s]));
    nmax = PetscMax(nmax, fit->fr[s]->nframes);
  }
  {
    const PetscInt file[3] = {0, src[1] ? 1 : 0, src[2] ? 2 : 0};
    PetscCall(TeannFramesRequireAll(fit->comm, 3, fit->fr, file, fit->model->props));
  }
  fit->keybase[0] = 0;
  fit->keybase[1] = src[1] ? N : 0;
  fit->keybase[2] = src[2] ? N + (src[1] ? fit->nglob[1] : 0) : 0;
  for (PetscInt s = 0; s < 3; s++) PetscCall(TeannSourceDestroy(&src[s]));

  /* The model's elements are the training frames' own: a network only validation or test
     frames had would never be trained, yet be saved and accepted by teann-predict. */
  PetscCall(TeannElementsUnion(fit->comm, 1, &fit->fr[0], &nel, Z));
  for (PetscInt s = 1; s < 3; s++) {
    PetscInt nels, Zs[TEANN_MAX_Z + 1];

    PetscCall(TeannElementsUnion(fit->comm, 1, &fit->fr[s], &nels, Zs));
    for (PetscInt e = 0; e < nels; e++) {
      PetscBool known = PETSC_FALSE;

      for (PetscInt m = 0; m < nel && !known; m++) known = (PetscBool)(Z[m] == Zs[e]);
      PetscCheck(known, fit->comm, PETSC_ERR_USER_INPUT, "%s: element %s is in no training frame (%s)%s; a model cannot predict an element it was not trained on", files[s][0] ? files[s] : fit->data, TeannElementSymbol(Zs[e]), fit->data, files[s][0] ? "" : s == 1 ? ": only the validation frames of the split have it" : ": only the test frames of the split have it");
    }
  }
  PetscCheck(nel <= TEANN_MAX_ELEMENTS, fit->comm, PETSC_ERR_SUP, "the data hold %" PetscInt_FMT " elements; at most %d are supported", nel, TEANN_MAX_ELEMENTS);
  PetscCall(TeannModelSetElements(fit->model, nel, Z));
  PetscCall(TeannModelSetUp(fit->model));
  PetscCall(TeannModelGetNumParameters(fit->model, &fit->nparam));
  PetscCall(TeannModelGetNumComponents(fit->model, &fit->ncomp));
  PetscCall(ComputeStats(fit));

  PetscCall(PetscMalloc1(nmax + 1, &fit->idx));
  for (PetscInt i = 0; i < nmax; i++) fit->idx[i] = i;
  PetscCall(PetscMalloc1(nmax * fit->ncomp + 1, &fit->pred));
  PetscCall(TeannModelGetNumAtomComponents(fit->model, &fit->nacomp));
  {
    PetscInt amax = 0;
    for (PetscInt s = 0; s < 3; s++) amax = PetscMax(amax, fit->fr[s]->natoms);
    PetscCall(PetscMalloc1((size_t)amax * fit->nacomp + 1, &fit->apred));
  }
  for (PetscInt s = 0; s < 3; s++) {
    if (!fit->fr[s]->nframes) continue;
    PetscCall(TeannEvalCreate(fit->model, fit->fr[s], &fit->ev[s]));
    PetscCall(TeannEvalSetChunkFrames(fit->ev[s], fit->block[s]));
    for (PetscInt k = 0; k < TEANN_NKIND; k++)
      if (fit->model->props & TeannProperties[k].bit) PetscCall(TeannEvalSetLossScale(fit->ev[s], TeannProperties[k].bit, fit->scale[k]));
  }

  /* theta: all on rank 0 for a reproducible fit, so that the optimizer's dot products and norms are
     those of one rank (design 3.1); else an equal split as MATSCALAPACK wants (Levenberg-Marquardt).
     Every rank starts from the same seeded values. */
  {
    char      type[256] = "";
    PetscBool lsq;
    PetscCall(PetscOptionsGetString(NULL, NULL, "-tao_type", type, sizeof(type), NULL));
    PetscCall(PetscStrcmp(type, TAOBRGN, &lsq));
    if (lsq && fit->repro) PetscCall(PetscInfo(NULL, "-tao_type brgn: the Levenberg-Marquardt steps are distributed; the fit depends on the rank count in the last bits\n"));
    fit->repro = (PetscBool)(fit->repro && !lsq);
  }
  N = fit->nparam;
  if (fit->repro) {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(fit->comm, &rank));
    nloc = rank == 0 ? N : 0;
  } else {
    nloc = PETSC_DECIDE;
    PetscCall(PetscSplitOwnershipEqual(fit->comm, &nloc, &N));
  }
  PetscCall(VecCreateMPI(fit->comm, nloc, fit->nparam, &fit->theta));
  PetscCall(VecGetOwnershipRange(fit->theta, &fit->rstart, &fit->rend));
  PetscCall(PetscMalloc3(fit->nparam, &fit->mask, fit->nparam + 1, &fit->gloc, size, &fit->counts));
  PetscCall(TeannXSumCreate(fit->nparam + 1, &fit->acc));
  PetscCall(TeannXSumSelfTest());
  PetscCall(PetscMPIIntCast(nloc, &fit->counts[0]));
  {
    PetscMPIInt c = fit->counts[0];
    PetscCallMPI(MPI_Allgather(&c, 1, MPI_INT, fit->counts, 1, MPI_INT, fit->comm));
  }
  PetscCall(TeannModelGetTrainableMask(fit->model, fit->mask));
  PetscCall(PetscMalloc1(fit->nparam, &th0));
  PetscCall(TeannModelInitialParameters(fit->model, fit->seed + fit->member, th0)); /* member k of an ensemble: seed + k */
  /* eq. 9c: the initial values are phi, the parameters of networks of standardised features */
  PetscCall(TeannFitStandardizeSetUp(fit, th0));
  {
    PetscReal *x;
    PetscCall(VecGetArray(fit->theta, &x));
    PetscCall(PetscArraycpy(x, th0 + fit->rstart, fit->rend - fit->rstart));
    PetscCall(VecRestoreArray(fit->theta, &x));
  }
  PetscCall(PetscFree(th0));
  PetscCall(VecDuplicate(fit->theta, &fit->best));
  PetscCall(VecCopy(fit->theta, fit->best));
  PetscCall(VecScatterCreateToAll(fit->theta, &fit->scat, &fit->thetaAll));

  PetscCall(TaoCreate(fit->comm, &fit->tao));
  PetscCall(TaoSetType(fit->tao, TAOLMVM));
  PetscCall(TaoSetSolution(fit->tao, fit->theta));
  PetscCall(TaoSetObjectiveAndGradient(fit->tao, NULL, FormObjectiveGradient, fit));
  /* limited by iterations and patience, not by the gradient tolerances */
  PetscCall(TaoSetMaximumIterations(fit->tao, TEANN_DEFAULT_MAX_IT));
  PetscCall(TaoSetMaximumFunctionEvaluations(fit->tao, 100000000));
  PetscCall(TaoSetTolerances(fit->tao, 1e-12, 0, 0));
  PetscCall(TaoSetMonitor(fit->tao, Monitor, fit, NULL));
  PetscCall(TaoSetConvergenceTest(fit->tao, ConvergenceTest, fit));
  PetscCall(DefaultHistorySize(fit));
  PetscCall(TaoSetFromOptions(fit->tao));
  {
    PetscBool ls;
    TaoType   type;
    PetscCall(TaoGetType(fit->tao, &type));
    /* brgn: residuals and Jacobian (lsq.c) */
    PetscCall(TeannFitIsLeastSquares(fit, &ls));
    if (ls) PetscCall(TeannFitLSQSetUp(fit));
    PetscCall(TeannFitBalanceSetUp(fit));
    PetscCall(PetscObjectTypeCompare((PetscObject)fit->tao, TAOPOUNDERS, &ls));
    PetscCheck(!ls, fit->comm, PETSC_ERR_SUP, "-tao_type %s is not supported; use lmvm, bqnls, blmvm, cg, ... or brgn (Gauss-Newton / Levenberg-Marquardt)", type);
  }
  /* L-BFGS bookkeeping; with -teann_restart the checkpoint's state */
  PetscCall(TeannFitCheckpointSetUp(fit));

  {
    char els[4 * TEANN_MAX_ELEMENTS] = "", blas[256];
    int  nthreads                    = 1;
#if defined(_OPENMP)
    nthreads = omp_get_max_threads();
#endif
    for (PetscInt e = 0; e < nel; e++) {
      PetscCall(PetscStrlcat(els, " ", sizeof(els)));
      PetscCall(PetscStrlcat(els, TeannElementSymbol(Z[e]), sizeof(els)));
    }
    PetscCall(PetscPrintf(fit->comm, "teann-train: %s: %" PetscInt_FMT " train, %" PetscInt_FMT " validation, %" PetscInt_FMT " test frames; elements%s; %" PetscInt_FMT " parameters; %d ranks x %d threads\n", fit->data, fit->nglob[0], fit->nglob[1], fit->nglob[2], els, fit->nparam, size, nthreads));
    PetscCall(TeannBlasDescribe(blas, sizeof(blas)));
    PetscCall(PetscPrintf(fit->comm, "teann-train: BLAS: %s\n", blas));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitCheckGradient(TeannFit fit, PetscViewer viewer)
{
  Vec       X, G, W, Y, Gy;
  PetscReal f, gnorm, check, fp, fm, gw, h = 1e-6, masked = 0;
  PetscInt  lo, hi;

  PetscFunctionBegin;
  PetscCall(VecDuplicate(fit->theta, &X));
  PetscCall(VecDuplicate(fit->theta, &G));
  PetscCall(VecDuplicate(fit->theta, &W));
  PetscCall(VecDuplicate(fit->theta, &Y));
  PetscCall(VecDuplicate(fit->theta, &Gy));
  PetscCall(VecGetOwnershipRange(X, &lo, &hi));
  {
    PetscReal       *x, *w;
    const PetscReal *t;
    PetscCall(VecGetArrayRead(fit->theta, &t));
    PetscCall(VecGetArray(X, &x));
    PetscCall(VecGetArray(W, &w));
    /* away from the zero last layer, so every block of the gradient is exercised */
    for (PetscInt i = lo; i < hi; i++) {
      x[i - lo] = t[i - lo] + 0.01 * PetscSinReal(1.3 * i + 0.1);
      w[i - lo] = 1.0 + (PetscReal)(i % 7) / 7.0;
    }
    PetscCall(VecRestoreArray(W, &w));
    PetscCall(VecRestoreArray(X, &x));
    PetscCall(VecRestoreArrayRead(fit->theta, &t));
  }
  PetscCall(FormObjectiveGradient(fit->tao, X, &f, G, fit));
  PetscCall(VecNorm(G, NORM_2, &gnorm));
  PetscCall(VecDot(G, W, &check));
  {
    const PetscReal *g;
    PetscCall(VecGetArrayRead(G, &g));
    for (PetscInt i = lo; i < hi; i++)
      if (fit->mask[i] == 0) masked = PetscMax(masked, PetscAbsReal(g[i - lo]));
    PetscCall(VecRestoreArrayRead(G, &g));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &masked, 1, MPIU_REAL, MPIU_MAX, fit->comm));
  }
  /* central difference of the whole objective (data, L2) along W restricted to the trainable parameters */
  {
    PetscReal *w;
    PetscCall(VecGetArray(W, &w));
    for (PetscInt i = lo; i < hi; i++) w[i - lo] *= fit->mask[i];
    PetscCall(VecRestoreArray(W, &w));
  }
  PetscCall(VecWAXPY(Y, h, W, X));
  PetscCall(FormObjectiveGradient(fit->tao, Y, &fp, Gy, fit));
  PetscCall(VecWAXPY(Y, -h, W, X));
  PetscCall(FormObjectiveGradient(fit->tao, Y, &fm, Gy, fit));
  {
    const PetscReal *g, *w;
    gw = 0;
    PetscCall(VecGetArrayRead(G, &g));
    PetscCall(VecGetArrayRead(W, &w));
    for (PetscInt i = lo; i < hi; i++) gw += g[i - lo] * w[i - lo];
    PetscCall(VecRestoreArrayRead(W, &w));
    PetscCall(VecRestoreArrayRead(G, &g));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &gw, 1, MPIU_REAL, MPIU_SUM, fit->comm));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "loss %.17g\ngradient_norm %.17g\ngradient_checksum %.17g\n", (double)f, (double)gnorm, (double)check));
  PetscCall(PetscViewerASCIIPrintf(viewer, "fixed_gradient_max %.3g\ndirectional_gradient %.10g\ndirectional_fd %.10g\n", (double)masked, (double)gw, (double)((fp - fm) / (2 * h))));
  PetscCall(VecDestroy(&X));
  PetscCall(VecDestroy(&G));
  PetscCall(VecDestroy(&W));
  PetscCall(VecDestroy(&Y));
  PetscCall(VecDestroy(&Gy));
  PetscFunctionReturn(0);
}

/* A fit the iteration cap stopped while its validation error still fell (best in the last 5 % of
   the iterations) is likely to gain from more: say so, and how to continue it, since the line
   "stopped ... best validation at iteration N" alone does not tell a user that. Fits of fewer than
   20 iterations are checks, not fits to go on with. */
static PetscErrorCode CapHint(TeannFit fit, TaoConvergedReason reason, PetscInt its, PetscInt maxit)
{
  char path[PETSC_MAX_PATH_LEN], tag[48];

  PetscFunctionBegin;
  if (!fit->nglob[1] || fit->signo || its < maxit || its < 20 || (reason != TAO_DIVERGED_MAXITS && reason != TAO_DIVERGED_LS_FAILURE)) PetscFunctionReturn(0);
  if (fit->best_it < its - PetscMax(1, its / 20)) PetscFunctionReturn(0);
  PetscCall(TeannFitOutputPath(fit, "checkpoint.nc", path, sizeof(path))); /* a member's: it continues the whole ensemble */
  PetscCall(MemberTag(fit, tag, sizeof(tag)));
  PetscCall(PetscPrintf(fit->comm, "%steann-train: the validation error was still falling when the iteration cap (-tao_max_it %" PetscInt_FMT ") stopped the fit; more iterations may lower it: continue with -teann_restart %s -tao_max_it %" PetscInt_FMT "\n", tag, maxit, path, 2 * maxit));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitSolve(TeannFit fit)
{
  PetscReal          t;
  TaoConvergedReason reason;
  PetscInt           its, maxit;
  TaoType            type;

  PetscFunctionBegin;
  /* a fit restarted from a checkpoint goes on from the checkpoint's iteration, best and history */
  if (!fit->restored) {
    fit->best_vloss = PETSC_MAX_REAL;
    fit->itoffset   = 0;
    fit->lsrestarts = 0;
  }
  t          = MPI_Wtime();
  fit->flast = NAN;
  PetscCall(TaoGetMaximumIterations(fit->tao, &maxit));
  PetscCall(TeannFitCheckpointBeginSolve(fit));
  PetscCall(TaoSetMaximumIterations(fit->tao, PetscMax(maxit - fit->itoffset, 0)));
  PetscCall(PetscLogStagePush(TEANN_STAGE_Fit));
  /* A failed line search usually means a stale quasi-Newton model, not a minimum:
     restart from the last accepted point with a fresh one while iterations remain. */
  for (;;) {
    Vec X;
    /* eq. 9b's scale for the steps of a fresh L-BFGS (balance.c) */
    PetscCall(TaoGetSolution(fit->tao, &X));
    PetscCall(TeannFitBalanceRestart(fit, X));
    PetscCall(TeannFitStandardizeRestart(fit, X));
    PetscCall(TaoSolve(fit->tao));
    /* only the first solve after a checkpoint continues the replayed L-BFGS history */
    PetscCall(TaoSetRecycleHistory(fit->tao, PETSC_FALSE));
    PetscCall(TaoGetIterationNumber(fit->tao, &its));
    PetscCall(TaoGetConvergedReason(fit->tao, &reason));
    if (reason != TAO_DIVERGED_LS_FAILURE || fit->stop || fit->itoffset + its >= maxit || fit->lsrestarts >= TEANN_MAX_LS_RESTARTS) break;
    fit->lsrestarts++;
    fit->itoffset += its;
    PetscCall(PetscPrintf(fit->comm, "line search failed at iteration %" PetscInt_FMT "; restarting the quasi-Newton method from there\n", fit->itoffset));
    PetscCall(TaoSetMaximumIterations(fit->tao, maxit - fit->itoffset));
  }
  PetscCall(TaoSetMaximumIterations(fit->tao, maxit));
  PetscCall(PetscLogStagePop());
  PetscCall(TeannFitCheckpointEndSolve(fit));
  fit->tfit = MPI_Wtime() - t;
  PetscCall(TaoGetType(fit->tao, &type));
  {
    /* TAO_CONVERGED_USER is teann's own stop: say which (after the fixed part scripts read) */
    char why[128] = "";
    if (reason == TAO_CONVERGED_USER && fit->signo) PetscCall(PetscSNPrintf(why, sizeof(why), " (stopped by signal %d)", fit->signo));
    else if (reason == TAO_CONVERGED_USER) PetscCall(PetscSNPrintf(why, sizeof(why), " (no lower validation error for %" PetscInt_FMT " iterations: -teann_patience)", fit->patience));
    PetscCall(PetscPrintf(fit->comm, "TAO %s stopped after %" PetscInt_FMT " iterations: %s; best validation at iteration %" PetscInt_FMT "%s\n", type, fit->itoffset + its, TaoConvergedReasons[reason], fit->best_it, why));
  }
  PetscCall(CapHint(fit, reason, fit->itoffset + its, maxit));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitSummary(TeannFit fit, PetscViewer viewer)
{
  const PetscReal *th;
  PetscReal        sse[3][TEANN_NKIND], sae[3][TEANN_NKIND], cnt[3][TEANN_NKIND], ise[3][2], iae[3][2], icnt[3];
  const PetscBool  polar = (PetscBool)!!(fit->model->props & TEANN_PROP_POLAR);

  PetscFunctionBegin;
  PetscCall(TeannFitGetBestModel(fit, &th));
  for (PetscInt s = 0; s < 3; s++) {
    PetscCall(SubsetErrors(fit, s, th, sse[s], sae[s], cnt[s]));
    /* fit->pred holds subset s: the isotropic part and the anisotropy of the polarizability */
    if (polar) PetscCall(TeannPolarInvariantErrors(fit->comm, fit->model->props, fit->ev[s] ? fit->fr[s] : NULL, fit->pred, ise[s], iae[s], &icnt[s]));
  }
  PetscCall(TeannFitRestoreBestModel(fit, &th));
  PetscCall(PetscViewerASCIIPrintf(viewer, "Final errors (best validation model)\n"));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  %-20s %-6s %7s %14s %14s  units\n", "property", "subset", "frames", "RMSE", "MAE"));
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    if (!(fit->model->props & TeannProperties[k].bit)) continue;
    for (PetscInt s = 0; s < 3; s++) {
      if (!fit->nglob[s]) continue;
      PetscCall(PetscViewerASCIIPrintf(viewer, "  %-20s %-6s %7" PetscInt_FMT " %14.6e %14.6e  %s\n", TeannProperties[k].name, SubsetName[s], fit->nglob[s], (double)PetscSqrtReal(sse[s][k] / cnt[s][k]), (double)(sae[s][k] / cnt[s][k]), TeannPropertyUnits(k)));
    }
    for (PetscInt q = 0; k == TEANN_K_POLAR && polar && q < 2; q++)
      for (PetscInt s = 0; s < 3; s++)
        if (fit->nglob[s] && icnt[s] > 0) PetscCall(PetscViewerASCIIPrintf(viewer, "  %-20s %-6s %7" PetscInt_FMT " %14.6e %14.6e  %s\n", q ? "polarizability_aniso" : "polarizability_iso", SubsetName[s], fit->nglob[s], (double)PetscSqrtReal(ise[s][q] / icnt[s]), (double)(iae[s][q] / icnt[s]), TeannPropertyUnits(k)));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "wall time %.2f s (fit %.2f s)\n", MPI_Wtime() - fit->t0, (double)fit->tfit));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitWrite(TeannFit fit)
{
  const PetscReal *th;
  char             path[PETSC_MAX_PATH_LEN];
  PetscInt         n = 0, m = 0, *key, *fid, *sub, *nat = NULL, na = 0, ma = 0;
  PetscReal       *ref, *pred, *aref = NULL, *apred = NULL;
  PetscBool        slash;

  PetscFunctionBegin;
  PetscCall(TeannFitMakeDir(fit->comm, fit->outdir));
  PetscCall(TeannFitGetBestModel(fit, &th));
  PetscCall(PetscStrendswith(fit->outdir, "/", &slash));
  for (PetscInt s = 0; s < 3; s++) {
    n += fit->fr[s]->nframes;
    na += fit->fr[s]->natoms;
  }
  PetscCall(PetscMalloc5(n + 1, &key, n + 1, &fid, n + 1, &sub, n * fit->ncomp + 1, &ref, n * fit->ncomp + 1, &pred));
  if (fit->nacomp) PetscCall(PetscMalloc3(n + 1, &nat, (size_t)na * fit->nacomp + 1, &aref, (size_t)na * fit->nacomp + 1, &apred));
  for (PetscInt s = 0; s < 3; s++) {
    TeannFrames fr    = fit->fr[s];
    const char *file = s == 1 && fit->valid[0] ? fit->valid : s == 2 && fit->test[0] ? fit->test : fit->data;
    /* a diverged fit (NaN parameters) or an overflowing frame: no model.nc or predictions
       with NaN in them, and the checkpoint of the last good iteration stays */
    if (fr->nframes) PetscCall(TeannEvalPredictAtoms(fit->ev[s], th, fr->nframes, fit->idx, pred + m * fit->ncomp, fit->nacomp ? apred + (size_t)ma * fit->nacomp : NULL));
    PetscCall(TeannPredictionsCheckFinite(fit->comm, file, fit->model->props, fr->nframes, fr->frame_id, pred + m * fit->ncomp));
    for (PetscInt q = 0; q < (size_t)fr->natoms * fit->nacomp; q++) PetscCheck(!PetscIsInfOrNanReal(apred[(size_t)ma * fit->nacomp + q]), PETSC_COMM_SELF, PETSC_ERR_FP, "%s: a predicted per-atom value is not finite (the model's parameters overflow); nothing was written", file);
    if (fit->nacomp) PetscCall(TeannAtomReferences(fit->model->props, fr, aref + (size_t)ma * fit->nacomp));
    for (PetscInt f = 0; f < fr->nframes && fit->nacomp; f++) nat[m + f] = fr->atom_start[f + 1] - fr->atom_start[f];
    m += fr->nframes;
    ma += fr->natoms;
  }
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s%smodel.nc", fit->outdir, slash ? "" : "/"));
  PetscCall(TeannModelWrite(fit->model, th, &fit->stats, path));
  m = 0;
  for (PetscInt s = 0; s < 3; s++) {
    TeannFrames fr = fit->fr[s];
    if (!fr->nframes) continue;
    for (PetscInt f = 0; f < fr->nframes; f++, m++) {
      key[m] = fit->keybase[s] + fr->frame_id[f];
      fid[m] = fr->frame_id[f];
      sub[m] = s;
      for (PetscInt k = 0; k < TEANN_NKIND; k++) {
        PetscInt         off;
        const PetscReal *y;
        off = TeannPropertyOffset(fit->model->props, k);
        if (off < 0) continue;
        y = fr->y[k];
        for (PetscInt c = 0; c < TeannProperties[k].ncomp; c++) ref[m * fit->ncomp + off + c] = y[f * TeannProperties[k].ncomp + c];
      }
    }
  }
  PetscCall(TeannFitRestoreBestModel(fit, &th));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s%spredictions.nc", fit->outdir, slash ? "" : "/"));
  {
    TeannAtomPredictions at = {fit->nacomp, nat, aref, apred};
    PetscCall(TeannPredictionsWriteNC(fit->comm, path, fit->model->props, n, key, fid, sub, ref, pred, fit->nacomp ? &at : NULL));
  }
  PetscCall(PetscFree5(key, fid, sub, ref, pred));
  if (fit->nacomp) PetscCall(PetscFree3(nat, aref, apred));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s%shistory.nc", fit->outdir, slash ? "" : "/"));
  PetscCall(TeannFitWriteHistory(fit, path));
  PetscCall(PetscPrintf(fit->comm, "wrote model.nc, predictions.nc and history.nc in %s\n", fit->outdir));
  PetscCall(TeannFitWriteStatus(fit, fit->signo ? "interrupted" : "finished"));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitDestroy(TeannFit *fit)
{
  TeannFit t = *fit;

  PetscFunctionBegin;
  if (!t) PetscFunctionReturn(0);
  for (PetscInt s = 0; s < 3; s++) {
    if (t->ev[s]) PetscCall(TeannEvalDestroy(&t->ev[s]));
    if (t->fr[s]) PetscCall(TeannFramesDestroy(&t->fr[s]));
  }
  PetscCall(TaoDestroy(&t->tao));
  PetscCall(VecScatterDestroy(&t->scat));
  PetscCall(VecDestroy(&t->thetaAll));
  PetscCall(VecDestroy(&t->theta));
  PetscCall(VecDestroy(&t->best));
  PetscCall(PetscFree3(t->mask, t->gloc, t->counts));
  PetscCall(TeannXSumDestroy(&t->acc));
  PetscCall(PetscFree(t->idx));
  PetscCall(PetscFree(t->pred));
  PetscCall(PetscFree(t->apred));
  PetscCall(PetscFree(t->hist));
  PetscCall(TeannFitCheckpointDestroy(t));
  PetscCall(TeannFitBalanceDestroy(t));
  PetscCall(TeannFitStandardizeDestroy(t));
  PetscCall(TeannModelDestroy(&t->model));
  PetscCall(PetscFree(*fit));
  PetscFunctionReturn(0);
}
