/* Dipole heads.
   Design eq. 6: mu = sum_i q_i r~_i with atomic charges q_i = N_q(rho_i).
   Eq. 6b (-teann_dipole_form charges_dipoles) adds a local dipole per atom,
   mu = sum_i (q_i r~_i + p_i), p_i = sum_j dE_p/dv_ij over atom i's own pairs (the
   field channel "_p" read in its own-pair form, as eq. 12). The global gradient
   dE_p/dr_i of eq. 10 would not do: it sums to zero over the atoms. p_i describes
   the part of a molecule's dipole that charges at the nuclei reach only through
   large, cancelling q_i (lone pairs, bond polarisation); its last layer starts at
   zero, so a fit starts from eq. 6.
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

static void ForwardAtomic(const TeannHeadFrame *fr, PetscReal mu[])
{
  Forward(fr, mu);
  for (PetscInt i = 0; i < fr->n; i++)
    for (PetscInt d = 0; d < 3; d++) mu[d] += fr->P[1][3 * i + d];
}

/* every p_i enters mu with weight one: its adjoint is mu's */
static void BackwardAtomic(const TeannHeadFrame *fr, const PetscReal g[], TeannHeadAdjoint *adj)
{
  Backward(fr, g, adj);
  for (PetscInt i = 0; i < fr->n; i++)
    for (PetscInt d = 0; d < 3; d++) adj->C[1][3 * i + d] = g[d];
}

const TeannHead TeannHeadDipole = {
  1, {{PETSC_FALSE, 1, "", 0}},
   Forward, Backward, NULL, 12
};

const TeannHead TeannHeadDipoleAtomic = {
  2, {{PETSC_FALSE, 1, "", 0}, {PETSC_TRUE, 1, "_p", 0, TEANN_FIELD_OWN}},
   ForwardAtomic, BackwardAtomic, NULL, 18
};
