/* Pair lists against brute force:
 *   tests/test-neighbours [-cells N] [-seed S]
 * N random frames: triclinic cells (some narrower than the cutoff, some with
 * a width below 2 r_c), every mix of periodic directions, atoms inside and far
 * outside the cell, and isolated molecules of 1-150 atoms. Brute force visits every atom and
 * every lattice translation that can reach the cutoff, in the fractional
 * coordinates of the cell itself (not the binning basis of the code under
 * test); the lists must hold the same (j, n) in the same order with the same
 * pair vectors, and the closest pair of TeannNeighboursCount must be the
 * brute-force one. */
#include <neighbours.h>
#include <math.h>
#include <stdlib.h>

static const char help[] = "Neighbour list test.\n";
static int        nfail  = 0;

#define CHECK(cond, ...) \
  do { \
    if (!(cond)) { \
      if (nfail++ < 20) { \
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "FAIL line %d: ", __LINE__)); \
        PetscCall(PetscPrintf(PETSC_COMM_SELF, __VA_ARGS__)); \
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "\n")); \
      } \
    } \
  } while (0)

static PetscReal Uniform(PetscRandom r, PetscReal a, PetscReal b)
{
  PetscReal u;
  (void)PetscRandomGetValueReal(r, &u);
  return a + (b - a) * u;
}

static void Inverse(const PetscReal H[9], PetscReal Hi[9])
{
  const PetscReal det = H[0] * (H[4] * H[8] - H[5] * H[7]) - H[1] * (H[3] * H[8] - H[5] * H[6]) + H[2] * (H[3] * H[7] - H[4] * H[6]);
  Hi[0] = (H[4] * H[8] - H[5] * H[7]) / det;
  Hi[1] = (H[2] * H[7] - H[1] * H[8]) / det;
  Hi[2] = (H[1] * H[5] - H[2] * H[4]) / det;
  Hi[3] = (H[5] * H[6] - H[3] * H[8]) / det;
  Hi[4] = (H[0] * H[8] - H[2] * H[6]) / det;
  Hi[5] = (H[2] * H[3] - H[0] * H[5]) / det;
  Hi[6] = (H[3] * H[7] - H[4] * H[6]) / det;
  Hi[7] = (H[1] * H[6] - H[0] * H[7]) / det;
  Hi[8] = (H[0] * H[4] - H[1] * H[3]) / det;
}

typedef struct {
  int       j, n[3];
  PetscReal v[3];
} Pair;

/* Brute force pairs of atom i, in (j, n) order: n_d runs over every integer with |ds_d + n_d| <= rc/w_d. */
static PetscInt Brute(const PetscReal H[9], PetscInt pbc, PetscInt n, const PetscReal x[], PetscReal rc, PetscInt i, Pair out[], PetscReal *rmin)
{
  PetscReal Hi[9], w[3], V;
  PetscInt  cnt = 0;

  TeannCellWidths(H, &V, w);
  Inverse(H, Hi);
  for (PetscInt j = 0; j < n; j++) {
    PetscReal ds[3], lo[3], hi[3];
    for (PetscInt d = 0; d < 3; d++) {
      ds[d] = 0;
      for (PetscInt q = 0; q < 3; q++) ds[d] += (x[3 * j + q] - x[3 * i + q]) * Hi[3 * q + d];
      if (pbc & (1 << d)) {
        lo[d] = ceil(-ds[d] - rc / w[d] - 1e-9);
        hi[d] = floor(-ds[d] + rc / w[d] + 1e-9);
      } else lo[d] = hi[d] = 0;
    }
    for (PetscReal a = lo[0]; a <= hi[0]; a++)
      for (PetscReal b = lo[1]; b <= hi[1]; b++)
        for (PetscReal c = lo[2]; c <= hi[2]; c++) {
          const PetscInt nn[3] = {(PetscInt)a, (PetscInt)b, (PetscInt)c};
          PetscReal      v[3], r2;
          if (j == i && !nn[0] && !nn[1] && !nn[2]) continue;
          for (PetscInt d = 0; d < 3; d++) {
            v[d] = x[3 * j + d] - x[3 * i + d];
            if (nn[0] || nn[1] || nn[2]) v[d] += nn[0] * H[d] + nn[1] * H[3 + d] + nn[2] * H[6 + d];
          }
          r2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
          if (!(r2 < rc * rc)) continue;
          *rmin = PetscMin(*rmin, sqrt(r2));
          out[cnt].j = (int)j;
          for (PetscInt d = 0; d < 3; d++) {
            out[cnt].n[d] = (int)nn[d];
            out[cnt].v[d] = v[d];
          }
          cnt++;
        }
  }
  return cnt;
}

