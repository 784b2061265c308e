/* Pair lists by linked cells (neighbours.h, design 2.6).
 * Atoms are binned in fractional coordinates of a binning basis: the periodic
 * lattice vectors of the frame, completed by orthonormal vectors along the
 * directions that are not periodic (an isolated molecule: the Cartesian axes).
 * A bin is at least r_c/reach wide between its faces, so every pair within r_c
 * lies within reach bins along each axis; along a periodic axis the bin index
 * wraps and the wrap is the lattice translation. The per-frame kernels are
 * plain C (they run inside OpenMP regions) and report failure by return code. */
#include "neighbours.h"
#include "logimpl.h"
#include <math.h>
#include <stdlib.h>

#define TEANN_MAX_BINS_PER_ATOM 4   /* bins per atom at most: sparse frames get wider bins, not more */
#define TEANN_MAX_IMAGES        1e6 /* bins visited per atom: beyond it the cell is far too small for r_c */
#define TEANN_BRUTE_ATOMS       64  /* isolated frames up to this size: every atom pair, no grid */

static PetscReal Det3(const PetscReal H[9])
{
  return H[0] * (H[4] * H[8] - H[5] * H[7]) - H[1] * (H[3] * H[8] - H[5] * H[6]) + H[2] * (H[3] * H[7] - H[4] * H[6]);
}

