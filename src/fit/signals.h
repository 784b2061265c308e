/* signals.h — job signals (SIGTERM, SIGINT, SIGUSR1) turned into a clean stop.
 * Contract: TeannSignalsInstall() replaces the handlers of those signals by one
 * that only records the signal number (async-signal-safe); nothing else happens
 * until TeannSignalsAgree(), called by every rank of comm at the same point
 * (an iteration boundary, outside any other collective), returns the largest
 * signal number recorded on any rank, so that all ranks stop together even if
 * the signal reached only one of them. TeannSignalsRestore() puts back the
 * handlers that were there before. Install and Restore nest: only the outermost
 * pair installs, records from zero and restores (an ensemble keeps its handlers
 * between its members' fits). TeannSignalsIgnore() is for a program
 * that has written its results: a late job signal (the scheduler signals the
 * whole job step) must not turn a finished run into a killed one. */
#ifndef TEANN_SIGNALS_H
#define TEANN_SIGNALS_H
#include "teann.h"

PETSC_EXTERN PetscErrorCode TeannSignalsInstall(void);
PETSC_EXTERN PetscErrorCode TeannSignalsRestore(void);
/* Ignore SIGTERM, SIGINT, SIGUSR1 from now on; a later Restore does nothing. */
PETSC_EXTERN PetscErrorCode TeannSignalsIgnore(void);
/* Largest signal number received on any rank of comm since Install (0: none); collective. */
PETSC_EXTERN PetscErrorCode TeannSignalsAgree(MPI_Comm comm, PetscMPIInt *signo);
/* The received signal without communication (0: none). */
PETSC_EXTERN PetscErrorCode TeannSignalsPending(PetscMPIInt *signo);
/* "SIGTERM", "SIGINT", "SIGUSR1" or "signal N". */
PETSC_EXTERN const char *TeannSignalName(PetscMPIInt signo);
#endif