/* One random frame: cell, pbc, n atoms. */
static void RandomFrame(PetscRandom r, PetscInt t, PetscReal rc, PetscReal H[9], PetscInt *pbc, PetscInt *n, PetscReal x[])
{
  const PetscInt kind = t % 6;
  PetscReal      L    = kind == 0 ? Uniform(r, 0.5, 0.95) * rc : (kind == 1 ? Uniform(r, 1.0, 1.9) * rc : Uniform(r, 2.1, 4) * rc);

  for (PetscInt q = 0; q < 9; q++) H[q] = (q % 4 == 0) ? L * Uniform(r, 0.8, 1.2) : L * Uniform(r, -0.35, 0.35);
  *pbc = kind == 5 ? 0 : (PetscInt)Uniform(r, 1, 8); /* 1..7, and isolated */
  if (*pbc > 7) *pbc = 7;
  /* isolated frames up to 150 atoms: the plain loop of small frames (up to 64) and the bins of larger ones */
  *n = (PetscInt)Uniform(r, 1, kind == 0 ? 8 : (kind == 5 ? 150 : 40));
  for (PetscInt i = 0; i < *n; i++) {
    PetscReal s[3];
    for (PetscInt d = 0; d < 3; d++) s[d] = Uniform(r, -0.2, 1.2) + (i % 5 == 0 ? floor(Uniform(r, -3, 3)) : 0); /* some unwrapped */
    for (PetscInt d = 0; d < 3; d++) x[3 * i + d] = s[0] * H[d] + s[1] * H[3 + d] + s[2] * H[6 + d];
  }
}

