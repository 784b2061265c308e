/* fitimpl.h — private to the fit module (fit.c, source.c, lsq.c, checkpoint.c).
 * Contract: the layout of a TeannFit. theta is split with
 * PetscSplitOwnershipEqual; thetaAll holds all of it on every rank after a
 * scatter; hist holds hn rows of HIST_W values (see WriteHistory in fit.c). */
#ifndef TEANN_FITIMPL_H
#define TEANN_FITIMPL_H
#include "fit.h"

struct _n_TeannFit {
  MPI_Comm    comm;
  char        data[PETSC_MAX_PATH_LEN], valid[PETSC_MAX_PATH_LEN], test[PETSC_MAX_PATH_LEN], outdir[PETSC_MAX_PATH_LEN];
  PetscReal   fvalid, ftest, weight[TEANN_NKIND], l2;
  PetscInt    seed, patience;
  PetscBool   hasdata;
  PetscBool   overwrite; /* -teann_overwrite: a new fit may replace the outputs of an earlier one */
  TeannModel  model;
  TeannFrames fr[3];      /* local frames of train, validation, test           */
  TeannEval   ev[3];      /* NULL where a rank holds no frames of the subset   */
  PetscInt    nglob[3];   /* frames per subset over all ranks                  */
  PetscInt    keybase[3]; /* predictions.nc order: keybase + frame id         */
  PetscInt   *idx;        /* 0..max local frames-1                             */
  PetscReal  *pred;       /* scratch predictions                              */
  PetscReal  *apred;      /* scratch per-atom predictions (nacomp per atom)    */
  PetscInt    ncomp, nacomp, nparam, rstart, rend;
  PetscReal   nlab[TEANN_NKIND]; /* training labels over all ranks: frames, or atoms of a per-atom property */
  TeannStats  stats;
  PetscReal   scale[TEANN_NKIND];
  PetscReal  *mask, *gloc;  /* gloc: [nparam+1] the summed gradient and loss */
  PetscBool   repro;        /* -teann_reproducible: the optimizer's vectors on rank 0 (design 3.1) */
  PetscInt    block[3];     /* frames per block of each subset: the unit of work and of exact sums */
  PetscInt    chunk_opt;    /* -teann_chunk_frames (0: TeannSourceBlockFrames)  */
  TeannXSum  *acc;          /* exact sums of the gradient and loss (nparam+1)  */
  PetscMPIInt *counts;
  Vec         theta, thetaAll, best;
  VecScatter  scat;
  Tao         tao;
  PetscReal   t0, tfit, best_vloss;
  PetscInt    best_it, itoffset; /* itoffset: iterations of earlier TaoSolve() calls (restarts) */
  PetscBool   stop, header;
  PetscInt    hn, hcap;    /* history: rows of HIST_W values per monitored iteration */
  PetscReal  *hist;
  PetscReal   lm_lambda;   /* Levenberg-Marquardt damping of brgn (set by lsq.c), kept in checkpoints */
  PetscReal   lm_nu;       /* and the gain rule's next increase factor of lm_lambda (lsq.c), kept too */
  /* checkpoints, restart and signals (checkpoint.c) */
  char        restart[PETSC_MAX_PATH_LEN]; /* -teann_restart: the checkpoint continued from      */
  PetscInt    ckpt_every, ckpt_it;         /* checkpoint interval; iteration of the last one      */
  PetscReal   ckpt_seconds, ckpt_last;     /* time interval; rank 0's clock at the last one       */
  unsigned long long split_hash;           /* FNV-1a of the split permutation                     */
  PetscBool   restored;                    /* the state came from a checkpoint                    */
  PetscInt    lsrestarts;                  /* line-search restarts of TAO so far                  */
  PetscBool   lsfailed;                    /* the last monitored iteration's line search failed   */
  PetscMPIInt signo;                       /* job signal all ranks agreed on (0: none)             */
  PetscBool   qn_on;                       /* bqnls: L-BFGS points recorded for restarts          */
  PetscInt    qn_m, qn_n, qn_from;         /* capacity, count, iteration the L-BFGS history starts */
  PetscReal  *qn_x, *qn_g, *qn_f, *qn_gn;  /* local parts of points and gradients, loss, |grad|   */
  PetscInt   *qn_it;                       /* their iterations                                    */
  void       *ckpt;                        /* the checkpoint read for -teann_restart until applied */
  /* a member of an ensemble (ensemble.c): seed offset of the initial parameters, bootstrap
     resampling of the training frames, and the suffix of its output files */
  PetscInt    member;                      /* 0 for a single fit                                  */
  PetscBool   bootstrap;                   /* train on a resample of the training frames          */
  char        suffix[32];                  /* "-member<k>" before the first '.' of output names   */
  /* the balance of the properties of a joint fit (balance.c, eq. 9b) */
  PetscInt                balance;         /* -teann_balance: a TeannBalanceType                 */
  struct _n_TeannBalance *bal;             /* its state; NULL while the balance does not apply   */
  /* the optimizer's coordinates (standardize.c, eq. 9c) */
  PetscBool               standardize;     /* -teann_standardize                                 */
  PetscInt                fstd_n;          /* 2 nel F while on, else 0                           */
  PetscReal              *fstd;            /* feature means, then inverse spreads, [nel][F] each  */
  PetscReal              *thm;             /* the model's theta for the current phi              */
  PetscReal               kappa;           /* the objective's factor within one TaoSolve (1: none) */
  PetscReal               flast;           /* the last finite objective (FormObjectiveGradient) */
  PetscBool               kappa_keep;      /* the next solve goes on with the checkpoint's kappa  */
};

/* Default stopping and L-BFGS history (doc/options.md; measured in bench/accuracy.md) */
#define TEANN_DEFAULT_MAX_IT         3000
#define TEANN_DEFAULT_PATIENCE       400
#define TEANN_DEFAULT_LMVM_HISTORY   20

/* TAO is restarted after a failed line search (the point is kept) at most this often per fit. */
#define TEANN_MAX_LS_RESTARTS 20

/* history row: iteration, loss, gradient norm, step, wall time, train RMSE per kind, validation RMSE per kind */
#define HIST_W (5 + 2 * TEANN_NKIND)

#endif
