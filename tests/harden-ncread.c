/* harden-ncread MODE FILE...: read each FILE the way teann does and say whether it could, for
 * the corrupt-file test (tests/harden-corrupt.sh). MODE: open (TeannNCOpen, then every
 * variable), model (TeannModelRead), checkpoint (TeannCheckpointVerify). A damaged file must
 * give teann's error message, never a signal. */
#include "modelio.h"
#include "checkpoint.h"
#include "ncutil.h"

static PetscErrorCode ReadAll(const char path[])
{
  int ncid, nvars;

  PetscFunctionBegin;
  PetscCall(TeannNCOpen(PETSC_COMM_SELF, path, PETSC_FALSE, &ncid));
  PetscCallNC(path, nc_inq_nvars(ncid, &nvars));
  for (int v = 0; v < nvars; v++) {
    int     nd, dimids[NC_MAX_VAR_DIMS];
    nc_type t;
    size_t  n = 1, tsize;
    void   *buf;
    PetscCallNC(path, nc_inq_var(ncid, v, NULL, &t, &nd, dimids, NULL));
    PetscCallNC(path, nc_inq_type(ncid, t, NULL, &tsize));
    for (int d = 0; d < nd; d++) {
      size_t len;
      PetscCallNC(path, nc_inq_dimlen(ncid, dimids[d], &len));
      n *= len;
    }
    if (t == NC_STRING || t > NC_MAX_ATOMIC_TYPE) continue;
    PetscCall(PetscMalloc(n * tsize + 1, &buf));
    PetscCallNC(path, nc_get_var(ncid, v, buf));
    PetscCall(PetscFree(buf));
  }
  PetscCallNC(path, nc_close(ncid));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadOne(const char mode[], const char path[])
{
  PetscBool eq;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(mode, "open", &eq));
  if (eq) PetscCall(ReadAll(path));
  PetscCall(PetscStrcmp(mode, "model", &eq));
  if (eq) {
    TeannModel m;
    PetscReal *theta;
    TeannStats st;
    PetscCall(TeannModelRead(PETSC_COMM_SELF, path, &m, &theta, &st));
    PetscCall(PetscFree(theta));
    PetscCall(TeannModelDestroy(&m));
  }
  PetscCall(PetscStrcmp(mode, "checkpoint", &eq));
  if (eq) {
    PetscBool ok;
    char      why[512];
    PetscCall(TeannCheckpointVerify(path, &ok, why, sizeof(why)));
    PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: not a sound checkpoint: %s", path, why);
  }
  PetscFunctionReturn(0);
}

/* Keeps the first message of an error (PETSc prints only the first error of a run in full). */
static PetscErrorCode KeepMessage(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  if (p == PETSC_ERROR_INITIAL && mess) (void)PetscStrncpy((char *)ctx, mess, 1024);
  return n;
}

/* harden-ncread MODE FILE... [PETSc options]: one line per file, "FILE: ok" or "FILE: error"
   (after PETSc's message); the count at the end. One process for all files keeps the test
   fast; a crash on any file ends it with a signal, which the test reports. */
int main(int argc, char **argv)
{
  PetscInt nok = 0, nerr = 0;
  char     mess[1024];

  PetscCall(PetscInitialize(&argc, &argv, NULL, "harden-ncread open|model|checkpoint FILE...\n"));
  PetscCheck(argc >= 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "usage: harden-ncread open|model|checkpoint FILE...");
  for (int i = 2; i < argc && argv[i][0] != '-'; i++) {
    PetscErrorCode ierr;
    mess[0] = 0;
    PetscCall(PetscPushErrorHandler(KeepMessage, mess));
    ierr = ReadOne(argv[1], argv[i]);
    PetscCall(PetscPopErrorHandler());
    if (ierr) nerr++;
    else nok++;
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: %s%s\n", argv[i], ierr ? "error: " : "ok", ierr ? mess : ""));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%" PetscInt_FMT " read, %" PetscInt_FMT " refused\n", nok, nerr));
  PetscCall(PetscFinalize());
  return 0;
}
