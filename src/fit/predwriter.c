/* teann-predict's outputs, written block by block (predictions.h, TeannPredictWriter): the
 * predictions beside the references, never over them, and the errors against the
 * references. Rank 0 writes; the other ranks send it their frames of each block in rank
 * order, so that rank 0 holds one block at a time and memory does not follow the length of
 * the trajectory. A NetCDF variable whose values may first appear late in a trajectory (a
 * reference, time, step) is defined when they do, with NaN as its fill value. */
#include "predictions.h"
#include "ncutil.h"
#include "trajectory.h"
#include "heads/head.h"
#include "logimpl.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#define MAX_COLS 4096

/* Running errors and reference statistics of one property (Welford per component). */
typedef struct {
  PetscReal sse, sae, ncomp; /* squared and absolute errors, components compared */
  PetscReal frames, items;   /* frames with a reference; items (frames, or labelled atoms) */
  PetscReal n[TEANN_MAX_COMP], mean[TEANN_MAX_COMP], m2[TEANN_MAX_COMP];
} KindStats;

struct _n_TeannPredictWriter {
  MPI_Comm    comm;
  PetscMPIInt rank, size;
  char        path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN], data[PETSC_MAX_PATH_LEN];
  PetscBool   isnc;
  PetscInt    props, ncomp, nac, N;
  PetscInt64  natoms, done, adone; /* frames and atoms written */
  KindStats   st[TEANN_NKIND];
  /* xyz */
  FILE      *fp;
  PetscBool  werr;
  char      *buf; /* a rank's text of a block */
  size_t     blen, bcap;
  PetscBool  keep[MAX_COLS]; /* FormatFrame: which of the input's atom columns are written back */
  /* nc */
  TeannNCFile f;
  int         vid, vtime, vstep, vref[TEANN_NKIND], vpred[TEANN_NKIND], vsum[TEANN_NKIND], vsumpred[TEANN_NKIND], vinv[4], vaf;
  int         dframe, dspatial, datom;
  /* an ensemble (TeannPredictWriterSetEnsemble): members, whether each member's predictions
     are written, the variables, and the committee std of the block being added (xyz) */
  PetscInt         K;
  PetscBool        wmembers;
  int              vstd[TEANN_NKIND], vmem[TEANN_NKIND];
  const PetscReal *std;
};

/* ------------------------------------------------------------------ statistics */

static void StatsAdd(KindStats *s, PetscInt nc, const PetscReal y[], const PetscReal p[], PetscReal sg, PetscBool zeromean)
{
  for (PetscInt c = 0; c < nc; c++) {
    const PetscReal r = sg * y[c] - p[c], v = sg * y[c];
    s->sse += r * r;
    s->sae += PetscAbsReal(r);
    s->n[c] += 1;
    if (zeromean) s->m2[c] += v * v; /* spread about zero, as the fit takes it for a sign-free property */
    else {
      const PetscReal d = v - s->mean[c];
      s->mean[c] += d / s->n[c];
      s->m2[c] += d * (v - s->mean[c]);
    }
  }
  s->ncomp += nc;
  s->items += 1;
}

/* b merged into a (Chan et al.): the statistics of both sets of values. */
static void StatsMerge(KindStats *a, const KindStats *b)
{
  a->sse += b->sse;
  a->sae += b->sae;
  a->ncomp += b->ncomp;
  a->frames += b->frames;
  a->items += b->items;
  for (PetscInt c = 0; c < TEANN_MAX_COMP; c++) {
    const PetscReal n = a->n[c] + b->n[c], d = b->mean[c] - a->mean[c];
    if (n == 0) continue;
    a->m2[c] += b->m2[c] + d * d * a->n[c] * b->n[c] / n;
    a->mean[c] += d * b->n[c] / n;
    a->n[c] = n;
  }
}

/* RMSE, MAE and RMSE over the reference's spread (pooled over components about their means). */
static void StatsResult(const KindStats *s, PetscReal *rmse, PetscReal *mae, PetscReal *rel, PetscReal *std)
{
  PetscReal m2 = 0, n = 0;
  for (PetscInt c = 0; c < TEANN_MAX_COMP; c++) {
    m2 += s->m2[c];
    n += s->n[c];
  }
  *rmse = s->ncomp ? PetscSqrtReal(s->sse / s->ncomp) : NAN;
  *mae  = s->ncomp ? s->sae / s->ncomp : NAN;
  *std  = n ? PetscSqrtReal(m2 / n) : NAN;
  *rel  = *std > 0 ? *rmse / *std : NAN;
}

/* The errors of the local frames fr against their references. */
static void FramesStats(TeannPredictWriter w, TeannFrames fr, const PetscReal pred[], const PetscReal apred[])
{
  for (PetscInt k = 0, aoff = 0; k < TEANN_NKIND; k++) {
    const PetscInt   nc = TeannProperties[k].ncomp;
    const TeannHead *hd = TeannHeadOf(k);
    KindStats       *s  = &w->st[k];
    if (!(w->props & TeannProperties[k].bit)) continue;
    if (TeannProperties[k].peratom) {
      for (PetscInt f = 0; f < fr->nframes; f++) {
        PetscBool any = PETSC_FALSE;
        for (PetscInt a = fr->atom_start[f]; a < fr->atom_start[f + 1]; a++) {
          const PetscReal *y = fr->y[k] + (size_t)nc * a;
          if (PetscIsNanReal(y[0])) continue;
          StatsAdd(s, nc, y, apred + (size_t)w->nac * a + aoff, 1.0, PETSC_FALSE);
          any = PETSC_TRUE;
        }
        if (any) s->frames += 1;
      }
      aoff += nc;
      continue;
    }
    for (PetscInt f = 0; f < fr->nframes; f++) {
      const PetscReal *y = fr->y[k] + (size_t)nc * f, *p = pred + (size_t)w->ncomp * f + TeannPropertyOffset(w->props, k);
      if (!(fr->fprops[f] & TeannProperties[k].bit) || PetscIsNanReal(y[0])) continue;
      StatsAdd(s, nc, y, p, hd && hd->refsign ? hd->refsign(p, y) : 1.0, TeannProperties[k].signfree);
      s->frames += 1;
    }
  }
}

/* ------------------------------------------------------------------ extended XYZ */

