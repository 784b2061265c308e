/* The periodic table up to radon: symbols and IUPAC standard atomic weights
 * (conventional values; for elements without stable isotopes the mass number
 * of the longest-lived isotope). The mass weights the molecular centre of
 * design eq. (6)-(8). */
#include "frames.h"


static const char *const teann_symbol[TEANN_MAX_Z + 1] = {
  "",   "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",  "S",  "Cl", "Ar", "K",  "Ca", "Sc",
  "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc",
  "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb",
  "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",  "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn"};

static const PetscReal teann_mass[TEANN_MAX_Z + 1] = {
  0.0,          1.008,     4.002602,   6.94,      9.0121831,  10.81,      12.011,    14.007,     15.999,    18.998403163,
  20.1797,      22.98976928, 24.305,   26.9815385, 28.085,    30.973761998, 32.06,   35.45,      39.948,    39.0983,
  40.078,       44.955908, 47.867,     50.9415,   51.9961,    54.938044,  55.845,    58.933194,  58.6934,   63.546,
  65.38,        69.723,    72.630,     74.921595, 78.971,     79.904,     83.798,    85.4678,    87.62,     88.90584,
  91.224,       92.90637,  95.95,      98.0,      101.07,     102.90550,  106.42,    107.8682,   112.414,   114.818,
  118.710,      121.760,   127.60,     126.90447, 131.293,    132.90545196, 137.327, 138.90547,  140.116,   140.90766,
  144.242,      145.0,     150.36,     151.964,   157.25,     158.92535,  162.500,   164.93033,  167.259,   168.93422,
  173.045,      174.9668,  178.49,     180.94788, 183.84,     186.207,    190.23,    192.217,    195.084,   196.966569,
  200.592,      204.38,    207.2,      208.98040, 209.0,      210.0,      222.0};

/* Readers look up a symbol per atom, millions of times: index a table by the
 * two characters instead of searching the list. Built on first use. */
static signed char teann_lookup[26][27];
static PetscBool   teann_lookup_ready = PETSC_FALSE;

static void TeannElementLookupBuild(void)
{
  for (int z = 1; z <= TEANN_MAX_Z; z++) {
    const char *s = teann_symbol[z];
    teann_lookup[s[0] - 'A'][s[1] ? s[1] - 'a' + 1 : 0] = (signed char)z;
  }
  teann_lookup_ready = PETSC_TRUE;
}

PetscInt TeannElementZ(const char symbol[])
{
  int c0, c1;

  if (!symbol) return 0;
  if (!teann_lookup_ready) TeannElementLookupBuild();
  c0 = symbol[0];
  if (c0 < 'A' || c0 > 'Z') return 0;
  c1 = symbol[1];
  if (!c1) return teann_lookup[c0 - 'A'][0];
  if (c1 < 'a' || c1 > 'z' || symbol[2]) return 0;
  return teann_lookup[c0 - 'A'][c1 - 'a' + 1];
}

const char *TeannElementSymbol(PetscInt Z)
{
  if (Z < 1 || Z > TEANN_MAX_Z) return "?";
  return teann_symbol[Z];
}

PetscReal TeannElementMass(PetscInt Z)
{
  if (Z < 1 || Z > TEANN_MAX_Z) return 0.0;
  return teann_mass[Z];
}