int main(int argc, char **argv)
{
  PetscInt    ncells = 300, seed = 7, maxp = 200000;
  PetscRandom r;
  Pair       *bp;
  PetscReal   x[3 * 150], H[9];

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-cells", &ncells, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-seed", &seed, NULL));
  PetscCall(PetscRandomCreate(PETSC_COMM_SELF, &r));
  PetscCall(PetscRandomSetSeed(r, (unsigned long)seed));
  PetscCall(PetscRandomSeed(r));
  PetscCall(PetscMalloc1(maxp, &bp));
  for (PetscInt t = 0; t < ncells; t++) {
    const PetscReal rc = Uniform(r, 2.0, 6.0);
    PetscInt        pbc, n, imin, jmin, total = 0;
    PetscReal       rmin, brmin = PETSC_MAX_REAL;
    size_t          np;
    TeannFrames     fr;
    TeannNeighbours *nb;
    TeannPairList    pl;

    RandomFrame(r, t, rc, H, &pbc, &n, x);
    PetscCall(TeannFramesCreate(&fr));
    PetscCall(TeannFramesAllocate(fr, 1, n));
    fr->atom_start[1] = n;
    for (PetscInt i = 0; i < n; i++) fr->Z[i] = 8;
    PetscCall(PetscArraycpy(fr->x, x, 3 * n));
    PetscCall(PetscArraycpy(fr->cell, H, 9));
    fr->pbc[0] = pbc;
    PetscCall(TeannNeighboursCreate(fr, rc, &nb));
    TeannNeighboursFrame(nb, 0, x, &pl);
    for (PetscInt i = 0; i < n; i++) {
      const PetscInt m = Brute(pbc ? H : H, pbc, n, x, rc, i, bp + total, &brmin), got = (PetscInt)(pl.start[i + 1] - pl.start[i]);
      CHECK(m == got, "frame %" PetscInt_FMT " (pbc %" PetscInt_FMT ", rc %g): atom %" PetscInt_FMT " has %" PetscInt_FMT " pairs, brute force %" PetscInt_FMT, t, pbc, (double)rc, i, got, m);
      for (PetscInt p = 0; p < PetscMin(m, got); p++) {
        const Pair      *b = bp + total + p;
        const PetscInt   jj = pl.j[pl.start[i] + p];
        const PetscReal *sh = pl.s + 3 * (pl.start[i] + p);
        PetscReal        e  = 0;
        for (PetscInt d = 0; d < 3; d++) e = PetscMax(e, PetscAbsReal((x[3 * jj + d] - x[3 * i + d]) + sh[d] - b->v[d]));
        CHECK(pl.j[pl.start[i] + p] == b->j && e < 1e-12, "frame %" PetscInt_FMT ": atom %" PetscInt_FMT " pair %" PetscInt_FMT ": j %d, expected %d (n %d %d %d), |dv| %g", t, i, p, pl.j[pl.start[i] + p], b->j, b->n[0], b->n[1], b->n[2], (double)e);
      }
      total += m;
      CHECK(total < maxp, "too many pairs for the test's buffer");
      if (total >= maxp) break;
    }
    PetscCall(TeannNeighboursCount(H, pbc, n, x, rc, NULL, &np, &imin, &jmin, &rmin));
    CHECK((PetscInt)np == total, "frame %" PetscInt_FMT ": TeannNeighboursCount %zu pairs, brute force %" PetscInt_FMT, t, np, total);
    CHECK(brmin == PETSC_MAX_REAL ? imin == -1 : PetscAbsReal(rmin - brmin) < 1e-12, "frame %" PetscInt_FMT ": closest pair %g, brute force %g", t, (double)rmin, (double)brmin);
    if (!pbc) { /* an isolated molecule: every j != i in increasing order, v = x_j - x_i exactly */
      for (PetscInt i = 0; i < n; i++) {
        PetscInt p = (PetscInt)pl.start[i];
        for (PetscInt j = 0; j < n; j++) {
          PetscReal v[3] = {x[3 * j] - x[3 * i], x[3 * j + 1] - x[3 * i + 1], x[3 * j + 2] - x[3 * i + 2]};
          if (j == i || !(v[0] * v[0] + v[1] * v[1] + v[2] * v[2] < rc * rc)) continue;
          CHECK(pl.j[p] == j && pl.s[3 * p] == 0 && pl.s[3 * p + 1] == 0 && pl.s[3 * p + 2] == 0, "isolated frame %" PetscInt_FMT ": atom %" PetscInt_FMT " pair %" PetscInt_FMT " is not j = %" PetscInt_FMT " without shift", t, i, p, j);
          p++;
        }
      }
    }
    PetscCall(TeannNeighboursDestroy(&nb));
    PetscCall(TeannFramesDestroy(&fr));
  }
  { /* a singular and a non-finite cell are refused, a zero vector along a direction that is not periodic is not */
    PetscReal S[9] = {5, 0, 0, 0, 5, 0, 5, 5, 0}, Z[9] = {5, 0, 0, 0, 5, 0, 0, 0, 0}, N[9] = {5, 0, 0, 0, NAN, 0, 0, 0, 5};
    PetscBool ok;
    char      why[256];
    PetscCall(TeannCellCheck(S, 7, why, sizeof(why), &ok));
    CHECK(!ok && strstr(why, "linearly dependent"), "singular cell accepted (%s)", why);
    PetscCall(TeannCellCheck(Z, 3, why, sizeof(why), &ok));
    CHECK(ok, "a zero vector along a direction that is not periodic refused: %s", why);
    PetscCall(TeannCellCheck(Z, 7, why, sizeof(why), &ok));
    CHECK(!ok, "a zero periodic vector accepted");
    PetscCall(TeannCellCheck(N, 7, why, sizeof(why), &ok));
    CHECK(!ok && strstr(why, "non-finite"), "non-finite cell accepted (%s)", why);
  }
  PetscCall(PetscFree(bp));
  PetscCall(PetscRandomDestroy(&r));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "test-neighbours: %" PetscInt_FMT " frames, %d failures\n", ncells, nfail));
  PetscCall(PetscFinalize());
  return nfail ? 1 : 0;
}
