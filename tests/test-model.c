/* Checks of the model core on real frames (-data FILE, first -nframes N):
 *   -check grad      central differences vs the analytic loss gradient, every block
 *   -check posgrad   central differences vs TeannEvalPositionGradient
 *   -check equiv     rotations (proper, and improper for the dipole), translations,
 *                    permutations of like atoms; transition dipole sign-free loss
 *   -check threads   loss and gradient for 1 and 2 OpenMP threads
 *   -check jacobian  residuals and Jacobian against the loss, gradient and differences
 *   -check fixradial the pair cache gives the loss and gradient of the general path
 *   -check periodic  a cell's predictions do not change when an atom is wrapped by a
 *                    lattice vector; a 2x2x2 supercell predicts 8 times its cell; a
 *                    molecule in a periodic cell 3 r_c wide predicts as the isolated one
 * -make_periodic L: the checks run on periodic frames made from the molecules of the
 * data: -molecules M of them at jittered sites of a skewed cell about L Angstrom wide,
 * labelled with the sum of their polarizabilities (the polarizability is extensive).
 * -atomic_labels: every O atom gets a per-atom dipole label (0.3 A along its HOH
 * bisector), the H atoms none, for the checks of the atomic_dipole head; the equivariance
 * and periodic checks then compare the per-atom predictions too.
 * Model options (-teann_*) apply. Parameters are random, not the initial ones,
 * so that the zero last layer cannot hide errors. Prints one line per check
 * and fails (nonzero exit) past the tolerance. */
#include "model.h"
#include "modelimpl.h"
#include <petscviewer.h>
#include <math.h>
#if defined(_OPENMP)
  #include <omp.h>
#endif

