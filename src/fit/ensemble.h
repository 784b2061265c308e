/* ensemble.h — a committee of K models fitted at once (doc/fit.md "Ensembles", design 4).
 * Contract: TeannEnsembleTrain() splits comm into G rank groups (G = K when the rank count is
 * a multiple of K; G = the rank count when K is a multiple of it, each group then fits K/G
 * members one after another; anything else is refused). Member k runs on group k mod G as a
 * TeannFit of that group's communicator that differs from a single fit only in its seed of
 * the initial parameters (-teann_seed + k), its output names (suffix -member<k>: checkpoint,
 * history, status) and, with -teann_ensemble_bootstrap, its training frames (ntrain drawn
 * with replacement from the training frames of the split, seeded by -teann_seed and k). The
 * split itself comes from -teann_seed alone, so every member sees the same validation and
 * test frames. When every member has finished, all members' best parameters go to one
 * model.nc (TeannModelWriteEnsemble), and the committee mean and standard deviation of the
 * members' predictions of every frame of the split to predictions.nc, with the errors of
 * each member and of the mean printed. -teann_restart resumes every member that has a
 * checkpoint from it and starts the others as the uninterrupted run would have; a job signal
 * stops the members of the groups it reached and lets no further member begin. All functions
 * are collective on comm. */
#ifndef TEANN_ENSEMBLE_H
#define TEANN_ENSEMBLE_H
#include "fit.h"

/* -teann_ensemble K (default 1), -teann_ensemble_bootstrap, -teann_ensemble_members; with
   -teann_restart of an ensemble's checkpoint (checkpoint-member<k>.nc, or checkpoint.nc of
   its directory when that file does not exist) K and the bootstrap flag are the checkpoint's,
   and given otherwise an error; a single fit's checkpoint refuses both. */
PETSC_EXTERN PetscErrorCode TeannEnsembleGetOptions(MPI_Comm comm, PetscInt *K, PetscBool *bootstrap, PetscBool *members);
/* Fit, report and write the ensemble (see above); members: predictions.nc also holds
   every member's predictions. */
PETSC_EXTERN PetscErrorCode TeannEnsembleTrain(MPI_Comm comm, PetscInt K, PetscBool bootstrap, PetscBool members);
/* The training ids[0..n-1] (the split's, any order) replaced by n draws with replacement from
   them, ascending, seeded by the fit's seed and member index. Called by TeannFitSetUp(). */
PETSC_INTERN PetscErrorCode TeannFitBootstrapIds(TeannFit fit, PetscInt n, PetscInt ids[]);
#endif
