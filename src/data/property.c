/* The property table: names, shapes, symmetries and units of every tensor teann knows. */
#include "property.h"

/* The polarizability's tolerance, 1e-2 of its largest component, admits references from linear
   response in periodic codes, whose tensors are not exactly symmetric: the 64-water cells of
   input/data/water64_pbc_polarizability_80.xyz reach 2.1e-3 (|a_xy - a_yx| = 0.264 against a_zz = 123.65,
   frame 13), so 1e-2 leaves a factor of 4.7 and still refuses a tensor with a misplaced or garbled
   component; the symmetric part is fitted and the largest asymmetry accepted is reported
   (TeannFramesView). doc/input-formats.md "Symmetry". */
const TeannProperty TeannProperties[TEANN_NPROP] = {
  /* bit                 name                   rank ncomp symmetry             units           UDUNITS         long name                                    sign-free    reader tolerance, bound, per atom, not defined in a cell because */
  {TEANN_PROP_DIPOLE,     "dipole",              1, 3,  TEANN_SYM_VECTOR,    "e*Angstrom",   "e angstrom",   "electric dipole moment",                    PETSC_FALSE, 0,    1e6, PETSC_FALSE, "the dipole of a cell depends on where its atoms are wrapped: give per-atom dipoles (atomic_dipole, e.g. Wannier centroids) instead"},
  {TEANN_PROP_POLAR,      "polarizability",      2, 9,  TEANN_SYM_SYMMETRIC, "Angstrom^3",   "angstrom^3",   "static polarizability volume",              PETSC_FALSE, 1e-2, 1e6, PETSC_FALSE, NULL},
  {TEANN_PROP_TDIPOLE,    "transition_dipole",   1, 3,  TEANN_SYM_VECTOR,    "e*Angstrom",   "e angstrom",   "transition dipole moment",                  PETSC_TRUE,  0,    1e6, PETSC_FALSE, "it depends on where the atoms of the cell are wrapped: give per-atom labels instead"},
  {TEANN_PROP_QUADRUPOLE, "quadrupole",          2, 9,  TEANN_SYM_TRACELESS, "e*Angstrom^2", "e angstrom^2", "traceless quadrupole moment (Buckingham)",  PETSC_FALSE, 1e-6, 1e6, PETSC_FALSE, "it depends on the origin and on where the atoms of the cell are wrapped: give per-atom labels instead"},
  {TEANN_PROP_HYPERPOLAR, "hyperpolarizability", 3, 27, TEANN_SYM_FULLSYM3,  "au",           "au",           "static first hyperpolarizability beta_ijk", PETSC_FALSE, 1e-4, 1e9, PETSC_FALSE, "its model (design note eq. 11) takes positions relative to the centre of the atoms, which a cell does not fix"},
  {TEANN_PROP_ATDIPOLE,   "atomic_dipole",       1, 3,  TEANN_SYM_VECTOR,    "Angstrom",     "angstrom",     "per-atom dipole vector",                    PETSC_FALSE, 0,    1e6, PETSC_TRUE,  NULL},
  {TEANN_PROP_CHARGE,     "charge",              0, 1,  TEANN_SYM_SCALAR,    "e",            "e",            "total charge",                              PETSC_FALSE, 0,    1e3, PETSC_FALSE, NULL},
  {TEANN_PROP_ENERGY,     "energy",              0, 1,  TEANN_SYM_SCALAR,    "eV",           "eV",           "total energy",                              PETSC_FALSE, 0,    1e9, PETSC_FALSE, NULL},
};

static char units_set[TEANN_NPROP][64];

const char *TeannPropertyUnits(PetscInt k)
{
  return units_set[k][0] ? units_set[k] : TeannProperties[k].units;
}

const char *TeannPropertyCFUnits(PetscInt k)
{
  return units_set[k][0] ? units_set[k] : TeannProperties[k].cf_units;
}

