/* Dipole head, design eq. 6: mu = sum_i q_i r~_i with atomic charges q_i = N_q(rho_i);
   -teann_charge_neutral shifts the q_i so that they add up to the frame's charge. */
#include "head.h"

static PetscReal Shift(const TeannHeadFrame *fr)
{
  PetscReal s = 0;

  if (!fr->charge_neutral) return 0;
  for (PetscInt i = 0; i < fr->n; i++) s += fr->Y[0][fr->row[i]];
  return (s - fr->charge) / fr->n;
}

static void Forward(const TeannHeadFrame *fr, PetscReal mu[])
{
  const PetscReal *Y = fr->Y[0], shift = Shift(fr);

  mu[0] = mu[1] = mu[2] = 0;
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal qi = Y[fr->row[i]] - shift, *r = fr->rt + 3 * i;
    for (PetscInt d = 0; d < 3; d++) mu[d] += qi * r[d];
  }
}

static void Backward(const TeannHeadFrame *fr, const PetscReal g[], TeannHeadAdjoint *adj)
{
  const PetscReal *Y = fr->Y[0], shift = Shift(fr);
  PetscReal       *dY = adj->dY[0], mean = 0;

  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *r = fr->rt + 3 * i;
    dY[fr->row[i]]     = g[0] * r[0] + g[1] * r[1] + g[2] * r[2];
    mean += dY[fr->row[i]];
    if (adj->drt)
      for (PetscInt d = 0; d < 3; d++) adj->drt[3 * i + d] += (Y[fr->row[i]] - shift) * g[d];
  }
  if (fr->charge_neutral)
    for (PetscInt i = 0; i < fr->n; i++) dY[fr->row[i]] -= mean / fr->n;
}

const TeannHead TeannHeadDipole = {
  1, {{PETSC_FALSE, 1, "", 0}},
   Forward, Backward, NULL, 12
};