static PetscReal Rand(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z          = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (PetscReal)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

/* fix: -1 as the options say, else 0/1 for -teann_fix_radial off/on */
/* Fourth-order central differences: with h ~ 1e-3 both truncation (h^4) and
   round-off (eps/h) stay near 1e-12 relative, where the two-point formula
   cannot resolve blocks whose gradient is small against the loss. */
static const PetscReal stencil[4] = {-2, -1, 1, 2};
static PetscReal FD4(const PetscReal f[4], PetscReal h) { return (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h); }

static PetscErrorCode ModelFor(TeannFrames fr, PetscInt fix, TeannModel *model)
{
  PetscInt nel, *Z;

  PetscFunctionBegin;
  PetscCall(TeannModelCreate(PETSC_COMM_SELF, model));
  PetscCall(TeannModelSetFromOptions(*model));
  if (fix >= 0) (*model)->fix_radial = fix ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(TeannFramesGetElements(fr, &nel, &Z));
  { /* -model_elements 1,8: a model for other elements than the frames hold (error test) */
    PetscInt  zz[TEANN_MAX_ELEMENTS], nz = TEANN_MAX_ELEMENTS;
    PetscBool set;
    PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-model_elements", zz, &nz, &set));
    if (set) {
      nel = nz;
      for (PetscInt e = 0; e < nz; e++) Z[e] = zz[e];
    }
  }
  PetscCall(TeannModelSetElements(*model, nel, Z));
  PetscCall(PetscFree(Z));
  PetscCall(TeannModelSetUp(*model));
  PetscFunctionReturn(0);
}

/* Initial parameters plus noise of the size of each block's scale. */
static PetscErrorCode RandomTheta(TeannModel m, PetscInt seed, PetscReal theta[])
{
  TeannModelImpl *im = (TeannModelImpl *)m->impl;
  uint64_t        s  = 1234567 + seed;
  const PetscInt  nk = m->nel * m->nwave;

  PetscFunctionBegin;
  PetscCall(TeannModelInitialParameters(m, seed, theta));
  for (PetscInt q = 0; q < nk; q++) {
    theta[im->off_c + q] *= 1 + 0.5 * (2 * Rand(&s) - 1);
    theta[im->off_eta + q] *= 1 + 0.5 * (2 * Rand(&s) - 1);
    theta[im->off_s + q] += 0.3 * (2 * Rand(&s) - 1);
  }
  for (PetscInt q = im->off_s + nk; q < m->nparam; q++) theta[q] += 0.2 * (2 * Rand(&s) - 1);
  for (PetscInt ch = 0; ch < im->nchan; ch++) /* fields entering quadratically (h_i h_i^T of eq. 7) are tiny at this scale: enlarge them so their gradient rises above round-off */
    for (PetscInt e = 0; im->chan_init[ch] != 0 && e < m->nel; e++) {
      const TeannNet *net = &im->net[ch][e];
      for (PetscInt q = 0; q < net->size[net->nl - 1]; q++) theta[net->w[net->nl - 1] + q] *= 60; /* about the size 300 gave when this layer started at zero */
    }
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckGrad(TeannModel m, TeannEval ev, PetscInt n, const PetscInt idx[], PetscReal tol, PetscBool *ok)
{
  PetscReal *theta, *g, *mask, L, worst = 0, h = 3e-4;
  char       wname[96] = "";

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-fd_h", &h, NULL));
  PetscCall(PetscMalloc3(m->nparam, &theta, m->nparam, &g, m->nparam, &mask));
  PetscCall(RandomTheta(m, 7, theta));
  PetscCall(TeannModelGetTrainableMask(m, mask));
  PetscCall(TeannEvalLossGradient(ev, theta, n, idx, &L, g));
  for (PetscInt b = 0; b < m->nblocks; b++) {
    const TeannParamBlock *blk = &m->blocks[b];
    const PetscInt         len = blk->dims[0] * blk->dims[1];
    PetscReal              num = 0, den = 0, num4 = 0, err;
    PetscInt               ntrain = 0;
    /* two steps, h and 4h: a block with a gradient tiny against the loss is limited by round-off
       at h, one with large higher derivatives by truncation at 4h; a wrong gradient fails both */
    for (PetscInt q = blk->offset; q < blk->offset + len; q++) {
      PetscReal t = theta[q], Lk[4], fd, fd4;
      if (mask[q] == 0.0) continue;
      ntrain++;
      for (PetscInt k = 0; k < 4; k++) {
        theta[q] = t + stencil[k] * h;
        PetscCall(TeannEvalLossGradient(ev, theta, n, idx, &Lk[k], NULL));
      }
      fd = FD4(Lk, h);
      for (PetscInt k = 0; k < 4; k++) {
        theta[q] = t + 4 * stencil[k] * h;
        PetscCall(TeannEvalLossGradient(ev, theta, n, idx, &Lk[k], NULL));
      }
      fd4      = FD4(Lk, 4 * h);
      theta[q] = t;
      num += (fd - g[q]) * (fd - g[q]);
      num4 += (fd4 - g[q]) * (fd4 - g[q]);
      den += g[q] * g[q];
    }
    num = PetscMin(num, num4);
    if (!ntrain) continue;
    if (den == 0) { /* legitimately zero (output biases of E1, E2 in eq. 7): the differences must agree */
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  block %-36s zero gradient, finite differences %.3e\n", blk->name, (double)PetscSqrtReal(num)));
      err = PetscSqrtReal(num) / (1e-6 * PetscAbsReal(L));
    } else err = PetscSqrtReal(num / den);
    if (err > worst) {
      worst = err;
      PetscCall(PetscStrncpy(wname, blk->name, sizeof(wname)));
    }
    if (err > tol) PetscCall(PetscPrintf(PETSC_COMM_SELF, "  block %-36s rel. error %.3e  |g| %.3e  FAILED\n", blk->name, (double)err, (double)PetscSqrtReal(den)));
  }
  *ok = (PetscBool)(worst <= tol);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "grad: loss %.10e, %" PetscInt_FMT " blocks, worst rel. error %.3e (%s) %s\n", (double)L, m->nblocks, (double)worst, wname, *ok ? "ok" : "FAILED"));
  PetscCall(PetscFree3(theta, g, mask));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckPosGrad(TeannModel m, TeannFrames fr, TeannEval ev, PetscInt nchk, PetscReal tol, PetscBool *ok)
{
  PetscReal *theta, *dout, *pk, num = 0, den = 0, h = 1e-3, err;
  PetscInt   nc;

  PetscFunctionBegin;
  PetscCall(TeannModelGetNumComponents(m, &nc));
  PetscCall(PetscMalloc3(m->nparam, &theta, nc * 3 * fr->natoms, &dout, 4 * nc, &pk));
  PetscCall(RandomTheta(m, 3, theta));
  for (PetscInt f = 0; f < nchk; f++) {
    const PetscInt a0 = fr->atom_start[f], na = fr->atom_start[f + 1] - a0;
    PetscCall(TeannEvalPositionGradient(ev, theta, f, dout));
    for (PetscInt q = 0; q < 3 * na; q++) {
      PetscReal *x = &fr->x[3 * a0 + q], t = *x;
      for (PetscInt k = 0; k < 4; k++) {
        *x = t + stencil[k] * h;
        PetscCall(TeannEvalPredict(ev, theta, 1, &f, pk + k * nc));
      }
      *x = t;
      for (PetscInt c = 0; c < nc; c++) {
        const PetscReal v[4] = {pk[c], pk[nc + c], pk[2 * nc + c], pk[3 * nc + c]}, fd = FD4(v, h), an = dout[c * 3 * na + q];
        num += (fd - an) * (fd - an);
        den += an * an;
      }
    }
  }
  err = PetscSqrtReal(num / den);
  *ok = (PetscBool)(err <= tol);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "posgrad: %" PetscInt_FMT " frames, rel. error %.3e %s\n", nchk, (double)err, *ok ? "ok" : "FAILED"));
  PetscCall(PetscFree3(theta, dout, pk));
  PetscFunctionReturn(0);
}

/* Random rotation from a random unit quaternion; improper: times -1. */
static void RandomRotation(uint64_t *s, PetscBool improper, PetscReal R[9])
{
  PetscReal q[4], nq = 0, a, b, c, d, sg = improper ? -1 : 1;
  for (PetscInt k = 0; k < 4; k++) {
    q[k] = 2 * Rand(s) - 1;
    nq += q[k] * q[k];
  }
  nq = sqrt(nq);
  a  = q[0] / nq, b = q[1] / nq, c = q[2] / nq, d = q[3] / nq;
  R[0] = sg * (a * a + b * b - c * c - d * d), R[1] = sg * 2 * (b * c - a * d), R[2] = sg * 2 * (b * d + a * c);
  R[3] = sg * 2 * (b * c + a * d), R[4] = sg * (a * a - b * b + c * c - d * d), R[5] = sg * 2 * (c * d - a * b);
  R[6] = sg * 2 * (b * d - a * c), R[7] = sg * 2 * (c * d + a * b), R[8] = sg * (a * a - b * b - c * c + d * d);
}

