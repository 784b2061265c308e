/* modelio.h — model.nc: a fitted model with its parameters (design section 4).
 * Contract: TeannModelWrite() stores the hyperparameters as global attributes,
 * every TeannParamBlock as a variable with its dimension names, and the
 * training-set statistics; TeannModelRead() rebuilds an equal TeannModel
 * (SetUp done) and theta from it, so predictions agree bit for bit. Writing is
 * collective (rank 0 writes, atomically); reading is done by every caller. */
#ifndef TEANN_MODELIO_H
#define TEANN_MODELIO_H
#include "model.h"
#include "predictions.h"

/* Training-set statistics per fitted property (property.h):
   mean per component and the standard deviation pooled over components (eq. 9 sigma_p). */
typedef struct {
  PetscInt  ntrain;
  PetscReal mean[TEANN_NKIND][TEANN_MAX_COMP];
  PetscReal std[TEANN_NKIND];
} TeannStats;

/* An ensemble of nmembers models of one architecture (theta: nmembers blocks of nparam reals,
   member after member): member 0's parameter blocks under their own names, member k > 0's as
   member<k>_<block>, and the global attribute ensemble_members (only when nmembers > 1).
   stats are written once (the caller's choice: member 0's). TeannModelWrite() is nmembers 1. */
PETSC_EXTERN PetscErrorCode TeannModelWriteEnsemble(TeannModel model, PetscInt nmembers, const PetscReal theta[], const TeannStats *stats, const char path[]);
/* *nmembers (1 for a file without ensemble_members) and *theta all members' parameters
   (nmembers * nparam, PetscMalloc1). TeannModelRead() reads member 0 only. */
/* The committee mean and sample standard deviation (K - 1 in the denominator; 0 for one
   member) of m values over K members (x[k * m + i]): what an ensemble predicts. */
PETSC_EXTERN void TeannCommitteeMeanStd(PetscInt K, PetscInt m, const PetscReal x[], PetscReal mean[], PetscReal std[]);
PETSC_EXTERN PetscErrorCode TeannModelReadEnsemble(MPI_Comm comm, const char path[], TeannModel *model, PetscInt *nmembers, PetscReal **theta, TeannStats *stats);
PETSC_EXTERN PetscErrorCode TeannModelWrite(TeannModel model, const PetscReal theta[], const TeannStats *stats, const char path[]);
/* *theta allocated with PetscMalloc1; stats may be NULL. */
PETSC_EXTERN PetscErrorCode TeannModelRead(MPI_Comm comm, const char path[], TeannModel *model, PetscReal **theta, TeannStats *stats);
#endif
