/* framesimpl.h — private to the readers (xyz.c, eannconfig.c, frames.c).
 * Contract: a builder appends frames to a TeannFrames with geometric growth
 * (amortised O(1) per atom); the line reader hands out one line at a time with
 * its 1-based number (a UTF-8 byte order mark before the first line dropped); the checks report "FILE:LINE: frame N: what". */
#ifndef TEANN_FRAMESIMPL_H
#define TEANN_FRAMESIMPL_H
#include "frames.h"
#include "property.h"
#include "logimpl.h"
#include <petscviewer.h>
#include <math.h>
#include <stdio.h>


/* The readers' options, read where a file is read and shown by TeannFramesOptionsHelp. */
PETSC_INTERN PetscErrorCode TeannEANNAbpropOption(MPI_Comm, PetscInt *abprop); /* -1: auto */
PETSC_INTERN PetscErrorCode TeannXYZAtomicElementsOption(MPI_Comm, char list[], size_t len, PetscBool *set);
PETSC_INTERN PetscErrorCode TeannSpeciesOption(MPI_Comm, char file[], size_t flen, PetscBool *hasfile, char list[], size_t llen, PetscBool *haslist);

typedef struct {
  TeannFrames fr;
  PetscInt    fcap, acap; /* allocated frames and atoms */
} TeannFramesBuilder;

/* Empty fr and prepare to append. */
PETSC_INTERN PetscErrorCode TeannFramesBuilderBegin(TeannFramesBuilder *, TeannFrames);
/* Append a frame of natoms atoms (properties NaN, charge 0); *f is its index, *a0 its first atom. */
PETSC_INTERN PetscErrorCode TeannFramesBuilderAdd(TeannFramesBuilder *, PetscInt natoms, PetscInt *f, PetscInt *a0);

typedef struct {
  const char *path;
  FILE       *fp;
  char       *buf;
  size_t      cap;
  PetscInt    lineno; /* number of the line in buf */
  size_t      len;    /* its length without the newline */
  PetscBool   cut;    /* the line in buf (or, at the end, the last line) has no newline: the
                         file ends inside it, cut short unless it is the file's last line */
} TeannLineReader;

PETSC_INTERN PetscErrorCode TeannLineReaderOpen(const char path[], TeannLineReader *);
/* Next line in r->buf (newline and carriage return stripped); *eof set at end of file. */
PETSC_INTERN PetscErrorCode TeannLineReaderNext(TeannLineReader *, PetscBool *eof);
PETSC_INTERN PetscErrorCode TeannLineReaderClose(TeannLineReader *);

/* Extended XYZ read frame by frame (xyz.c), for trajectories longer than memory: the frames of
 * one stream are numbered on from the first (frame_id, and "frame N" in messages, are their
 * 0-based and 1-based numbers in the file). TeannXYZStreamSkip passes over up to n frames
 * reading only their count lines (their content is checked when read), adding their atoms to
 * *natoms and their largest count to *maxatoms (either may be NULL); *skipped < n at the end of
 * the file. TeannXYZStreamRead replaces fr's frames by the next n (fewer at the end of the
 * file), checked as TeannFramesReadXYZ checks them; with text not NULL, text[f] (the caller's
 * array of n pointers, set to NULL beforehand; the caller frees them with PetscFree, also
 * after an error) gets frame f's atom lines as read, each ended by a newline. */
typedef struct _n_TeannXYZStream *TeannXYZStream;
PETSC_INTERN PetscErrorCode TeannXYZStreamOpen(const char path[], TeannXYZStream *);
PETSC_INTERN PetscErrorCode TeannXYZStreamSkip(TeannXYZStream, PetscInt n, PetscInt *skipped, PetscInt64 *natoms, PetscInt *maxatoms);
PETSC_INTERN PetscErrorCode TeannXYZStreamRead(TeannXYZStream, PetscInt n, TeannFrames fr, char **text);
PETSC_INTERN PetscErrorCode TeannXYZStreamDestroy(TeannXYZStream *);

/* Parse a whole token as a real (also Fortran "1.0D-3"); *ok false if it is not a number. */
PETSC_INTERN void TeannParseReal(const char tok[], size_t len, PetscReal *v, PetscBool *ok);

