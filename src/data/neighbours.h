/* neighbours.h — the pairs of atoms within a cutoff, by linked cells (design 2.6).
 * Contract: a pair (i, j, n) of a frame is atom i, atom j of the same frame and
 * the lattice translation n (integers, 0 along directions that are not
 * periodic, all 0 for an isolated molecule), with pair vector
 * v = x_j + n.H - x_i (H: the cell, lattice vectors as rows) and |v| < r_c,
 * except (i, i, 0). Every image within the cutoff is listed, however small the
 * cell (a cell narrower than 2 r_c gives several images of one atom). Atoms may
 * lie anywhere (wrapped or not): v is computed from the positions as given.
 * Atom i's pairs are sorted by j, then by n, so the lists and every sum over
 * them do not depend on how the cells were laid out; for an isolated molecule
 * they are the pairs j != i in increasing j with v = x_j - x_i, as a loop over
 * all atoms would visit them. Cost O(n) per frame (linked cells whose widths
 * are at least r_c/reach), no padding: TeannNeighbours stores 4 + 24 bytes per
 * pair (j and the image shift n.H) plus one offset per atom. The pair vector is
 * formed from the positions when used, so small displacements of the atoms
 * (finite differences) need no new lists; a move that changes which pairs are
 * within r_c does. */
#ifndef TEANN_NEIGHBOURS_H
#define TEANN_NEIGHBOURS_H
#include "frames.h"

/* The pair lists of every frame of a TeannFrames (atom a global, j local to a's frame). */
typedef struct {
  PetscReal  rc;
  PetscInt   natoms;
  size_t     npairs;
  size_t    *start; /* [natoms+1] first pair of atom a                   */
  int       *j;     /* [npairs] the neighbour's index within its frame    */
  PetscReal *s;     /* [3*npairs] image shifts n.H, Angstrom (0 for n = 0) */
} TeannNeighbours;

/* One frame's pairs, as the descriptor kernels read them: atom i's pairs are p = start[i] .. start[i+1]-1,
   with v = (x[j] - x[i]) + s[p] from the frame's positions x. */
typedef struct {
  const size_t    *start;
  const int       *j;
  const PetscReal *s, *x;
  const PetscReal *geo; /* NULL, or per pair 3 values a user caches with the pair's length first (descriptor.c) */
} TeannPairList;

/* Lists of all frames of fr with cutoff rc (frames in parallel with OpenMP). */
PETSC_EXTERN PetscErrorCode TeannNeighboursCreate(TeannFrames, PetscReal rc, TeannNeighbours **);
PETSC_EXTERN PetscErrorCode TeannNeighboursDestroy(TeannNeighbours **);
/* Bytes held by the lists (offsets, j and v). */
PETSC_EXTERN size_t TeannNeighboursBytes(const TeannNeighbours *);
/* The view of the frame whose first atom is a0, with positions x (of that frame). */
PETSC_EXTERN void TeannNeighboursFrame(const TeannNeighbours *, PetscInt a0, const PetscReal x[], TeannPairList *);

/* One frame, not stored: pairs per atom within rc counted into cnt[n] (may be NULL) and in all
   (*npairs); the closest pair (i, j, n) with its distance (*rmin = PETSC_MAX_REAL and *imin = -1 when there
   is none; imin, jmin, rmin may be NULL). cell: 9 values (NULL, or pbc 0: isolated). */
PETSC_EXTERN PetscErrorCode TeannNeighboursCount(const PetscReal cell[], PetscInt pbc, PetscInt n, const PetscReal x[], PetscReal rc, PetscInt cnt[], size_t *npairs, PetscInt *imin, PetscInt *jmin, PetscReal *rmin);

/* The cell's volume and its widths (distances between opposite faces); a cell is usable when its
   vectors are finite and the volume is positive beyond round-off (TeannCellCheck's message says why not). */
PETSC_EXTERN void           TeannCellWidths(const PetscReal H[9], PetscReal *volume, PetscReal width[3]);
PETSC_EXTERN PetscErrorCode TeannCellCheck(const PetscReal H[9], PetscInt pbc, char why[], size_t len, PetscBool *ok);
/* The widths across the periodic vectors within the periodic sub-lattice (the open directions
   completed orthonormally, as the pair lists bin them); for a cell TeannCellCheck accepts. */
PETSC_EXTERN void TeannCellPeriodicWidths(const PetscReal H[9], PetscInt pbc, PetscReal width[3]);
#endif
