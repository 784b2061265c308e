/* Transition dipole head, design eq. 8: mu_tr = d_1 + d_2 + S (d_1 x d_2), d_1 = sum_i a_i r~_i,
   d_2 = sum_i b_i r~_i, S = sum_i s_i (a_i, b_i, s_i: the three outputs of one network). The cross
   product reaches directions outside the span of the atoms. A transition dipole's sign is arbitrary:
   the residual takes the reference with the sign that fits better (RefSign). */
#include "head.h"

static inline void Cross(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

static void Sums(const TeannHeadFrame *fr, PetscReal d1[3], PetscReal d2[3], PetscReal *S)
{
  for (PetscInt d = 0; d < 3; d++) d1[d] = d2[d] = 0;
  *S = 0;
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *y = fr->Y[0] + 3 * fr->row[i], *r = fr->rt + 3 * i;
    for (PetscInt d = 0; d < 3; d++) {
      d1[d] += y[0] * r[d];
      d2[d] += y[1] * r[d];
    }
    *S += y[2];
  }
}

static void Forward(const TeannHeadFrame *fr, PetscReal mu[])
{
  PetscReal d1[3], d2[3], S, x[3];

  Sums(fr, d1, d2, &S);
  Cross(d1, d2, x);
  for (PetscInt d = 0; d < 3; d++) mu[d] = d1[d] + d2[d] + S * x[d];
}

static void Backward(const TeannHeadFrame *fr, const PetscReal g[], TeannHeadAdjoint *adj)
{
  PetscReal d1[3], d2[3], S, x[3], G1[3], G2[3], GS, t[3];

  Sums(fr, d1, d2, &S);
  /* g.(d1 x d2) = d1.(d2 x g) = d2.(g x d1) */
  Cross(d1, d2, x);
  GS = g[0] * x[0] + g[1] * x[1] + g[2] * x[2];
  Cross(d2, g, t);
  for (PetscInt d = 0; d < 3; d++) G1[d] = g[d] + S * t[d];
  Cross(g, d1, t);
  for (PetscInt d = 0; d < 3; d++) G2[d] = g[d] + S * t[d];
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *r = fr->rt + 3 * i, *y = fr->Y[0] + 3 * fr->row[i];
    PetscReal       *dy = adj->dY[0] + 3 * fr->row[i];
    dy[0]               = G1[0] * r[0] + G1[1] * r[1] + G1[2] * r[2];
    dy[1]               = G2[0] * r[0] + G2[1] * r[1] + G2[2] * r[2];
    dy[2]               = GS;
    if (adj->drt)
      for (PetscInt d = 0; d < 3; d++) adj->drt[3 * i + d] += y[0] * G1[d] + y[1] * G2[d];
  }
}

static PetscReal RefSign(const PetscReal y[], const PetscReal ref[])
{
  PetscReal lp = 0, lm = 0;

  for (PetscInt d = 0; d < 3; d++) {
    lp += (y[d] - ref[d]) * (y[d] - ref[d]);
    lm += (y[d] + ref[d]) * (y[d] + ref[d]);
  }
  return lp <= lm ? 1.0 : -1.0;
}

const TeannHead TeannHeadTransitionDipole = {
  1, {{PETSC_FALSE, 3, "", 0}},
   Forward, Backward, RefSign, 40
};