/* Predictions on R x + t with like atoms permuted, compared with R times the original predictions. */
static PetscErrorCode CheckEquiv(TeannModel m, TeannFrames fr, PetscInt n, const PetscInt idx[], PetscBool improper, PetscReal tol, PetscBool *ok)
{
  TeannModelImpl *im = (TeannModelImpl *)m->impl;
  TeannFrames     tr;
  TeannEval       e0, e1;
  PetscReal      *theta, *p0, *p1, R[9], t[3], num = 0, den = 0, err, asym = 0, anorm = 0;
  PetscInt        nc, nac, *perm;
  uint64_t        s = 99 + improper;

  PetscFunctionBegin;
  PetscCall(TeannModelGetNumComponents(m, &nc));
  PetscCall(PetscMalloc3(m->nparam, &theta, n * nc, &p0, n * nc, &p1));
  PetscCall(RandomTheta(m, 11, theta));
  PetscCall(TeannFramesSubset(fr, n, idx, &tr));
  PetscCall(PetscMalloc1(tr->natoms, &perm));
  for (PetscInt a = 0; a < tr->natoms; a++) perm[a] = a;
  RandomRotation(&s, improper, R);
  for (PetscInt d = 0; d < 3; d++) t[d] = 10 * (2 * Rand(&s) - 1);
  for (PetscInt f = 0; f < n; f++) {
    const PetscInt a0 = tr->atom_start[f], na = tr->atom_start[f + 1] - a0;
    for (PetscInt v = 0; v < 3; v++) { /* a cell turns with its atoms; it is not translated */
      const PetscReal *h = fr->cell + 9 * idx[f] + 3 * v;
      for (PetscInt d = 0; d < 3; d++) tr->cell[9 * f + 3 * v + d] = R[3 * d] * h[0] + R[3 * d + 1] * h[1] + R[3 * d + 2] * h[2];
    }
    for (PetscInt a = a0; a < a0 + na; a++) {
      const PetscReal *x = fr->x + 3 * (fr->atom_start[idx[f]] + a - a0);
      for (PetscInt d = 0; d < 3; d++) tr->x[3 * a + d] = R[3 * d] * x[0] + R[3 * d + 1] * x[1] + R[3 * d + 2] * x[2] + t[d];
    }
    /* reverse the order of the atoms of each element: a permutation of like atoms */
    for (PetscInt a = a0; a < a0 + na; a++)
      for (PetscInt b = a0 + na - 1; b > a; b--)
        if (tr->Z[a] == tr->Z[b]) {
          PetscInt tp = perm[a];
          for (PetscInt d = 0; d < 3; d++) {
            PetscReal tmp    = tr->x[3 * a + d];
            tr->x[3 * a + d] = tr->x[3 * b + d];
            tr->x[3 * b + d] = tmp;
          }
          perm[a] = perm[b]; /* atom a of tr now sits where atom perm[a] of the original frame did */
          perm[b] = tp;
          break;
        }
  }
  PetscCall(TeannEvalCreate(m, fr, &e0));
  PetscCall(TeannEvalCreate(m, tr, &e1));
  PetscCall(TeannEvalPredict(e0, theta, n, idx, p0));
  {
    PetscInt *all;
    PetscCall(PetscMalloc1(n, &all));
    for (PetscInt f = 0; f < n; f++) all[f] = f;
    PetscCall(TeannEvalPredict(e1, theta, n, all, p1));
    PetscCall(PetscFree(all));
  }
  for (PetscInt f = 0; f < n; f++)
    for (PetscInt h = 0; h < im->nhead; h++) { /* a rank-r tensor goes to R^(x r) applied to it */
      const PetscInt   k = im->head_k[h], rank = TeannProperties[k].rank, nck = TeannProperties[k].ncomp;
      const PetscReal *a = p0 + f * nc + im->head_comp[h], *b = p1 + f * nc + im->head_comp[h];
      PetscReal        ra[TEANN_MAX_COMP], sym[TEANN_MAX_COMP];
      if (improper && k == TEANN_K_TDIPOLE) continue; /* eq. 8's cross product: proper rotations only */
      if (TeannProperties[k].peratom) continue;        /* compared below */
      for (PetscInt c = 0; c < nck; c++) {
        const PetscInt i = rank == 1 ? c : rank == 2 ? c / 3 : c / 9, j = rank == 2 ? c % 3 : (c / 3) % 3, l = c % 3;
        ra[c] = 0;
        if (rank == 1)
          for (PetscInt p = 0; p < 3; p++) ra[c] += R[3 * i + p] * a[p];
        else if (rank == 2)
          for (PetscInt p = 0; p < 3; p++)
            for (PetscInt q = 0; q < 3; q++) ra[c] += R[3 * i + p] * R[3 * j + q] * a[3 * p + q];
        else
          for (PetscInt p = 0; p < 27; p++) ra[c] += R[3 * i + p / 9] * R[3 * j + (p / 3) % 3] * R[3 * l + p % 3] * a[p];
        num += (ra[c] - b[c]) * (ra[c] - b[c]);
        den += ra[c] * ra[c];
      }
      /* exactly the property's symmetry: symmetric, traceless, fully symmetric */
      for (PetscInt c = 0; c < nck; c++) sym[c] = a[c];
      TeannPropertySymmetrize(k, sym);
      for (PetscInt c = 0; c < nck; c++) {
        asym += (a[c] - sym[c]) * (a[c] - sym[c]);
        anorm += a[c] * a[c];
      }
    }
  PetscCall(TeannModelGetNumAtomComponents(m, &nac));
  if (nac) { /* per-atom vectors: atom a of tr is atom perm[a], rotated */
    PetscReal *q0, *q1;
    PetscInt  *all;
    PetscCall(PetscMalloc3(nac * tr->natoms, &q0, nac * tr->natoms, &q1, n, &all));
    for (PetscInt f = 0; f < n; f++) all[f] = f;
    PetscCall(TeannEvalPredictAtoms(e0, theta, n, idx, NULL, q0));
    PetscCall(TeannEvalPredictAtoms(e1, theta, n, all, NULL, q1));
    for (PetscInt a = 0; a < tr->natoms; a++)
      for (PetscInt i = 0; i < 3; i++) {
        PetscReal ra = 0;
        for (PetscInt p = 0; p < 3; p++) ra += R[3 * i + p] * q0[nac * perm[a] + p];
        num += (ra - q1[nac * a + i]) * (ra - q1[nac * a + i]);
        den += ra * ra;
      }
    PetscCall(PetscFree3(q0, q1, all));
  }
  err = den > 0 ? PetscSqrtReal(num / den) : 0;
  *ok = (PetscBool)(den > 0 && err <= tol);
  if (anorm > 0) {
    const PetscReal ae = PetscSqrtReal(asym / anorm);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "equiv: departure from the tensors' symmetry %.3e %s\n", (double)ae, ae <= 1e-14 ? "ok" : "FAILED"));
    if (ae > 1e-14) *ok = PETSC_FALSE;
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "equiv: %s rotation + translation + permutation, %" PetscInt_FMT " frames, rel. error %.3e %s\n", improper ? "improper" : "proper", n, (double)err, *ok ? "ok" : "FAILED"));
  PetscCall(TeannEvalDestroy(&e0));
  PetscCall(TeannEvalDestroy(&e1));
  PetscCall(TeannFramesDestroy(&tr));
  PetscCall(PetscFree(perm));
  PetscCall(PetscFree3(theta, p0, p1));
  PetscFunctionReturn(0);
}

