/* Embedded atom densities, eq. 1-4 of design.md, by atom and in reverse mode.
 * The angular sum of eq. 4 runs over the unique monomials of degree L with
 * multinomial weights, which equals the sum over the 3^L ordered tuples. */
#include "descriptor.h"
#include "mathimpl.h"
#include <math.h>

/* Loops over the monomials unrolled completely where lmax is a compile-time constant, so that the
   entries of MonoP are constants there (the kernels clear m[]: the unrolled instance for any lmax
   then reads no unset entry, as far as the compiler can tell). */
#if defined(__GNUC__)
  #define TEANN_UNROLL_MONO _Pragma("GCC unroll 20")
  #define TEANN_VECTOR_K    _Pragma("GCC unroll 1")
#else
  #define TEANN_UNROLL_MONO
  #define TEANN_VECTOR_K
#endif

/* The exponents of monomial a in the order of TeannDescSetUp (degree, then px and py descending;
   TeannDescSetUp checks that they agree). The fused kernels are instantiated with lmax known at
   compile time, where these are constants: the zero derivatives of the monomials (18 of the 30 for
   lmax 2) are then never formed nor multiplied. */
static const PetscInt MonoP[TEANN_MAX_MONO][3] = {
  {0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {2, 0, 0}, {1, 1, 0}, {1, 0, 1}, {0, 2, 0}, {0, 1, 1}, {0, 0, 2},
  {3, 0, 0}, {2, 1, 0}, {2, 0, 1}, {1, 2, 0}, {1, 1, 1}, {1, 0, 2}, {0, 3, 0}, {0, 2, 1}, {0, 1, 2}, {0, 0, 3},
};

/* their multinomial weights L!/(px! py! pz!) */
static const PetscReal MonoW[TEANN_MAX_MONO] = {1, 1, 1, 1, 1, 2, 2, 1, 2, 1, 1, 3, 3, 3, 6, 3, 1, 3, 3, 1};

/* the degree of monomial a */
static inline PetscInt MonoL(PetscInt a)
{
  return MonoP[a][0] + MonoP[a][1] + MonoP[a][2];
}

static inline PetscInt MonoCount(PetscInt lmax)
{
  return (lmax + 1) * (lmax + 2) * (lmax + 3) / 6;
}

/* index of the monomial x^px y^py z^pz in that order */
static inline PetscInt MonoIndex(PetscInt px, PetscInt py, PetscInt pz)
{
  const PetscInt L = px + py + pz, t = py + pz;

  return L * (L + 1) * (L + 2) / 6 + t * (t + 1) / 2 + pz;
}

/* m[a], a < M = MonoCount(lmax), of the pair vector v */
static inline void Mono(const PetscInt lmax, const PetscInt M, const PetscReal v[3], PetscReal m[])
{
  PetscReal pw[3][TEANN_MAX_LMAX + 1];

  for (PetscInt q = 0; q < 3; q++) {
    pw[q][0] = 1;
    for (PetscInt e = 1; e <= lmax; e++) pw[q][e] = pw[q][e - 1] * v[q];
  }
  TEANN_UNROLL_MONO
  for (PetscInt a = 0; a < M; a++) m[a] = pw[0][MonoP[a][0]] * pw[1][MonoP[a][1]] * pw[2][MonoP[a][2]];
}

/* dm_a/dv_q = p_q m_{a - e_q}; only called where p_q > 0 */
static inline PetscReal MonoD(const PetscReal m[], PetscInt a, PetscInt q)
{
  const PetscInt *p = MonoP[a];

  return p[q] * m[MonoIndex(p[0] - (q == 0), p[1] - (q == 1), p[2] - (q == 2))];
}

/* the derivative of monomial a > 0 along u */
static inline PetscReal MonoDir(const PetscReal m[], PetscInt a, const PetscReal u[3])
{
  PetscReal t = 0;

  for (PetscInt q = 0; q < 3; q++)
    if (MonoP[a][q]) t += MonoD(m, a, q) * u[q];
  return t;
}

PetscErrorCode TeannDescSetUp(TeannDesc *d, PetscReal rc, PetscInt K, PetscInt lmax, PetscInt nel)
{
  static const PetscReal fact[] = {1, 1, 2, 6};
  PetscInt               a = 0;

  PetscFunctionBegin;
  PetscCheck(rc > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "cutoff must be positive, got %g", (double)rc);
  PetscCheck(K >= 1 && K <= TEANN_MAX_WAVE, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "nwave must be in 1..%d, got %" PetscInt_FMT, TEANN_MAX_WAVE, K);
  PetscCheck(lmax >= 0 && lmax <= TEANN_MAX_LMAX, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "lmax must be in 0..%d, got %" PetscInt_FMT, TEANN_MAX_LMAX, lmax);
  d->rc   = rc;
  d->K    = K;
  d->lmax = lmax;
  d->nel  = nel;
  for (PetscInt L = 0; L <= lmax; L++) {
    for (PetscInt px = L; px >= 0; px--) {
      for (PetscInt py = L - px; py >= 0; py--) {
        PetscInt pz = L - px - py;
        d->L[a]    = L;
        d->p[a][0] = px;
        d->p[a][1] = py;
        d->p[a][2] = pz;
        d->w[a]    = fact[L] / (fact[px] * fact[py] * fact[pz]);
        a++;
      }
    }
  }
  d->M = a;
  for (a = 0; a < d->M; a++)
    PetscCheck(d->p[a][0] == MonoP[a][0] && d->p[a][1] == MonoP[a][1] && d->p[a][2] == MonoP[a][2] && d->w[a] == MonoW[a], PETSC_COMM_SELF, PETSC_ERR_PLIB, "monomial %" PetscInt_FMT " out of the kernels' order", a);
  d->F = (lmax + 1) * K;
  PetscFunctionReturn(0);
}

/* Monomials m[a] of the pair vector v and, if gm is not NULL, their gradients gm[3a+dir]. */
static inline void Monomials(const TeannDesc *d, const PetscReal v[3], PetscReal m[], PetscReal gm[])
{
  PetscReal pw[3][TEANN_MAX_LMAX + 1];

  for (PetscInt q = 0; q < 3; q++) {
    pw[q][0] = 1;
    for (PetscInt e = 1; e <= d->lmax; e++) pw[q][e] = pw[q][e - 1] * v[q];
  }
  for (PetscInt a = 0; a < d->M; a++) {
    const PetscInt *p = d->p[a];
    m[a]              = pw[0][p[0]] * pw[1][p[1]] * pw[2][p[2]];
    if (gm) {
      gm[3 * a + 0] = p[0] ? p[0] * pw[0][p[0] - 1] * pw[1][p[1]] * pw[2][p[2]] : 0;
      gm[3 * a + 1] = p[1] ? p[1] * pw[0][p[0]] * pw[1][p[1] - 1] * pw[2][p[2]] : 0;
      gm[3 * a + 2] = p[2] ? p[2] * pw[0][p[0]] * pw[1][p[1]] * pw[2][p[2] - 1] : 0;
    }
  }
}

/* Eq. 1 and its derivative with respect to r. */
static inline void Cutoff(PetscReal r, PetscReal rc, PetscReal *fc, PetscReal *dfc)
{
  const PetscReal h = 0.5 * cos(PETSC_PI * r / rc) + 0.5;

  *fc = h * h;
  if (dfc) *dfc = -h * PETSC_PI / rc * sin(PETSC_PI * r / rc);
}

/* Eq. 1 of pair ip from the pair lists' geometry cache (geo: r, f_c, f_c' per pair, valid while
   the pair's length is the one cached: a moved atom falls back to computing them). */
static inline void PairCutoff(const TeannPairList *pl, size_t ip, PetscReal r, PetscReal rc, PetscReal *fc, PetscReal *dfc)
{
  const PetscReal *g = pl->geo ? pl->geo + 3 * ip : NULL;

  if (g && g[0] == r) {
    *fc = g[1];
    if (dfc) *dfc = g[2];
  } else Cutoff(r, rc, fc, dfc);
}

/* v = x_j + n.H - x_i of pair ip (atom i, neighbour j) and r^2 = |v|^2. */
static inline void PairVector(const TeannPairList *pl, size_t ip, PetscInt i, PetscInt j, PetscReal v[3], PetscReal *r2)
{
  const PetscReal *sh = pl->s + 3 * ip, *x = pl->x;

  v[0] = (x[3 * j] - x[3 * i]) + sh[0];
  v[1] = (x[3 * j + 1] - x[3 * i + 1]) + sh[1];
  v[2] = (x[3 * j + 2] - x[3 * i + 2]) + sh[2];
  *r2  = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
}

/* vd, the tangent of the pair vector v of pair (i, j) along T (descriptor.h); returns v . vd (r times the tangent of r = |v|). */
static inline PetscReal RadialTangent(const TeannTangent *T, PetscInt i, PetscInt j, const PetscReal v[3], PetscReal vd[3])
{
  for (PetscInt q = 0; q < 3; q++) vd[q] = T->V ? T->V[3 * j + q] - T->V[3 * i + q] : 0;
  if (T->C)
    for (PetscInt q = 0; q < 3; q++) vd[q] += T->C[3 * i + q];
  if (T->S)
    for (PetscInt q = 0; q < 3; q++) vd[q] += T->S[q] * v[0] + T->S[3 + q] * v[1] + T->S[6 + q] * v[2];
  return v[0] * vd[0] + v[1] * vd[1] + v[2] * vd[2];
}

/* F = R_k f_c and F' = dF/dr of pair ip for every k (eq. 1-2): one exponential per k, f_c from the cache. */
static inline void Radial1(const TeannDesc *d, const PetscInt K, const TeannPairList *pl, size_t ip, PetscReal r, const PetscReal *PETSC_RESTRICT eta, const PetscReal *PETSC_RESTRICT s, PetscReal *PETSC_RESTRICT F, PetscReal *PETSC_RESTRICT F1)
{
  PetscReal fc, fc1;

  PairCutoff(pl, ip, r, d->rc, &fc, &fc1);
  for (PetscInt k = 0; k < K; k++) {
    const PetscReal u = r - s[k], R = TeannExp(-eta[k] * u * u);
    F[k]  = R * fc;
    F1[k] = R * (fc1 - 2 * eta[k] * u * fc);
  }
}

static inline void Densities(const TeannDesc *d, const PetscInt K, const PetscReal *PETSC_RESTRICT O, PetscReal *PETSC_RESTRICT rho)
{

  for (PetscInt f = 0; f < d->F; f++) rho[f] = 0;
  for (PetscInt a = 0; a < d->M; a++) {
    const PetscReal *o = O + a * K, w = d->w[a];
    PetscReal       *r = rho + d->L[a] * K;
    for (PetscInt k = 0; k < K; k++) r[k] += w * o[k] * o[k];
  }
}

static inline void DensitiesBackward(const TeannDesc *d, const PetscInt K, const PetscReal *PETSC_RESTRICT O, const PetscReal *PETSC_RESTRICT drho, PetscReal *PETSC_RESTRICT dO)
{

  for (PetscInt a = 0; a < d->M; a++) {
    const PetscReal *o = O + a * K, *dr = drho + d->L[a] * K, w2 = 2 * d->w[a];
    PetscReal       *g = dO + a * K;
    for (PetscInt k = 0; k < K; k++) g[k] = w2 * o[k] * dr[k];
  }
}

static inline void DescAtomK(const TeannDesc *d, const PetscInt K, const PetscInt lmax, const PetscReal *PETSC_RESTRICT c, const PetscReal *PETSC_RESTRICT eta, const PetscReal *PETSC_RESTRICT s, const PetscReal *PETSC_RESTRICT PF, const TeannPairList *pl, const PetscInt el[], PetscInt i, PetscReal *PETSC_RESTRICT O, PetscReal *PETSC_RESTRICT rho)
{
  const PetscInt  M = MonoCount(lmax);
  PetscReal       m[TEANN_MAX_MONO] = {0}, G[TEANN_MAX_WAVE];
  PetscInt        np = 0;

  for (PetscInt q = 0; q < M * K; q++) O[q] = 0;
  for (size_t ip = pl->start[i]; ip < pl->start[i + 1]; ip++) {
    const PetscInt j = pl->j[ip];
    PetscReal v[3], r2, r, fc;
    PairVector(pl, ip, i, j, v, &r2);
    if (PF) { /* R f_c of this pair from TeannDescPairRadials */
      const PetscReal *ce = c + el[j] * K, *F = PF + 2 * K * np++;
      for (PetscInt k = 0; k < K; k++) G[k] = ce[k] * F[k];
    } else {
      const PetscReal *ce = c + el[j] * K, *ee = eta + el[j] * K, *se = s + el[j] * K;
      r = sqrt(r2);
      PairCutoff(pl, ip, r, d->rc, &fc, NULL);
      for (PetscInt k = 0; k < K; k++) G[k] = ce[k] * TeannExp(-ee[k] * (r - se[k]) * (r - se[k])) * fc;
    }
    Mono(lmax, M, v, m);
    TEANN_UNROLL_MONO
    for (PetscInt a = 0; a < M; a++) {
      PetscReal *o = O + a * K;
      for (PetscInt k = 0; k < K; k++) o[k] += m[a] * G[k];
    }
  }
  Densities(d, K, O, rho);
}

static inline void DescAtomBackwardK(const TeannDesc *d, const PetscInt K, const PetscReal *PETSC_RESTRICT c, const PetscReal *PETSC_RESTRICT eta, const PetscReal *PETSC_RESTRICT s, const PetscReal *PETSC_RESTRICT PF, const TeannPairList *pl, const PetscInt el[], PetscInt i, const PetscReal *PETSC_RESTRICT O, const PetscReal *PETSC_RESTRICT drho, PetscReal *PETSC_RESTRICT dO, PetscReal *PETSC_RESTRICT gc, PetscReal *PETSC_RESTRICT geta, PetscReal *PETSC_RESTRICT gs, PetscReal *PETSC_RESTRICT dx)
{
  const PetscInt M = d->M;
  PetscReal      m[TEANN_MAX_MONO], gm[3 * TEANN_MAX_MONO], T[TEANN_MAX_WAVE], Fb[TEANN_MAX_WAVE], F1b[TEANN_MAX_WAVE];
  PetscInt       np = 0;

  DensitiesBackward(d, K, O, drho, dO);
  for (size_t ip = pl->start[i]; ip < pl->start[i + 1]; ip++) {
    const PetscInt   j = pl->j[ip], e = el[j];
    const PetscReal *ce = c + e * K, *ee = eta + e * K, *se = s + e * K, *F = Fb, *F1 = F1b;
    PetscReal        v[3], r2, r, dscal = 0;
    PairVector(pl, ip, i, j, v, &r2);
    r = sqrt(r2);
    if (PF) { /* R f_c and its r-derivative of this pair, computed once per chunk (forward and reverse) */
      F  = PF + 2 * K * np++;
      F1 = F + K;
    } else Radial1(d, K, pl, ip, r, ee, se, Fb, F1b);
    Monomials(d, v, m, dx ? gm : NULL);
    for (PetscInt k = 0; k < K; k++) T[k] = 0;
    for (PetscInt a = 0; a < M; a++) {
      const PetscReal *g = dO + a * K;
      for (PetscInt k = 0; k < K; k++) T[k] += g[k] * m[a];
    }
    /* dF/dc = F; dF/deta = -u^2 F, dF/ds = 2 eta u F (u = r - s); separate loops so that each vectorises */
    if (gc)
      for (PetscInt k = 0; k < K; k++) gc[e * K + k] += T[k] * F[k];
    if (geta)
      for (PetscInt k = 0; k < K; k++) geta[e * K + k] -= ce[k] * T[k] * (r - se[k]) * (r - se[k]) * F[k];
    if (gs)
      for (PetscInt k = 0; k < K; k++) gs[e * K + k] += ce[k] * T[k] * 2 * ee[k] * (r - se[k]) * F[k];
    if (!dx) continue;
    for (PetscInt k = 0; k < K; k++) dscal += ce[k] * T[k] * F1[k];
    {
      PetscReal gv[3] = {0, 0, 0};
      for (PetscInt a = 0; a < M; a++) {
        const PetscReal *g = dO + a * K;
        PetscReal        U = 0;
        for (PetscInt k = 0; k < K; k++) U += g[k] * ce[k] * F[k];
        gv[0] += U * gm[3 * a];
        gv[1] += U * gm[3 * a + 1];
        gv[2] += U * gm[3 * a + 2];
      }
      for (PetscInt q = 0; q < 3; q++) {
        gv[q] += dscal * v[q] / r;
        dx[3 * j + q] += gv[q];
        dx[3 * i + q] -= gv[q];
      }
    }
  }
}

/* The reverse pass of the loss gradient for every property without field channels (no position
   adjoints; all three parameter gradients; R f_c from the chunk's table PF): lmax known at compile time like the fused kernels,
   so that the monomial loop unrolls into vector operations along k, and the three parameter
   gradients in one loop over k. */
static inline void ParamBackwardK(const PetscInt K, const PetscInt lmax, const PetscReal *PETSC_RESTRICT c, const PetscReal *PETSC_RESTRICT eta, const PetscReal *PETSC_RESTRICT s, const PetscReal *PETSC_RESTRICT PF, const TeannPairList *pl, const PetscInt el[], PetscInt i, const PetscReal *PETSC_RESTRICT O, const PetscReal *PETSC_RESTRICT drho, PetscReal *PETSC_RESTRICT dO, PetscReal *PETSC_RESTRICT gc, PetscReal *PETSC_RESTRICT geta, PetscReal *PETSC_RESTRICT gs)
{
  const PetscInt M = MonoCount(lmax);
  PetscReal      m[TEANN_MAX_MONO] = {0}, T[TEANN_MAX_WAVE];
  PetscInt       np = 0;

  TEANN_UNROLL_MONO
  for (PetscInt a = 0; a < M; a++) {
    const PetscReal *o = O + a * K, *dr = drho + MonoL(a) * K, w2 = 2 * MonoW[a];
    TEANN_VECTOR_K
    for (PetscInt k = 0; k < K; k++) dO[a * K + k] = w2 * o[k] * dr[k];
  }
  for (size_t ip = pl->start[i]; ip < pl->start[i + 1]; ip++) {
    const PetscInt   j = pl->j[ip], e = el[j];
    const PetscReal *ce = c + e * K, *ee = eta + e * K, *se = s + e * K, *F = PF + 2 * K * np++;
    PetscReal        v[3], r2, r;
    PairVector(pl, ip, i, j, v, &r2);
    r = sqrt(r2);
    Mono(lmax, M, v, m);
    for (PetscInt k = 0; k < K; k++) T[k] = 0;
    TEANN_UNROLL_MONO
    for (PetscInt a = 0; a < M; a++) {
      const PetscReal *g = dO + a * K, ma = m[a];
      TEANN_VECTOR_K
      for (PetscInt k = 0; k < K; k++) T[k] += g[k] * ma;
    }
    { /* one loop, so that it vectorises: dF/deta = -u^2 F, dF/ds = 2 eta u F (u = r - s) */
      PetscReal *PETSC_RESTRICT g0 = gc + e * K, *PETSC_RESTRICT g1 = geta + e * K, *PETSC_RESTRICT g2 = gs + e * K;
      TEANN_VECTOR_K
      for (PetscInt k = 0; k < K; k++) {
        const PetscReal A = T[k] * F[k], u = r - se[k], cAu = ce[k] * A * u;
        g0[k] += A;
        g1[k] -= cAu * u;
        g2[k] += 2 * ee[k] * cAu;
      }
    }
  }
}

/* K known at compile time for the default 8: the k loops become single vector operations. */
void TeannDescAtom(const TeannDesc *d, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const PetscReal PF[], const TeannPairList *pl, const PetscInt el[], PetscInt i, PetscReal O[], PetscReal rho[])
{
  if (d->K == 8 && d->lmax == 2) DescAtomK(d, 8, 2, c, eta, s, PF, pl, el, i, O, rho);
  else DescAtomK(d, d->K, d->lmax, c, eta, s, PF, pl, el, i, O, rho);
}

void TeannDescAtomBackward(const TeannDesc *d, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const PetscReal PF[], const TeannPairList *pl, const PetscInt el[], PetscInt i, const PetscReal O[], const PetscReal drho[], PetscReal dO[], PetscReal gc[], PetscReal geta[], PetscReal gs[], PetscReal dx[])
{
  if (PF && gc && geta && gs && !dx && d->K == 8 && d->lmax == 2) ParamBackwardK(8, 2, c, eta, s, PF, pl, el, i, O, drho, dO, gc, geta, gs);
  else if (d->K == 8) DescAtomBackwardK(d, 8, c, eta, s, PF, pl, el, i, O, drho, dO, gc, geta, gs, dx);
  else DescAtomBackwardK(d, d->K, c, eta, s, PF, pl, el, i, O, drho, dO, gc, geta, gs, dx);
}

void TeannDescCacheAtom(const TeannDesc *d, const PetscReal eta[], const PetscReal s[], const TeannPairList *pl, const PetscInt el[], PetscInt i, PetscReal P[])
{
  const PetscInt  K = d->K, M = d->M;
  PetscReal       m[TEANN_MAX_MONO], G[TEANN_MAX_WAVE];

  for (PetscInt q = 0; q < d->nel * M * K; q++) P[q] = 0;
  for (size_t ip = pl->start[i]; ip < pl->start[i + 1]; ip++) {
    const PetscInt j = pl->j[ip];
    PetscReal v[3], r2, r, fc, *Pe = P + el[j] * M * K;
    PairVector(pl, ip, i, j, v, &r2);
    r = sqrt(r2);
    PairCutoff(pl, ip, r, d->rc, &fc, NULL);
    for (PetscInt k = 0; k < K; k++) G[k] = TeannExp(-eta[el[j] * K + k] * (r - s[el[j] * K + k]) * (r - s[el[j] * K + k])) * fc;
    Monomials(d, v, m, NULL);
    for (PetscInt a = 0; a < M; a++)
      for (PetscInt k = 0; k < K; k++) Pe[a * K + k] += m[a] * G[k];
  }
}

/* The cached kernels are the whole descriptor cost under -teann_fix_radial; with K known at
   compile time (the default 8) the short k loops become single vector operations. */
static inline void CachedForwardK(const TeannDesc *d, const PetscInt K, const PetscReal *PETSC_RESTRICT c, const PetscReal *PETSC_RESTRICT P, PetscReal *PETSC_RESTRICT O, PetscReal *PETSC_RESTRICT rho)
{
  const PetscInt M = d->M, MK = M * K;

  for (PetscInt q = 0; q < MK; q++) O[q] = 0;
  for (PetscInt e = 0; e < d->nel; e++) {
    const PetscReal *Pe = P + e * MK, *ce = c + e * K;
    for (PetscInt a = 0; a < M; a++)
      for (PetscInt k = 0; k < K; k++) O[a * K + k] += ce[k] * Pe[a * K + k];
  }
  for (PetscInt f = 0; f < d->F; f++) rho[f] = 0;
  for (PetscInt a = 0; a < M; a++) {
    const PetscReal *o = O + a * K, w = d->w[a];
    PetscReal       *r = rho + d->L[a] * K;
    for (PetscInt k = 0; k < K; k++) r[k] += w * o[k] * o[k];
  }
}

static inline void CachedBackwardK(const TeannDesc *d, const PetscInt K, const PetscReal *PETSC_RESTRICT P, const PetscReal *PETSC_RESTRICT O, const PetscReal *PETSC_RESTRICT drho, PetscReal *PETSC_RESTRICT dO, PetscReal *PETSC_RESTRICT gc)
{
  const PetscInt M = d->M, MK = M * K;

  for (PetscInt a = 0; a < M; a++) {
    const PetscReal *o = O + a * K, *dr = drho + d->L[a] * K, w2 = 2 * d->w[a];
    for (PetscInt k = 0; k < K; k++) dO[a * K + k] = w2 * o[k] * dr[k];
  }
  for (PetscInt e = 0; e < d->nel; e++) {
    const PetscReal *Pe = P + e * MK;
    PetscReal       *ge = gc + e * K;
    for (PetscInt a = 0; a < M; a++)
      for (PetscInt k = 0; k < K; k++) ge[k] += dO[a * K + k] * Pe[a * K + k];
  }
}

void TeannDescCachedForward(const TeannDesc *d, const PetscReal *PETSC_RESTRICT c, const PetscReal *PETSC_RESTRICT P, PetscReal *PETSC_RESTRICT O, PetscReal *PETSC_RESTRICT rho)
{
  if (d->K == 8) CachedForwardK(d, 8, c, P, O, rho);
  else CachedForwardK(d, d->K, c, P, O, rho);
}

void TeannDescCachedBackward(const TeannDesc *d, const PetscReal *PETSC_RESTRICT P, const PetscReal *PETSC_RESTRICT O, const PetscReal *PETSC_RESTRICT drho, PetscReal *PETSC_RESTRICT dO, PetscReal *PETSC_RESTRICT gc)
{
  if (d->K == 8) CachedBackwardK(d, 8, P, O, drho, dO, gc);
  else CachedBackwardK(d, d->K, P, O, drho, dO, gc);
}

/* ---------------------------------------------------------------- tangents (design 2.5) */

/* Hessians hm[9a + 3p + q] of the monomials. */
static inline void MonomialHessians(const TeannDesc *d, const PetscReal v[3], PetscReal hm[])
{
  PetscReal pw[3][TEANN_MAX_LMAX + 1];

  for (PetscInt q = 0; q < 3; q++) {
    pw[q][0] = 1;
    for (PetscInt e = 1; e <= d->lmax; e++) pw[q][e] = pw[q][e - 1] * v[q];
  }
  for (PetscInt a = 0; a < d->M; a++) {
    for (PetscInt p = 0; p < 3; p++) {
      for (PetscInt q = 0; q < 3; q++) {
        PetscInt  e[3] = {d->p[a][0], d->p[a][1], d->p[a][2]};
        PetscReal f    = e[p];
        e[p]--;
        f *= e[q];
        e[q]--;
        hm[9 * a + 3 * p + q] = (f != 0 && e[0] >= 0 && e[1] >= 0 && e[2] >= 0) ? f * pw[0][e[0]] * pw[1][e[1]] * pw[2][e[2]] : 0;
      }
    }
  }
}

/* F = R f_c of one pair for every k with the derivatives the tangents need. */
typedef struct {
  PetscReal F[TEANN_MAX_WAVE], F1[TEANN_MAX_WAVE], F2[TEANN_MAX_WAVE];   /* F, dF/dr, d2F/dr2 */
  PetscReal Fe[TEANN_MAX_WAVE], F1e[TEANN_MAX_WAVE];                    /* d/d eta of F, F'   */
  PetscReal Fs[TEANN_MAX_WAVE], F1s[TEANN_MAX_WAVE];                    /* d/d s of F, F'     */
} PairRadial;

static inline void Radial2(const TeannDesc *d, PetscReal r, const PetscReal eta[], const PetscReal s[], PairRadial *P)
{
  const PetscReal om = PETSC_PI / d->rc, h = 0.5 * cos(om * r) + 0.5, h1 = -0.5 * om * sin(om * r), h2 = -0.5 * om * om * cos(om * r);
  const PetscReal fc = h * h, fc1 = 2 * h * h1, fc2 = 2 * h1 * h1 + 2 * h * h2;

  for (PetscInt k = 0; k < d->K; k++) {
    const PetscReal e = eta[k], u = r - s[k], R = TeannExp(-e * u * u), R1 = -2 * e * u * R, R2 = (4 * e * e * u * u - 2 * e) * R;
    const PetscReal Re = -u * u * R, R1e = (-2 * u + 2 * e * u * u * u) * R, Rs = 2 * e * u * R, R1s = (2 * e - 4 * e * e * u * u) * R;
    P->F[k]   = R * fc;
    P->F1[k]  = R1 * fc + R * fc1;
    P->F2[k]  = R2 * fc + 2 * R1 * fc1 + R * fc2;
    P->Fe[k]  = Re * fc;
    P->F1e[k] = R1e * fc + Re * fc1;
    P->Fs[k]  = Rs * fc;
    P->F1s[k] = R1s * fc + Rs * fc1;
  }
}

void TeannDescAtomTangentBackward(const TeannDesc *d, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const TeannPairList *pl, const PetscInt el[], PetscInt i, const TeannTangent *V, const PetscReal O[], const PetscReal Od[], const PetscReal rhodbar[], PetscReal dO[], PetscReal dOd[], PetscReal gc[], PetscReal geta[], PetscReal gs[], PetscReal dx[])
{
  const PetscInt  K = d->K, M = d->M;
  PetscReal       m[TEANN_MAX_MONO], gm[3 * TEANN_MAX_MONO], hm[9 * TEANN_MAX_MONO], md[TEANN_MAX_MONO];
  PetscReal       Q[TEANN_MAX_WAVE], T[TEANN_MAX_WAVE], Td[TEANN_MAX_WAVE];
  PairRadial      P;

  /* rhod = sum_a 2 w_a O Od: adjoints of O and Od */
  for (PetscInt a = 0; a < M; a++)
    for (PetscInt k = 0; k < K; k++) {
      const PetscReal b = 2 * d->w[a] * rhodbar[d->L[a] * K + k];
      dO[a * K + k]     = b * Od[a * K + k];
      dOd[a * K + k]    = b * O[a * K + k];
    }
  for (size_t ip = pl->start[i]; ip < pl->start[i + 1]; ip++) {
    const PetscInt j = pl->j[ip];
    PetscReal        v[3], vd[3], r2, r, rd;
    const PetscInt   e  = el[j];
    const PetscReal *ce = c + e * K;
    PairVector(pl, ip, i, j, v, &r2);
    r  = sqrt(r2);
    rd = RadialTangent(V, i, j, v, vd) / r;
    Radial2(d, r, eta + e * K, s + e * K, &P);
    Monomials(d, v, m, gm);
    for (PetscInt a = 0; a < M; a++) md[a] = gm[3 * a] * vd[0] + gm[3 * a + 1] * vd[1] + gm[3 * a + 2] * vd[2];
    for (PetscInt k = 0; k < K; k++) Q[k] = T[k] = Td[k] = 0;
    for (PetscInt a = 0; a < M; a++)
      for (PetscInt k = 0; k < K; k++) {
        Q[k] += dO[a * K + k] * m[a];
        T[k] += dOd[a * K + k] * m[a];
        Td[k] += dOd[a * K + k] * md[a];
      }
    /* this pair adds c_k [F_k Q_k + F'_k rd T_k + F_k Td_k] */
    for (PetscInt k = 0; k < K; k++) {
      if (gc) gc[e * K + k] += P.F[k] * (Q[k] + Td[k]) + P.F1[k] * rd * T[k];
      if (geta) geta[e * K + k] += ce[k] * (P.Fe[k] * (Q[k] + Td[k]) + P.F1e[k] * rd * T[k]);
      if (gs) gs[e * K + k] += ce[k] * (P.Fs[k] * (Q[k] + Td[k]) + P.F1s[k] * rd * T[k]);
    }
    if (dx) {
      PetscReal gv[3] = {0, 0, 0}, sr = 0, sd = 0;
      MonomialHessians(d, v, hm);
      for (PetscInt k = 0; k < K; k++) {
        sr += ce[k] * (P.F1[k] * (Q[k] + Td[k]) + P.F2[k] * rd * T[k] - P.F1[k] * T[k] * rd / r); /* times v/r */
        sd += ce[k] * P.F1[k] * T[k];                                                           /* times vd/r */
      }
      for (PetscInt q = 0; q < 3; q++) gv[q] = sr * v[q] / r + sd * vd[q] / r;
      for (PetscInt a = 0; a < M; a++) {
        PetscReal u1 = 0, u2 = 0;
        for (PetscInt k = 0; k < K; k++) {
          u1 += ce[k] * (P.F[k] * dO[a * K + k] + P.F1[k] * rd * dOd[a * K + k]);
          u2 += ce[k] * P.F[k] * dOd[a * K + k];
        }
        for (PetscInt p = 0; p < 3; p++) gv[p] += u1 * gm[3 * a + p] + u2 * (hm[9 * a + 3 * p] * vd[0] + hm[9 * a + 3 * p + 1] * vd[1] + hm[9 * a + 3 * p + 2] * vd[2]);
      }
      for (PetscInt q = 0; q < 3; q++) {
        dx[3 * j + q] += gv[q];
        dx[3 * i + q] -= gv[q];
      }
    }
  }
}

/* ---------------------------------------------------------------- fused passes of the polarizability
   Each pass below visits the pairs of atom i once for what the kernels above would do in two or
   three visits: the exponentials, cosines and monomials of a pair are computed once. */

static inline void PositionGradient2K(const TeannDesc *d, const PetscInt K, const PetscInt lmax, const PetscReal *PETSC_RESTRICT c, const PetscReal *PETSC_RESTRICT eta, const PetscReal *PETSC_RESTRICT s, const PetscReal *PETSC_RESTRICT PF, const TeannPairList *pl, const PetscInt el[], PetscInt i, const PetscReal *PETSC_RESTRICT O, const PetscReal *PETSC_RESTRICT drho1, const PetscReal *PETSC_RESTRICT drho2, PetscReal *PETSC_RESTRICT dO, PetscReal *PETSC_RESTRICT dx1, PetscReal *PETSC_RESTRICT dx2, PetscReal *PETSC_RESTRICT W1, PetscReal *PETSC_RESTRICT W2, PetscReal *PETSC_RESTRICT p1, PetscReal *PETSC_RESTRICT p2)
{
  const PetscInt  M = MonoCount(lmax), MK = M * K;
  PetscReal       m[TEANN_MAX_MONO] = {0}, Fb[TEANN_MAX_WAVE], F1b[TEANN_MAX_WAVE];
  PetscReal      *dO1 = dO, *dO2 = dO + MK; /* dO has room for 2 M K */
  PetscReal       gi1[3] = {0, 0, 0}, gi2[3] = {0, 0, 0}, Wi1[9] = {0}, Wi2[9] = {0};
  PetscInt        np = 0;

  TEANN_UNROLL_MONO
  for (PetscInt a = 0; a < M; a++) {
    const PetscReal *o = O + a * K, *d1 = drho1 + MonoL(a) * K, *d2 = drho2 + MonoL(a) * K, w2 = 2 * MonoW[a];
    TEANN_VECTOR_K
    for (PetscInt k = 0; k < K; k++) {
      dO1[a * K + k] = w2 * o[k] * d1[k];
      dO2[a * K + k] = w2 * o[k] * d2[k];
    }
  }
  for (size_t ip = pl->start[i]; ip < pl->start[i + 1]; ip++) {
    const PetscInt j = pl->j[ip];
    PetscReal        v[3], r2, r, ir, sc1 = 0, sc2 = 0, g1[3] = {0, 0, 0}, g2[3] = {0, 0, 0};
    PetscReal        T1[TEANN_MAX_WAVE], T2[TEANN_MAX_WAVE], G1[3][TEANN_MAX_WAVE], G2[3][TEANN_MAX_WAVE];
    const PetscReal *ce = c + el[j] * K, *F = Fb, *F1 = F1b;
    PairVector(pl, ip, i, j, v, &r2);
    r  = sqrt(r2);
    ir = 1 / r;
    if (PF) {
      F  = PF + 2 * K * np++;
      F1 = F + K;
    } else Radial1(d, K, pl, ip, r, eta + el[j] * K, s + el[j] * K, Fb, F1b);
    Mono(lmax, M, v, m);
    /* the contractions over the monomials first, k by k (vector operations along k), then over k:
       sc = sum_k c F'_k sum_a dO_ak m_a, g_q = sum_k c F_k sum_a dO_ak dm_a/dv_q */
    for (PetscInt k = 0; k < K; k++) {
      T1[k] = dO1[k];
      T2[k] = dO2[k];
      for (PetscInt q = 0; q < 3; q++) G1[q][k] = G2[q][k] = 0;
    }
    TEANN_UNROLL_MONO
    for (PetscInt a = 1; a < M; a++) {
      const PetscReal *o1 = dO1 + a * K, *o2 = dO2 + a * K, ma = m[a];
      TEANN_VECTOR_K
      for (PetscInt k = 0; k < K; k++) {
        T1[k] += o1[k] * ma;
        T2[k] += o2[k] * ma;
      }
      for (PetscInt q = 0; q < 3; q++) {
        if (!MonoP[a][q]) continue;
        const PetscReal dm = MonoD(m, a, q);
        TEANN_VECTOR_K
        for (PetscInt k = 0; k < K; k++) {
          G1[q][k] += o1[k] * dm;
          G2[q][k] += o2[k] * dm;
        }
      }
    }
    for (PetscInt k = 0; k < K; k++) {
      const PetscReal cf = ce[k] * F[k], cf1 = ce[k] * F1[k];
      sc1 += T1[k] * cf1;
      sc2 += T2[k] * cf1;
      g1[0] += G1[0][k] * cf;
      g1[1] += G1[1][k] * cf;
      g1[2] += G1[2][k] * cf;
      g2[0] += G2[0][k] * cf;
      g2[1] += G2[1][k] * cf;
      g2[2] += G2[2][k] * cf;
    }
    for (PetscInt q = 0; q < 3; q++) {
      g1[q] += sc1 * v[q] * ir;
      g2[q] += sc2 * v[q] * ir;
      dx1[3 * j + q] += g1[q];
      dx2[3 * j + q] += g2[q];
      gi1[q] += g1[q];
      gi2[q] += g2[q];
    }
    if (W1) /* the pair (virial) form of sum_i r_i g_i^T */
      for (PetscInt a = 0; a < 3; a++)
        for (PetscInt b = 0; b < 3; b++) {
          Wi1[3 * a + b] += v[a] * g1[b];
          Wi2[3 * a + b] += v[a] * g2[b];
        }
  }
  /* atom i's own terms summed over its pairs here, not through memory pair by pair */
  for (PetscInt q = 0; q < 3; q++) {
    dx1[3 * i + q] -= gi1[q];
    dx2[3 * i + q] -= gi2[q];
  }
  if (W1)
    for (PetscInt q = 0; q < 9; q++) {
      W1[q] += Wi1[q];
      W2[q] += Wi2[q];
    }
  if (p1)
    for (PetscInt q = 0; q < 3; q++) {
      p1[q] += gi1[q];
      p2[q] += gi2[q];
    }
}

void TeannDescAtomPositionGradient2(const TeannDesc *d, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const PetscReal PF[], const TeannPairList *pl, const PetscInt el[], PetscInt i, const PetscReal O[], const PetscReal drho1[], const PetscReal drho2[], PetscReal dO[], PetscReal dx1[], PetscReal dx2[], PetscReal W1[], PetscReal W2[], PetscReal p1[], PetscReal p2[])
{
  if (d->K == 8 && d->lmax == 2) PositionGradient2K(d, 8, 2, c, eta, s, PF, pl, el, i, O, drho1, drho2, dO, dx1, dx2, W1, W2, p1, p2);
  else PositionGradient2K(d, d->K, d->lmax, c, eta, s, PF, pl, el, i, O, drho1, drho2, dO, dx1, dx2, W1, W2, p1, p2);
}

static inline void Tangent2K(const TeannDesc *d, const PetscInt K, const PetscInt lmax, const PetscReal *PETSC_RESTRICT c, const PetscReal *PETSC_RESTRICT eta, const PetscReal *PETSC_RESTRICT s, const PetscReal *PETSC_RESTRICT PF, const TeannPairList *pl, const PetscInt el[], PetscInt i, const TeannTangent *V, const TeannTangent *U, const PetscReal *PETSC_RESTRICT O, PetscReal *PETSC_RESTRICT OdV, PetscReal *PETSC_RESTRICT OdU, PetscReal *PETSC_RESTRICT rhodV, PetscReal *PETSC_RESTRICT rhodU)
{
  const PetscInt  M = MonoCount(lmax);
  PetscReal       m[TEANN_MAX_MONO] = {0}, Fb[TEANN_MAX_WAVE], F1b[TEANN_MAX_WAVE], cF[TEANN_MAX_WAVE], cF1V[TEANN_MAX_WAVE], cF1U[TEANN_MAX_WAVE];
  PetscInt        np = 0;

  for (PetscInt q = 0; q < M * K; q++) OdV[q] = OdU[q] = 0;
  for (size_t ip = pl->start[i]; ip < pl->start[i + 1]; ip++) {
    const PetscInt j = pl->j[ip];
    PetscReal        v[3], vV[3], vU[3], r2, r, ir, rV, rU;
    const PetscReal *ce = c + el[j] * K, *F = Fb, *F1 = F1b;
    PairVector(pl, ip, i, j, v, &r2);
    r  = sqrt(r2);
    ir = 1 / r;
    rV = RadialTangent(V, i, j, v, vV) * ir;
    rU = RadialTangent(U, i, j, v, vU) * ir;
    if (PF) {
      F  = PF + 2 * K * np++;
      F1 = F + K;
    } else Radial1(d, K, pl, ip, r, eta + el[j] * K, s + el[j] * K, Fb, F1b);
    for (PetscInt k = 0; k < K; k++) {
      cF[k]   = ce[k] * F[k];
      cF1V[k] = ce[k] * F1[k] * rV;
      cF1U[k] = ce[k] * F1[k] * rU;
    }
    Mono(lmax, M, v, m);
    for (PetscInt k = 0; k < K; k++) { /* the constant monomial: m = 1, no derivative */
      OdV[k] += cF1V[k];
      OdU[k] += cF1U[k];
    }
    TEANN_UNROLL_MONO
    for (PetscInt a = 1; a < M; a++) {
      const PetscReal mV = MonoDir(m, a, vV), mU = MonoDir(m, a, vU), ma = m[a];
      PetscReal      *oV = OdV + a * K, *oU = OdU + a * K;
      TEANN_VECTOR_K
      for (PetscInt k = 0; k < K; k++) {
        oV[k] += cF1V[k] * ma + cF[k] * mV;
        oU[k] += cF1U[k] * ma + cF[k] * mU;
      }
    }
  }
  for (PetscInt f = 0; f < (lmax + 1) * K; f++) rhodV[f] = rhodU[f] = 0;
  TEANN_UNROLL_MONO
  for (PetscInt a = 0; a < M; a++) {
    const PetscReal w2 = 2 * MonoW[a], *o = O + a * K, *oV = OdV + a * K, *oU = OdU + a * K;
    PetscReal      *rV = rhodV + MonoL(a) * K, *rU = rhodU + MonoL(a) * K;
    TEANN_VECTOR_K
    for (PetscInt k = 0; k < K; k++) {
      rV[k] += w2 * o[k] * oV[k];
      rU[k] += w2 * o[k] * oU[k];
    }
  }
}

void TeannDescAtomTangent2(const TeannDesc *d, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const PetscReal PF[], const TeannPairList *pl, const PetscInt el[], PetscInt i, const TeannTangent *V, const TeannTangent *U, const PetscReal O[], PetscReal OdV[], PetscReal OdU[], PetscReal rhodV[], PetscReal rhodU[])
{
  if (d->K == 8 && d->lmax == 2) Tangent2K(d, 8, 2, c, eta, s, PF, pl, el, i, V, U, O, OdV, OdU, rhodV, rhodU);
  else Tangent2K(d, d->K, d->lmax, c, eta, s, PF, pl, el, i, V, U, O, OdV, OdU, rhodV, rhodU);
}

static inline void FieldPairBackwardK(const TeannDesc *d, const PetscInt K, const PetscInt lmax, const PetscReal *PETSC_RESTRICT c, const PetscReal *PETSC_RESTRICT eta, const PetscReal *PETSC_RESTRICT s, const PetscReal *PETSC_RESTRICT PF, const TeannPairList *pl, const PetscInt el[], PetscInt i, const TeannTangent *V, const TeannTangent *U, const PetscReal *PETSC_RESTRICT O, const PetscReal *PETSC_RESTRICT OdV, const PetscReal *PETSC_RESTRICT OdU, const PetscReal *PETSC_RESTRICT drho, const PetscReal *PETSC_RESTRICT bV, const PetscReal *PETSC_RESTRICT bU, PetscReal *PETSC_RESTRICT dO, PetscReal *PETSC_RESTRICT gc, PetscReal *PETSC_RESTRICT geta, PetscReal *PETSC_RESTRICT gs)
{
  const PetscInt  M = MonoCount(lmax), MK = M * K;
  PetscReal      *dQ = dO, *dV = dO + MK, *dU = dO + 2 * MK; /* dO has room for 3 M K */
  PetscReal       m[TEANN_MAX_MONO] = {0}, S[TEANN_MAX_WAVE], P[TEANN_MAX_WAVE], SQ[TEANN_MAX_WAVE], SV[TEANN_MAX_WAVE], SU[TEANN_MAX_WAVE], PV[TEANN_MAX_WAVE], PU[TEANN_MAX_WAVE];
  PairRadial      R;
  PetscInt        np = 0;

  /* the adjoint of O from drho and from both tangents; the adjoints of OdV, OdU */
  TEANN_UNROLL_MONO
  for (PetscInt a = 0; a < M; a++) {
    const PetscReal  w2 = 2 * MonoW[a], *dr = drho + MonoL(a) * K, *rV = bV + MonoL(a) * K, *rU = bU + MonoL(a) * K;
    const PetscReal *o = O + a * K, *oV = OdV + a * K, *oU = OdU + a * K;
    TEANN_VECTOR_K
    for (PetscInt k = 0; k < K; k++) {
      dQ[a * K + k] = w2 * (dr[k] * o[k] + rV[k] * oV[k] + rU[k] * oU[k]);
      dV[a * K + k] = w2 * rV[k] * o[k];
      dU[a * K + k] = w2 * rU[k] * o[k];
    }
  }
  for (size_t ip = pl->start[i]; ip < pl->start[i + 1]; ip++) {
    const PetscInt j = pl->j[ip];
    PetscReal        v[3], vV[3], vU[3], r2, r, ir, rV, rU;
    const PetscInt   e  = el[j];
    const PetscReal *ce = c + e * K;
    PairVector(pl, ip, i, j, v, &r2);
    r  = sqrt(r2);
    ir = 1 / r;
    rV = RadialTangent(V, i, j, v, vV) * ir;
    rU = RadialTangent(U, i, j, v, vU) * ir;
    Mono(lmax, M, v, m);
    /* five independent sums (chains of dependent multiply-adds limit this loop, not their number):
       F multiplies SQ + SV + SU, F' rV and F' rU multiply PV and PU */
    for (PetscInt k = 0; k < K; k++) {
      SQ[k] = dQ[k];
      PV[k] = dV[k];
      PU[k] = dU[k];
      SV[k] = SU[k] = 0;
    }
    TEANN_UNROLL_MONO
    for (PetscInt a = 1; a < M; a++) {
      const PetscReal mV = MonoDir(m, a, vV), mU = MonoDir(m, a, vU), mm = m[a], *q0 = dQ + a * K, *qV = dV + a * K, *qU = dU + a * K;
      TEANN_VECTOR_K
      for (PetscInt k = 0; k < K; k++) {
        SQ[k] += q0[k] * mm;
        SV[k] += qV[k] * mV;
        SU[k] += qU[k] * mU;
        PV[k] += qV[k] * mm;
        PU[k] += qU[k] * mm;
      }
    }
    for (PetscInt k = 0; k < K; k++) {
      S[k] = SQ[k] + (SV[k] + SU[k]);
      P[k] = PV[k] * rV + PU[k] * rU;
    }
    if (PF) { /* F = R f_c and F' from the cache; their eta and s derivatives follow from them:
                 dF/deta = -u^2 F, dF'/deta = -2u F - u^2 F', dF/ds = 2 eta u F, dF'/ds = 2 eta (F + u F') (u = r - s),
                 so with A = F S + F' P and B = F P the eta term is -u (u A + 2 B) and the s term 2 eta (u A + B) */
      const PetscReal *F = PF + 2 * K * np++, *F1 = F + K;
      PetscReal        A[TEANN_MAX_WAVE], B[TEANN_MAX_WAVE];
      for (PetscInt k = 0; k < K; k++) {
        A[k] = F[k] * S[k] + F1[k] * P[k];
        B[k] = F[k] * P[k];
        gc[e * K + k] += A[k];
      }
      if (geta) {
        const PetscReal *se = s + e * K;
        for (PetscInt k = 0; k < K; k++) {
          const PetscReal u = r - se[k];
          geta[e * K + k] -= ce[k] * u * (u * A[k] + 2 * B[k]);
        }
      }
      if (gs) {
        const PetscReal *ee = eta + e * K, *se = s + e * K;
        for (PetscInt k = 0; k < K; k++) gs[e * K + k] += 2 * ce[k] * ee[k] * ((r - se[k]) * A[k] + B[k]);
      }
      continue;
    }
    Radial2(d, r, eta + e * K, s + e * K, &R);
    for (PetscInt k = 0; k < K; k++) gc[e * K + k] += R.F[k] * S[k] + R.F1[k] * P[k];
    if (geta)
      for (PetscInt k = 0; k < K; k++) geta[e * K + k] += ce[k] * (R.Fe[k] * S[k] + R.F1e[k] * P[k]);
    if (gs)
      for (PetscInt k = 0; k < K; k++) gs[e * K + k] += ce[k] * (R.Fs[k] * S[k] + R.F1s[k] * P[k]);
  }
}

void TeannDescAtomFieldPairBackward(const TeannDesc *d, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const PetscReal PF[], const TeannPairList *pl, const PetscInt el[], PetscInt i, const TeannTangent *V, const TeannTangent *U, const PetscReal O[], const PetscReal OdV[], const PetscReal OdU[], const PetscReal drho[], const PetscReal bV[], const PetscReal bU[], PetscReal dO[], PetscReal gc[], PetscReal geta[], PetscReal gs[])
{
  if (d->K == 8 && d->lmax == 2) FieldPairBackwardK(d, 8, 2, c, eta, s, PF, pl, el, i, V, U, O, OdV, OdU, drho, bV, bU, dO, gc, geta, gs);
  else FieldPairBackwardK(d, d->K, d->lmax, c, eta, s, PF, pl, el, i, V, U, O, OdV, OdU, drho, bV, bU, dO, gc, geta, gs);
}

void TeannDescPairGeometry(const TeannDesc *d, const TeannPairList *pl, PetscInt n, PetscReal geo[])
{
  for (PetscInt i = 0; i < n; i++)
    for (size_t ip = pl->start[i]; ip < pl->start[i + 1]; ip++) {
      PetscReal v[3], r2, *g = geo + 3 * ip;
      PairVector(pl, ip, i, pl->j[ip], v, &r2); /* the same arithmetic as the kernels: their r equals g[0] */
      g[0] = sqrt(r2);
      Cutoff(g[0], d->rc, &g[1], &g[2]);
    }
}

static inline PetscInt PairRadialsK(const TeannDesc *d, const PetscInt K, const PetscReal eta[], const PetscReal s[], const TeannPairList *pl, const PetscInt el[], PetscInt i, PetscReal PF[])
{
  PetscInt np = 0;

  for (size_t ip = pl->start[i]; ip < pl->start[i + 1]; ip++) {
    const PetscInt j = pl->j[ip];
    PetscReal      v[3], r2;
    PairVector(pl, ip, i, j, v, &r2);
    if (PF) Radial1(d, K, pl, ip, sqrt(r2), eta + el[j] * K, s + el[j] * K, PF + 2 * K * np, PF + 2 * K * np + K);
    np++;
  }
  return np;
}

PetscInt TeannDescPairRadials(const TeannDesc *d, const PetscReal eta[], const PetscReal s[], const TeannPairList *pl, const PetscInt el[], PetscInt i, PetscReal PF[])
{
  if (d->K == 8) return PairRadialsK(d, 8, eta, s, pl, el, i, PF);
  return PairRadialsK(d, d->K, eta, s, pl, el, i, PF);
}