static PetscErrorCode Append(TeannPredictWriter w, const char *s, size_t n)
{
  PetscFunctionBegin;
  if (w->blen + n + 1 > w->bcap) {
    size_t cap = PetscMax(2 * w->bcap, w->blen + n + 65536);
    PetscCall(PetscRealloc(cap, &w->buf));
    w->bcap = cap;
  }
  PetscCall(PetscMemcpy(w->buf + w->blen, s, n));
  w->blen += n;
  w->buf[w->blen] = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode AppendF(TeannPredictWriter w, const char *fmt, ...)
{
  char    tmp[256];
  va_list ap;
  int     n;

  PetscFunctionBegin;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  PetscCheck(n >= 0 && (size_t)n < sizeof(tmp), PETSC_COMM_SELF, PETSC_ERR_PLIB, "formatted token too long");
  PetscCall(Append(w, tmp, (size_t)n));
  PetscFunctionReturn(0);
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v (as the readers' own writer). */
static void Exact(char out[32], PetscReal v)
{
  for (int digits = 15; digits <= 17; digits++) {
    (void)snprintf(out, 32, "%.*g", digits, (double)v);
    if (strtod(out, NULL) == (double)v) return;
  }
}

/* One key=value token of a comment line from *s: key, its length, the token's end. */
static PetscBool NextToken(const char **s, const char **key, size_t *klen, const char **start)
{
  const char *p = *s;
  while (*p && isspace((unsigned char)*p)) p++;
  if (!*p) return PETSC_FALSE;
  *start = *key = p;
  while (*p && *p != '=' && !isspace((unsigned char)*p)) p++;
  *klen = (size_t)(p - *key);
  if (*p == '=') {
    p++;
    if (*p == '"' || *p == '\'' || *p == '{' || *p == '[') {
      const char open = *p, close = *p == '{' ? '}' : *p == '[' ? ']' : *p;
      int        depth = 0;
      for (p++; *p && (*p != close || depth > 0); p++) {
        if (*p == '\\' && p[1]) p++;
        else if (open != close && *p == open) depth++;
        else if (open != close && *p == close) depth--;
      }
      if (*p) p++;
    } else
      while (*p && !isspace((unsigned char)*p)) p++;
  }
  *s = p;
  return PETSC_TRUE;
}

static PetscBool KeyEq(const char *k, size_t len, const char *name, const char *suffix)
{
  const size_t n = strlen(name), m = strlen(suffix);
  return (PetscBool)(len == n + m && !strncasecmp(k, name, n) && !strncasecmp(k + n, suffix, m));
}

/* A key of the input the output writes itself: a prediction of a property the model predicts
   (an input that is itself teann-predict output), Properties, and the cell of a periodic frame. */
static PetscBool Replaced(PetscInt props, PetscBool periodic, const char *key, size_t len)
{
  if (KeyEq(key, len, "Properties", "")) return PETSC_TRUE;
  if (periodic && (KeyEq(key, len, "Lattice", "") || KeyEq(key, len, "pbc", ""))) return PETSC_TRUE;
  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if ((props & TeannProperties[k].bit) && (KeyEq(key, len, TeannProperties[k].name, "_pred") || KeyEq(key, len, TeannProperties[k].name, "_sum_pred") || KeyEq(key, len, TeannProperties[k].name, "_std"))) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* The input's Properties (or the default species:S:1:pos:R:3) without the columns of the model's
   per-atom predictions, into w's buffer; keep[c] says which of the *ncols columns stay. */
static PetscErrorCode InputColumns(TeannPredictWriter w, const char *comment, PetscBool keep[], PetscInt *ncols, PetscBool *dropped)
{
  const char *s = comment, *key, *start, *val = "species:S:1:pos:R:3";
  size_t      klen, vlen = strlen(val);
  PetscBool   first = PETSC_TRUE;

  PetscFunctionBegin;
  *ncols   = 0;
  *dropped = PETSC_FALSE;
  while (s && NextToken(&s, &key, &klen, &start))
    if (KeyEq(key, klen, "Properties", "") && start + klen < s && key[klen] == '=') {
      val  = key + klen + 1;
      vlen = (size_t)(s - val);
      if (vlen && (*val == '"' || *val == '\'')) {
        val++;
        vlen -= vlen > 1 ? 2 : 1;
      }
    }
  for (const char *p = val, *end = val + vlen; p < end;) {
    const char *f[3];
    size_t      fl[3];
    PetscInt    cnt;
    PetscBool   drop = PETSC_FALSE;
    for (int q = 0; q < 3; q++) {
      f[q] = p;
      while (p < end && *p != ':') p++;
      fl[q] = (size_t)(p - f[q]);
      if (p < end) p++;
    }
    cnt = (PetscInt)strtol(f[2], NULL, 10);
    for (PetscInt k = 0; k < TEANN_NKIND; k++)
      if ((w->props & TeannProperties[k].bit) && TeannProperties[k].peratom && KeyEq(f[0], fl[0], TeannProperties[k].name, "_pred")) drop = PETSC_TRUE;
    PetscCheck(*ncols + cnt <= MAX_COLS, PETSC_COMM_SELF, PETSC_ERR_SUP, "more than %d columns per atom", MAX_COLS);
    for (PetscInt c = 0; c < cnt; c++) keep[(*ncols)++] = (PetscBool)!drop;
    if (drop) {
      *dropped = PETSC_TRUE;
      continue;
    }
    if (!first) PetscCall(Append(w, ":", 1));
    PetscCall(Append(w, f[0], fl[0] + fl[1] + fl[2] + 2));
    first = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

/* Frame f as extended XYZ into w's buffer. */
static PetscErrorCode FormatFrame(TeannPredictWriter w, TeannFrames fr, PetscInt f, const PetscReal *pred, const PetscReal *apred, const TeannFrameExtras *ex, PetscInt ex_index)
{
  const PetscInt a0 = fr->atom_start[f], a1 = fr->atom_start[f + 1];
  const char    *comment = fr->comment ? fr->comment[f] : NULL, *text = ex && ex->text ? ex->text[ex_index] : NULL;
  char           num[32], cell[512];
  PetscBool     *keep = w->keep;
  PetscInt       ncols = 0;
  PetscBool      dropped = PETSC_FALSE;
  size_t         klen;

  PetscFunctionBegin;
  PetscCall(AppendF(w, "%" PetscInt_FMT "\n", a1 - a0));
  /* the predictions first, each under <property>_pred */
  for (PetscInt k = 0, aoff = 0; k < TEANN_NKIND; k++) {
    const PetscInt nc = TeannProperties[k].ncomp;
    if (!(w->props & TeannProperties[k].bit)) continue;
    PetscCall(AppendF(w, "%s%s_pred=\"", TeannProperties[k].name, TeannProperties[k].peratom ? "_sum" : ""));
    for (PetscInt c = 0; c < nc; c++) {
      PetscReal v = 0;
      if (TeannProperties[k].peratom)
        for (PetscInt a = 0; a < a1 - a0; a++) v += apred[(size_t)w->nac * a + aoff + c];
      else v = pred[TeannPropertyOffset(w->props, k) + c];
      PetscCall(AppendF(w, c ? " %.12g" : "%.12g", (double)v));
    }
    PetscCall(Append(w, "\" ", 2));
    if (TeannProperties[k].peratom) aoff += nc;
    else if (w->std) { /* an ensemble: the committee standard deviation beside the mean */
      const PetscReal *sd = w->std + (size_t)w->ncomp * f + TeannPropertyOffset(w->props, k);
      PetscCall(AppendF(w, "%s_std=\"", TeannProperties[k].name));
      for (PetscInt c = 0; c < nc; c++) PetscCall(AppendF(w, c ? " %.12g" : "%.12g", (double)sd[c]));
      PetscCall(Append(w, "\" ", 2));
    }
  }
  /* a frame without a comment line (a NetCDF file): its references, time and step as keys */
  if (!comment) {
    for (PetscInt k = 0; k < TEANN_NPROP; k++) {
      const PetscInt nc = TeannProperties[k].ncomp;
      if (TeannProperties[k].peratom || !(fr->fprops[f] & TeannProperties[k].bit)) continue;
      PetscCall(AppendF(w, "%s=\"", TeannProperties[k].name));
      for (PetscInt c = 0; c < nc; c++) {
        Exact(num, fr->y[k][(size_t)nc * f + c]);
        PetscCall(AppendF(w, c ? " %s" : "%s", num));
      }
      PetscCall(Append(w, "\" ", 2));
    }
    if (ex && ex->time) {
      PetscReal fs, t = ex->time[ex_index];
      PetscCall(TeannTimeUnitFs("time", ex->units ? ex->units : "fs", &fs));
      if (ex->single) { /* a 32-bit float's 7 digits, not the binary rounding of the decimal the MD code wrote */
        (void)snprintf(num, sizeof(num), "%.7g", (double)t);
        t = strtod(num, NULL);
      }
      Exact(num, t * fs);
      PetscCall(AppendF(w, "time=%s ", num));
    }
    if (ex && ex->step) PetscCall(AppendF(w, "step=%" PetscInt64_FMT " ", ex->step[ex_index]));
  }
  PetscCall(TeannFramesFormatCell(fr, f, cell, sizeof(cell)));
  if (cell[0]) {
    PetscCall(Append(w, cell, strlen(cell)));
    PetscCall(Append(w, " ", 1));
  }
  for (const char *s = comment, *key, *start; s && NextToken(&s, &key, &klen, &start);) {
    if (Replaced(w->props, (PetscBool)(fr->pbc[f] != 0), key, klen)) continue;
    PetscCall(Append(w, start, (size_t)(s - start)));
    PetscCall(Append(w, " ", 1));
  }
  PetscCall(Append(w, "Properties=", 11));
  if (text) PetscCall(InputColumns(w, comment, keep, &ncols, &dropped));
  else {
    PetscCall(Append(w, "species:S:1:pos:R:3", 19));
    for (PetscInt k = 0; k < TEANN_NPROP; k++)
      if (TeannProperties[k].peratom && (fr->fprops[f] & TeannProperties[k].bit)) PetscCall(AppendF(w, ":%s:R:%" PetscInt_FMT, TeannProperties[k].name, TeannProperties[k].ncomp));
  }
  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if ((w->props & TeannProperties[k].bit) && TeannProperties[k].peratom) PetscCall(AppendF(w, ":%s_pred:R:%" PetscInt_FMT, TeannProperties[k].name, TeannProperties[k].ncomp));
  PetscCall(Append(w, "\n", 1));

  /* the atom lines: the input's as read, or written from the frame; then the per-atom predictions */
  for (PetscInt a = a0; a < a1; a++) {
    if (text) {
      const char *end = strchr(text, '\n');
      size_t      len = end ? (size_t)(end - text) : strlen(text);
      if (!dropped) PetscCall(Append(w, text, len));
      else {
        const char *p = text, *e = text + len;
        PetscInt    col = 0, out = 0;
        while (p < e) {
          const char *t;
          while (p < e && isspace((unsigned char)*p)) p++;
          if (p >= e) break;
          t = p;
          while (p < e && !isspace((unsigned char)*p)) p++;
          if (col < ncols && keep[col]) {
            if (out++) PetscCall(Append(w, " ", 1));
            PetscCall(Append(w, t, (size_t)(p - t)));
          }
          col++;
        }
      }
      text = end ? end + 1 : text + len;
    } else {
      PetscCall(AppendF(w, "%-2s %18.10f %18.10f %18.10f", TeannElementSymbol(fr->Z[a]), (double)fr->x[3 * a], (double)fr->x[3 * a + 1], (double)fr->x[3 * a + 2]));
      for (PetscInt k = 0; k < TEANN_NPROP; k++) {
        const PetscInt nc = TeannProperties[k].ncomp;
        if (!TeannProperties[k].peratom || !(fr->fprops[f] & TeannProperties[k].bit)) continue;
        for (PetscInt c = 0; c < nc; c++) { /* an atom without a label: zeros, as the reader takes them */
          const PetscReal v = fr->y[k][(size_t)nc * a + c];
          Exact(num, PetscIsNanReal(v) ? 0.0 : v);
          PetscCall(AppendF(w, " %s", num));
        }
      }
    }
    for (PetscInt c = 0; c < w->nac; c++) PetscCall(AppendF(w, " %.12g", (double)apred[(size_t)w->nac * (a - a0) + c]));
    PetscCall(Append(w, "\n", 1));
  }
  PetscFunctionReturn(0);
}

/* Every rank's text of the block to rank 0, which writes it, in rank order. */
static PetscErrorCode XYZAdd(TeannPredictWriter w, TeannFrames fr, const PetscReal pred[], const PetscReal apred[], const TeannFrameExtras *ex)
{
  PetscFunctionBegin;
  w->blen = 0;
  if (w->buf) w->buf[0] = 0;
  for (PetscInt f = 0; f < fr->nframes; f++) PetscCall(FormatFrame(w, fr, f, pred + (size_t)w->ncomp * f, w->nac ? apred + (size_t)w->nac * fr->atom_start[f] : NULL, ex, f));
  if (w->rank == 0) {
    if (w->fp && !w->werr && fwrite(w->buf ? w->buf : "", 1, w->blen, w->fp) != w->blen) w->werr = PETSC_TRUE;
    for (PetscMPIInt r = 1; r < w->size; r++) {
      PetscInt64 len;
      PetscCallMPI(MPI_Recv(&len, 1, MPIU_INT64, r, 0, w->comm, MPI_STATUS_IGNORE));
      w->blen = 0;
      if ((size_t)len + 1 > w->bcap) {
        PetscCall(PetscRealloc((size_t)len + 1, &w->buf));
        w->bcap = (size_t)len + 1;
      }
      for (PetscInt64 got = 0; got < len;) { /* in pieces below MPI's int counts */
        const int piece = (int)PetscMin(len - got, (PetscInt64)1 << 30);
        PetscCallMPI(MPI_Recv(w->buf + got, piece, MPI_CHAR, r, 1, w->comm, MPI_STATUS_IGNORE));
        got += piece;
      }
      if (w->fp && !w->werr && fwrite(w->buf, 1, (size_t)len, w->fp) != (size_t)len) w->werr = PETSC_TRUE;
    }
  } else {
    const PetscInt64 len = (PetscInt64)w->blen;
    PetscCallMPI(MPI_Send(&len, 1, MPIU_INT64, 0, 0, w->comm));
    for (PetscInt64 sent = 0; sent < len;) {
      const int piece = (int)PetscMin(len - sent, (PetscInt64)1 << 30);
      PetscCallMPI(MPI_Send(w->buf + sent, piece, MPI_CHAR, 0, 1, w->comm));
      sent += piece;
    }
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ NetCDF */

static PetscErrorCode DefTensor(TeannPredictWriter w, PetscInt k, const char name[], int first, PetscBool fill, const char long_name[], int *vid)
{
  int         dims[4] = {first, w->dspatial, w->dspatial, w->dspatial};
  const int   nd = 1 + (int)TeannProperties[k].rank;
  const char *p = w->f.tmp;

  PetscFunctionBegin;
  PetscCallNC(p, nc_def_var(w->f.ncid, name, NC_DOUBLE, nd, dims, vid));
  if (fill) {
    const double nan = NAN;
    PetscCallNC(p, nc_def_var_fill(w->f.ncid, *vid, NC_FILL, &nan));
  }
  PetscCall(TeannNCPutText(&w->f, *vid, "units", TeannPropertyUnits(k)));
  PetscCall(TeannNCPutText(&w->f, *vid, "long_name", long_name));
  PetscFunctionReturn(0);
}

static PetscErrorCode DefScalar(TeannPredictWriter w, const char name[], nc_type type, const char units[], const char long_name[], int *vid)
{
  const char *p = w->f.tmp;

  PetscFunctionBegin;
  PetscCallNC(p, nc_def_var(w->f.ncid, name, type, 1, &w->dframe, vid));
  if (type == NC_DOUBLE) {
    const double nan = NAN;
    PetscCallNC(p, nc_def_var_fill(w->f.ncid, *vid, NC_FILL, &nan));
  } else if (type == NC_FLOAT) {
    const float nan = NAN;
    PetscCallNC(p, nc_def_var_fill(w->f.ncid, *vid, NC_FILL, &nan));
  }
  if (units) PetscCall(TeannNCPutText(&w->f, *vid, "units", units));
  PetscCall(TeannNCPutText(&w->f, *vid, "long_name", long_name));
  PetscFunctionReturn(0);
}

/* rank 0: the variables every output has */
static PetscErrorCode NCDefine(TeannPredictWriter w)
{
  const char *p = w->f.tmp;
  const int   ncid = w->f.ncid;
  char        name[128];

  PetscFunctionBegin;
  PetscCallNC(p, nc_def_dim(ncid, "frame", (size_t)w->N, &w->dframe));
  PetscCallNC(p, nc_def_dim(ncid, "spatial", 3, &w->dspatial));
  PetscCall(TeannNCPutText(&w->f, NC_GLOBAL, "data_file", w->data));
  PetscCallNC(p, nc_def_var(ncid, "frame_id", NC_INT, 1, &w->dframe, &w->vid));
  PetscCall(TeannNCPutText(&w->f, w->vid, "long_name", "0-based frame number in the source file"));
  if (w->nac) {
    PetscCallNC(p, nc_def_dim(ncid, "atom", (size_t)w->natoms, &w->datom));
    PetscCallNC(p, nc_def_var(ncid, "atom_frame", NC_INT, 1, &w->datom, &w->vaf));
    PetscCall(TeannNCPutText(&w->f, w->vaf, "long_name", "0-based index along the frame dimension of the frame the atom belongs to"));
  }
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    if (!(w->props & TeannProperties[k].bit)) continue;
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s_predicted", TeannProperties[k].name));
    if (TeannProperties[k].peratom) {
      PetscCall(DefTensor(w, k, name, w->datom, PETSC_FALSE, "model prediction per atom", &w->vpred[k]));
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s_sum_predicted", TeannProperties[k].name));
      PetscCall(DefTensor(w, k, name, w->dframe, PETSC_FALSE, "sum of the predictions over the frame's atoms", &w->vsumpred[k]));
    } else PetscCall(DefTensor(w, k, name, w->dframe, PETSC_FALSE, "model prediction", &w->vpred[k]));
    if (k == TEANN_K_POLAR) {
      PetscCall(DefScalar(w, "polarizability_isotropic_predicted", NC_DOUBLE, TeannPropertyUnits(k), "predicted trace/3", &w->vinv[2]));
      PetscCall(DefScalar(w, "polarizability_anisotropy_predicted", NC_DOUBLE, TeannPropertyUnits(k), "predicted anisotropy gamma", &w->vinv[3]));
    }
  }
  PetscFunctionReturn(0);
}

/* rank 0: variables whose values first appear in this block */
static PetscErrorCode NCDefineLate(TeannPredictWriter w, PetscInt haveref, PetscBool hastime, PetscBool single, PetscBool hasstep, const char units[])
{
  PetscBool redef = PETSC_FALSE;
  char      name[128];

  PetscFunctionBegin;
#define REDEF() \
  do { \
    if (!redef) PetscCallNC(w->f.tmp, nc_redef(w->f.ncid)); \
    redef = PETSC_TRUE; \
  } while (0)
  if (hastime && w->vtime < 0) {
    REDEF();
    PetscCall(DefScalar(w, "time", single ? NC_FLOAT : NC_DOUBLE, units, "time of the frame in its trajectory", &w->vtime));
    PetscCall(TeannNCPutText(&w->f, w->vtime, "standard_name", "time"));
  }
  if (hasstep && w->vstep < 0) {
    REDEF();
    PetscCall(DefScalar(w, "step", NC_INT64, NULL, "molecular dynamics step of the frame", &w->vstep));
  }
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    if (!(haveref & TeannProperties[k].bit) || w->vref[k] >= 0) continue;
    REDEF();
    if (TeannProperties[k].peratom) {
      PetscCall(DefTensor(w, k, TeannProperties[k].name, w->datom, PETSC_TRUE, "reference value per atom (NaN where the atom has none)", &w->vref[k]));
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s_sum", TeannProperties[k].name));
      PetscCall(DefTensor(w, k, name, w->dframe, PETSC_TRUE, "sum of the reference over the frame's labelled atoms (NaN where none is)", &w->vsum[k]));
    } else {
      PetscCall(DefTensor(w, k, TeannProperties[k].name, w->dframe, PETSC_TRUE, "reference value (NaN where the frame has none)", &w->vref[k]));
      if (TeannProperties[k].signfree) { /* readers (teann-plot) compare with the reference's better sign */
        const int one = 1;
        PetscCallNC(w->f.tmp, nc_put_att_int(w->f.ncid, w->vref[k], "sign_free", NC_INT, 1, &one));
      }
    }
    if (k == TEANN_K_POLAR) {
      PetscCall(DefScalar(w, "polarizability_isotropic", NC_DOUBLE, TeannPropertyUnits(k), "reference trace/3", &w->vinv[0]));
      PetscCall(DefScalar(w, "polarizability_anisotropy", NC_DOUBLE, TeannPropertyUnits(k), "reference anisotropy gamma", &w->vinv[1]));
    }
  }
  if (redef) PetscCallNC(w->f.tmp, nc_enddef(w->f.ncid));
#undef REDEF
  PetscFunctionReturn(0);
}

/* Gather n local items of m reals each onto rank 0 in rank order (out[ntot*m] there). */
static PetscErrorCode Gather(TeannPredictWriter w, PetscInt n, PetscInt m, const PetscReal in[], PetscInt *ntot, PetscReal **out)
{
  PetscMPIInt cnt, *counts = NULL, *displs = NULL;
  PetscInt64  tot = 0;

  PetscFunctionBegin;
  PetscCall(PetscMPIIntCast(n * m, &cnt));
  *out = NULL;
  if (w->rank == 0) PetscCall(PetscMalloc2(w->size, &counts, w->size + 1, &displs));
  PetscCallMPI(MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, 0, w->comm));
  if (w->rank == 0) {
    displs[0] = 0;
    for (PetscMPIInt r = 0; r < w->size; r++) tot += counts[r];
    PetscCheck(tot < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "a block of %" PetscInt64_FMT " values is too large to gather", tot);
    for (PetscMPIInt r = 1; r < w->size; r++) displs[r] = displs[r - 1] + counts[r - 1];
    PetscCall(PetscMalloc1(tot + 1, out));
  }
  PetscCallMPI(MPI_Gatherv(in, cnt, MPIU_REAL, *out, counts, displs, MPIU_REAL, 0, w->comm));
  if (w->rank == 0) PetscCall(PetscFree2(counts, displs));
  *ntot = m ? (PetscInt)(tot / m) : 0;
  PetscFunctionReturn(0);
}

#define REC_FID   0
#define REC_TIME  1
#define REC_STEP  2
#define REC_NAT   3
#define REC_REF   4 /* then ncomp reference, ncomp prediction, nac reference sum, nac prediction sum */

static PetscErrorCode NCAdd(TeannPredictWriter w, TeannFrames fr, const PetscReal pred[], const PetscReal apred[], const TeannFrameExtras *ex)
{
  const PetscInt n = fr->nframes, nc = w->ncomp, nac = w->nac, m = REC_REF + 2 * nc + 2 * nac;
  PetscInt       nat = fr->natoms, ntot, atot = 0, flags[4] = {0, 0, 0, 0};
  PetscReal     *rec, *arec, *all = NULL, *aall = NULL;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(n * m + 1, &rec, (size_t)2 * nac * nat + 1, &arec));
  for (PetscInt f = 0; f < n; f++) {
    PetscReal *r = rec + f * m;
    r[REC_FID]   = (PetscReal)fr->frame_id[f];
    r[REC_TIME]  = ex && ex->time ? ex->time[f] : NAN;
    r[REC_STEP]  = ex && ex->step ? (PetscReal)ex->step[f] : NAN;
    r[REC_NAT]   = (PetscReal)(fr->atom_start[f + 1] - fr->atom_start[f]);
    for (PetscInt k = 0, aoff = 0; k < TEANN_NKIND; k++) {
      const PetscInt kc = TeannProperties[k].ncomp;
      if (!(w->props & TeannProperties[k].bit)) continue;
      if (TeannProperties[k].peratom) {
        for (PetscInt c = 0; c < kc; c++) {
          PetscReal sref = 0, spred = 0;
          PetscInt  lab  = 0;
          for (PetscInt a = fr->atom_start[f]; a < fr->atom_start[f + 1]; a++) {
            const PetscReal y = fr->y[k][(size_t)kc * a + c];
            spred += apred[(size_t)nac * a + aoff + c];
            if (!PetscIsNanReal(y)) {
              sref += y;
              lab++;
            }
          }
          r[REC_REF + 2 * nc + aoff + c]       = lab ? sref : NAN;
          r[REC_REF + 2 * nc + nac + aoff + c] = spred;
          if (lab) flags[0] |= TeannProperties[k].bit;
        }
        aoff += kc;
        continue;
      }
      for (PetscInt c = 0; c < kc; c++) {
        const PetscInt off = TeannPropertyOffset(w->props, k) + c;
        const PetscBool has = (PetscBool)((fr->fprops[f] & TeannProperties[k].bit) != 0);
        r[REC_REF + off]      = has ? fr->y[k][(size_t)kc * f + c] : NAN;
        r[REC_REF + nc + off] = pred[(size_t)nc * f + off];
        if (has) flags[0] |= TeannProperties[k].bit;
      }
    }
  }
  for (PetscInt a = 0; a < nat && nac; a++)
    for (PetscInt k = 0, aoff = 0; k < TEANN_NKIND; k++) {
      const PetscInt kc = TeannProperties[k].ncomp;
      if (!(w->props & TeannProperties[k].bit) || !TeannProperties[k].peratom) continue;
      for (PetscInt c = 0; c < kc; c++) {
        arec[(size_t)2 * nac * a + aoff + c]       = fr->y[k][(size_t)kc * a + c];
        arec[(size_t)2 * nac * a + nac + aoff + c] = apred[(size_t)nac * a + aoff + c];
      }
      aoff += kc;
    }
  flags[1] = ex && ex->time ? 1 : 0;
  flags[2] = ex && ex->step ? 1 : 0;
  flags[3] = ex && ex->time && ex->single ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, flags, 4, MPIU_INT, MPI_BOR, w->comm));
  PetscCall(Gather(w, n, m, rec, &ntot, &all));
  if (nac) PetscCall(Gather(w, nat, 2 * nac, arec, &atot, &aall));
  PetscCall(PetscFree2(rec, arec));
  if (w->rank == 0 && ntot) {
    const char *p = w->f.tmp;
    const int   ncid = w->f.ncid;
    size_t      st[4] = {(size_t)w->done, 0, 0, 0}, ct[4] = {(size_t)ntot, 3, 3, 3};
    int        *ibuf;
    long long  *lbuf;
    double     *dbuf;

    PetscCall(NCDefineLate(w, flags[0], (PetscBool)flags[1], (PetscBool)flags[3], (PetscBool)flags[2], ex ? ex->units : NULL));
    PetscCall(PetscMalloc3(PetscMax(ntot, atot) + 1, &ibuf, ntot + 1, &lbuf, (size_t)TEANN_MAX_COMP * PetscMax(ntot, atot) + 1, &dbuf));
    for (PetscInt i = 0; i < ntot; i++) ibuf[i] = (int)all[i * m + REC_FID];
    PetscCallNC(p, nc_put_vara_int(ncid, w->vid, st, ct, ibuf));
    if (w->vtime >= 0) {
      for (PetscInt i = 0; i < ntot; i++) dbuf[i] = all[i * m + REC_TIME];
      PetscCallNC(p, nc_put_vara_double(ncid, w->vtime, st, ct, dbuf));
    }
    if (w->vstep >= 0) {
      for (PetscInt i = 0; i < ntot; i++) lbuf[i] = (long long)all[i * m + REC_STEP];
      PetscCallNC(p, nc_put_vara_longlong(ncid, w->vstep, st, ct, lbuf));
    }
    for (PetscInt k = 0, aoff = 0; k < TEANN_NKIND; k++) {
      const PetscInt kc = TeannProperties[k].ncomp;
      if (!(w->props & TeannProperties[k].bit)) continue;
      if (TeannProperties[k].peratom) {
        size_t ast[2] = {(size_t)w->adone, 0}, act[2] = {(size_t)atot, 3};
        for (PetscInt s = 0; s < 2; s++) {
          if (s == 0 && w->vref[k] < 0) continue;
          for (PetscInt a = 0; a < atot; a++)
            for (PetscInt c = 0; c < kc; c++) dbuf[kc * a + c] = aall[(size_t)2 * nac * a + (s ? nac : 0) + aoff + c];
          PetscCallNC(p, nc_put_vara_double(ncid, s ? w->vpred[k] : w->vref[k], ast, act, dbuf));
          for (PetscInt i = 0; i < ntot; i++)
            for (PetscInt c = 0; c < kc; c++) dbuf[kc * i + c] = all[i * m + REC_REF + 2 * nc + (s ? nac : 0) + aoff + c];
          PetscCallNC(p, nc_put_vara_double(ncid, s ? w->vsumpred[k] : w->vsum[k], st, ct, dbuf));
        }
        aoff += kc;
        continue;
      }
      for (PetscInt s = 0; s < 2; s++) {
        const PetscInt off = TeannPropertyOffset(w->props, k);
        if (s == 0 && w->vref[k] < 0) continue;
        for (PetscInt i = 0; i < ntot; i++)
          for (PetscInt c = 0; c < kc; c++) dbuf[kc * i + c] = all[i * m + REC_REF + (s ? nc : 0) + off + c];
        PetscCallNC(p, nc_put_vara_double(ncid, s ? w->vpred[k] : w->vref[k], st, ct, dbuf));
        if (k == TEANN_K_POLAR) {
          double *iso = dbuf + 9 * ntot, *gam = iso + ntot; /* room: TEANN_MAX_COMP per frame */
          for (PetscInt i = 0; i < ntot; i++) {
            if (PetscIsNanReal(dbuf[9 * i])) iso[i] = gam[i] = NAN;
            else TeannPolarInvariants(dbuf + 9 * i, &iso[i], &gam[i]);
          }
          PetscCallNC(p, nc_put_vara_double(ncid, w->vinv[2 * s], st, ct, iso));
          PetscCallNC(p, nc_put_vara_double(ncid, w->vinv[2 * s + 1], st, ct, gam));
        }
      }
    }
    if (nac) {
      size_t ast = (size_t)w->adone, act = (size_t)atot;
      for (PetscInt i = 0, a = 0; i < ntot; i++)
        for (PetscInt q = 0; q < (PetscInt)all[i * m + REC_NAT]; q++) ibuf[a++] = (int)(w->done + i);
      PetscCallNC(p, nc_put_vara_int(ncid, w->vaf, &ast, &act, ibuf));
    }
    PetscCall(PetscFree3(ibuf, lbuf, dbuf));
  }
  PetscCall(PetscFree(all));
  PetscCall(PetscFree(aall));
  PetscCallMPI(MPI_Bcast(&ntot, 1, MPIU_INT, 0, w->comm));
  PetscCallMPI(MPI_Bcast(&atot, 1, MPIU_INT, 0, w->comm));
  w->adone += atot;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ the object */

PetscErrorCode TeannPredictWriterCreate(MPI_Comm comm, const char path[], const char data[], PetscInt props, PetscInt nframes, PetscInt64 natoms, PetscBool overwrite, TeannPredictWriter *out)
{
  TeannPredictWriter w;
  PetscBool          exists = PETSC_FALSE;
  int                ok     = 1;

  PetscFunctionBegin;
  PetscCall(PetscNew(&w));
  w->comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &w->rank));
  PetscCallMPI(MPI_Comm_size(comm, &w->size));
  PetscCall(PetscStrncpy(w->path, path, sizeof(w->path)));
  PetscCall(PetscStrncpy(w->data, data, sizeof(w->data)));
  PetscCall(PetscSNPrintf(w->tmp, sizeof(w->tmp), "%s.tmp", path));
  PetscCall(PetscStrendswith(path, ".nc", &w->isnc));
  w->props  = props;
  w->ncomp  = TeannPropertyNumComponents(props);
  w->N      = nframes;
  w->natoms = natoms;
  w->vtime = w->vstep = w->vaf = -1;
  w->nac = TeannPropertyNumAtomComponents(props);
  for (PetscInt k = 0; k < TEANN_NKIND; k++) w->vref[k] = w->vpred[k] = w->vsum[k] = w->vsumpred[k] = -1;
  for (PetscInt q = 0; q < 4; q++) w->vinv[q] = -1;
  if (w->rank == 0) exists = (PetscBool)(access(path, F_OK) == 0);
  PetscCallMPI(MPI_Bcast(&exists, 1, MPIU_BOOL, 0, comm));
  if (exists && !overwrite) {
    PetscCall(PetscFree(w));
    SETERRQ(comm, PETSC_ERR_USER_INPUT, "-teann_output %s exists; give -teann_overwrite to replace it (nothing was done)", path);
  }
  *out = w;
  if (w->isnc) {
    PetscCall(TeannNCCreate(comm, path, "teann predictions", PETSC_FALSE, &w->f));
    if (w->rank == 0) {
      PetscCall(NCDefine(w));
      PetscCallNC(w->f.tmp, nc_enddef(w->f.ncid));
    }
  } else {
    if (w->rank == 0) {
      w->fp = fopen(w->tmp, "w");
      ok    = w->fp != NULL;
    }
    PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
    PetscCheck(ok, comm, PETSC_ERR_FILE_OPEN, "cannot create %s (%s)", w->tmp, strerror(errno));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannPredictWriterSetEnsemble(TeannPredictWriter w, PetscInt K, PetscBool members)
{
  PetscFunctionBegin;
  PetscCheck(K >= 1 && w->done == 0, w->comm, PETSC_ERR_ARG_WRONGSTATE, "TeannPredictWriterSetEnsemble() before any frame, with at least one member");
  w->K        = K;
  w->wmembers = (PetscBool)(members && w->isnc);
  for (PetscInt k = 0; k < TEANN_NKIND; k++) w->vstd[k] = w->vmem[k] = -1;
  if (w->isnc && w->rank == 0) {
    const char *p = w->f.tmp;
    const int   ncid = w->f.ncid, one = (int)K;
    int         dmember = -1;
    char        name[128];
    PetscCallNC(p, nc_redef(ncid));
    PetscCallNC(p, nc_put_att_int(ncid, NC_GLOBAL, "ensemble_members", NC_INT, 1, &one));
    if (w->wmembers) PetscCallNC(p, nc_def_dim(ncid, "member", (size_t)K, &dmember));
    for (PetscInt k = 0; k < TEANN_NKIND; k++) {
      if (!(w->props & TeannProperties[k].bit) || TeannProperties[k].peratom) continue;
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s_std", TeannProperties[k].name));
      PetscCall(DefTensor(w, k, name, w->dframe, PETSC_FALSE, "committee standard deviation of the members' predictions (the prediction is their mean)", &w->vstd[k]));
      if (!w->wmembers) continue;
      {
        int       dims[5] = {dmember, w->dframe, w->dspatial, w->dspatial, w->dspatial};
        const int nd      = 2 + (int)TeannProperties[k].rank;
        PetscCall(PetscSNPrintf(name, sizeof(name), "%s_predicted_members", TeannProperties[k].name));
        PetscCallNC(p, nc_def_var(ncid, name, NC_DOUBLE, nd, dims, &w->vmem[k]));
        PetscCall(TeannNCPutText(&w->f, w->vmem[k], "units", TeannPropertyUnits(k)));
        PetscCall(TeannNCPutText(&w->f, w->vmem[k], "long_name", "prediction of each member of the ensemble"));
      }
    }
    PetscCallNC(p, nc_enddef(ncid));
  }
  PetscFunctionReturn(0);
}

/* rank 0 puts the block's committee std and members (records of ncomp (1 + K) per frame). */
static PetscErrorCode NCAddEnsemble(TeannPredictWriter w, PetscInt n, const PetscReal std[], const PetscReal members[])
{
  const PetscInt nc = w->ncomp, m = nc * (w->wmembers ? 1 + w->K : 1);
  PetscInt       ntot;
  PetscReal     *rec, *all = NULL;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n * m + 1, &rec));
  for (PetscInt f = 0; f < n; f++)
    for (PetscInt c = 0; c < nc; c++) {
      rec[f * m + c] = std[f * nc + c];
      for (PetscInt q = 0; w->wmembers && q < w->K; q++) rec[f * m + nc * (1 + q) + c] = members[((size_t)q * n + f) * nc + c];
    }
  PetscCall(Gather(w, n, m, rec, &ntot, &all));
  PetscCall(PetscFree(rec));
  if (w->rank == 0 && ntot) {
    double *dbuf;
    PetscCall(PetscMalloc1((size_t)TEANN_MAX_COMP * ntot + 1, &dbuf));
    for (PetscInt k = 0; k < TEANN_NKIND; k++) {
      const PetscInt kc = TeannProperties[k].ncomp, off = TeannPropertyOffset(w->props, k);
      size_t         st[5] = {(size_t)w->done, 0, 0, 0, 0}, ct[5] = {(size_t)ntot, 3, 3, 3, 3};
      if (w->vstd[k] < 0) continue;
      for (PetscInt i = 0; i < ntot; i++)
        for (PetscInt c = 0; c < kc; c++) dbuf[kc * i + c] = all[i * m + off + c];
      PetscCallNC(w->f.tmp, nc_put_vara_double(w->f.ncid, w->vstd[k], st, ct, dbuf));
      for (PetscInt q = 0; w->wmembers && q < w->K; q++) {
        size_t sm[5] = {(size_t)q, (size_t)w->done, 0, 0, 0}, cm[5] = {1, (size_t)ntot, 3, 3, 3};
        for (PetscInt i = 0; i < ntot; i++)
          for (PetscInt c = 0; c < kc; c++) dbuf[kc * i + c] = all[i * m + nc * (1 + q) + off + c];
        PetscCallNC(w->f.tmp, nc_put_vara_double(w->f.ncid, w->vmem[k], sm, cm, dbuf));
      }
    }
    PetscCall(PetscFree(dbuf));
  }
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannPredictWriterAddEnsemble(TeannPredictWriter w, TeannFrames fr, const PetscReal pred[], const PetscReal apred[], const PetscReal std[], const PetscReal members[], const TeannFrameExtras *ex)
{
  PetscFunctionBegin;
  PetscCheck(w->K >= 1, w->comm, PETSC_ERR_ARG_WRONGSTATE, "TeannPredictWriterSetEnsemble() first");
  if (w->isnc) PetscCall(NCAddEnsemble(w, fr ? fr->nframes : 0, std, members));
  w->std = std;
  PetscCall(TeannPredictWriterAdd(w, fr, pred, apred, ex));
  w->std = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannPredictWriterAdd(TeannPredictWriter w, TeannFrames fr, const PetscReal pred[], const PetscReal apred[], const TeannFrameExtras *ex)
{
  PetscInt n = fr ? fr->nframes : 0, ntot;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TEANN_EVENT_PredictWrite, 0, 0, 0, 0));
  if (n) FramesStats(w, fr, pred, apred);
  if (w->isnc) PetscCall(NCAdd(w, fr, pred, apred, ex));
  else PetscCall(XYZAdd(w, fr, pred, apred, ex));
  PetscCallMPI(MPI_Allreduce(&n, &ntot, 1, MPIU_INT, MPI_SUM, w->comm));
  w->done += ntot;
  PetscCall(PetscLogEventEnd(TEANN_EVENT_PredictWrite, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The statistics of all ranks, merged on every rank in rank order. */
static PetscErrorCode StatsReduce(TeannPredictWriter w, KindStats tot[])
{
  const PetscInt m = (PetscInt)(sizeof(KindStats) / sizeof(PetscReal)) * TEANN_NKIND;
  PetscReal     *all;
  PetscMPIInt    cnt;

  PetscFunctionBegin;
  PetscCall(PetscMPIIntCast(m, &cnt));
  PetscCall(PetscMalloc1((size_t)m * w->size, &all));
  PetscCallMPI(MPI_Allgather(w->st, cnt, MPIU_REAL, all, cnt, MPIU_REAL, w->comm));
  PetscCall(PetscMemzero(tot, sizeof(KindStats) * TEANN_NKIND));
  for (PetscMPIInt r = 0; r < w->size; r++)
    for (PetscInt k = 0; k < TEANN_NKIND; k++) StatsMerge(&tot[k], (const KindStats *)all + (size_t)r * TEANN_NKIND + k);
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannPredictWriterClose(TeannPredictWriter *pw, PetscViewer viewer)
{
  TeannPredictWriter w = *pw;
  KindStats          tot[TEANN_NKIND];
  PetscBool          any = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(StatsReduce(w, tot));
  for (PetscInt k = 0; k < TEANN_NKIND; k++) any = (PetscBool)(any || tot[k].frames > 0);
  if (w->isnc) {
    if (w->rank == 0 && any) {
      PetscCallNC(w->f.tmp, nc_redef(w->f.ncid));
      for (PetscInt k = 0; k < TEANN_NKIND; k++) {
        PetscReal rmse, mae, rel, std;
        const int v = w->vpred[k];
        long long nf, na;
        if (!(w->props & TeannProperties[k].bit) || !tot[k].frames) continue;
        StatsResult(&tot[k], &rmse, &mae, &rel, &std);
        nf = (long long)tot[k].frames;
        na = (long long)tot[k].items;
        PetscCallNC(w->f.tmp, nc_put_att_longlong(w->f.ncid, v, "reference_frames", NC_INT64, 1, &nf));
        if (TeannProperties[k].peratom) PetscCallNC(w->f.tmp, nc_put_att_longlong(w->f.ncid, v, "reference_atoms", NC_INT64, 1, &na));
        PetscCallNC(w->f.tmp, nc_put_att_double(w->f.ncid, v, "rmse", NC_DOUBLE, 1, &rmse));
        PetscCallNC(w->f.tmp, nc_put_att_double(w->f.ncid, v, "mae", NC_DOUBLE, 1, &mae));
        PetscCallNC(w->f.tmp, nc_put_att_double(w->f.ncid, v, "reference_std", NC_DOUBLE, 1, &std));
        /* references without spread (one value on every frame): no ratio, rather than a NaN */
        if (std > 0) PetscCallNC(w->f.tmp, nc_put_att_double(w->f.ncid, v, "rmse_relative", NC_DOUBLE, 1, &rel));
      }
      PetscCallNC(w->f.tmp, nc_enddef(w->f.ncid));
    }
    PetscCall(TeannNCClose(&w->f));
  } else {
    int ok = 1;
    if (w->rank == 0) {
      if (ferror(w->fp) | fclose(w->fp)) w->werr = PETSC_TRUE;
      w->fp = NULL;
      ok    = !w->werr;
      if (!ok) (void)remove(w->tmp);
      else if (rename(w->tmp, w->path)) ok = -1;
    }
    PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, w->comm));
    PetscCheck(ok != 0, w->comm, PETSC_ERR_FILE_WRITE, "cannot write %s (disk full or not writable); nothing was written, the temporary file was removed", w->path);
    PetscCheck(ok > 0, w->comm, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s", w->tmp, w->path);
  }
  if (any && viewer) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "teann-predict: errors against the references of %s\n", w->data));
    PetscCall(PetscViewerASCIIPrintf(viewer, "  %-22s %9s %13s %13s %10s  %s\n", "property", "frames", "RMSE", "MAE", "RMSE/std", "units"));
    for (PetscInt k = 0; k < TEANN_NKIND; k++) {
      PetscReal rmse, mae, rel, std;
      char      line[512], ratio[32];
      if (!(w->props & TeannProperties[k].bit) || !tot[k].frames) continue;
      StatsResult(&tot[k], &rmse, &mae, &rel, &std);
      if (std > 0) (void)snprintf(ratio, sizeof(ratio), "%10.4e", (double)rel);
      else (void)snprintf(ratio, sizeof(ratio), "%10s", "-"); /* the references do not vary: no ratio */
      (void)snprintf(line, sizeof(line), "  %-22s %9.0f %13.6e %13.6e %s  %s%s\n", TeannProperties[k].name, (double)tot[k].frames, (double)rmse, (double)mae, ratio, TeannPropertyUnits(k), TeannProperties[k].peratom ? " (per labelled atom)" : "");
      PetscCall(PetscViewerASCIIPrintf(viewer, "%s", line));
    }
  }
  PetscCall(PetscFree(w->buf));
  PetscCall(PetscFree(*pw));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannPredictWriterAbandon(TeannPredictWriter *pw)
{
  TeannPredictWriter w = *pw;

  PetscFunctionBegin;
  if (!w) PetscFunctionReturn(0);
  if (w->rank == 0) {
    if (w->isnc) PetscCall(TeannNCAbandon(&w->f));
    else {
      if (w->fp) (void)fclose(w->fp);
      (void)remove(w->tmp);
    }
  }
  PetscCall(PetscFree(w->buf));
  PetscCall(PetscFree(*pw));
  PetscFunctionReturn(0);
}