/* The transition dipole loss and gradient do not change when the reference changes sign. */
static PetscErrorCode CheckSignFree(TeannModel m, TeannFrames fr, TeannEval ev, PetscInt n, const PetscInt idx[], PetscBool *ok)
{
  PetscReal *theta, *g0, *g1, L0, L1, dg = 0, ng = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(m->nparam, &theta, m->nparam, &g0, m->nparam, &g1));
  PetscCall(RandomTheta(m, 5, theta));
  PetscCall(TeannEvalLossGradient(ev, theta, n, idx, &L0, g0));
  for (PetscInt k = 0; k < n; k++)
    for (PetscInt d = 0; d < 3; d++) fr->y[TEANN_K_TDIPOLE][3 * idx[k] + d] *= -1;
  PetscCall(TeannEvalLossGradient(ev, theta, n, idx, &L1, g1));
  for (PetscInt k = 0; k < n; k++)
    for (PetscInt d = 0; d < 3; d++) fr->y[TEANN_K_TDIPOLE][3 * idx[k] + d] *= -1;
  for (PetscInt q = 0; q < m->nparam; q++) {
    dg += (g0[q] - g1[q]) * (g0[q] - g1[q]);
    ng += g0[q] * g0[q];
  }
  *ok = (PetscBool)(L0 == L1 && dg == 0 && ng > 0);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "signfree: loss %.10e vs %.10e, gradient difference %.3e %s\n", (double)L0, (double)L1, (double)PetscSqrtReal(dg), *ok ? "ok" : "FAILED"));
  PetscCall(PetscFree3(theta, g0, g1));
  PetscFunctionReturn(0);
}

