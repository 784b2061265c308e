/* First hyperpolarizability head, design eq. 11 (static, Kleinman-symmetric beta_ijk):
   beta = sum_i [c_i r~_i^(x3) + Sym(r~_i r~_i g_i) + Sym(r~_i h_i h_i)] + Sym(v I),  v = sum_i w_i r~_i,
   g_i = dE_1/dr_i, h_i = dE_2/dr_i (field channels 1, 2), c_i, w_i the two outputs of the scalar
   channel, Sym the average over the orderings of the three indices, Sym(v I)_ijk =
   (v_i d_jk + v_j d_ik + v_k d_ij)/3. Every term is fully symmetric and equivariant (products of
   r~_i and gradients of invariants, and the isotropic I). Sym(v I) is pure lambda = 1; the others
   carry both lambda = 1 and lambda = 3, so either part alone can be represented (tests/heads.sh).
   Out of the plane of a planar molecule only Sym(v I) reaches, as (sum e_i) I does in eq. 7.
   N_2's last layer starts nonzero: beta depends on h quadratically. */
#include "head.h"

#define B3(i, j, k) (9 * (i) + 3 * (j) + (k))

static void Forward(const TeannHeadFrame *fr, PetscReal B[])
{
  PetscReal v[3] = {0, 0, 0};

  for (PetscInt q = 0; q < 27; q++) B[q] = 0;
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *r = fr->rt + 3 * i, *g = fr->G[0] + 3 * i, *h = fr->G[1] + 3 * i, *y = fr->Y[2] + 2 * fr->row[i];
    const PetscReal  c = y[0], third = 1.0 / 3;
    for (PetscInt d = 0; d < 3; d++) v[d] += y[1] * r[d];
    for (PetscInt a = 0; a < 3; a++)
      for (PetscInt b = 0; b < 3; b++)
        for (PetscInt e = 0; e < 3; e++)
          B[B3(a, b, e)] += c * r[a] * r[b] * r[e] + third * (r[a] * r[b] * g[e] + r[a] * g[b] * r[e] + g[a] * r[b] * r[e]) + third * (r[a] * h[b] * h[e] + h[a] * r[b] * h[e] + h[a] * h[b] * r[e]);
  }
  for (PetscInt a = 0; a < 3; a++)
    for (PetscInt b = 0; b < 3; b++)
      for (PetscInt e = 0; e < 3; e++) B[B3(a, b, e)] += ((b == e) * v[a] + (a == e) * v[b] + (a == b) * v[e]) / 3;
}

/* Gs(x, y, .)_a = sum_bc Gs_abc x_b y_c for the fully symmetrised adjoint Gs */
static inline void Contract2(const PetscReal Gs[], const PetscReal x[], const PetscReal y[], PetscReal o[])
{
  for (PetscInt a = 0; a < 3; a++) {
    PetscReal s = 0;
    for (PetscInt b = 0; b < 3; b++)
      for (PetscInt c = 0; c < 3; c++) s += Gs[B3(a, b, c)] * x[b] * y[c];
    o[a] = s;
  }
}

/* beta is symmetric, so L = Gs : beta with Gs the symmetrised adjoint, and
   dL/dc_i = Gs(r,r,r), dL/dg_i = Gs(r,r,.), dL/dh_i = 2 Gs(r,h,.), dL/dw_i = r . t,
   dL/dr_i = 3 c Gs(r,r,.) + 2 Gs(r,g,.) + Gs(h,h,.) + w_i t, with t_a = sum_b Gs_abb. */
static void Backward(const TeannHeadFrame *fr, const PetscReal G[], TeannHeadAdjoint *adj)
{
  PetscReal Gs[27], t[3];

  for (PetscInt a = 0; a < 3; a++)
    for (PetscInt b = 0; b < 3; b++)
      for (PetscInt c = 0; c < 3; c++) Gs[B3(a, b, c)] = (G[B3(a, b, c)] + G[B3(a, c, b)] + G[B3(b, a, c)] + G[B3(b, c, a)] + G[B3(c, a, b)] + G[B3(c, b, a)]) / 6;
  for (PetscInt a = 0; a < 3; a++) t[a] = Gs[B3(a, 0, 0)] + Gs[B3(a, 1, 1)] + Gs[B3(a, 2, 2)];
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *r = fr->rt + 3 * i, *g = fr->G[0] + 3 * i, *h = fr->G[1] + 3 * i, *y = fr->Y[2] + 2 * fr->row[i];
    PetscReal       *dy = adj->dY[2] + 2 * fr->row[i], rr[3], rh[3];
    Contract2(Gs, r, r, rr);
    Contract2(Gs, r, h, rh);
    dy[0] = rr[0] * r[0] + rr[1] * r[1] + rr[2] * r[2];
    dy[1] = t[0] * r[0] + t[1] * r[1] + t[2] * r[2];
    for (PetscInt a = 0; a < 3; a++) {
      adj->V[0][3 * i + a] = rr[a];
      adj->V[1][3 * i + a] = 2 * rh[a];
    }
    if (adj->drt) {
      PetscReal rg[3], hh[3];
      Contract2(Gs, r, g, rg);
      Contract2(Gs, h, h, hh);
      for (PetscInt a = 0; a < 3; a++) adj->drt[3 * i + a] += 3 * y[0] * rr[a] + 2 * rg[a] + hh[a] + y[1] * t[a];
    }
  }
}

const TeannHead TeannHeadHyperpolarizability = {
  3, {{PETSC_TRUE, 1, "_field1", 0}, {PETSC_TRUE, 1, "_field2", 0.1}, {PETSC_FALSE, 2, "_scalar", 0}},
   Forward, Backward, NULL, 600
};
