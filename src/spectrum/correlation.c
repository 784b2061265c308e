/* Autocorrelation functions of time derivatives and the spectra from them (spectrum.h,
 * doc/spectra.md). Each channel's derivative series is correlated with itself by one
 * real FFT pair, zero-padded so that the circular correlation is the linear one for the
 * lags kept (Wiener-Khinchin); the windowed, pooled function becomes a spectrum by a
 * DCT-I, which is the Fourier transform of an even sequence. */
#include "spectrum.h"
#include "logimpl.h"
#include <complex.h> /* before fftw3.h: fftw_complex is then the C99 double complex */
#include <fftw3.h>
#include <math.h>

const char *const TeannWindows[] = {"hann", "blackman", "gaussian", "TeannWindow", "TEANN_WINDOW_", NULL};
const char *const TeannQCFs[]    = {"none", "harmonic", "standard", "TeannQCF", "TEANN_QCF_", NULL};

PetscErrorCode TeannCorrCreate(PetscInt which, PetscReal dt, PetscInt maxlag, TeannCorr *c)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(c, sizeof(*c)));
  PetscCheck(maxlag >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "the correlation time must span at least one time step");
  c->which  = which;
  c->dt     = dt;
  c->maxlag = maxlag;
  PetscCall(PetscCalloc1(maxlag + 1, &c->count));
  if (which & TEANN_SERIES_DIPOLE) PetscCall(PetscCalloc1(maxlag + 1, &c->sum[TEANN_SPEC_IR]));
  if (which & TEANN_SERIES_POLAR) {
    PetscCall(PetscCalloc1(maxlag + 1, &c->sum[TEANN_SPEC_ISO]));
    PetscCall(PetscCalloc1(maxlag + 1, &c->sum[TEANN_SPEC_ANISO]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannCorrDestroy(TeannCorr *c)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < TEANN_NSPEC; k++) PetscCall(PetscFree(c->sum[k]));
  PetscCall(PetscFree(c->count));
  PetscFunctionReturn(0);
}

/* The smallest length >= n of the form 2^a 3^b 5^c, where FFTW is fastest. */
static PetscInt FFTLength(PetscInt n)
{
  for (PetscInt m = PetscMax(n, 1);; m++) {
    PetscInt r = m;
    while (r % 2 == 0) r /= 2;
    while (r % 3 == 0) r /= 3;
    while (r % 5 == 0) r /= 5;
    if (r == 1) return m;
  }
}

/* One channel: d[0..nd-1] into x (zero-padded to L), sum_{n} d_n d_{n+k} for k <= M added,
   times weight, to acc[k]. */
static void ChannelACF(fftw_plan fwd, fftw_plan bwd, double *x, fftw_complex *X, PetscInt L, PetscInt nd, PetscInt M, PetscReal weight, PetscReal acc[])
{
  for (PetscInt i = nd; i < L; i++) x[i] = 0;
  fftw_execute(fwd);
  for (PetscInt i = 0; i < L / 2 + 1; i++) {
    const double re = creal(X[i]), im = cimag(X[i]);
    X[i] = re * re + im * im;
  }
  fftw_execute(bwd); /* unnormalised: L times the correlation sums */
  for (PetscInt k = 0; k <= M; k++) acc[k] += weight * x[k] / L;
}

/* 4th-order central difference of channel c of v (stride m) at the nd inner frames. */
static void Derivative(const PetscReal v[], PetscInt m, PetscInt c, PetscInt nd, PetscReal dt, double d[])
{
  const PetscReal s = 1.0 / (12 * dt);
  for (PetscInt i = 0; i < nd; i++) {
    const PetscInt n = i + 2;
    d[i]             = s * (v[m * (n - 2) + c] - 8 * v[m * (n - 1) + c] + 8 * v[m * (n + 1) + c] - v[m * (n + 2) + c]);
  }
}

PetscErrorCode TeannCorrAccumulate(TeannCorr *c, const TeannSeries *s)
{
  const PetscInt M = c->maxlag, nd = s->n - 4;
  PetscInt       L;
  double        *x;
  fftw_complex  *X;
  fftw_plan      fwd, bwd;

  PetscFunctionBegin;
  TeannCheckFmt(nd >= 2 * M, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: %" PetscInt_FMT " frames (%g fs) are too few for the correlation time %g fs (-teann_corr_time): each file needs at least 2 x correlation time / time step + 4 = %" PetscInt_FMT " frames; shorten the correlation time (coarser resolution) or give longer trajectories", s->path, s->n, (double)((s->n - 1) * c->dt), (double)(M * c->dt), 2 * M + 4);
  PetscCheck(!(c->which & TEANN_SERIES_DIPOLE) || (s->has & TEANN_SERIES_DIPOLE), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: no dipoles", s->path);
  PetscCheck(!(c->which & TEANN_SERIES_POLAR) || (s->has & TEANN_SERIES_POLAR), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: no polarizabilities", s->path);
  PetscCall(PetscLogEventBegin(TEANN_EVENT_SpectrumCorr, 0, 0, 0, 0));
  L = FFTLength(nd + M + 1);
  x = fftw_alloc_real((size_t)L);
  X = fftw_alloc_complex((size_t)L / 2 + 1);
  PetscCheck(x && X, PETSC_COMM_SELF, PETSC_ERR_MEM, "%s: no memory for FFTs of length %" PetscInt_FMT, s->path, L);
  fwd = fftw_plan_dft_r2c_1d((int)L, x, X, FFTW_ESTIMATE);
  bwd = fftw_plan_dft_c2r_1d((int)L, X, x, FFTW_ESTIMATE);
  if (c->which & TEANN_SERIES_DIPOLE)
    for (PetscInt d = 0; d < 3; d++) {
      Derivative(s->mu, 3, d, nd, c->dt, x);
      ChannelACF(fwd, bwd, x, X, L, nd, M, 1.0, c->sum[TEANN_SPEC_IR]);
    }
  if (c->which & TEANN_SERIES_POLAR) {
    PetscReal *iso, *beta;
    /* the symmetric part: an antisymmetric part scatters no Raman light of these kinds */
    PetscCall(PetscMalloc2(s->n, &iso, 6 * s->n, &beta));
    for (PetscInt f = 0; f < s->n; f++) {
      const PetscReal *a = s->alpha + 9 * f, m = (a[0] + a[4] + a[8]) / 3;
      iso[f]             = m;
      beta[6 * f + 0]    = a[0] - m;
      beta[6 * f + 1]    = a[4] - m;
      beta[6 * f + 2]    = a[8] - m;
      beta[6 * f + 3]    = 0.5 * (a[1] + a[3]);
      beta[6 * f + 4]    = 0.5 * (a[2] + a[6]);
      beta[6 * f + 5]    = 0.5 * (a[5] + a[7]);
    }
    Derivative(iso, 1, 0, nd, c->dt, x);
    ChannelACF(fwd, bwd, x, X, L, nd, M, 1.0, c->sum[TEANN_SPEC_ISO]);
    /* gamma^2 = 3/2 tr(beta beta): the diagonal once, each off-diagonal pair twice */
    for (PetscInt q = 0; q < 6; q++) {
      Derivative(beta, 6, q, nd, c->dt, x);
      ChannelACF(fwd, bwd, x, X, L, nd, M, q < 3 ? 1.5 : 3.0, c->sum[TEANN_SPEC_ANISO]);
    }
    PetscCall(PetscFree2(iso, beta));
  }
  for (PetscInt k = 0; k <= M; k++) c->count[k] += nd - k;
  c->nfiles++;
  c->nframes += s->n;
  fftw_destroy_plan(fwd);
  fftw_destroy_plan(bwd);
  fftw_free(x);
  fftw_free(X);
  PetscCall(PetscLogEventEnd(TEANN_EVENT_SpectrumCorr, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannCorrReduce(MPI_Comm comm, TeannCorr *c)
{
  const PetscMPIInt m = (PetscMPIInt)(c->maxlag + 1);
  PetscInt          cnt[2] = {c->nfiles, c->nframes};

  PetscFunctionBegin;
  for (PetscInt k = 0; k < TEANN_NSPEC; k++)
    if (c->sum[k]) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, c->sum[k], m, MPIU_REAL, MPIU_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, c->count, m, MPIU_REAL, MPIU_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, 2, MPIU_INT, MPI_SUM, comm));
  c->nfiles  = cnt[0];
  c->nframes = cnt[1];
  PetscFunctionReturn(0);
}

PetscReal TeannQCFValue(TeannQCF q, PetscReal nu, PetscReal T)
{
  const PetscReal x = TEANN_HC_OVER_K * nu / T;

  switch (q) {
  case TEANN_QCF_HARMONIC:
    return x < 1e-12 ? 1.0 : x / -expm1(-x);
  case TEANN_QCF_STANDARD:
    return 2.0 / (1.0 + exp(-x));
  default:
    return 1.0;
  }
}

static PetscReal WindowValue(TeannWindow w, PetscReal t, PetscReal width)
{
  const PetscReal u = t / width;

  switch (w) {
  case TEANN_WINDOW_HANN:
    return u < 1 ? 0.5 * (1 + cos(PETSC_PI * u)) : 0;
  case TEANN_WINDOW_BLACKMAN:
    return u < 1 ? 0.42 + 0.5 * cos(PETSC_PI * u) + 0.08 * cos(2 * PETSC_PI * u) : 0;
  default:
    return exp(-0.5 * u * u);
  }
}

/* Ratio of the 5-point difference's response to that of the exact derivative at y = omega dt:
   (8 sin y - sin 2y) / (6 y); the spectrum of the difference is that of the derivative times its square. */
static PetscReal StencilResponse(PetscReal y)
{
  return y < 1e-8 ? 1.0 : (8 * sin(y) - sin(2 * y)) / (6 * y);
}

PetscErrorCode TeannSpectrumCompute(const TeannCorr *c, const TeannSpectrumOptions *o, TeannSpectrum *sp)
{
  const PetscInt  M = c->maxlag, P = o->padding * M;
  const PetscReal dt = c->dt, dnu = 1.0 / (2 * P * dt * TEANN_C_CM_PER_FS);
  double         *in, *out;
  fftw_plan       plan;
  PetscInt        k0, k1;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(sp, sizeof(*sp)));
  PetscCheck(o->padding >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "-teann_zero_padding must be at least 1");
  PetscCall(PetscLogEventBegin(TEANN_EVENT_SpectrumFFT, 0, 0, 0, 0));
  sp->dnu  = dnu;
  sp->nlag = M + 1;
  PetscCall(PetscMalloc2(M + 1, &sp->lag, M + 1, &sp->win));
  for (PetscInt k = 0; k <= M; k++) {
    sp->lag[k] = k * dt;
    sp->win[k] = WindowValue(o->window, k * dt, o->width);
  }
  k0 = (PetscInt)PetscCeilReal(o->fmin / dnu - 1e-9);
  k1 = PetscMin((PetscInt)PetscFloorReal(o->fmax / dnu + 1e-9), P);
  TeannCheckFmt(k1 >= k0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-teann_freq_range %g,%g cm-1 holds no point of the grid (spacing %g cm-1)", (double)o->fmin, (double)o->fmax, (double)dnu);
  sp->nfreq = k1 - k0 + 1;
  PetscCall(PetscMalloc1(sp->nfreq, &sp->nu));
  for (PetscInt k = k0; k <= k1; k++) sp->nu[k - k0] = k * dnu;

  in   = fftw_alloc_real((size_t)P + 1);
  out  = fftw_alloc_real((size_t)P + 1);
  plan = fftw_plan_r2r_1d((int)(P + 1), in, out, FFTW_REDFT00, FFTW_ESTIMATE);
  /* the resolution: full width at half maximum of the window's own line on this grid */
  for (PetscInt j = 0; j <= P; j++) in[j] = j <= M ? sp->win[j] : 0;
  fftw_execute(plan);
  sp->fwhm = 2 * P * dnu;
  for (PetscInt k = 1; k <= P; k++)
    if (out[k] < 0.5 * out[0]) {
      sp->fwhm = 2 * dnu * (k - 1 + (out[k - 1] - 0.5 * out[0]) / (out[k - 1] - out[k]));
      break;
    }
  for (PetscInt s = 0; s < TEANN_NSPEC; s++) {
    if (!c->sum[s]) continue;
    PetscCall(PetscMalloc1(M + 1, &sp->corr[s]));
    PetscCall(PetscMalloc1(sp->nfreq, &sp->spec[s]));
    for (PetscInt k = 0; k <= M; k++) sp->corr[s][k] = c->count[k] > 0 ? c->sum[s][k] / c->count[k] : 0;
    for (PetscInt j = 0; j <= P; j++) in[j] = j <= M ? sp->win[j] * sp->corr[s][j] : 0;
    fftw_execute(plan);
    for (PetscInt k = k0; k <= k1; k++) {
      /* one-sided density per cm^-1: 2 c times the transform (dt times the DCT sum) */
      const PetscReal y = PETSC_PI * k / P, r = StencilResponse(y);
      PetscReal       g = 2 * TEANN_C_CM_PER_FS * dt * out[k];
      g                 = r > 0 ? g / (r * r) : 0;
      sp->spec[s][k - k0] = g * TeannQCFValue(o->qcf, k * dnu, o->temperature);
    }
  }
  fftw_destroy_plan(plan);
  fftw_free(in);
  fftw_free(out);
  PetscCall(PetscLogEventEnd(TEANN_EVENT_SpectrumFFT, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSpectrumDestroy(TeannSpectrum *sp)
{
  PetscFunctionBegin;
  for (PetscInt s = 0; s < TEANN_NSPEC; s++) {
    PetscCall(PetscFree(sp->spec[s]));
    PetscCall(PetscFree(sp->corr[s]));
  }
  PetscCall(PetscFree(sp->nu));
  PetscCall(PetscFree2(sp->lag, sp->win));
  PetscFunctionReturn(0);
}
