/* NetCDF helpers: atomic creation (temporary name, fsync, rename) and the
 * global attributes every teann file carries (design section 4). */
#include "ncutil.h"
#include <netcdf_par.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

PetscErrorCode TeannCommandLine(char buf[], size_t len)
{
  int    argc;
  char **argv;

  PetscFunctionBegin;
  buf[0] = 0;
  PetscCall(PetscGetArgs(&argc, &argv));
  for (int i = 0; i < argc; i++) {
    if (i) PetscCall(PetscStrlcat(buf, " ", len));
    PetscCall(PetscStrlcat(buf, argv[i], len));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannNCPutText(const TeannNCFile *f, int varid, const char name[], const char value[])
{
  PetscFunctionBegin;
  if (f->parallel || f->ncid >= 0) PetscCallNC(f->tmp, nc_put_att_text(f->ncid, varid, name, strlen(value), value));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannNCCreate(MPI_Comm comm, const char path[], const char title[], PetscBool parallel, TeannNCFile *f)
{
  PetscMPIInt rank;
  char        history[4096], source[64];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMemzero(f, sizeof(*f)));
  f->comm     = comm;
  f->parallel = parallel;
  f->ncid     = -1;
  PetscCall(PetscStrncpy(f->path, path, sizeof(f->path)));
  PetscCall(PetscSNPrintf(f->tmp, sizeof(f->tmp), "%s.tmp", path));
  if (parallel) {
    PetscCallNC(f->tmp, nc_create_par(f->tmp, NC_NETCDF4 | NC_CLOBBER, comm, MPI_INFO_NULL, &f->ncid));
  } else if (rank == 0) {
    PetscCallNC(f->tmp, nc_create(f->tmp, NC_NETCDF4 | NC_CLOBBER, &f->ncid));
  }
  PetscCall(TeannCommandLine(history, sizeof(history)));
  PetscCall(PetscSNPrintf(source, sizeof(source), "teann %s", TEANN_VERSION));
  PetscCall(TeannNCPutText(f, NC_GLOBAL, "title", title));
  PetscCall(TeannNCPutText(f, NC_GLOBAL, "source", source));
  PetscCall(TeannNCPutText(f, NC_GLOBAL, "Conventions", "CF-1.8"));
  PetscCall(TeannNCPutText(f, NC_GLOBAL, "history", history));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannNCClose(TeannNCFile *f)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(f->comm, &rank));
  if (f->parallel || f->ncid >= 0) PetscCallNC(f->tmp, nc_close(f->ncid));
  f->ncid = -1;
  PetscCallMPI(MPI_Barrier(f->comm));
  /* rank 0 renames; its verdict is shared so no rank waits for a peer that failed */
  int ok = 1;
  if (rank == 0) {
    int fd = open(f->tmp, O_RDONLY);
    if (fd >= 0) {
      (void)fsync(fd);
      close(fd);
    }
    ok = (fd >= 0 && rename(f->tmp, f->path) == 0);
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, f->comm));
  PetscCheck(ok, f->comm, PETSC_ERR_FILE_WRITE, "cannot move %s onto %s", f->tmp, f->path);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannNCOpen(MPI_Comm comm, const char path[], PetscBool parallel, int *ncid)
{
  PetscFunctionBegin;
  if (parallel) PetscCallNC(path, nc_open_par(path, NC_NOWRITE, comm, MPI_INFO_NULL, ncid));
  else PetscCallNC(path, nc_open(path, NC_NOWRITE, ncid));
  PetscFunctionReturn(0);
}
