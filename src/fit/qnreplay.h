/* qnreplay.h — the L-BFGS points of bqnls, recorded and replayed (private to src/fit).
 * Contract: TeannFitQNRecord keeps the point of iteration its (at most qn_m,
 * the oldest dropped; qn_from marks where TAO's history restarted);
 * TeannFitQNReplay rebuilds TAO's LMVM matrix from the recorded points between
 * qn_from and the current iteration, before the first TaoSolve of a restart.
 * Collective on the fit's communicator. */
#ifndef TEANN_QNREPLAY_H
#define TEANN_QNREPLAY_H
#include "fitimpl.h"

PETSC_INTERN PetscErrorCode TeannFitQNRecord(TeannFit, Tao, PetscInt its, PetscReal f, TaoConvergedReason);
PETSC_INTERN PetscErrorCode TeannFitQNReplay(TeannFit);
#endif
