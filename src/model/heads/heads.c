/* The head of every fitted property, indexed like the property table. */
#include "head.h"

static const TeannHead *const TeannHeads[TEANN_NKIND] = {
  [TEANN_K_DIPOLE]     = &TeannHeadDipole,
  [TEANN_K_POLAR]      = &TeannHeadPolarizability,
  [TEANN_K_TDIPOLE]    = &TeannHeadTransitionDipole,
  [TEANN_K_QUADRUPOLE] = &TeannHeadQuadrupole,
  [TEANN_K_HYPERPOLAR] = &TeannHeadHyperpolarizability,
  [TEANN_K_ATDIPOLE]   = &TeannHeadAtomicDipole,
};

const TeannHead *TeannHeadOf(PetscInt k)
{
  return k >= 0 && k < TEANN_NKIND ? TeannHeads[k] : NULL;
}

const TeannHead *TeannHeadVariant(PetscInt k, PetscInt form)
{
  if (form == 1 && k == TEANN_K_DIPOLE) return &TeannHeadDipoleAtomic;
  if (form == 1 && k == TEANN_K_POLAR) return &TeannHeadPolarizabilityAtomic;
  if (form == 2 && k == TEANN_K_POLAR) return &TeannHeadPolarizabilityPairs;
  return TeannHeadOf(k);
}
