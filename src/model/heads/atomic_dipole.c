/* Atomic dipole head (design 2.6, eq. 12): one vector per atom,
   p_i = sum_j dE/dv_ij over atom i's own pairs, E = sum_i N(rho_i) (field channel 1, read in
   its own-pair form): the gradient of atom i's network output with respect to its neighbour
   vectors. Local (r_c), exactly equivariant, defined in a periodic cell, and a sum of the same
   neighbour vectors weighted by learned invariants as any equivariant vector of atom i's
   environment (Wannier-centroid displacements of DeePMD's "atomic_dipole"). The network's
   last layer starts at zero, so an element without labels predicts exactly 0 and the sum of
   a frame's predictions is that of its labelled elements. */
#include "head.h"

static void Forward(const TeannHeadFrame *fr, PetscReal p[])
{
  for (PetscInt q = 0; q < 3 * fr->n; q++) p[q] = fr->P[0][q];
}

/* the adjoint of p_i displaces atom i's own pair vectors; p has no explicit position dependence */
static void Backward(const TeannHeadFrame *fr, const PetscReal gp[], TeannHeadAdjoint *adj)
{
  for (PetscInt q = 0; q < 3 * fr->n; q++) adj->C[0][q] = gp[q];
}

const TeannHead TeannHeadAtomicDipole = {
  1, {{PETSC_TRUE, 1, "", 0, TEANN_FIELD_OWN}},
   Forward, Backward, NULL, 6, PETSC_TRUE
};
