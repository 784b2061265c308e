/* history.h — a fit's output directory, history and status files (private to src/fit).
 * Contract: TeannFitOutputPath names a file of the output directory (which
 * TeannFitMakeDir creates, collectively); history.nc holds the hn rows of
 * fit->hist (HIST_W columns: iteration, loss, gradient norm, step, wall time,
 * train and validation RMSE per kind of the property table) and is written by
 * rank 0 atomically; history.txt is rewritten whole (a restart) or appended
 * row by row, with the columns of the fitted properties only;
 * teann-train.status holds one word (running, interrupted, finished). */
#ifndef TEANN_HISTORY_H
#define TEANN_HISTORY_H
#include "fitimpl.h"

PETSC_INTERN PetscErrorCode TeannFitMakeDir(MPI_Comm, const char[]);
PETSC_INTERN PetscErrorCode TeannFitOutputPath(TeannFit, const char name[], char path[], size_t len);
PETSC_INTERN PetscErrorCode TeannFitWriteHistory(TeannFit, const char path[]);
PETSC_INTERN PetscErrorCode TeannFitHistoryTextRewrite(TeannFit);
PETSC_INTERN PetscErrorCode TeannFitHistoryTextAppend(TeannFit, PetscInt from);
/* <output_dir>/teann-train.status := word (rank 0, atomically). */
PETSC_EXTERN PetscErrorCode TeannFitWriteStatus(TeannFit, const char word[]);
/* path := word and a newline, by rank 0 of comm, atomically (a temporary file, then rename). Collective. */
PETSC_INTERN PetscErrorCode TeannWriteStatusFile(MPI_Comm comm, const char path[], const char word[]);
#endif
