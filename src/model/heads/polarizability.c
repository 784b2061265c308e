/* Polarizability head, design eq. 7 in its pair form (design 2.6):
   alpha = W + W^T + sum_i h_i h_i^T + (sum_i e_i) I,  W = sum over pairs v dE_1/dv^T,
   which equals sum_i r~_i g_i^T for a molecule (E_1 is translation invariant) and, unlike it, is
   defined in a periodic cell; h_i = dE_2/dr_i (field channel 2), e_i = N_3(rho_i) (scalar channel 3).
   N_2's last layer starts nonzero: alpha depends on it through h h^T, whose gradient vanishes
   at h = 0, so a zero start would never leave zero. */
#include "head.h"
#include "../mathimpl.h"
#include <math.h>

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

/* Eq. 7b (-teann_polarizability_form fields_atomic): eq. 7 plus an anisotropic tensor per atom,
   sum_i (p_i q_i^T + q_i p_i^T), from two own-pair vectors p_i = sum_j dE_p/dv_ij and q_i (eq. 12's
   form). In eq. 7 the anisotropic part of a molecule comes from W, the virial of one scalar E_1, whose
   components are the derivatives of that one function and so are tied to each other, and from the
   positive h h^T; p_i q_i^T is a free symmetric tensor in the span of atom i's bonds. q's last layer
   starts at zero, so a fit starts from eq. 7, and p's does not, so that q's gradient is not zero. */
static void ForwardAtomic(const TeannHeadFrame *fr, PetscReal al[])
{
  Forward(fr, al);
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *p = fr->P[3] + 3 * i, *q = fr->P[4] + 3 * i;
    for (PetscInt a = 0; a < 3; a++)
      for (PetscInt b = 0; b < 3; b++) al[3 * a + b] += p[a] * q[b] + q[a] * p[b];
  }
}

/* d(alpha):W = dp.(Ws q) + dq.(Ws p), Ws = W + W^T, which Backward leaves in S[0] */
static void BackwardAtomic(const TeannHeadFrame *fr, const PetscReal W[], TeannHeadAdjoint *adj)
{
  const PetscReal *Ws = adj->S[0];

  Backward(fr, W, adj);
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *p = fr->P[3] + 3 * i, *q = fr->P[4] + 3 * i;
    for (PetscInt a = 0; a < 3; a++) {
      adj->C[3][3 * i + a] = Ws[3 * a] * q[0] + Ws[3 * a + 1] * q[1] + Ws[3 * a + 2] * q[2];
      adj->C[4][3 * i + a] = Ws[3 * a] * p[0] + Ws[3 * a + 1] * p[1] + Ws[3 * a + 2] * p[2];
    }
  }
}

const TeannHead TeannHeadPolarizabilityAtomic = {
  5, {{PETSC_TRUE, 1, "1", 0, TEANN_FIELD_VIRIAL}, {PETSC_TRUE, 1, "2", 0.1, 0}, {PETSC_FALSE, 1, "3", 0, 0}, {PETSC_TRUE, 1, "_p", 0.1, TEANN_FIELD_OWN}, {PETSC_TRUE, 1, "_q", 0, TEANN_FIELD_OWN}},
   ForwardAtomic, BackwardAtomic, NULL, 126, PETSC_TRUE
};

const TeannHead TeannHeadPolarizability = {
  3, {{PETSC_TRUE, 1, "1", 0, TEANN_FIELD_VIRIAL}, {PETSC_TRUE, 1, "2", 0.1, 0}, {PETSC_FALSE, 1, "3", 0, 0}},
   Forward, Backward, NULL, 90, PETSC_TRUE
};

/* Eq. 7c (-teann_polarizability_form pairs): a bond-polarizability model with learned coefficients,
   alpha = sum_i [e_i I + sum_j w_ij u_ij u_ij^T],  w_ij = sum_k o_ik B_k(r_ij),
   over atom i's pairs within r_c (the frame's pair lists, periodic images included), u_ij the unit
   pair vector, B_k fixed Gaussians (centres r_c k/(NB-1), width their spacing) times the square root
   of eq. 1's cutoff function, e_i and o_ik the NB+1 outputs of one scalar network per element. It is linear in learned
   invariants, so that the components of alpha are independent smooth functions of the geometry
   (eq. 7 ties them through the derivatives of one scalar), and a sum over pairs: extensive and
   defined in a periodic cell. */
#define PAIR_NB 8

/* v, r, the basis and its r-derivative of pair ip of atom i; f_c from the pair lists' geometry cache
   when it holds this pair's length (the same arithmetic as the descriptor kernels). */
