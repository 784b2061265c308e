/* property.h — the property table: every tensor a frame may carry and a model may fit.
 * Contract: TeannProperties[k] describes property k. Entries 0..TEANN_NKIND-1
 * are the fitted properties ("kinds"), each with a head (src/model/heads,
 * TeannHeadOf) that builds it from the networks' outputs; a model's predicted
 * components per frame are its fitted kinds in table order, ncomp each. The
 * entries after them (charge, energy) are labels a frame may carry but no model
 * predicts. The symmetry of a property decides what readers check, how a
 * reference is projected and the weights of its independent components; the
 * residual built from them is defined once, in src/model/loss.c. Readers,
 * files, statistics and reports loop over this table; adding a property is one
 * entry, one head file and its tests (doc/adding-a-property.md). */
#ifndef TEANN_PROPERTY_H
#define TEANN_PROPERTY_H
#include "teann.h"

/* Index of each property in the table; the first TEANN_NKIND are fitted. */
enum {
  TEANN_K_DIPOLE,
  TEANN_K_POLAR,
  TEANN_K_TDIPOLE,
  TEANN_K_QUADRUPOLE,
  TEANN_K_HYPERPOLAR,
  TEANN_K_ATDIPOLE,
  TEANN_NKIND, /* fitted properties */
  TEANN_K_CHARGE = TEANN_NKIND,
  TEANN_K_ENERGY,
  TEANN_NPROP
};
#define TEANN_MAX_COMP 27 /* components of the largest property (rank 3) */

/* How a property's components are related: what the reader checks and the residual projects onto. */
typedef enum {
  TEANN_SYM_SCALAR,    /* one value                                                     */
  TEANN_SYM_VECTOR,    /* 3 values                                                      */
  TEANN_SYM_SYMMETRIC, /* 3x3 row-major, symmetric                                      */
  TEANN_SYM_TRACELESS, /* 3x3 row-major, symmetric and traceless                         */
  TEANN_SYM_FULLSYM3   /* 3x3x3 row-major [i][j][k], symmetric in all indices (Kleinman) */
} TeannSymmetry;

typedef struct {
  TeannProp        bit;       /* bit in frame and model property masks                         */
  const char      *name;      /* -teann_properties value, XYZ key, NetCDF variable             */
  PetscInt         rank;      /* tensor rank: 0, 1, 2 or 3                                     */
  PetscInt         ncomp;     /* 3^rank                                                        */
  TeannSymmetry    sym;
  const char      *units;     /* default units as printed (TeannPropertyUnits may override)    */
  const char      *cf_units;  /* the same in UDUNITS form, for NetCDF datasets (TeannPropertyCFUnits) */
  const char      *long_name; /* NetCDF long_name                                              */
  PetscBool        signfree;  /* the sign of the reference is arbitrary (mean taken as zero)   */
  PetscReal        sym_rtol;  /* readers: allowed asymmetry (and trace), relative to the norm  */
  PetscReal        bound;     /* readers: largest |component| accepted, in the table's units: far beyond
                                 any molecule, so that only garbage (1e308, unit mix-ups) is refused
                                 before it overflows the statistics (doc/input-formats.md "Bounds") */
  PetscBool        peratom;   /* one tensor per atom (frames hold ncomp per atom, NaN rows where an atom
                                 has no label), not per frame: not among a model's frame components */
  const char      *not_periodic; /* NULL: defined for a periodic frame (pbc != 0); else why it is not and what
                                    to give instead, the end of the readers' message */
} TeannProperty;

PETSC_EXTERN const TeannProperty TeannProperties[TEANN_NPROP];

/* Units of property k: the table's, or those set for it (-teann_units_<name>, or read from a file). */
PETSC_EXTERN const char    *TeannPropertyUnits(PetscInt k);
PETSC_EXTERN PetscErrorCode TeannPropertySetUnits(PetscInt k, const char units[]);
PETSC_EXTERN const char    *TeannPropertyCFUnits(PetscInt k);
/* -teann_units_<name> for the properties whose units are user-defined (hyperpolarizability, atomic_dipole). */
PETSC_EXTERN PetscErrorCode TeannPropertiesSetFromOptions(void);
/* Table index of the property called name, or -1. */
PETSC_EXTERN PetscInt TeannPropertyIndex(const char name[]);
/* Comma list of the fitted properties' names ("dipole, polarizability, ..."), for messages. */
PETSC_EXTERN const char *TeannPropertyFittedNames(void);

/* Comma list of the fitted properties defined in a periodic cell (not_periodic NULL: "polarizability,
   atomic_dipole"), for the messages that refuse the others on such frames. */
PETSC_EXTERN const char *TeannPropertyPeriodicNames(void);
/* First predicted component of kind k for a model fitting props, or -1 if k is not fitted or per atom. */
PETSC_EXTERN PetscInt TeannPropertyOffset(PetscInt props, PetscInt k);
/* Predicted components per frame of a model fitting props (per-atom properties not counted). */
PETSC_EXTERN PetscInt TeannPropertyNumComponents(PetscInt props);
/* Predicted components per atom of a model fitting props: its per-atom properties' in table order. */
PETSC_EXTERN PetscInt TeannPropertyNumAtomComponents(PetscInt props);

/* Multiplicities of the independent components of kind k among the 3^rank (the upper triangle of
   a symmetric tensor twice, its diagonal once; the sorted index triples of a fully symmetric one
   1, 3 or 6 times; 0 for the repeated ones): the weights of the residual (src/model/loss.c). */
PETSC_EXTERN const PetscReal *TeannPropertyWeights(PetscInt k);

/* Projection onto the property's symmetry (symmetrise, remove the trace), in place. */
PETSC_EXTERN void TeannPropertySymmetrize(PetscInt k, PetscReal v[]);
#endif