/* Residuals and Jacobian: sum r^2 = loss, 2 J^T r = gradient, J columns vs finite differences, and the same J for 1 and 2 threads. */
static PetscErrorCode CheckJacobian(TeannModel m, TeannEval ev, PetscInt n, const PetscInt idx[], PetscReal tol, PetscBool *ok)
{
  PetscReal *theta, *g, *r, *J, *rk, *J2, L, s2 = 0, dg = 0, ng = 0, num = 0, den = 0, h = 3e-4, e1, e2, e3, jd = 0;
  PetscInt   nc, np = m->nparam, nr;
  uint64_t   st = 4242;

  PetscFunctionBegin;
  PetscCall(TeannModelGetNumComponents(m, &nc));
  nr = n * nc;
  PetscCall(PetscMalloc6(np, &theta, np, &g, nr, &r, (size_t)nr * np, &J, 4 * nr, &rk, (size_t)nr * np, &J2));
  PetscCall(RandomTheta(m, 23, theta));
  PetscCall(TeannEvalLossGradient(ev, theta, n, idx, &L, g));
  PetscCall(TeannEvalResiduals(ev, theta, n, idx, r, J));
  for (PetscInt q = 0; q < nr; q++) s2 += r[q] * r[q];
  for (PetscInt p = 0; p < np; p++) {
    PetscReal jr = 0;
    for (PetscInt q = 0; q < nr; q++) jr += 2 * J[(size_t)q * np + p] * r[q];
    dg += (jr - g[p]) * (jr - g[p]);
    ng += g[p] * g[p];
  }
  PetscCall(TeannModelGetTrainableMask(m, g)); /* g is free now: trainable mask */
  for (PetscInt t = 0; t < 40; t++) {
    const PetscInt p = (PetscInt)(Rand(&st) * np);
    PetscReal      th = theta[p];
    if (g[p] == 0) continue;
    for (PetscInt k = 0; k < 4; k++) {
      theta[p] = th + stencil[k] * h;
      PetscCall(TeannEvalResiduals(ev, theta, n, idx, rk + k * nr, NULL));
    }
    theta[p] = th;
    for (PetscInt q = 0; q < nr; q++) {
      const PetscReal v[4] = {rk[q], rk[nr + q], rk[2 * nr + q], rk[3 * nr + q]}, fd = FD4(v, h), an = J[(size_t)q * np + p];
      num += (fd - an) * (fd - an);
      den += an * an;
    }
  }
#if defined(_OPENMP)
  {
    const int nt0 = omp_get_max_threads();
    omp_set_num_threads(nt0 == 1 ? 2 : 1);
    PetscCall(TeannEvalResiduals(ev, theta, n, idx, rk, J2));
    omp_set_num_threads(nt0);
    for (size_t q = 0; q < (size_t)nr * np; q++) jd += PetscAbsReal(J[q] - J2[q]);
  }
#endif
  e1  = PetscAbsReal(s2 - L) / L;
  e2  = PetscSqrtReal(dg / ng);
  e3  = PetscSqrtReal(num / den);
  *ok = (PetscBool)(e1 <= 1e-12 && e2 <= 1e-12 && e3 <= tol && jd == 0);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "jacobian: %" PetscInt_FMT " rows, |sum r^2 - loss| %.3e, |2 J^T r - grad| %.3e, FD columns %.3e, thread difference %.3e %s\n", nr, (double)e1, (double)e2, (double)e3, (double)jd, *ok ? "ok" : "FAILED"));
  PetscCall(PetscFree6(theta, g, r, J, rk, J2));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckThreads(TeannModel m, TeannEval ev, PetscInt n, const PetscInt idx[], PetscReal tol, PetscBool *ok)
{
#if defined(_OPENMP)
  PetscReal *theta, *g1, *g2, L1, L2, dg = 0, ng = 0, err;
  PetscBool  bitwise;
  const int  nt0 = omp_get_max_threads();

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(m->nparam, &theta, m->nparam, &g1, m->nparam, &g2));
  PetscCall(RandomTheta(m, 13, theta));
  omp_set_num_threads(1);
  PetscCall(TeannEvalLossGradient(ev, theta, n, idx, &L1, g1));
  omp_set_num_threads(2);
  PetscCheck(omp_get_max_threads() == 2, PETSC_COMM_SELF, PETSC_ERR_LIB, "cannot run 2 OpenMP threads: the check would be void");
  PetscCall(TeannEvalLossGradient(ev, theta, n, idx, &L2, g2));
  omp_set_num_threads(nt0);
  for (PetscInt q = 0; q < m->nparam; q++) {
    dg += (g1[q] - g2[q]) * (g1[q] - g2[q]);
    ng += g1[q] * g1[q];
  }
  bitwise = (PetscBool)(L1 == L2 && dg == 0);
  err     = PetscMax(PetscAbsReal(L1 - L2) / PetscAbsReal(L1), PetscSqrtReal(dg / ng));
  *ok     = (PetscBool)(err <= tol);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "threads: 1 vs 2 threads, %" PetscInt_FMT " frames, rel. difference %.3e (%s) %s\n", n, (double)err, bitwise ? "bitwise identical" : "not bitwise", *ok ? "ok" : "FAILED"));
  PetscCall(PetscFree3(theta, g1, g2));
  PetscFunctionReturn(0);
#else
  PetscFunctionBegin;
  *ok = PETSC_TRUE;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "threads: built without OpenMP, skipped\n"));
  PetscFunctionReturn(0);
#endif
}

static PetscErrorCode CheckFixRadial(TeannFrames fr, PetscInt n, const PetscInt idx[], PetscReal tol, PetscBool *ok)
{
  TeannModel mg, mc;
  TeannEval  eg, ec;
  PetscReal *theta, *gg, *gc, *mask, Lg, Lc, dg = 0, ng = 0, err;

  PetscFunctionBegin;
  PetscCall(ModelFor(fr, 0, &mg));
  PetscCall(ModelFor(fr, 1, &mc));
  PetscCall(PetscMalloc4(mg->nparam, &theta, mg->nparam, &gg, mg->nparam, &gc, mg->nparam, &mask));
  PetscCall(RandomTheta(mg, 17, theta));
  PetscCall(TeannModelGetTrainableMask(mc, mask));
  PetscCall(TeannEvalCreate(mg, fr, &eg));
  PetscCall(TeannEvalCreate(mc, fr, &ec));
  PetscCall(TeannEvalLossGradient(eg, theta, n, idx, &Lg, gg));
  PetscCall(TeannEvalLossGradient(ec, theta, n, idx, &Lc, gc));
  for (PetscInt q = 0; q < mg->nparam; q++) {
    if (mask[q] == 0) {
      PetscCheck(gc[q] == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "fixed parameter %" PetscInt_FMT " has a nonzero gradient", q);
      continue;
    }
    dg += (gg[q] - gc[q]) * (gg[q] - gc[q]);
    ng += gg[q] * gg[q];
  }
  err = PetscMax(PetscAbsReal(Lg - Lc) / PetscAbsReal(Lg), PetscSqrtReal(dg / ng));
  *ok = (PetscBool)(err <= tol);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "fixradial: cached vs general, loss %.10e, rel. difference %.3e %s\n", (double)Lg, (double)err, *ok ? "ok" : "FAILED"));
  PetscCall(TeannEvalDestroy(&eg));
  PetscCall(TeannEvalDestroy(&ec));
  PetscCall(TeannModelDestroy(&mg));
  PetscCall(TeannModelDestroy(&mc));
  PetscCall(PetscFree4(theta, gg, gc, mask));
  PetscFunctionReturn(0);
}

