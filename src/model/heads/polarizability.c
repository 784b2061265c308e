/* Polarizability head, design eq. 7 in its pair form (design 2.6):
   alpha = W + W^T + sum_i h_i h_i^T + (sum_i e_i) I,  W = sum over pairs v dE_1/dv^T,
   which equals sum_i r~_i g_i^T for a molecule (E_1 is translation invariant) and, unlike it, is
   defined in a periodic cell; h_i = dE_2/dr_i (field channel 2), e_i = N_3(rho_i) (scalar channel 3).
   N_2's last layer starts nonzero: alpha depends on it through h h^T, whose gradient vanishes
   at h = 0, so a zero start would never leave zero. */
#include "head.h"

static void Forward(const TeannHeadFrame *fr, PetscReal al[])
{
  const PetscReal *Y3 = fr->Y[2];
  PetscReal        tr = 0;

  for (PetscInt a = 0; a < 3; a++)
    for (PetscInt b = 0; b < 3; b++) al[3 * a + b] = fr->W[0][3 * a + b] + fr->W[0][3 * b + a];
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *h = fr->G[1] + 3 * i;
    for (PetscInt a = 0; a < 3; a++)
      for (PetscInt b = 0; b < 3; b++) al[3 * a + b] += h[a] * h[b];
    tr += Y3[fr->row[i]];
  }
  for (PetscInt a = 0; a < 3; a++) al[4 * a] += tr;
}

/* design 2.5: the strain Ws = gout + gout^T and U = Ws h are the displacements of the two tangents; the
   explicit dependence of W on the pair vectors adds Ws g_i to the positions' adjoints */
static void Backward(const TeannHeadFrame *fr, const PetscReal W[], TeannHeadAdjoint *adj)
{
  PetscReal *Ws = adj->S[0], tr = W[0] + W[4] + W[8];

  for (PetscInt a = 0; a < 3; a++)
    for (PetscInt b = 0; b < 3; b++) Ws[3 * a + b] = W[3 * a + b] + W[3 * b + a];
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *g = fr->G[0] + 3 * i, *h = fr->G[1] + 3 * i;
    for (PetscInt a = 0; a < 3; a++) {
      adj->V[1][3 * i + a] = Ws[3 * a] * h[0] + Ws[3 * a + 1] * h[1] + Ws[3 * a + 2] * h[2];
      if (adj->drt) adj->drt[3 * i + a] += Ws[3 * a] * g[0] + Ws[3 * a + 1] * g[1] + Ws[3 * a + 2] * g[2];
    }
    adj->dY[2][fr->row[i]] = tr;
  }
}

const TeannHead TeannHeadPolarizability = {
  3, {{PETSC_TRUE, 1, "1", 0, TEANN_FIELD_VIRIAL}, {PETSC_TRUE, 1, "2", 0.1, 0}, {PETSC_FALSE, 1, "3", 0, 0}},
   Forward, Backward, NULL, 90, PETSC_TRUE
};
