/* Time series of dipoles and polarizabilities for the spectra (spectrum.h): predictions.nc
 * and extended XYZ trajectories. The XYZ reader streams: it keeps the comment line's
 * tensors and time of each frame and skips the atom lines, so that a long trajectory of a
 * large system costs 13 reals a frame, not its coordinates. */
#include "spectrum.h"
#include "ncutil.h"
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Room for at least n frames in every array the series carries. */
static PetscErrorCode SeriesReserve(TeannSeries *s, PetscInt n, PetscInt *cap, PetscBool withtime)
{
  PetscInt nc;

  PetscFunctionBegin;
  if (n <= *cap) PetscFunctionReturn(0);
  nc = PetscMax(2 * *cap, PetscMax(n, 1024));
  PetscCall(PetscRealloc(sizeof(PetscReal) * 3 * nc, &s->mu));
  PetscCall(PetscRealloc(sizeof(PetscReal) * 9 * nc, &s->alpha));
  PetscCall(PetscRealloc(sizeof(PetscInt) * nc, &s->line));
  if (withtime) PetscCall(PetscRealloc(sizeof(PetscReal) * nc, &s->t));
  *cap = nc;
  PetscFunctionReturn(0);
}

/* "PATH:LINE: frame N: message" (N 1-based), as the readers word it. */
#define SeriesCheck(s, ln, f, cond, ...) \
  do { \
    if (PetscUnlikely(!(cond))) { \
      char _m[512]; \
      (void)snprintf(_m, sizeof(_m), __VA_ARGS__); \
      if ((ln) > 0) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:%" PetscInt_FMT ": frame %" PetscInt_FMT ": %s", (s)->path, (PetscInt)(ln), (PetscInt)(f) + 1, _m); \
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: frame %" PetscInt_FMT ": %s", (s)->path, (PetscInt)(f) + 1, _m); \
    } \
  } while (0)

/* The numbers of a value (quoted or not) into v[0..max-1]; *n their count, -1 if a token is no number. */
static void ParseNumbers(const char *val, size_t len, PetscReal v[], PetscInt max, PetscInt *n)
{
  char   buf[1024];
  char  *p, *end;
  size_t l = PetscMin(len, sizeof(buf) - 1);

  memcpy(buf, val, l);
  buf[l] = 0;
  *n     = 0;
  for (p = buf;;) {
    while (*p && isspace((unsigned char)*p)) p++;
    if (!*p) break;
    if (*n == max) {
      *n = max + 1;
      return;
    }
    v[*n] = strtod(p, &end);
    if (end == p || (*end && !isspace((unsigned char)*end))) {
      *n = -1;
      return;
    }
    (*n)++;
    p = end;
  }
}

/* Of one comment line: the tensors under their plain keys (index 0: dipole=, polarizability=)
   and as teann-predict writes its predictions (index 1: dipole_pred=, polarizability_pred=). */
typedef struct {
  PetscReal mu[2][3], alpha[2][9], t;
  PetscBool hasmu[2], hasalpha[2], hast;
} CommentValues;

/* dipole[_pred]=, polarizability[_pred]= (9 values, or 6 in Voigt order xx yy zz yz xz xy) and
   time= of one comment line; the other keys are left alone. Key names are matched without regard to case. */