static inline PetscReal PairBasis(const TeannPairList *pl, size_t ip, PetscInt i, PetscReal rc, PetscReal v[3], PetscReal B[], PetscReal dB[])
{
  const PetscInt   j = pl->j[ip];
  const PetscReal *sh = pl->s + 3 * ip, *x = pl->x, *g = pl->geo ? pl->geo + 3 * ip : NULL;
  const PetscReal  h = rc / (PAIR_NB - 1), eta = 0.5 / (h * h);
  PetscReal        r, fc, dfc, c, dc;

  for (PetscInt a = 0; a < 3; a++) v[a] = (x[3 * j + a] - x[3 * i + a]) + sh[a];
  r = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  if (g && g[0] == r) {
    fc  = g[1];
    dfc = g[2];
  } else {
    const PetscReal hc = 0.5 * cos(PETSC_PI * r / rc) + 0.5;
    fc  = hc * hc;
    dfc = -hc * PETSC_PI / rc * sin(PETSC_PI * r / rc);
  }
  /* the basis is cut off by c = sqrt(f_c) = (cos(pi r/r_c) + 1)/2, which decays more slowly than f_c:
     lower validation errors on the CCSD monomer (bench/accuracy.md, "Learned bond polarizabilities") */
  c  = sqrt(fc);
  dc = c > 0 ? dfc / (2 * c) : 0;
  for (PetscInt k = 0; k < PAIR_NB; k++) { /* TeannExp: one vector operation over the basis */
    const PetscReal d = r - h * k, e = TeannExp(-eta * d * d);
    B[k]  = e * c;
    dB[k] = e * (dc - 2 * eta * d * c);
  }
  return r;
}

static void ForwardPairs(const TeannHeadFrame *fr, PetscReal al[])
{
  const PetscReal *Y = fr->Y[0];
  const PetscInt   no = PAIR_NB + 1;

  for (PetscInt q = 0; q < 9; q++) al[q] = 0;
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *o = Y + fr->row[i] * no;
    for (PetscInt a = 0; a < 3; a++) al[4 * a] += o[0];
    for (size_t ip = fr->pl.start[i]; ip < fr->pl.start[i + 1]; ip++) {
      PetscReal v[3], B[PAIR_NB], dB[PAIR_NB], w = 0, r = PairBasis(&fr->pl, ip, i, fr->rc, v, B, dB);
      if (!(r < fr->rc)) continue;
      for (PetscInt k = 0; k < PAIR_NB; k++) w += o[1 + k] * B[k];
      w /= r * r;
      for (PetscInt a = 0; a < 3; a++)
        for (PetscInt b = 0; b < 3; b++) al[3 * a + b] += w * v[a] * v[b];
    }
  }
}

/* With Gs = (G + G^T)/2 and s = u^T Gs u: d/do_ik = sum_j B_k s, d/do_i0 = tr G, and the pair vector
   v = x_j - x_i (+ shift) gets w' s u + (2 w / r)(Gs u - s u). */
static void BackwardPairs(const TeannHeadFrame *fr, const PetscReal G[], TeannHeadAdjoint *adj)
{
  const PetscReal *Y = fr->Y[0];
  const PetscInt   no = PAIR_NB + 1;
  PetscReal        Gs[9];

  for (PetscInt a = 0; a < 3; a++)
    for (PetscInt b = 0; b < 3; b++) Gs[3 * a + b] = 0.5 * (G[3 * a + b] + G[3 * b + a]);
  for (PetscInt i = 0; i < fr->n; i++) {
    const PetscReal *o = Y + fr->row[i] * no;
    PetscReal       *d = adj->dY[0] + fr->row[i] * no;
    for (PetscInt k = 0; k < no; k++) d[k] = 0;
    d[0] = G[0] + G[4] + G[8];
    for (size_t ip = fr->pl.start[i]; ip < fr->pl.start[i + 1]; ip++) {
      PetscReal v[3], u[3], Gu[3], s = 0, B[PAIR_NB], dB[PAIR_NB], w = 0, dw = 0, r = PairBasis(&fr->pl, ip, i, fr->rc, v, B, dB);
      if (!(r < fr->rc)) continue;
      for (PetscInt a = 0; a < 3; a++) u[a] = v[a] / r;
      for (PetscInt a = 0; a < 3; a++) {
        Gu[a] = Gs[3 * a] * u[0] + Gs[3 * a + 1] * u[1] + Gs[3 * a + 2] * u[2];
        s += u[a] * Gu[a];
      }
      for (PetscInt k = 0; k < PAIR_NB; k++) {
        d[1 + k] += B[k] * s;
        w += o[1 + k] * B[k];
        dw += o[1 + k] * dB[k];
      }
      if (adj->drt) {
        const PetscInt j = fr->pl.j[ip];
        for (PetscInt a = 0; a < 3; a++) {
          const PetscReal gv = dw * s * u[a] + 2 * w / r * (Gu[a] - s * u[a]);
          adj->drt[3 * j + a] += gv;
          adj->drt[3 * i + a] -= gv;
        }
      }
    }
  }
}

const TeannHead TeannHeadPolarizabilityPairs = {
  1, {{PETSC_FALSE, PAIR_NB + 1, "_pairs", 0, 0}},
   ForwardPairs, BackwardPairs, NULL, 400, PETSC_TRUE
};
