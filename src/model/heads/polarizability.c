/* Polarizability head, design eq. 7:
   alpha = sum_i (r~_i g_i^T + g_i r~_i^T) + sum_i h_i h_i^T + (sum_i e_i) I,
   g_i = dE_1/dr_i and h_i = dE_2/dr_i (field channels 1, 2), e_i = N_3(rho_i) (scalar channel 3).
   N_2's last layer starts nonzero: alpha depends on it through h h^T, whose gradient vanishes
   at h = 0, so a zero start would never leave zero. */
#include "head.h"

static void Forward(const TeannHeadFrame *fr, PetscReal al[])
{
  const PetscReal *Y3 = fr->Y[2];
  PetscReal        tr = 0;

  for (PetscInt q = 0; q < 9; q++) al[q] = 0;
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *r = fr->rt + 3 * i, *g = fr->G[0] + 3 * i, *h = fr->G[1] + 3 * i;
    for (PetscInt a = 0; a < 3; a++)
      for (PetscInt b = 0; b < 3; b++) al[3 * a + b] += r[a] * g[b] + g[a] * r[b] + h[a] * h[b];
    tr += Y3[fr->row[i]];
  }
  for (PetscInt a = 0; a < 3; a++) al[4 * a] += tr;
}

/* design 2.5: V = (W + W^T) r~ and U = (W + W^T) h are the displacement fields of the two tangents */
static void Backward(const TeannHeadFrame *fr, const PetscReal W[], TeannHeadAdjoint *adj)
{
  PetscReal Ws[9], tr = W[0] + W[4] + W[8];

  for (PetscInt a = 0; a < 3; a++)
    for (PetscInt b = 0; b < 3; b++) Ws[3 * a + b] = W[3 * a + b] + W[3 * b + a];
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *r = fr->rt + 3 * i, *g = fr->G[0] + 3 * i, *h = fr->G[1] + 3 * i;
    for (PetscInt a = 0; a < 3; a++) {
      adj->V[0][3 * i + a] = Ws[3 * a] * r[0] + Ws[3 * a + 1] * r[1] + Ws[3 * a + 2] * r[2];
      adj->V[1][3 * i + a] = Ws[3 * a] * h[0] + Ws[3 * a + 1] * h[1] + Ws[3 * a + 2] * h[2];
      if (adj->drt) adj->drt[3 * i + a] += Ws[3 * a] * g[0] + Ws[3 * a + 1] * g[1] + Ws[3 * a + 2] * g[2];
    }
    adj->dY[2][fr->row[i]] = tr;
  }
}

const TeannHead TeannHeadPolarizability = {
  3, {{PETSC_TRUE, 1, "1", 0}, {PETSC_TRUE, 1, "2", 0.1}, {PETSC_FALSE, 1, "3", 0}},
   Forward, Backward, NULL, 90
};
