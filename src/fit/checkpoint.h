/* checkpoint.h — checkpoints, restart, job signals and the status file of a fit
 * (design section 4 "Checkpoint"; doc/restart.md).
 * Contract: <output_dir>/checkpoint.nc holds everything a fit needs to go on as
 * if it had not stopped: theta, the iteration, the best-validation loss, its
 * iteration and parameters, the history rows, the line-search restarts, the
 * last L-BFGS points of bqnls, the brgn damping, the options database as text,
 * the model/data/split settings, a hash of the split and the training-set
 * statistics, and an FNV-1a 64 checksum over all numeric data. It is written
 * every -teann_checkpoint_every iterations, every -teann_checkpoint_seconds
 * (rank 0's clock decides for all), on SIGTERM/SIGINT/SIGUSR1 and at the end;
 * atomically, the previous one kept as checkpoint.prev.nc. -teann_restart FILE
 * continues from the sound one of the highest iteration among FILE, FILE's
 * .new.nc (an interrupted rotation) and its .prev.nc, with a warning unless
 * it is FILE, refuses settings that change the model, the data or the split,
 * and logs changed optimizer options. A restarted bqnls fit follows the
 * uninterrupted one (same rank count: bitwise). <output_dir>/teann-train.status
 * holds one word: running, interrupted or finished.
 * All functions are collective on the fit's communicator. */
#ifndef TEANN_CHECKPOINT_H
#define TEANN_CHECKPOINT_H
#include "fit.h"

/* -teann_restart -teann_checkpoint_every -teann_checkpoint_seconds; with -teann_restart the
   checkpoint is read and its options enter the database wherever the command line does not
   set them. Installs the signal handlers (restored by TeannFitCheckpointDestroy()).
   Called by TeannFitSetFromOptions() before the fit's own options. */
/* FILE.nc -> FILE<suffix>: the names of a checkpoint's rotation (".new.nc", ".prev.nc"; "" the file itself) */
PETSC_EXTERN PetscErrorCode TeannFitCheckpointSibling(const char path[], const char suffix[], char out[], size_t len);
PETSC_EXTERN PetscErrorCode TeannFitCheckpointSetFromOptions(TeannFit);
/* A 64-bit FNV-1a hash of the split permutation (and its size). */
PETSC_EXTERN PetscErrorCode TeannFitCheckpointHashSplit(TeannFit, PetscInt N, const PetscInt perm[]);
/* After TaoSetFromOptions(): bqnls records its L-BFGS points (J0 scaled by a scalar unless
   -tao_bqnls_mat_lmvm_scale_type is given, so that the last points determine the matrix);
   with -teann_restart the checkpoint is checked against this fit and its state applied. */
PETSC_EXTERN PetscErrorCode TeannFitCheckpointSetUp(TeannFit);
/* Before the first TaoSolve(): status "running", history.txt, L-BFGS replay. */
PETSC_EXTERN PetscErrorCode TeannFitCheckpointBeginSolve(TeannFit);
/* In the monitor at (absolute) iteration its, after the history row: record the point,
   append history.txt, agree on signals and time, checkpoint when due, stop on a signal. */
PETSC_EXTERN PetscErrorCode TeannFitCheckpointMonitor(TeannFit, Tao, PetscInt its);
/* After the last TaoSolve(): the final checkpoint (unless a signal stopped the fit, which wrote one). */
PETSC_EXTERN PetscErrorCode TeannFitCheckpointEndSolve(TeannFit);
/* Write <output_dir>/checkpoint.nc now (theta from the Tao solution). */
PETSC_EXTERN PetscErrorCode TeannFitCheckpointWrite(TeannFit);
PETSC_EXTERN PetscErrorCode TeannFitCheckpointDestroy(TeannFit);
/* Read checkpoint path on this process alone and check it as a restart would (complete,
   sizes consistent, checksum right); *ok false with the reason in why otherwise. */
PETSC_EXTERN PetscErrorCode TeannCheckpointVerify(const char path[], PetscBool *ok, char why[], size_t len);
/* The command that continues from checkpoint ckpt on comm's rank count: "mpiexec -n N PROG
   -teann_restart ckpt", PROG this program as started (libtool's wrapper, not its .libs binary). */
PETSC_EXTERN PetscErrorCode TeannRestartCommand(MPI_Comm comm, const char ckpt[], char cmd[], size_t len);
#endif