/* Periodic frames from the molecules of fr (see the header). */
static PetscErrorCode MakePeriodic(TeannFrames fr, PetscReal L, PetscInt nmol, TeannFrames *out)
{
  const PetscInt nf = fr->nframes / nmol;
  TeannFrames    pf = NULL;
  uint64_t       s = 4242;
  PetscInt       natoms = 0;

  PetscFunctionBegin;
  PetscCheck(nf > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-molecules %" PetscInt_FMT " needs as many frames", nmol);
  for (PetscInt f = 0; f < nf * nmol; f++) natoms += fr->atom_start[f + 1] - fr->atom_start[f];
  PetscCall(TeannFramesCreate(&pf));
  PetscCall(PetscStrncpy(pf->source, "periodic frames of the test", sizeof(pf->source)));
  PetscCall(TeannFramesAllocate(pf, nf, natoms));
  natoms = 0;
  for (PetscInt k = 0; k < nf; k++) {
    PetscReal      *H = pf->cell + 9 * k, *al = pf->y[TEANN_K_POLAR] + 9 * k;
    const PetscInt  side = (PetscInt)ceil(cbrt((double)nmol));
    for (PetscInt q = 0; q < 9; q++) H[q] = L * ((q % 4 == 0) + 0.15 * (2 * Rand(&s) - 1));
    pf->pbc[k] = 7;
    for (PetscInt q = 0; q < 9; q++) al[q] = 0;
    for (PetscInt mm = 0; mm < nmol; mm++) {
      const PetscInt f = k * nmol + mm, a0 = fr->atom_start[f], na = fr->atom_start[f + 1] - a0;
      PetscReal      site[3], c[3] = {0, 0, 0}, fs[3];
      fs[0] = (mm % side + 0.5 + 0.2 * (2 * Rand(&s) - 1)) / side;
      fs[1] = ((mm / side) % side + 0.5 + 0.2 * (2 * Rand(&s) - 1)) / side;
      fs[2] = (mm / (side * side) + 0.5 + 0.2 * (2 * Rand(&s) - 1)) / side;
      for (PetscInt d = 0; d < 3; d++) site[d] = fs[0] * H[d] + fs[1] * H[3 + d] + fs[2] * H[6 + d];
      for (PetscInt a = a0; a < a0 + na; a++)
        for (PetscInt d = 0; d < 3; d++) c[d] += fr->x[3 * a + d] / na;
      for (PetscInt a = a0; a < a0 + na; a++, natoms++) {
        pf->Z[natoms] = fr->Z[a];
        for (PetscInt d = 0; d < 3; d++) pf->x[3 * natoms + d] = fr->x[3 * a + d] - c[d] + site[d];
      }
      for (PetscInt q = 0; q < 9; q++) al[q] += fr->y[TEANN_K_POLAR][9 * f + q];
    }
    pf->atom_start[k + 1] = natoms;
    pf->fprops[k]         = TEANN_PROP_POLAR;
  }
  *out = pf;
  PetscFunctionReturn(0);
}

static void RelDiff(PetscInt n, const PetscReal a[], const PetscReal b[], PetscReal scale, PetscReal *num, PetscReal *den)
{
  for (PetscInt q = 0; q < n; q++) {
    *num += (a[q] - scale * b[q]) * (a[q] - scale * b[q]);
    *den += a[q] * a[q];
  }
}

/* Predictions of the frames built by make(fr, f, out frame) against scale times those of fr's frame f. */
static PetscErrorCode CompareBuilt(TeannModel m, TeannFrames fr, const PetscReal theta[], PetscInt n, PetscReal scale, PetscErrorCode (*make)(TeannFrames, PetscInt, TeannFrames *), PetscReal *err)
{
  PetscInt  nc, nac;
  PetscReal num = 0, den = 0, *p0, *p1;

  PetscFunctionBegin;
  PetscCall(TeannModelGetNumComponents(m, &nc));
  PetscCall(TeannModelGetNumAtomComponents(m, &nac));
  PetscCall(PetscMalloc2(nc, &p0, nc, &p1));
  for (PetscInt f = 0; f < n; f++) {
    TeannFrames b;
    TeannEval   e0, e1;
    PetscInt    zero = 0;
    PetscReal  *q0, *q1;
    PetscCall(make(fr, f, &b));
    PetscCall(TeannEvalCreate(m, fr, &e0));
    PetscCall(TeannEvalCreate(m, b, &e1));
    PetscCall(PetscMalloc2(nac * fr->natoms + 1, &q0, nac * b->natoms + 1, &q1));
    PetscCall(TeannEvalPredictAtoms(e0, theta, 1, &f, p0, q0));
    PetscCall(TeannEvalPredictAtoms(e1, theta, 1, &zero, p1, q1));
    RelDiff(nc, p1, p0, scale, &num, &den);
    for (PetscInt a = 0; a < b->natoms; a++) /* a built frame repeats the atoms of frame f in order: per-atom values are intensive */
      RelDiff(nac, q1 + nac * a, q0 + nac * (a % (fr->atom_start[f + 1] - fr->atom_start[f])), 1.0, &num, &den);
    PetscCall(PetscFree2(q0, q1));
    PetscCall(TeannEvalDestroy(&e0));
    PetscCall(TeannEvalDestroy(&e1));
    PetscCall(TeannFramesDestroy(&b));
  }
  *err = PetscSqrtReal(num / den);
  PetscCall(PetscFree2(p0, p1));
  PetscFunctionReturn(0);
}

/* Frame f with every atom moved by a different lattice vector (-2..2 along each periodic axis). */
static PetscErrorCode MakeWrapped(TeannFrames fr, PetscInt f, TeannFrames *out)
{
  uint64_t s = 77 + f;

  PetscFunctionBegin;
  PetscCall(TeannFramesSubset(fr, 1, &f, out));
  for (PetscInt a = 0; a < (*out)->natoms; a++) {
    PetscInt nn[3];
    for (PetscInt d = 0; d < 3; d++) nn[d] = ((*out)->pbc[0] >> d & 1) ? (PetscInt)(5 * Rand(&s)) - 2 : 0;
    for (PetscInt d = 0; d < 3; d++) (*out)->x[3 * a + d] += nn[0] * (*out)->cell[d] + nn[1] * (*out)->cell[3 + d] + nn[2] * (*out)->cell[6 + d];
  }
  PetscFunctionReturn(0);
}

/* The 2x2x2 supercell of frame f. */
static PetscErrorCode MakeSupercell(TeannFrames fr, PetscInt f, TeannFrames *out)
{
  const PetscInt   a0 = fr->atom_start[f], na = fr->atom_start[f + 1] - a0;
  const PetscReal *H  = fr->cell + 9 * f;
  TeannFrames      sc;

  PetscFunctionBegin;
  PetscCall(TeannFramesCreate(&sc));
  PetscCall(TeannFramesAllocate(sc, 1, 8 * na));
  sc->atom_start[1] = 8 * na;
  sc->pbc[0]        = fr->pbc[f];
  for (PetscInt q = 0; q < 9; q++) sc->cell[q] = 2 * H[q];
  for (PetscInt r = 0; r < 8; r++)
    for (PetscInt a = 0; a < na; a++) {
      sc->Z[r * na + a] = fr->Z[a0 + a];
      for (PetscInt d = 0; d < 3; d++) sc->x[3 * (r * na + a) + d] = fr->x[3 * (a0 + a) + d] + (r & 1) * H[d] + (r >> 1 & 1) * H[3 + d] + (r >> 2 & 1) * H[6 + d];
    }
  *out = sc;
  PetscFunctionReturn(0);
}

static PetscReal check_rc; /* the model's cutoff, for MakeBoxed */

/* Isolated frame f in a periodic cubic cell 3 r_c wide. */
static PetscErrorCode MakeBoxed(TeannFrames fr, PetscInt f, TeannFrames *out)
{
  PetscFunctionBegin;
  PetscCall(TeannFramesSubset(fr, 1, &f, out));
  for (PetscInt q = 0; q < 9; q++) (*out)->cell[q] = (q % 4 == 0) ? 3 * check_rc : 0;
  (*out)->pbc[0] = 7;
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckPeriodic(TeannModel m, TeannFrames fr, PetscInt n, PetscReal tol, PetscBool *ok)
{
  PetscReal *theta, e;
  PetscBool  periodic = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(m->nparam, &theta));
  PetscCall(RandomTheta(m, 13, theta));
  *ok = PETSC_TRUE;
  for (PetscInt f = 0; f < n; f++) periodic = (PetscBool)(periodic || fr->pbc[f]);
  if (periodic) {
    PetscCall(CompareBuilt(m, fr, theta, n, 1.0, MakeWrapped, &e));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "periodic: atoms wrapped by lattice vectors, rel. change %.3e %s\n", (double)e, e <= 1e-12 ? "ok" : "FAILED"));
    *ok = (PetscBool)(*ok && e <= 1e-12);
    PetscCall(CompareBuilt(m, fr, theta, n, 8.0, MakeSupercell, &e));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "periodic: 2x2x2 supercell / 8, rel. error %.3e %s\n", (double)e, e <= 1e-10 ? "ok" : "FAILED"));
    *ok = (PetscBool)(*ok && e <= 1e-10);
  } else {
    check_rc = m->cutoff;
    PetscCall(CompareBuilt(m, fr, theta, n, 1.0, MakeBoxed, &e));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "periodic: molecules in cells 3 r_c wide against isolated, rel. difference %.3e %s\n", (double)e, e <= 1e-12 ? "ok" : "FAILED"));
    *ok = (PetscBool)(*ok && e <= 1e-12);
  }
  PetscCall(PetscFree(theta));
  (void)tol;
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char        path[PETSC_MAX_PATH_LEN] = "", check[64] = "grad";
  TeannFrames fr;
  TeannModel  m;
  TeannEval   ev;
  PetscInt    nframes = 4, *idx, repeat = 1; /* -repeat R: every frame R times, for long frame lists */
  PetscReal   tol     = 1e-6;
  PetscBool   ok      = PETSC_TRUE, tdip_from_dipole = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-data", path, sizeof(path), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-check", check, sizeof(check), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-nframes", &nframes, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-tol", &tol, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-tdipole_from_dipole", &tdip_from_dipole, NULL));
  PetscCall(TeannFramesCreate(&fr));
  PetscCall(TeannFramesReadXYZ(path, fr));
  nframes = PetscMin(nframes, fr->nframes);
  if (tdip_from_dipole) { /* the example data carry no transition dipoles: fit the dipoles instead, sign-free */
    for (PetscInt f = 0; f < fr->nframes; f++) {
      for (PetscInt d = 0; d < 3; d++) fr->y[TEANN_K_TDIPOLE][3 * f + d] = fr->y[TEANN_K_DIPOLE][3 * f + d] * (f % 2 ? -1 : 1);
      fr->fprops[f] |= TEANN_PROP_TDIPOLE;
    }
  }
  {
    PetscReal L = 0;
    PetscInt  nmol = 8;
    PetscCall(PetscOptionsGetReal(NULL, NULL, "-make_periodic", &L, NULL));
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-molecules", &nmol, NULL));
    if (L > 0) {
      TeannFrames pf = NULL;
      PetscCall(MakePeriodic(fr, L, nmol, &pf));
      PetscCall(TeannFramesDestroy(&fr));
      fr = pf;
    }
    nframes = PetscMin(nframes, fr->nframes);
  }
  {
    PetscBool lab = PETSC_FALSE;
    PetscCall(PetscOptionsGetBool(NULL, NULL, "-atomic_labels", &lab, NULL));
    for (PetscInt f = 0; lab && f < fr->nframes; f++)
      for (PetscInt a = fr->atom_start[f]; a + 2 < fr->atom_start[f + 1]; a++) {
        PetscReal *y = fr->y[TEANN_K_ATDIPOLE] + 3 * a, b[3], nb = 0;
        if (fr->Z[a] != 8 || fr->Z[a + 1] != 1 || fr->Z[a + 2] != 1) continue; /* O H H of a water molecule */
        for (PetscInt d = 0; d < 3; d++) {
          b[d] = 0.5 * (fr->x[3 * (a + 1) + d] + fr->x[3 * (a + 2) + d]) - fr->x[3 * a + d];
          nb += b[d] * b[d];
        }
        for (PetscInt d = 0; d < 3; d++) y[d] = 0.3 * b[d] / PetscSqrtReal(nb);
        fr->fprops[f] |= TEANN_PROP_ATDIPOLE;
      }
  }
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-repeat", &repeat, NULL));
  PetscCall(PetscMalloc1(nframes * repeat, &idx));
  for (PetscInt k = 0; k < nframes * repeat; k++) idx[k] = nframes - 1 - k % nframes; /* not the identity: idx[] must be honoured */
  PetscCall(ModelFor(fr, -1, &m));
  PetscCall(TeannModelView(m, PETSC_VIEWER_STDOUT_SELF));
  PetscCall(TeannEvalCreate(m, fr, &ev));
  PetscCall(TeannEvalSetLossScale(ev, TEANN_PROP_DIPOLE, 1.7));
  PetscCall(TeannEvalSetLossScale(ev, TEANN_PROP_TDIPOLE, 0.6));
  PetscCall(TeannEvalSetLossScale(ev, TEANN_PROP_HYPERPOLAR, 1e-3)); /* beta ~ 10 au: its loss would bury the others' round-off */
  {
    PetscBool eq;
    PetscCall(PetscStrcmp(check, "grad", &eq));
    if (eq) PetscCall(CheckGrad(m, ev, nframes, idx, tol, &ok));
    PetscCall(PetscStrcmp(check, "posgrad", &eq));
    if (eq) PetscCall(CheckPosGrad(m, fr, ev, nframes, tol, &ok));
    PetscCall(PetscStrcmp(check, "jacobian", &eq));
    if (eq) PetscCall(CheckJacobian(m, ev, nframes, idx, tol, &ok));
    PetscCall(PetscStrcmp(check, "threads", &eq));
    if (eq) PetscCall(CheckThreads(m, ev, nframes * repeat, idx, tol, &ok));
    PetscCall(PetscStrcmp(check, "fixradial", &eq));
    if (eq) PetscCall(CheckFixRadial(fr, nframes, idx, tol, &ok));
    PetscCall(PetscStrcmp(check, "periodic", &eq));
    if (eq) PetscCall(CheckPeriodic(m, fr, nframes, tol, &ok));
    PetscCall(PetscStrcmp(check, "signfree", &eq));
    if (eq) PetscCall(CheckSignFree(m, fr, ev, nframes, idx, &ok));
    PetscCall(PetscStrcmp(check, "equiv", &eq));
    if (eq) {
      PetscBool ok2 = PETSC_TRUE;
      PetscCall(CheckEquiv(m, fr, nframes, idx, PETSC_FALSE, tol, &ok));
      if (!(m->props & TEANN_PROP_TDIPOLE)) PetscCall(CheckEquiv(m, fr, nframes, idx, PETSC_TRUE, tol, &ok2));
      ok = (PetscBool)(ok && ok2);
    }
  }
  PetscCall(TeannEvalDestroy(&ev));
  PetscCall(TeannModelDestroy(&m));
  PetscCall(TeannFramesDestroy(&fr));
  PetscCall(PetscFree(idx));
  PetscCall(PetscFinalize());
  return ok ? 0 : 1;
}