static void Cross(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

static PetscReal Norm(const PetscReal a[3])
{
  return sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
}

void TeannCellWidths(const PetscReal H[9], PetscReal *volume, PetscReal width[3])
{
  const PetscReal V = PetscAbsReal(Det3(H));

  for (PetscInt d = 0; d < 3; d++) {
    PetscReal c[3];
    Cross(H + 3 * ((d + 1) % 3), H + 3 * ((d + 2) % 3), c);
    width[d] = Norm(c) > 0 ? V / Norm(c) : 0;
  }
  if (volume) *volume = V;
}

PetscErrorCode TeannCellCheck(const PetscReal H[9], PetscInt pbc, char why[], size_t len, PetscBool *ok)
{
  PetscReal p[9], c[3], rel = 0;
  PetscInt  np = 0;

  PetscFunctionBegin;
  *ok = PETSC_TRUE;
  if (why && len) why[0] = 0;
  for (PetscInt q = 0; q < 9; q++)
    if (!isfinite(H[q])) {
      *ok = PETSC_FALSE;
      if (why) PetscCall(PetscSNPrintf(why, len, "the cell has a non-finite component"));
      PetscFunctionReturn(0);
    }
  for (PetscInt d = 0; d < 3; d++)
    if (pbc & (1 << d)) {
      for (PetscInt q = 0; q < 3; q++) p[3 * np + q] = H[3 * d + q];
      np++;
    }
  /* only the periodic vectors translate atoms: they must be independent beyond round-off */
  if (np == 1) rel = Norm(p) > 0 ? 1 : 0;
  else if (np == 2) {
    Cross(p, p + 3, c);
    rel = Norm(p) * Norm(p + 3) > 0 ? Norm(c) / (Norm(p) * Norm(p + 3)) : 0;
  } else if (np == 3) {
    PetscReal n = Norm(p) * Norm(p + 3) * Norm(p + 6);
    rel = n > 0 ? PetscAbsReal(Det3(p)) / n : 0;
  } else rel = 1;
  if (rel < 1e-6) {
    *ok = PETSC_FALSE;
    if (why) PetscCall(PetscSNPrintf(why, len, "the periodic lattice vectors are %s (relative %s %.3g)", np == 1 ? "zero" : "linearly dependent", np == 2 ? "area" : "volume", (double)rel));
  }
  PetscFunctionReturn(0);
}

/* The binning basis B (rows) and its inverse: periodic vectors of H, others completed orthonormally. */
static void BinningBasis(const PetscReal H[], PetscInt pbc, PetscReal B[9], PetscReal Bi[9])
{
  PetscInt per[3], np = 0;

  for (PetscInt d = 0; d < 3; d++) {
    per[d] = (pbc >> d) & 1;
    np += per[d];
    for (PetscInt q = 0; q < 3; q++) B[3 * d + q] = (d == q);
  }
  if (np == 3 || np == 0) {
    if (np == 3)
      for (PetscInt q = 0; q < 9; q++) B[q] = H[q];
  } else if (np == 2) {
    PetscInt  a = per[0] ? 0 : 1, b = per[2] ? 2 : 1, o = 3 - a - b;
    PetscReal c[3], n;
    for (PetscInt q = 0; q < 3; q++) {
      B[3 * a + q] = H[3 * a + q];
      B[3 * b + q] = H[3 * b + q];
    }
    Cross(H + 3 * a, H + 3 * b, c);
    n = Norm(c);
    for (PetscInt q = 0; q < 3; q++) B[3 * o + q] = c[q] / n;
  } else { /* one periodic vector a: two unit vectors perpendicular to it */
    PetscInt        a = per[0] ? 0 : (per[1] ? 1 : 2), o1 = (a + 1) % 3, o2 = (a + 2) % 3, m = 0;
    const PetscReal *va = H + 3 * a;
    PetscReal        u[3], w[3], na = Norm(va), t, nu;
    for (PetscInt q = 1; q < 3; q++)
      if (PetscAbsReal(va[q]) < PetscAbsReal(va[m])) m = q;
    for (PetscInt q = 0; q < 3; q++) u[q] = (q == m) - va[m] * va[q] / (na * na);
    nu = Norm(u);
    for (PetscInt q = 0; q < 3; q++) u[q] /= nu;
    Cross(va, u, w);
    t = Norm(w);
    for (PetscInt q = 0; q < 3; q++) {
      B[3 * a + q]  = va[q];
      B[3 * o1 + q] = u[q];
      B[3 * o2 + q] = w[q] / t;
    }
  }
  { /* inverse by the adjugate: s = x Bi */
    const PetscReal det = Det3(B);
    Bi[0] = (B[4] * B[8] - B[5] * B[7]) / det;
    Bi[1] = (B[2] * B[7] - B[1] * B[8]) / det;
    Bi[2] = (B[1] * B[5] - B[2] * B[4]) / det;
    Bi[3] = (B[5] * B[6] - B[3] * B[8]) / det;
    Bi[4] = (B[0] * B[8] - B[2] * B[6]) / det;
    Bi[5] = (B[2] * B[3] - B[0] * B[5]) / det;
    Bi[6] = (B[3] * B[7] - B[4] * B[6]) / det;
    Bi[7] = (B[1] * B[6] - B[0] * B[7]) / det;
    Bi[8] = (B[0] * B[4] - B[1] * B[3]) / det;
  }
}

void TeannCellPeriodicWidths(const PetscReal H[9], PetscInt pbc, PetscReal width[3])
{
  PetscReal B[9], Bi[9];

  BinningBasis(H, pbc, B, Bi);
  TeannCellWidths(B, NULL, width);
}

typedef struct {
  PetscReal s[3];
  int       j, n[3];
} PairRec;

/* (j, n) in lexicographic order */
static int PairCmp(const void *a, const void *b)
{
  const PairRec *p = (const PairRec *)a, *q = (const PairRec *)b;
  if (p->j != q->j) return (p->j > q->j) - (p->j < q->j);
  for (PetscInt d = 0; d < 3; d++)
    if (p->n[d] != q->n[d]) return (p->n[d] > q->n[d]) - (p->n[d] < q->n[d]);
  return 0;
}

/* The grid of one frame. */
typedef struct {
  PetscReal B[9], Bi[9], H[9];
  PetscInt  per[3], nb[3], reach[3];
  PetscReal lo[3], bs[3]; /* non-periodic axes: first bin's lower edge and bin size in s */
  int      *bin, *cstart, *catom, *k; /* [n], [nbins+1], [n], [3n] */
  PetscBool brute;                    /* an isolated frame of at most TEANN_BRUTE_ATOMS: no bins */
} Grid;

static int GridBuild(const PetscReal cell[], PetscInt pbc, PetscInt n, const PetscReal x[], PetscReal rc, Grid *g)
{
  PetscReal w[3], hi[3], *s;
  double    nbins;

  if (!cell) pbc = 0;
  /* a small molecule fits in a few bins, each atom's neighbourhood is then the whole frame: a plain
     loop over its atoms visits the same candidates without the bins' bookkeeping (a third of the
     time of teann-predict on 48-atom clusters), in the order of the sorted lists */
  g->brute = (PetscBool)(!pbc && n <= TEANN_BRUTE_ATOMS);
  g->bin = g->cstart = g->catom = g->k = NULL;
  if (g->brute) return 0;
  for (PetscInt q = 0; q < 9; q++) g->H[q] = cell ? cell[q] : 0;
  BinningBasis(g->H, pbc, g->B, g->Bi);
  TeannCellWidths(g->B, NULL, w);
  s = (PetscReal *)malloc(sizeof(PetscReal) * 3 * (size_t)PetscMax(n, 1));
  g->bin = (int *)malloc(sizeof(int) * (size_t)PetscMax(n, 1));
  g->catom = (int *)malloc(sizeof(int) * (size_t)PetscMax(n, 1));
  g->k = (int *)malloc(sizeof(int) * 3 * (size_t)PetscMax(n, 1));
  g->cstart = NULL;
  if (!s || !g->bin || !g->catom || !g->k) {
    free(s);
    return 1;
  }
  for (PetscInt d = 0; d < 3; d++) {
    g->per[d] = (pbc >> d) & 1;
    g->lo[d]  = PETSC_MAX_REAL;
    hi[d]     = -PETSC_MAX_REAL;
  }
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt d = 0; d < 3; d++) {
      PetscReal sd = x[3 * i] * g->Bi[d] + x[3 * i + 1] * g->Bi[3 + d] + x[3 * i + 2] * g->Bi[6 + d];
      if (g->per[d]) {
        PetscReal f = floor(sd);
        g->k[3 * i + d] = (int)f;
        sd -= f;
      } else g->k[3 * i + d] = 0;
      s[3 * i + d] = sd;
      g->lo[d]     = PetscMin(g->lo[d], sd);
      hi[d]        = PetscMax(hi[d], sd);
    }
  /* bins at least r_c wide, as few as the atoms warrant */
  for (PetscInt d = 0; d < 3; d++) {
    if (g->per[d]) g->nb[d] = PetscMax(1, (PetscInt)floor(w[d] / rc));
    else {
      g->bs[d] = rc / w[d];
      g->nb[d] = n ? (PetscInt)floor((hi[d] - g->lo[d]) / g->bs[d]) + 1 : 1;
    }
  }
  for (;;) {
    PetscBool grown = PETSC_FALSE;
    nbins = (double)g->nb[0] * g->nb[1] * g->nb[2];
    if (nbins <= TEANN_MAX_BINS_PER_ATOM * (double)n + 8) break;
    for (PetscInt d = 0; d < 3; d++) {
      if (g->nb[d] == 1) continue;
      grown = PETSC_TRUE;
      if (g->per[d]) g->nb[d] /= 2;
      else {
        g->bs[d] *= 2;
        g->nb[d] = (PetscInt)floor((hi[d] - g->lo[d]) / g->bs[d]) + 1;
      }
    }
    if (!grown) break;
  }
  for (PetscInt d = 0; d < 3; d++) g->reach[d] = g->per[d] ? (PetscInt)ceil(rc * g->nb[d] / w[d]) : 1;
  if ((2.0 * g->reach[0] + 1) * (2.0 * g->reach[1] + 1) * (2.0 * g->reach[2] + 1) > TEANN_MAX_IMAGES) {
    free(s);
    return 2;
  }
  g->cstart = (int *)calloc((size_t)nbins + 1, sizeof(int));
  if (!g->cstart) {
    free(s);
    return 1;
  }
  for (PetscInt i = 0; i < n; i++) {
    PetscInt b[3];
    for (PetscInt d = 0; d < 3; d++) {
      b[d] = g->per[d] ? (PetscInt)(s[3 * i + d] * g->nb[d]) : (PetscInt)((s[3 * i + d] - g->lo[d]) / g->bs[d]);
      b[d] = PetscMin(PetscMax(b[d], 0), g->nb[d] - 1);
    }
    g->bin[i] = (int)((b[0] * g->nb[1] + b[1]) * g->nb[2] + b[2]);
    g->cstart[g->bin[i] + 1]++;
  }
  for (size_t c = 0; c < (size_t)nbins; c++) g->cstart[c + 1] += g->cstart[c];
  { /* counting sort: atoms of a bin in increasing index */
    int *next = (int *)malloc(sizeof(int) * (size_t)nbins);
    if (!next) {
      free(s);
      return 1;
    }
    for (size_t c = 0; c < (size_t)nbins; c++) next[c] = g->cstart[c];
    for (PetscInt i = 0; i < n; i++) g->catom[next[g->bin[i]]++] = (int)i;
    free(next);
  }
  free(s);
  return 0;
}

