/* ncutil.h — NetCDF helpers used by every file teann writes or reads.
 * Contract: PetscCallNC() turns a NetCDF status into a PETSc error naming the
 * file; TeannNCCreate() opens "<path>.tmp" (serial on rank 0 of comm if
 * parallel is false, collectively otherwise) with the design-note global
 * attributes; TeannNCClose() closes, fsyncs and renames it onto <path>, so a
 * file on disk is either the old complete one or the new complete one. */
#ifndef TEANN_NCUTIL_H
#define TEANN_NCUTIL_H
#include "teann.h"
#include <netcdf.h>
#include <errno.h>

#define PetscCallNC(path, call) \
  do { \
    int _nc_st = (call); \
    if (PetscUnlikely(_nc_st != NC_NOERR)) return TeannNCError(__LINE__, PETSC_FUNCTION_NAME, __FILE__, (path), _nc_st, errno); \
  } while (0)

/* The error of PetscCallNC: "PATH: NetCDF error: ...", or "PATH: no space left on device ..."
   when errno or the free space of PATH's file system says so (HDF5 reports a full disk as
   "HDF error"). If PATH is the temporary name of a file being written (TeannNCCreate), that
   file is abandoned and removed, so a failed write leaves the previous file as it was. */
PETSC_EXTERN PetscErrorCode TeannNCError(int line, const char func[], const char file[], const char path[], int status, int err);

typedef struct {
  char     path[PETSC_MAX_PATH_LEN]; /* final name */
  char     tmp[PETSC_MAX_PATH_LEN];  /* name while being written */
  int      ncid;
  MPI_Comm comm;
  PetscBool parallel;
} TeannNCFile;

/* Create <path>.tmp; title goes to the "title" attribute. If parallel is false only rank 0 of comm holds an open file. */
PETSC_EXTERN PetscErrorCode TeannNCCreate(MPI_Comm comm, const char path[], const char title[], PetscBool parallel, TeannNCFile *f);
/* Close, fsync and rename onto the final name (collective on comm). */
PETSC_EXTERN PetscErrorCode TeannNCClose(TeannNCFile *f);
/* Give up a file being written (on the ranks that hold it open): closed unfinished and its temporary name removed; the previous file, if any, stays. */
PETSC_EXTERN PetscErrorCode TeannNCAbandon(TeannNCFile *f);
/* Open an existing file read-only (collectively and parallel if parallel is true). The file
   is checked first (TeannNCCheckFile, by rank 0 of comm; the values too up to
   TEANN_NC_PROBE_DATA_MAX bytes): a damaged file is an error naming it, not a crash. */
PETSC_EXTERN PetscErrorCode TeannNCOpen(MPI_Comm comm, const char path[], PetscBool parallel, int *ncid);
/* Is path a NetCDF file that can be read without crashing? Its signature and HDF5 superblock
   (sizes, end-of-file address against the file's size) are checked, then a forked probe
   process opens it and reads every attribute and the metadata of every variable, and with
   data their values; a crash or a NetCDF error there makes *ok false with the reason in why.
   This process alone (not collective). -teann_nc_probe false skips the probe,
   -teann_nc_probe_timeout S (60) bounds it. doc/restart.md "Damaged files". */
#define TEANN_NC_PROBE_DATA_MAX (64 * 1024 * 1024)
PETSC_EXTERN PetscErrorCode TeannNCCheckFile(const char path[], PetscBool data, PetscBool *ok, char why[], size_t len);
/* Put a text attribute ("units", ...) on varid (NC_GLOBAL for the file). */
PETSC_EXTERN PetscErrorCode TeannNCPutText(const TeannNCFile *f, int varid, const char name[], const char value[]);
/* The command line as one string (for the "history" attribute and checkpoints). */
PETSC_EXTERN PetscErrorCode TeannCommandLine(char buf[], size_t len);
#endif
