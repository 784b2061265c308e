/* frames.h — molecular configurations in memory (the data module).
 * Contract: a TeannFrames holds nframes configurations stored as contiguous
 * ragged arrays (atoms of frame f are atom_start[f] .. atom_start[f+1]-1),
 * with per-frame properties. Every property array is always allocated; a
 * property a frame lacks is NaN there and its bit is clear in fprops[f].
 * Readers check everything a user can get wrong and fail with
 * "FILE:LINE: frame N: what" (N and LINE 1-based), never with a crash. */
#ifndef TEANN_FRAMES_H
#define TEANN_FRAMES_H
#include "property.h"

typedef struct _n_TeannFrames *TeannFrames;
struct _n_TeannFrames {
  char       source[PETSC_MAX_PATH_LEN]; /* file the frames were read from               */
  PetscInt   nframes, natoms;            /* frames held here, atoms over those frames      */
  PetscInt  *atom_start;                 /* [nframes+1]                                    */
  PetscInt  *Z;                          /* [natoms] atomic numbers 1..86                  */
  PetscReal *x;                          /* [3*natoms] positions, Angstrom                 */
  PetscReal *cell;                       /* [9*nframes] lattice vectors a, b, c as rows, Angstrom (all 0: none) */
  PetscInt  *pbc;                        /* [nframes] bit d (1, 2, 4) set: periodic along lattice vector d;
                                            0: an isolated molecule (neighbours.h)         */
  PetscInt  *frame_id;                   /* [nframes] 0-based frame number in the source   */
  PetscInt  *line;                       /* [nframes] 1-based first line in the source (0: none) */
  PetscInt  *fprops;                     /* [nframes] TEANN_PROP_* bits present            */
  PetscReal *y[TEANN_NPROP];             /* [ncomp*nframes] labels of property k of the table (property.h),
                                            row-major tensors; the charge is 0 when absent (neutral) */
  char     **comment;                    /* [nframes] original comment line (xyz) or NULL  */
  PetscReal  asym[TEANN_NPROP];          /* largest asymmetry of property k the readers accepted, relative to
                                            its largest component, before symmetrising (0: none above 1e-6) */
  PetscInt   asym_frame[TEANN_NPROP];    /* its frame, 1-based in the source (0: none)     */
};

PETSC_EXTERN PetscErrorCode TeannFramesCreate(TeannFrames *);
/* Allocate arrays for nframes frames holding natoms atoms in all; properties set to NaN, fprops to 0. */
PETSC_EXTERN PetscErrorCode TeannFramesAllocate(TeannFrames, PetscInt nframes, PetscInt natoms);
PETSC_EXTERN PetscErrorCode TeannFramesDestroy(TeannFrames *);
/* Read any supported file (readers.c): NetCDF dataset, extended XYZ, or the EANN "configuration" format,
   as -teann_format netcdf|eann|xyz says or, by default, recognised from the content. Serial: every caller
   reads the whole file. TeannFramesGetFormat: the name of the format that would read path. */
PETSC_EXTERN PetscErrorCode TeannFramesRead(const char path[], TeannFrames);
PETSC_EXTERN PetscErrorCode TeannFramesGetFormat(const char path[], const char **format);
/* The readers' options (-teann_format, -teann_atomic_elements, -teann_eann_abprop and, with species,
   -teann_species and -teann_species_list), which are read only when a file is: for a program's -help. */
PETSC_EXTERN PetscErrorCode TeannFramesOptionsHelp(MPI_Comm, PetscBool species);
/* Extended XYZ as ASE writes it (doc/input-formats.md). Comment-line keys, in any order, quoted or not:
 * dipole= (3), polarizability= (9 row-major, or 6 in Voigt order xx yy zz yz xz xy), transition_dipole= (3),
 * charge=, energy=, Properties= (species:S:1:pos:R:3 when absent; other columns skipped), Lattice= (9, the
 * rows a, b, c) and pbc= (3 flags; Lattice= without pbc= is periodic along all three, as in ASE; pbc= with
 * a T needs Lattice=). A polarizability must be symmetric to 1e-2 of its largest component (+1e-8) and
 * is stored exactly symmetrised. comment[f] keeps the comment line. */
PETSC_EXTERN PetscErrorCode TeannFramesReadXYZ(const char path[], TeannFrames);
/* Write the frames as extended XYZ, atomically (path.tmp renamed when complete): every property a frame
 * has (per-atom labels as columns), Lattice= and pbc= for a periodic frame, positions and labels with the fewest digits (15 to 17) that read back exactly, so that
 * reading the file gives the same frames bit for bit. */
PETSC_EXTERN PetscErrorCode TeannFramesWriteXYZ(TeannFrames, const char path[]);
/* The keys of frame f's cell, Lattice="ax ay az bx by bz cx cy cz" pbc="T T F" (exact), into buf;
 * "" for an isolated molecule. Every writer of extended XYZ uses it. */
PETSC_EXTERN PetscErrorCode TeannFramesFormatCell(TeannFrames, PetscInt f, char buf[], size_t len);
/* PyTorch EANN "configuration" files: point= title, 3 lattice lines (rows a, b, c), pbc line (flags 0/1),
 * "El mass x y z" per atom, "abprop: v..." whose count decides the property: 1 energy, 3 dipole,
 * 6 (Voigt, as above) or 9 polarizability; -teann_eann_abprop transition_dipole|... overrides. */
PETSC_EXTERN PetscErrorCode TeannFramesReadEANN(const char path[], TeannFrames);
/* Error naming file, frame and line for the first frame lacking one of the bits in mask. */
PETSC_EXTERN PetscErrorCode TeannFramesRequire(TeannFrames, PetscInt mask);
/* The same, collective, over the n subsets fr[] (NULL: none) of the ranks of comm, subset s taken from
   file file[s] (subsets of one file share a number): first a periodic frame while mask has a property
   a cell does not define, then a frame without a label; the frame named is the first such of the first
   file (by frame_id), whatever the split and the ranks. */
PETSC_EXTERN PetscErrorCode TeannFramesRequireAll(MPI_Comm, PetscInt n, TeannFrames fr[], const PetscInt file[], PetscInt mask);
/* New TeannFrames with frames idx[0..n-1] (in that order), all fields copied. */
PETSC_EXTERN PetscErrorCode TeannFramesSubset(TeannFrames, PetscInt n, const PetscInt idx[], TeannFrames *);
/* Sorted distinct atomic numbers present. *Z is allocated with PetscMalloc1. */
PETSC_EXTERN PetscErrorCode TeannFramesGetElements(TeannFrames, PetscInt *nel, PetscInt **Z);
/* Summary: frames, atoms, elements, properties present with mean and spread. */
PETSC_EXTERN PetscErrorCode TeannFramesView(TeannFrames, PetscViewer);

/* Elements 1..86. Symbol lookup is case-sensitive as written in files ("Cl", not "CL"); returns 0 if unknown. */
PETSC_EXTERN PetscInt    TeannElementZ(const char symbol[]);
PETSC_EXTERN const char *TeannElementSymbol(PetscInt Z);
PETSC_EXTERN PetscReal   TeannElementMass(PetscInt Z); /* standard atomic weight, u */
#endif