static PetscErrorCode ParseComment(const TeannSeries *s, PetscInt ln, PetscInt f, const char *c, CommentValues *cv)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(cv, sizeof(*cv)));
  for (const char *p = c; *p;) {
    const char *key, *val;
    size_t      klen, vlen;
    PetscReal   v[10];
    PetscInt    n, q;

    while (*p && isspace((unsigned char)*p)) p++;
    if (!*p) break;
    key = p;
    while (*p && *p != '=' && !isspace((unsigned char)*p)) p++;
    klen = (size_t)(p - key);
    if (*p != '=') continue; /* a bare key (a flag) */
    p++;
    if (*p == '"' || *p == '\'') {
      const char qc = *p++;
      val           = p;
      while (*p && *p != qc) p++;
      vlen = (size_t)(p - val);
      if (*p) p++;
    } else {
      val = p;
      while (*p && !isspace((unsigned char)*p)) p++;
      vlen = (size_t)(p - val);
    }
    q = klen > 5 && !strncasecmp(key + klen - 5, "_pred", 5) ? 1 : 0;
    if (klen == 6 + 5 * (size_t)q && !strncasecmp(key, "dipole", 6)) {
      SeriesCheck(s, ln, f, !cv->hasmu[q], "%.*s= given twice", (int)klen, key);
      ParseNumbers(val, vlen, v, 3, &n);
      SeriesCheck(s, ln, f, n == 3, "%.*s= must be 3 numbers, got '%.*s'", (int)klen, key, (int)PetscMin(vlen, 80), val);
      for (PetscInt i = 0; i < 3; i++) cv->mu[q][i] = v[i];
      cv->hasmu[q] = PETSC_TRUE;
    } else if (klen == 14 + 5 * (size_t)q && !strncasecmp(key, "polarizability", 14)) {
      SeriesCheck(s, ln, f, !cv->hasalpha[q], "%.*s= given twice", (int)klen, key);
      ParseNumbers(val, vlen, v, 9, &n);
      SeriesCheck(s, ln, f, n == 9 || n == 6, "%.*s= must be 9 numbers (row-major) or 6 (Voigt: xx yy zz yz xz xy), got '%.*s'", (int)klen, key, (int)PetscMin(vlen, 120), val);
      if (n == 9)
        for (PetscInt i = 0; i < 9; i++) cv->alpha[q][i] = v[i];
      else {
        const PetscReal a[9] = {v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2]};
        for (PetscInt i = 0; i < 9; i++) cv->alpha[q][i] = a[i];
      }
      cv->hasalpha[q] = PETSC_TRUE;
    } else if (klen == 4 && !strncasecmp(key, "time", 4)) {
      SeriesCheck(s, ln, f, !cv->hast, "time= given twice");
      ParseNumbers(val, vlen, v, 1, &n);
      SeriesCheck(s, ln, f, n == 1, "time= must be one number, got '%.*s'", (int)PetscMin(vlen, 80), val);
      cv->t    = v[0];
      cv->hast = PETSC_TRUE;
    }
  }
  for (PetscInt q = 0; q < 2; q++) {
    for (PetscInt i = 0; cv->hasmu[q] && i < 3; i++) SeriesCheck(s, ln, f, !PetscIsInfOrNanReal(cv->mu[q][i]), "%s component %" PetscInt_FMT " is not finite (NaN or Inf)", q ? "dipole_pred" : "dipole", i + 1);
    for (PetscInt i = 0; cv->hasalpha[q] && i < 9; i++) SeriesCheck(s, ln, f, !PetscIsInfOrNanReal(cv->alpha[q][i]), "%s component %" PetscInt_FMT " is not finite (NaN or Inf)", q ? "polarizability_pred" : "polarizability", i + 1);
  }
  SeriesCheck(s, ln, f, !cv->hast || !PetscIsInfOrNanReal(cv->t), "time= is not finite");
  PetscFunctionReturn(0);
}

static PetscBool Blank(const char *l)
{
  for (; *l; l++)
    if (!isspace((unsigned char)*l)) return PETSC_FALSE;
  return PETSC_TRUE;
}