static void GridFree(Grid *g)
{
  free(g->bin);
  free(g->cstart);
  free(g->catom);
  free(g->k);
}

static inline PetscInt FloorDiv(PetscInt a, PetscInt b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* Pair (i, j) with image nn and shift sh, when r2 is within the cutoff: the closest so far into
   rmin, jmin (rmin NULL: skip), written to out (NULL: counted only). Returns 1 if kept. */
static inline PetscInt KeepPair(PetscReal r2, PetscReal rc2, PetscInt j, const PetscInt nn[3], const PetscReal sh[3], PairRec *out, PetscReal *rmin, PetscInt *jmin)
{
  if (!(r2 < rc2)) return 0;
  if (rmin && r2 < *rmin) {
    *rmin = r2;
    *jmin = j;
  }
  if (out) {
    out->j = (int)j;
    for (PetscInt d = 0; d < 3; d++) {
      out->n[d] = (int)nn[d];
      out->s[d] = sh[d];
    }
  }
  return 1;
}

/* AtomPairs of an isolated frame without bins: every other atom, in increasing j (sorted already),
   with the same arithmetic as the binned visit, so the lists are the same. */
static PetscInt BrutePairs(PetscInt n, const PetscReal x[], PetscReal rc2, PetscInt i, PairRec *out, PetscReal *rmin, PetscInt *jmin)
{
  const PetscInt  nn[3] = {0, 0, 0};
  const PetscReal sh[3] = {0, 0, 0};
  PetscInt        cnt   = 0;

  for (PetscInt j = 0; j < n; j++) {
    PetscReal v[3];
    if (j == i) continue;
    for (PetscInt d = 0; d < 3; d++) v[d] = (x[3 * j + d] - x[3 * i + d]) + sh[d];
    cnt += KeepPair(v[0] * v[0] + v[1] * v[1] + v[2] * v[2], rc2, j, nn, sh, out ? out + cnt : NULL, rmin, jmin);
  }
  return cnt;
}

/* AtomPairs through the bins. */
static PetscInt BinnedPairs(const Grid *g, PetscInt n, const PetscReal x[], PetscReal rc2, PetscInt i, PairRec *out, PetscReal *rmin, PetscInt *jmin)
{
  const PetscInt b = g->bin[i], bi[3] = {b / (g->nb[1] * g->nb[2]), (b / g->nb[2]) % g->nb[1], b % g->nb[2]};
  PetscInt       cnt = 0;

  for (PetscInt o0 = -g->reach[0]; o0 <= g->reach[0]; o0++) {
    PetscInt t0 = bi[0] + o0, s0 = 0;
    if (g->per[0]) {
      s0 = FloorDiv(t0, g->nb[0]);
      t0 -= s0 * g->nb[0];
    } else if (t0 < 0 || t0 >= g->nb[0]) continue;
    for (PetscInt o1 = -g->reach[1]; o1 <= g->reach[1]; o1++) {
      PetscInt t1 = bi[1] + o1, s1 = 0;
      if (g->per[1]) {
        s1 = FloorDiv(t1, g->nb[1]);
        t1 -= s1 * g->nb[1];
      } else if (t1 < 0 || t1 >= g->nb[1]) continue;
      for (PetscInt o2 = -g->reach[2]; o2 <= g->reach[2]; o2++) {
        PetscInt t2 = bi[2] + o2, s2 = 0, c;
        if (g->per[2]) {
          s2 = FloorDiv(t2, g->nb[2]);
          t2 -= s2 * g->nb[2];
        } else if (t2 < 0 || t2 >= g->nb[2]) continue;
        c = (t0 * g->nb[1] + t1) * g->nb[2] + t2;
        for (PetscInt q = g->cstart[c]; q < g->cstart[c + 1]; q++) {
          const PetscInt j = g->catom[q];
          /* the image of j in this bin, as a translation of the positions as given */
          const PetscInt nn[3] = {s0 - g->k[3 * j] + g->k[3 * i], s1 - g->k[3 * j + 1] + g->k[3 * i + 1], s2 - g->k[3 * j + 2] + g->k[3 * i + 2]};
          PetscReal      v[3], sh[3], r2;
          if (j == i && !nn[0] && !nn[1] && !nn[2]) continue;
          for (PetscInt d = 0; d < 3; d++) {
            sh[d] = (nn[0] || nn[1] || nn[2]) ? nn[0] * g->H[d] + nn[1] * g->H[3 + d] + nn[2] * g->H[6 + d] : 0;
            v[d]  = (x[3 * j + d] - x[3 * i + d]) + sh[d];
          }
          r2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
          cnt += KeepPair(r2, rc2, j, nn, sh, out ? out + cnt : NULL, rmin, jmin);
        }
      }
    }
  }
  (void)n;
  return cnt;
}

/* Visit the pairs of atom i: out NULL counts them; else writes them to out (unsorted, but in
   increasing j without bins), with keys. */
static PetscInt AtomPairs(const Grid *g, PetscInt n, const PetscReal x[], PetscReal rc2, PetscInt i, PairRec *out, PetscReal *rmin, PetscInt *jmin)
{
  if (g->brute) return BrutePairs(n, x, rc2, i, out, rmin, jmin);
  return BinnedPairs(g, n, x, rc2, i, out, rmin, jmin);
}

/* Atom i's pairs sorted into j[], sh[] (cnt of them), through the scratch rec. */
static void AtomFill(const Grid *g, PetscInt n, const PetscReal x[], PetscReal rc2, PetscInt i, PairRec rec[], int j[], PetscReal sh[])
{
  const PetscInt cnt = AtomPairs(g, n, x, rc2, i, rec, NULL, NULL);

  if (!g->brute) qsort(rec, (size_t)cnt, sizeof(PairRec), PairCmp);
  for (PetscInt p = 0; p < cnt; p++) {
    j[p] = rec[p].j;
    for (PetscInt d = 0; d < 3; d++) sh[3 * p + d] = rec[p].s[d];
  }
}

PetscErrorCode TeannNeighboursCount(const PetscReal cell[], PetscInt pbc, PetscInt n, const PetscReal x[], PetscReal rc, PetscInt cnt[], size_t *npairs, PetscInt *imin, PetscInt *jmin, PetscReal *rmin)
{
  Grid      g;
  int       err;
  PetscReal best = PETSC_MAX_REAL;
  PetscInt  ib = -1, jb = -1;
  size_t    tot = 0;

  PetscFunctionBegin;
  err = GridBuild(cell, pbc, n, x, rc, &g);
  if (err) GridFree(&g);
  PetscCheck(err != 1, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory building the pair lists of %" PetscInt_FMT " atoms", n);
  PetscCheck(err != 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "the cell is far too small for the cutoff %g Angstrom (over %g images per atom)", (double)rc, (double)TEANN_MAX_IMAGES);
  for (PetscInt i = 0; i < n; i++) {
    PetscReal r2 = best;
    PetscInt  jj = -1, c = AtomPairs(&g, n, x, rc * rc, i, NULL, &r2, &jj);
    if (cnt) cnt[i] = c;
    tot += (size_t)c;
    if (jj >= 0 && r2 < best) {
      best = r2;
      ib   = i;
      jb   = jj;
    }
  }
  GridFree(&g);
  if (npairs) *npairs = tot;
  if (imin) *imin = ib;
  if (jmin) *jmin = jb;
  if (rmin) *rmin = ib >= 0 ? sqrt(best) : PETSC_MAX_REAL;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannNeighboursCreate(TeannFrames fr, PetscReal rc, TeannNeighbours **nbp)
{
  TeannNeighbours *nb;
  PetscInt         bad = -1, badcode = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TEANN_EVENT_Neighbours, 0, 0, 0, 0));
  PetscCall(PetscNew(&nb));
  nb->rc     = rc;
  nb->natoms = fr->natoms;
  PetscCall(PetscCalloc1((size_t)fr->natoms + 1, &nb->start));
  /* pass 1: counts per atom (start[a+1]) */
#pragma omp parallel for schedule(dynamic, 8)
  for (PetscInt f = 0; f < fr->nframes; f++) {
    const PetscInt a0 = fr->atom_start[f], n = fr->atom_start[f + 1] - a0;
    Grid           g;
    int            err = GridBuild(fr->cell + 9 * f, fr->pbc[f], n, fr->x + 3 * a0, rc, &g);
    if (!err)
      for (PetscInt i = 0; i < n; i++) nb->start[a0 + i + 1] = (size_t)AtomPairs(&g, n, fr->x + 3 * a0, rc * rc, i, NULL, NULL, NULL);
    GridFree(&g);
    if (err) {
#pragma omp critical(teann_neighbours)
      if (bad < 0 || f < bad) {
        bad     = f;
        badcode = err;
      }
    }
  }
  PetscCheck(bad < 0 || badcode != 1, PETSC_COMM_SELF, PETSC_ERR_MEM, "%s: frame %" PetscInt_FMT ": out of memory building its pair lists", fr->source, fr->frame_id[bad] + 1);
  PetscCheck(bad < 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: frame %" PetscInt_FMT ": the cell is far too small for the cutoff %g Angstrom", fr->source, fr->frame_id[bad] + 1, (double)rc);
  for (PetscInt a = 0; a < fr->natoms; a++) nb->start[a + 1] += nb->start[a];
  nb->npairs = nb->start[fr->natoms];
  PetscCall(PetscMalloc2(nb->npairs + 1, &nb->j, 3 * nb->npairs + 1, &nb->s));
  /* pass 2: the sorted pairs */
#pragma omp parallel for schedule(dynamic, 8)
  for (PetscInt f = 0; f < fr->nframes; f++) {
    const PetscInt a0 = fr->atom_start[f], n = fr->atom_start[f + 1] - a0;
    size_t         mx = 1;
    Grid           g;
    PairRec       *rec;
    int            err = GridBuild(fr->cell + 9 * f, fr->pbc[f], n, fr->x + 3 * a0, rc, &g);
    for (PetscInt i = 0; i < n; i++) mx = PetscMax(mx, nb->start[a0 + i + 1] - nb->start[a0 + i]);
    rec = err ? NULL : (PairRec *)malloc(mx * sizeof(PairRec));
    if (rec)
      for (PetscInt i = 0; i < n; i++) AtomFill(&g, n, fr->x + 3 * a0, rc * rc, i, rec, nb->j + nb->start[a0 + i], nb->s + 3 * nb->start[a0 + i]);
    free(rec);
    GridFree(&g);
    if (!rec) {
#pragma omp critical(teann_neighbours)
      bad = f;
    }
  }
  PetscCheck(bad < 0, PETSC_COMM_SELF, PETSC_ERR_MEM, "%s: frame %" PetscInt_FMT ": out of memory building its pair lists", fr->source, fr->frame_id[bad] + 1);
  PetscCall(PetscInfo(NULL, "pair lists with cutoff %g: %zu pairs of %" PetscInt_FMT " atoms, %zu bytes\n", (double)rc, nb->npairs, fr->natoms, TeannNeighboursBytes(nb)));
  PetscCall(PetscLogEventEnd(TEANN_EVENT_Neighbours, 0, 0, 0, 0));
  *nbp = nb;
  PetscFunctionReturn(0);
}

size_t TeannNeighboursBytes(const TeannNeighbours *nb)
{
  return ((size_t)nb->natoms + 1) * sizeof(size_t) + nb->npairs * (sizeof(int) + 3 * sizeof(PetscReal));
}

PetscErrorCode TeannNeighboursDestroy(TeannNeighbours **nbp)
{
  PetscFunctionBegin;
  if (!*nbp) PetscFunctionReturn(0);
  PetscCall(PetscFree((*nbp)->start));
  PetscCall(PetscFree2((*nbp)->j, (*nbp)->s));
  PetscCall(PetscFree(*nbp));
  PetscFunctionReturn(0);
}

void TeannNeighboursFrame(const TeannNeighbours *nb, PetscInt a0, const PetscReal x[], TeannPairList *pl)
{
  pl->start = nb->start + a0;
  pl->j     = nb->j;
  pl->s     = nb->s;
  pl->x     = x;
  pl->geo   = NULL;
}
