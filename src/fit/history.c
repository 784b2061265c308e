/* The outputs of a fit that are not the model: history.nc and history.txt
 * (one row per monitored iteration, design section 4 "History"), the status
 * file, and where every output goes (the output directory). Used by the fit
 * driver and by checkpoints; depends on neither. */
#include "history.h"
#include "ncutil.h"
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>

/* history.nc: one record per monitored iteration (design section 4 "History"). */
PetscErrorCode TeannFitWriteHistory(TeannFit fit, const char path[])
{
  TeannNCFile f;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(fit->comm, &rank));
  PetscCall(TeannNCCreate(fit->comm, path, "teann fit history", PETSC_FALSE, &f));
  if (rank == 0) {
    const char *names[5] = {"iteration", "loss", "gradient_norm", "step_length", "wall_time"};
    const char *units[5] = {"1", "1", "1", "1", "s"};
    int         dim, var[HIST_W];
    PetscReal  *col;

    PetscCallNC(f.tmp, nc_def_dim(f.ncid, "iteration", (size_t)fit->hn, &dim));
    for (PetscInt j = 0; j < 5; j++) {
      PetscCallNC(f.tmp, nc_def_var(f.ncid, names[j], j ? NC_DOUBLE : NC_INT, 1, &dim, &var[j]));
      PetscCall(TeannNCPutText(&f, var[j], "units", units[j]));
    }
    PetscCall(TeannNCPutText(&f, var[1], "long_name", "eq. 9 loss (normalised by the training frames) with the L2 term; a fit of several properties balanced by -teann_balance log: eq. 9b, sum_p w_p log(MSE_p / sigma_p^2) with the L2 term"));
    PetscCall(TeannNCPutText(&f, var[3], "long_name", "TAO step length or trust radius"));
    for (PetscInt s = 0; s < 2; s++)
      for (PetscInt k = 0; k < TEANN_NKIND; k++) {
        char name[128];
        var[5 + s * TEANN_NKIND + k] = -1;
        if (!(fit->model->props & TeannProperties[k].bit) || (s && !fit->nglob[1])) continue;
        PetscCall(PetscSNPrintf(name, sizeof(name), "%s_rmse_%s", TeannProperties[k].name, s ? "valid" : "train"));
        PetscCallNC(f.tmp, nc_def_var(f.ncid, name, NC_DOUBLE, 1, &dim, &var[5 + s * TEANN_NKIND + k]));
        PetscCall(TeannNCPutText(&f, var[5 + s * TEANN_NKIND + k], "units", TeannPropertyUnits(k)));
      }
    PetscCall(PetscMalloc1(fit->hn + 1, &col));
    for (PetscInt j = 0; j < HIST_W; j++) {
      if (j >= 5 && var[j] < 0) continue;
      for (PetscInt i = 0; i < fit->hn; i++) col[i] = fit->hist[i * HIST_W + j];
      if (j == 0) {
        int *it;
        PetscCall(PetscMalloc1(fit->hn + 1, &it));
        for (PetscInt i = 0; i < fit->hn; i++) it[i] = (int)col[i];
        PetscCallNC(f.tmp, nc_put_var_int(f.ncid, var[0], it));
        PetscCall(PetscFree(it));
      } else PetscCallNC(f.tmp, nc_put_var_double(f.ncid, var[j], col));
    }
    PetscCall(PetscFree(col));
  }
  PetscCall(TeannNCClose(&f));
  PetscFunctionReturn(0);
}

/* mkdir -p on rank 0 */
PetscErrorCode TeannFitMakeDir(MPI_Comm comm, const char dir[])
{
  PetscMPIInt rank;
  char        buf[PETSC_MAX_PATH_LEN];
  PetscBool   exists;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    PetscCall(PetscStrncpy(buf, dir, sizeof(buf)));
    for (char *p = buf + 1;; p++) {
      if (*p == '/' || !*p) {
        char c = *p;
        *p     = 0;
        PetscCall(PetscTestDirectory(buf, 'w', &exists));
        if (!exists) PetscCall(PetscMkdir(buf));
        *p = c;
        if (!c) break;
      }
    }
    PetscCall(PetscTestDirectory(buf, 'w', &exists));
    PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create output directory %s", dir);
  }
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitOutputPath(TeannFit fit, const char name[], char path[], size_t len)
{
  PetscBool slash;

  PetscFunctionBegin;
  PetscCall(PetscStrendswith(fit->outdir, "/", &slash));
  if (fit->suffix[0]) { /* an ensemble member: checkpoint-member2.nc, checkpoint-member2.prev.nc, ... */
    const char *dot = strchr(name, '.');
    size_t      stem = dot ? (size_t)(dot - name) : strlen(name);
    PetscCall(PetscSNPrintf(path, len, "%s%s%.*s%s%s", fit->outdir, slash ? "" : "/", (int)stem, name, fit->suffix, dot ? dot : ""));
  } else PetscCall(PetscSNPrintf(path, len, "%s%s%s", fit->outdir, slash ? "" : "/", name));
  PetscFunctionReturn(0);
}