static PetscErrorCode ReadXYZ(TeannSeries *s, PetscInt want, PetscBool reference, PetscReal tunit)
{
  FILE     *fp;
  char     *buf = NULL;
  size_t    cap = 0;
  ssize_t   len;
  PetscInt  ln = 0, cap_f = 0, timed = -1; /* -1 unknown, 0 no frame has time=, 1 every frame */
  PetscInt  qmu = -1, qal = -1;            /* the keys read: 1 teann-predict's predictions (<name>_pred=), 0 the plain ones; the first frame decides */

  PetscFunctionBegin;
  fp = fopen(s->path, "r");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the file", s->path);
  s->has = TEANN_SERIES_DIPOLE | TEANN_SERIES_POLAR;
  while ((len = getline(&buf, &cap, fp)) >= 0) {
    PetscInt      f = s->n, natoms, ln0;
    char         *end;
    long          na;
    CommentValues cv;

    ln++;
    if (Blank(buf)) { /* only trailing blank lines may follow the last frame */
      ln0 = ln;
      while ((len = getline(&buf, &cap, fp)) >= 0) {
        ln++;
        SeriesCheck(s, ln, f, Blank(buf), "a blank line (line %" PetscInt_FMT ") where the atom count of the frame should be", ln0);
      }
      break;
    }
    na = strtol(buf, &end, 10);
    SeriesCheck(s, ln, f, end != buf && Blank(end) && na >= 0, "the first line of a frame must be its number of atoms, got '%.40s'", buf);
    natoms = (PetscInt)na;
    ln0    = ln + 1;
    len    = getline(&buf, &cap, fp);
    SeriesCheck(s, ln, f, len >= 0, "the file ends before the comment line");
    ln++;
    if (len > 0 && buf[len - 1] == '\n') buf[--len] = 0;
    PetscCall(ParseComment(s, ln, f, buf, &cv));
    if (timed < 0) timed = cv.hast ? 1 : 0;
    SeriesCheck(s, ln, f, cv.hast == (PetscBool)(timed == 1), "time= %s, unlike the first frame", cv.hast ? "given" : "missing");
    PetscCall(SeriesReserve(s, f + 1, &cap_f, (PetscBool)(timed == 1)));
    if (qmu < 0) qmu = !reference && cv.hasmu[1] ? 1 : 0;
    if (qal < 0) qal = !reference && cv.hasalpha[1] ? 1 : 0;
    if (!cv.hasmu[qmu]) s->has &= ~TEANN_SERIES_DIPOLE;
    if (!cv.hasalpha[qal]) s->has &= ~TEANN_SERIES_POLAR;
    SeriesCheck(s, ln, f, cv.hasmu[qmu] || !(want & TEANN_SERIES_DIPOLE), "no %s= (the IR spectrum needs one in every frame%s)", qmu ? "dipole_pred" : "dipole", qmu ? "; the first frame has one" : "");
    SeriesCheck(s, ln, f, cv.hasalpha[qal] || !(want & TEANN_SERIES_POLAR), "no %s= (the Raman spectra need one in every frame%s)", qal ? "polarizability_pred" : "polarizability", qal ? "; the first frame has one" : "");
    PetscCall(PetscArraycpy(s->mu + 3 * f, cv.mu[qmu], 3));
    PetscCall(PetscArraycpy(s->alpha + 9 * f, cv.alpha[qal], 9));
    if (timed == 1) s->t[f] = cv.t * tunit;
    s->line[f] = ln;
    for (PetscInt a = 0; a < natoms; a++) {
      len = getline(&buf, &cap, fp);
      SeriesCheck(s, ln0, f, len >= 0, "the file ends after %" PetscInt_FMT " of the frame's %" PetscInt_FMT " atom lines", a, natoms);
      ln++;
    }
    s->n++;
  }
  free(buf);
  PetscCheck(!ferror(fp), PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: read error", s->path);
  fclose(fp);
  PetscCheck(s->n > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no frames (an extended XYZ trajectory was expected)", s->path);
  PetscFunctionReturn(0);
}

/* Length of one unit of a time variable, in fs, from its units attribute. */
static PetscErrorCode TimeUnit(const char path[], const char units[], PetscReal *fs)
{
  char u[64];

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(u, units, sizeof(u)));
  for (char *p = u; *p; p++) *p = (char)tolower((unsigned char)*p);
  if (!strcmp(u, "fs") || !strcmp(u, "femtosecond") || !strcmp(u, "femtoseconds")) *fs = 1;
  else if (!strcmp(u, "ps") || !strcmp(u, "picosecond") || !strcmp(u, "picoseconds")) *fs = 1e3;
  else if (!strcmp(u, "ns") || !strcmp(u, "nanosecond") || !strcmp(u, "nanoseconds")) *fs = 1e6;
  else SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable time has units '%s'; teann-spectrum knows fs, ps and ns", path, units);
  PetscFunctionReturn(0);
}

/* The variable NAME_predicted (or NAME) of shape (frame, spatial[, spatial]) into v[ncomp*n]. */
static PetscErrorCode ReadTensor(TeannSeries *s, int ncid, const char name[], PetscBool reference, PetscInt ncomp, PetscReal **v, PetscBool *found)
{
  char   vn[128];
  int    vid, nd, dims[3];
  size_t dl;

  PetscFunctionBegin;
  *found = PETSC_FALSE;
  PetscCall(PetscSNPrintf(vn, sizeof(vn), reference ? "%s" : "%s_predicted", name));
  if (nc_inq_varid(ncid, vn, &vid) != NC_NOERR) {
    /* a dataset or a predictions file with references only: its plain variable */
    if (reference) PetscFunctionReturn(0);
    PetscCall(PetscStrncpy(vn, name, sizeof(vn)));
    if (nc_inq_varid(ncid, vn, &vid) != NC_NOERR) PetscFunctionReturn(0);
  }
  PetscCallNC(s->path, nc_inq_varndims(ncid, vid, &nd));
  PetscCheck(nd == (ncomp == 3 ? 2 : 3), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable %s has %d dimensions, expected %d (frame, spatial%s)", s->path, vn, nd, ncomp == 3 ? 2 : 3, ncomp == 3 ? "" : ", spatial");
  PetscCallNC(s->path, nc_inq_vardimid(ncid, vid, dims));
  PetscCallNC(s->path, nc_inq_dimlen(ncid, dims[0], &dl));
  PetscCheck((PetscInt)dl == s->n, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable %s is not along the dimension frame", s->path, vn);
  for (int d = 1; d < nd; d++) {
    PetscCallNC(s->path, nc_inq_dimlen(ncid, dims[d], &dl));
    PetscCheck(dl == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable %s: dimension %d has length %zu, expected 3", s->path, vn, d + 1, dl);
  }
  PetscCall(PetscMalloc1(ncomp * s->n + 1, v));
  PetscCallNC(s->path, nc_get_var_double(ncid, vid, *v));
  for (PetscInt f = 0; f < s->n; f++)
    for (PetscInt c = 0; c < ncomp; c++) SeriesCheck(s, 0, f, !PetscIsInfOrNanReal((*v)[ncomp * f + c]), "%s component %" PetscInt_FMT " is not finite (NaN or Inf)", vn, c + 1);
  *found = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadNC(TeannSeries *s, PetscInt want, PetscBool reference)
{
  int       ncid, did, vid;
  size_t    n;
  PetscBool found;

  PetscFunctionBegin;
  PetscCall(TeannNCOpen(PETSC_COMM_SELF, s->path, PETSC_FALSE, &ncid));
  PetscCheck(nc_inq_dimid(ncid, "frame", &did) == NC_NOERR, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no dimension frame: not a predictions file of teann-predict", s->path);
  PetscCallNC(s->path, nc_inq_dimlen(ncid, did, &n));
  s->n = (PetscInt)n;
  PetscCheck(s->n > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no frames", s->path);
  /* want 0: whatever the file has; else only what is asked for, so that a NaN where a frame
     has no reference of an unused property is no error */
  if (!want || want & TEANN_SERIES_DIPOLE) {
    PetscCall(ReadTensor(s, ncid, "dipole", reference, 3, &s->mu, &found));
    if (found) s->has |= TEANN_SERIES_DIPOLE;
  }
  if (!want || want & TEANN_SERIES_POLAR) {
    PetscCall(ReadTensor(s, ncid, "polarizability", reference, 9, &s->alpha, &found));
    if (found) s->has |= TEANN_SERIES_POLAR;
  }
  PetscCheck(s->has & TEANN_SERIES_DIPOLE || !(want & TEANN_SERIES_DIPOLE), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no variable %s: the IR spectrum needs the dipole (predict with a model fitting it)", s->path, reference ? "dipole" : "dipole_predicted or dipole");
  PetscCheck(s->has & TEANN_SERIES_POLAR || !(want & TEANN_SERIES_POLAR), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no variable %s: the Raman spectra need the polarizability (predict with a model fitting it)", s->path, reference ? "polarizability" : "polarizability_predicted or polarizability");
  if (nc_inq_varid(ncid, "time", &vid) == NC_NOERR) {
    char      units[64] = "";
    size_t    ul = 0;
    PetscReal fs = 1;
    int       nd, dim = -1;
    PetscCallNC(s->path, nc_inq_varndims(ncid, vid, &nd));
    if (nd == 1) PetscCallNC(s->path, nc_inq_vardimid(ncid, vid, &dim));
    PetscCheck(nd == 1 && dim == did, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable time is not time(frame)", s->path);
    PetscCheck(nc_inq_attlen(ncid, vid, "units", &ul) == NC_NOERR && ul > 0 && ul < sizeof(units), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable time has no units attribute (fs or ps)", s->path);
    PetscCallNC(s->path, nc_get_att_text(ncid, vid, "units", units));
    units[ul] = 0;
    PetscCall(TimeUnit(s->path, units, &fs));
    PetscCall(PetscMalloc1(s->n, &s->t));
    PetscCallNC(s->path, nc_get_var_double(ncid, vid, s->t));
    {
      nc_type type;
      PetscCallNC(s->path, nc_inq_vartype(ncid, vid, &type));
      s->tprec = type == NC_FLOAT ? FLT_EPSILON : 0; /* AMBER's times are floats: 7 digits */
    }
    for (PetscInt f = 0; f < s->n; f++) {
      SeriesCheck(s, 0, f, !PetscIsInfOrNanReal(s->t[f]), "time is not finite");
      s->t[f] *= fs;
    }
  }
  PetscCallNC(s->path, nc_close(ncid));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSeriesRead(const char path[], PetscInt want, PetscBool reference, PetscReal xyz_time_fs, TeannSeries *s)
{
  unsigned char sig[4] = {0, 0, 0, 0};
  FILE         *fp;
  size_t        got;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(s, sizeof(*s)));
  PetscCall(PetscStrncpy(s->path, path, sizeof(s->path)));
  fp = fopen(path, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the file", path);
  got = fread(sig, 1, 4, fp);
  fclose(fp);
  if (got == 4 && ((sig[0] == 'C' && sig[1] == 'D' && sig[2] == 'F') || (sig[0] == 0x89 && sig[1] == 'H' && sig[2] == 'D' && sig[3] == 'F'))) PetscCall(ReadNC(s, want, reference));
  else PetscCall(ReadXYZ(s, want, reference, xyz_time_fs));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSeriesSetTimeStep(TeannSeries *s, PetscReal dt_opt, PetscReal rtol)
{
  PetscFunctionBegin;
  PetscCheck(s->n >= 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %" PetscInt_FMT " frame: a time series needs many frames", s->path, s->n);
  if (!s->t) {
    PetscCheck(dt_opt > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: the frames carry no time (time= in XYZ, variable time in NetCDF) and no -teann_dt gives the time step in fs", s->path);
    s->dt = dt_opt;
    PetscFunctionReturn(0);
  }
  {
    /* each step against the median step, so that one gap is named where it is (against the
       mean, which a gap shifts, a short file would blame its first frames) */
    PetscReal *steps, med;
    PetscCall(PetscMalloc1(s->n - 1, &steps));
    for (PetscInt f = 1; f < s->n; f++) steps[f - 1] = s->t[f] - s->t[f - 1];
    PetscCall(PetscSortReal(s->n - 1, steps));
    med = steps[(s->n - 1) / 2];
    PetscCall(PetscFree(steps));
    for (PetscInt f = 1; f < s->n; f++) {
      const PetscReal step = s->t[f] - s->t[f - 1], round = s->tprec * (PetscAbsReal(s->t[f]) + PetscAbsReal(s->t[f - 1]));
      SeriesCheck(s, s->line ? s->line[f] : 0, f, step > 0, "time %g fs does not follow the previous frame's %g fs (times must increase)", (double)s->t[f], (double)s->t[f - 1]);
      SeriesCheck(s, s->line ? s->line[f] : 0, f, PetscAbsReal(step - med) <= rtol * med + round, "non-uniform time step: %g fs since the previous frame, the median step is %g fs (relative tolerance -teann_dt_rtol %g; frames missing, or two runs joined?)", (double)step, (double)med, (double)rtol);
    }
  }
  s->dt = (s->t[s->n - 1] - s->t[0]) / (s->n - 1);
  TeannCheckFmt(dt_opt <= 0 || PetscAbsReal(dt_opt - s->dt) <= rtol * s->dt, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: -teann_dt %g fs disagrees with the file's time step %g fs (leave out -teann_dt to use the file's)", s->path, (double)dt_opt, (double)s->dt);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSeriesDestroy(TeannSeries *s)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(s->mu));
  PetscCall(PetscFree(s->alpha));
  PetscCall(PetscFree(s->t));
  PetscCall(PetscFree(s->line));
  s->n = 0;
  PetscFunctionReturn(0);
}