PetscErrorCode TeannPropertySetUnits(PetscInt k, const char units[])
{
  PetscFunctionBegin;
  PetscCheck(k >= 0 && k < TEANN_NPROP, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "property %" PetscInt_FMT " out of range", k);
  PetscCheck(units && units[0] && strlen(units) < sizeof(units_set[k]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "units of %s: give 1..%zu characters", TeannProperties[k].name, sizeof(units_set[k]) - 1);
  PetscCall(PetscStrncpy(units_set[k], units, sizeof(units_set[k])));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannPropertiesSetFromOptions(void)
{
  char      buf[64];
  PetscBool set;

  PetscFunctionBegin;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "teann property units", "TeannProperty");
  PetscCall(PetscStrncpy(buf, TeannPropertyUnits(TEANN_K_HYPERPOLAR), sizeof(buf)));
  PetscCall(PetscOptionsString("-teann_units_hyperpolarizability", "Units of the hyperpolarizability in the data (recorded in every file; not converted)", "TeannPropertiesSetFromOptions", buf, buf, sizeof(buf), &set));
  if (set) PetscCall(TeannPropertySetUnits(TEANN_K_HYPERPOLAR, buf));
  PetscCall(PetscStrncpy(buf, TeannPropertyUnits(TEANN_K_ATDIPOLE), sizeof(buf)));
  PetscCall(PetscOptionsString("-teann_units_atomic_dipole", "Units of the per-atom dipoles in the data, e.g. Angstrom for Wannier-centroid displacements or e*Angstrom (recorded in every file; not converted)", "TeannPropertiesSetFromOptions", buf, buf, sizeof(buf), &set));
  if (set) PetscCall(TeannPropertySetUnits(TEANN_K_ATDIPOLE, buf));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

PetscInt TeannPropertyIndex(const char name[])
{
  for (PetscInt k = 0; k < TEANN_NPROP; k++)
    if (!strcmp(name, TeannProperties[k].name)) return k;
  return -1;
}

const char *TeannPropertyFittedNames(void)
{
  static char buf[256];

  if (!buf[0])
    for (PetscInt k = 0; k < TEANN_NKIND; k++) {
      if (k) (void)PetscStrlcat(buf, ", ", sizeof(buf));
      (void)PetscStrlcat(buf, TeannProperties[k].name, sizeof(buf));
    }
  return buf;
}

const char *TeannPropertyPeriodicNames(void)
{
  static char buf[256];

  if (!buf[0])
    for (PetscInt k = 0; k < TEANN_NKIND; k++) {
      if (TeannProperties[k].not_periodic) continue;
      if (buf[0]) (void)PetscStrlcat(buf, ", ", sizeof(buf));
      (void)PetscStrlcat(buf, TeannProperties[k].name, sizeof(buf));
    }
  return buf;
}

PetscInt TeannPropertyOffset(PetscInt props, PetscInt k)
{
  PetscInt off = 0;

  if (k < 0 || k >= TEANN_NKIND || !(props & TeannProperties[k].bit) || TeannProperties[k].peratom) return -1;
  for (PetscInt j = 0; j < k; j++)
    if ((props & TeannProperties[j].bit) && !TeannProperties[j].peratom) off += TeannProperties[j].ncomp;
  return off;
}

PetscInt TeannPropertyNumComponents(PetscInt props)
{
  PetscInt n = 0;

  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if ((props & TeannProperties[k].bit) && !TeannProperties[k].peratom) n += TeannProperties[k].ncomp;
  return n;
}

PetscInt TeannPropertyNumAtomComponents(PetscInt props)
{
  PetscInt n = 0;

  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if ((props & TeannProperties[k].bit) && TeannProperties[k].peratom) n += TeannProperties[k].ncomp;
  return n;
}

/* Multiplicities of the independent components: the upper triangle of a symmetric 3x3, the
   sorted index triples i <= j <= k of a fully symmetric 3x3x3 (1, 3 or 6 orderings). */
static const PetscReal W_vector[3] = {1, 1, 1}, W_scalar[1] = {1};
static const PetscReal W_sym[9]    = {1, 2, 2, 0, 1, 2, 0, 0, 1};
static const PetscReal W_sym3[27] = {1, 3, 3, 0, 3, 6, 0, 0, 3, /* i = x: xxx xxy xxz . xyy xyz . . xzz */
                                     0, 0, 0, 0, 1, 3, 0, 0, 3, /* i = y: yyy yyz yzz                 */
                                     0, 0, 0, 0, 0, 0, 0, 0, 1}; /* i = z: zzz                         */

const PetscReal *TeannPropertyWeights(PetscInt k)
{
  switch (TeannProperties[k].sym) {
  case TEANN_SYM_SCALAR: return W_scalar;
  case TEANN_SYM_VECTOR: return W_vector;
  case TEANN_SYM_SYMMETRIC:
  case TEANN_SYM_TRACELESS: return W_sym;
  case TEANN_SYM_FULLSYM3: return W_sym3;
  }
  return W_vector;
}

void TeannPropertySymmetrize(PetscInt k, PetscReal v[])
{
  switch (TeannProperties[k].sym) {
  case TEANN_SYM_SCALAR:
  case TEANN_SYM_VECTOR: break;
  case TEANN_SYM_SYMMETRIC:
  case TEANN_SYM_TRACELESS:
    for (PetscInt a = 0; a < 3; a++)
      for (PetscInt b = a + 1; b < 3; b++) v[3 * a + b] = v[3 * b + a] = 0.5 * (v[3 * a + b] + v[3 * b + a]);
    if (TeannProperties[k].sym == TEANN_SYM_TRACELESS) {
      const PetscReal t = (v[0] + v[4] + v[8]) / 3;
      for (PetscInt a = 0; a < 3; a++) v[4 * a] -= t;
    }
    break;
  case TEANN_SYM_FULLSYM3: {
    PetscReal s[27];
    for (PetscInt i = 0; i < 3; i++)
      for (PetscInt j = 0; j < 3; j++)
        for (PetscInt l = 0; l < 3; l++) s[9 * i + 3 * j + l] = (v[9 * i + 3 * j + l] + v[9 * i + 3 * l + j] + v[9 * j + 3 * i + l] + v[9 * j + 3 * l + i] + v[9 * l + 3 * i + j] + v[9 * l + 3 * j + i]) / 6;
    for (PetscInt c = 0; c < 27; c++) v[c] = s[c];
  } break;
  }
}
