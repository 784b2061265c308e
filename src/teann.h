/* teann.h — common definitions shared by every module of libteann.
 * Contract: include this first; it brings PETSc, the property bits and
 * TeannInitializePackage(), which registers teann's log events and classes once. */
#ifndef TEANN_H
#define TEANN_H
#include <petscsys.h>

#define TEANN_VERSION "0.1.0"

#define TEANN_MAX_Z 86 /* elements 1..86 (H..Rn) have symbols and masses (elements.c) */

/* Properties a frame may carry / a model may fit (bit mask). */
typedef enum {
  TEANN_PROP_DIPOLE     = 1, /* mu, 3 components, e*Angstrom                     */
  TEANN_PROP_POLAR      = 2, /* alpha, 3x3 row-major symmetric, Angstrom^3        */
  TEANN_PROP_TDIPOLE    = 4, /* transition dipole, 3 components, e*Angstrom      */
  TEANN_PROP_CHARGE     = 8, /* total charge, e                                   */
  TEANN_PROP_ENERGY     = 16, /* energy, eV                                       */
  TEANN_PROP_QUADRUPOLE = 32, /* Theta, 3x3 row-major symmetric traceless, e*Angstrom^2 */
  TEANN_PROP_HYPERPOLAR = 64, /* beta, 3x3x3 row-major [i][j][k], atomic units     */
  TEANN_PROP_ATDIPOLE   = 128 /* per-atom vectors p_i, 3 per atom (Wannier-centroid displacements) */
} TeannProp;

/* Name <-> bit of a property of the table (property.h); parsing accepts the fitted ones. */
PETSC_EXTERN const char *TeannPropName(TeannProp);
PETSC_EXTERN PetscErrorCode TeannPropParse(const char list[], PetscInt *mask);

/* Registers the class and every log event and stage of teann, once (as TaoInitializePackage). */
PETSC_EXTERN PetscErrorCode TeannInitializePackage(void);
PETSC_EXTERN PetscErrorCode TeannInitialize(void); /* the same; kept for programs written against 0.1 */
PETSC_EXTERN PetscClassId TEANN_CLASSID;

/* For the programs (src/programs), not the library: what a command-line tool owes its user.
   TeannProgramArgs, before PetscInitialize: --version prints the version (returns 1: exit 0),
   --help becomes PETSc's -help. TeannProgramBegin, after it: errors caused by the user's input
   (PETSC_ERR_USER_INPUT, FILE_*, ARG_* raised with a message) print "PROG: error: message" and
   end every rank with exit status 1; internal errors keep PETSc's trace. */
PETSC_EXTERN int            TeannProgramArgs(int *argc, char ***argv, const char prog[]);
/* blascore.c: the BLAS and the kernels it runs (OpenBLAS: version, kernel set, OPENBLAS_CORETYPE), for a
   program's header. */
PETSC_EXTERN PetscErrorCode TeannBlasDescribe(char buf[], size_t len);
PETSC_EXTERN PetscErrorCode TeannProgramBegin(void);
/* Every option given but never used is an error naming it and the nearest known option
   (-teann_allow_unused: a warning). Call at the end of set-up, when everything was read. */
PETSC_EXTERN PetscErrorCode TeannOptionsCheckUnused(MPI_Comm comm);
/* For -help: the options read only at the end of set-up or where a file is read, which a program
   stopping at -help would not show otherwise (-teann_allow_unused and, for programs that evaluate
   networks, -teann_libxsmm; the readers' options are shown by TeannFramesOptionsHelp). */
PETSC_EXTERN PetscErrorCode TeannOptionsHelp(MPI_Comm comm, PetscBool networks);
/* A step in which ranks check different data (each its own frames): TeannErrorHoldBegin keeps the
   first error of this rank instead of ending it, TeannErrorHoldEnd (collective on comm) raises the
   error of the lowest rank that failed on every rank of comm, so none is left waiting in a later
   collective call for a rank that has gone. Code between them must still reach TeannErrorHoldEnd. */
typedef struct {
  PetscErrorCode code;
  char           msg[4096];
} TeannHeldError;
PETSC_EXTERN PetscErrorCode TeannErrorHoldBegin(TeannHeldError *);
PETSC_EXTERN PetscErrorCode TeannErrorHoldEnd(MPI_Comm, TeannHeldError *);
/* As TeannErrorHoldEnd, but h then holds the shared error (code 0: none) for the caller to clean up and raise. */
PETSC_EXTERN PetscErrorCode TeannErrorHoldShare(MPI_Comm, TeannHeldError *);
/* Whether the files a and b are the same file (device and inode; a symlink, ./ or another
   name of it): an output must never be one of the inputs. A missing file is no input. */
PETSC_EXTERN PetscErrorCode TeannSameFile(const char a[], const char b[], PetscBool *same);

#endif
