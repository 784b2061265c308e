/* Quadrupole head, design eq. 10 (Buckingham's traceless Theta about the mass centre):
   Theta = sum_i q_i (3 r~_i r~_i^T - |r~_i|^2 I) / 2 + sum_i [3 (r~_i p_i^T + p_i r~_i^T) / 2 - (r~_i . p_i) I],
   atomic charges q_i = N_q(rho_i) (scalar channel) and atomic dipoles p_i = dE_p/dr_i (field
   channel): the physical definition of a quadrupole of point charges and point dipoles. Each term
   is symmetric and traceless by construction, and equivariant because q_i are invariant and p_i
   are gradients of an invariant. */
#include "head.h"

static void Forward(const TeannHeadFrame *fr, PetscReal T[])
{
  for (PetscInt q = 0; q < 9; q++) T[q] = 0;
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *r = fr->rt + 3 * i, *p = fr->G[1] + 3 * i, qi = fr->Y[0][fr->row[i]];
    const PetscReal  r2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2], rp = r[0] * p[0] + r[1] * p[1] + r[2] * p[2];
    for (PetscInt a = 0; a < 3; a++) {
      for (PetscInt b = 0; b < 3; b++) T[3 * a + b] += 1.5 * (qi * r[a] * r[b] + r[a] * p[b] + p[a] * r[b]);
      T[4 * a] -= 0.5 * qi * r2 + rp;
    }
  }
}

/* With M = 3 (G + G^T)/2 - tr(G) I: dL/dq_i = r~^T M r~ / 2, dL/dp_i = M r~, dL/dr~_i = q_i M r~ + M p. */
static void Backward(const TeannHeadFrame *fr, const PetscReal G[], TeannHeadAdjoint *adj)
{
  const PetscReal tr = G[0] + G[4] + G[8];
  PetscReal       M[9];

  for (PetscInt a = 0; a < 3; a++)
    for (PetscInt b = 0; b < 3; b++) M[3 * a + b] = 1.5 * (G[3 * a + b] + G[3 * b + a]) - (a == b ? tr : 0);
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *r = fr->rt + 3 * i, *p = fr->G[1] + 3 * i, qi = fr->Y[0][fr->row[i]];
    PetscReal        Mr[3], Mp[3];
    for (PetscInt a = 0; a < 3; a++) {
      Mr[a] = M[3 * a] * r[0] + M[3 * a + 1] * r[1] + M[3 * a + 2] * r[2];
      Mp[a] = M[3 * a] * p[0] + M[3 * a + 1] * p[1] + M[3 * a + 2] * p[2];
    }
    adj->dY[0][fr->row[i]] = 0.5 * (r[0] * Mr[0] + r[1] * Mr[1] + r[2] * Mr[2]);
    for (PetscInt a = 0; a < 3; a++) adj->V[1][3 * i + a] = Mr[a];
    if (adj->drt)
      for (PetscInt a = 0; a < 3; a++) adj->drt[3 * i + a] += qi * Mr[a] + Mp[a];
  }
}

const TeannHead TeannHeadQuadrupole = {
  2, {{PETSC_FALSE, 1, "_charge", 0}, {PETSC_TRUE, 1, "_field", 0}},
   Forward, Backward, NULL, 80
};