/* history.txt: a header and the rows 0..hn-1, replacing the file atomically (rank 0). */
PetscErrorCode TeannFitHistoryTextRewrite(TeannFit fit)
{
  PetscMPIInt rank;
  char        path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(fit->comm, &rank));
  PetscCall(TeannFitMakeDir(fit->comm, fit->outdir));
  if (rank == 0) {
    FILE *fp;
    PetscCall(TeannFitOutputPath(fit, "history.txt", path, sizeof(path)));
    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
    fp = fopen(tmp, "w");
    PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", tmp);
    fprintf(fp, "# teann-train history: one row per iteration (the columns of history.nc)\n# iteration loss gradient_norm step_length wall_time");
    for (PetscInt s = 0; s < 2; s++)
      for (PetscInt k = 0; k < TEANN_NKIND; k++)
        if ((fit->model->props & TeannProperties[k].bit) && (!s || fit->nglob[1])) fprintf(fp, " %s_rmse_%s", TeannProperties[k].name, s ? "valid" : "train");
    fprintf(fp, "\n# units: 1 1 1 1 s");
    for (PetscInt s = 0; s < 2; s++)
      for (PetscInt k = 0; k < TEANN_NKIND; k++)
        if ((fit->model->props & TeannProperties[k].bit) && (!s || fit->nglob[1])) fprintf(fp, " %s", TeannPropertyUnits(k));
    fprintf(fp, "\n");
    if (fclose(fp)) {
      int err = errno;
      (void)unlink(tmp); /* the old history.txt stays */
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s: %s", tmp, strerror(err));
    }
    PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot move %s onto %s: %s", tmp, path, strerror(errno));
  }
  PetscFunctionReturn(0);
}

/* Append history rows [from, hn) to history.txt (rank 0). */
PetscErrorCode TeannFitHistoryTextAppend(TeannFit fit, PetscInt from)
{
  PetscMPIInt rank;
  char        path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(fit->comm, &rank));
  if (rank == 0 && from < fit->hn) {
    FILE *fp;
    PetscCall(TeannFitOutputPath(fit, "history.txt", path, sizeof(path)));
    fp = fopen(path, "a");
    PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot append to %s", path);
    for (PetscInt i = from; i < fit->hn; i++) {
      const PetscReal *h = fit->hist + i * HIST_W;
      fprintf(fp, "%" PetscInt_FMT " %.10e %.10e %.10e %.3f", (PetscInt)h[0], (double)h[1], (double)h[2], (double)h[3], (double)h[4]);
      for (PetscInt s = 0; s < 2; s++)
        for (PetscInt k = 0; k < TEANN_NKIND; k++)
          if ((fit->model->props & TeannProperties[k].bit) && (!s || fit->nglob[1])) fprintf(fp, " %.10e", (double)h[5 + s * TEANN_NKIND + k]);
      fprintf(fp, "\n");
    }
    PetscCheck(fclose(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot append to %s: %s", path, strerror(errno));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannWriteStatusFile(MPI_Comm comm, const char path[], const char word[])
{
  PetscMPIInt rank;
  int         ok = 1, err = 0;
  char        tmp[PETSC_MAX_PATH_LEN + 8];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    FILE *fp;
    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
    fp = fopen(tmp, "w");
    ok = fp && fprintf(fp, "%s\n", word) > 0;
    if (fp) ok = (fclose(fp) == 0) && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok) {
      err = errno;
      (void)unlink(tmp); /* the old status stays */
    }
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(ok, comm, PETSC_ERR_FILE_WRITE, "cannot write %s: %s", path, strerror(err));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitWriteStatus(TeannFit fit, const char word[])
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(TeannFitMakeDir(fit->comm, fit->outdir));
  PetscCall(TeannFitOutputPath(fit, "teann-train.status", path, sizeof(path)));
  PetscCall(TeannWriteStatusFile(fit->comm, path, word));
  PetscFunctionReturn(0);
}