/* Per-frame checks shared by all readers: atoms closer than 0.1 Angstrom
 * (line of atom i is atomline0 + i), and a tensor that has its property's
 * symmetry to the tolerance of the table (property.h: symmetric, traceless,
 * rank 3 symmetric in its last two indices), which a symmetric or traceless
 * tensor is then given exactly when project is true. */
PETSC_INTERN PetscErrorCode TeannFramesCheckAtoms(TeannFrames, PetscInt f, PetscInt atomline0);
PETSC_INTERN PetscErrorCode TeannFramesCheckSymmetry(TeannFrames, PetscInt f, PetscInt k, PetscInt line, PetscBool project);
/* The cell of a periodic frame (nothing to check for pbc 0), errors naming line: components finite and
 * within TEANN_MAX_COORD; the periodic vectors (only those: a slab's third vector may be anything, zero
 * too) nonzero and independent as TeannCellCheck (neighbours.h) requires, |det| / (|a| |b| |c|) (or
 * |a x b| / (|a| |b|) for two) at least 1e-6; and each width across a periodic vector within the
 * periodic vectors' lattice (the distance between opposite faces) at least TEANN_MIN_DISTANCE: no
 * lattice translation is shorter than the smallest width, so no atom is that close to its own image,
 * and the overlap check's pair search stays within a few cells. */
PETSC_INTERN PetscErrorCode TeannFramesCheckCell(TeannFrames, PetscInt f, PetscInt line);

/* Voigt order of the 6-value polarizability: xx yy zz yz xz xy. */
PETSC_INTERN void TeannPolarFromVoigt(const PetscReal v[6], PetscReal a[9]);

/* Copy msg to out with control characters written as \xNN: messages quote the
 * input, and a BEL or an escape sequence from a file must not reach the terminal. */
PETSC_EXTERN void TeannEscapeControl(const char msg[], char out[], size_t size);

/* Fail with "PATH:LINE: frame N: <printf message>" unless cond; "PATH: frame N:"
 * when line is 0 (a NetCDF dataset has no lines). */
#define TeannReadCheck(path, line, frame, cond, ...) \
  do { \
    if (PetscUnlikely(!(cond))) { \
      char _teann_msg[512], _teann_esc[4 * 512]; \
      (void)snprintf(_teann_msg, sizeof(_teann_msg), __VA_ARGS__); /* C formatting: %g as printf has it */ \
      TeannEscapeControl(_teann_msg, _teann_esc, sizeof(_teann_esc)); \
      if ((PetscInt)(line) > 0) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:%" PetscInt_FMT ": frame %" PetscInt_FMT ": %s", (path), (PetscInt)(line), (PetscInt)(frame), _teann_esc); \
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: frame %" PetscInt_FMT ": %s", (path), (PetscInt)(frame), _teann_esc); \
    } \
  } while (0)

/* Every frame of every format passes TeannFramesValidate (readutil.c) once its
 * atoms and labels are in place: positions finite and within TEANN_MAX_COORD,
 * the cell of a periodic frame usable (TeannFramesCheckCell), atoms at least
 * TEANN_MIN_DISTANCE apart, every property whose bit is set finite, within its
 * table bound (property.h), defined for the frame (a periodic frame carries no
 * property whose table entry has not_periodic) and of its symmetry (then, if
 * project, stored exactly symmetric; a dataset keeps the bits it holds); the
 * largest asymmetry accepted above TEANN_SYM_REPORT is kept in fr->asym. Errors name propline for the
 * labels and the cell and atomline0 + i for
 * atom i; 0 for both when the source has no lines. Exported with
 * TeannEscapeControl, which its messages use, because dataset.c calls it and is
 * also built on its own over the library (tests/harden.am, AddressSanitizer). */
PETSC_EXTERN PetscErrorCode TeannFramesValidate(TeannFrames, PetscInt f, PetscInt propline, PetscInt atomline0, PetscBool project);

#define TEANN_MIN_DISTANCE 0.1   /* Angstrom */
#define TEANN_MAX_COORD    1e6   /* Angstrom, largest |x|, |y|, |z|: beyond it a position is a unit or format error, not a molecule */
#define TEANN_SYM_ATOL 1e-8 /* added to the table's relative tolerance of the symmetry */
#define TEANN_SYM_REPORT 1e-6 /* asymmetries accepted above this (relative) are reported (fr->asym); below
                                 it they are round-off (analytic tensors: 2.5e-7 in water_hf_800.xyz) */
#endif
