/* What the text readers share: appending frames with geometric growth, a
 * getline-based line reader, number parsing, and the one validation of a
 * frame every format passes (TeannFramesValidate). */
#include "framesimpl.h"
#include "property.h"
#include "neighbours.h"
#include <errno.h>
#include <math.h>


PetscErrorCode TeannFramesBuilderBegin(TeannFramesBuilder *b, TeannFrames fr)
{
  PetscFunctionBegin;
  b->fr = fr;
  PetscCall(TeannFramesAllocate(fr, 0, 0));
  b->fcap = 0;
  b->acap = 0;
  PetscFunctionReturn(0);
}

/* Grow *p from n to m elements of size sz, keeping the first n. */
static PetscErrorCode TeannGrow(void *p, size_t n, size_t m, size_t sz)
{
  void *q;

  PetscFunctionBegin;
  PetscCall(PetscMallocA(1, PETSC_FALSE, __LINE__, PETSC_FUNCTION_NAME, __FILE__, m * sz, &q));
  if (n) PetscCall(PetscMemcpy(q, *(void **)p, n * sz));
  PetscCall(PetscFree(*(void **)p));
  *(void **)p = q;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesBuilderAdd(TeannFramesBuilder *b, PetscInt natoms, PetscInt *f, PetscInt *a0)
{
  TeannFrames fr = b->fr;
  PetscInt    nf = fr->nframes, na = fr->natoms;

  PetscFunctionBegin;
  if (nf + 1 > b->fcap) {
    PetscInt m = PetscMax(1024, 2 * b->fcap);
    PetscCall(TeannGrow(&fr->atom_start, (size_t)nf + 1, (size_t)m + 1, sizeof(PetscInt)));
    PetscCall(TeannGrow(&fr->frame_id, nf, m, sizeof(PetscInt)));
    PetscCall(TeannGrow(&fr->line, nf, m, sizeof(PetscInt)));
    PetscCall(TeannGrow(&fr->fprops, nf, m, sizeof(PetscInt)));
    PetscCall(TeannGrow(&fr->cell, 9 * (size_t)nf, 9 * (size_t)m, sizeof(PetscReal)));
    PetscCall(TeannGrow(&fr->pbc, nf, m, sizeof(PetscInt)));
    for (PetscInt k = 0; k < TEANN_NPROP; k++)
      if (!TeannProperties[k].peratom) PetscCall(TeannGrow(&fr->y[k], (size_t)TeannProperties[k].ncomp * nf, (size_t)TeannProperties[k].ncomp * m, sizeof(PetscReal)));
    PetscCall(TeannGrow(&fr->comment, nf, m, sizeof(char *)));
    b->fcap = m;
  }
  if (na + natoms > b->acap) {
    PetscInt m = PetscMax(PetscMax(8192, 2 * b->acap), na + natoms);
    PetscCall(TeannGrow(&fr->Z, na, m, sizeof(PetscInt)));
    PetscCall(TeannGrow(&fr->x, 3 * (size_t)na, 3 * (size_t)m, sizeof(PetscReal)));
    for (PetscInt k = 0; k < TEANN_NPROP; k++)
      if (TeannProperties[k].peratom) PetscCall(TeannGrow(&fr->y[k], (size_t)TeannProperties[k].ncomp * na, (size_t)TeannProperties[k].ncomp * m, sizeof(PetscReal)));
    b->acap = m;
  }
  fr->frame_id[nf] = nf;
  fr->line[nf]     = 0;
  fr->fprops[nf]   = 0;
  fr->pbc[nf]      = 0;
  for (PetscInt q = 0; q < 9; q++) fr->cell[9 * nf + q] = 0;
  for (PetscInt k = 0; k < TEANN_NPROP; k++) { /* NaN where absent; the charge 0 (neutral) */
    const PetscInt nc = TeannProperties[k].ncomp;
    if (TeannProperties[k].peratom)
      for (size_t c = (size_t)nc * na; c < (size_t)nc * (na + natoms); c++) fr->y[k][c] = NAN;
    else
      for (PetscInt c = 0; c < nc; c++) fr->y[k][nc * nf + c] = k == TEANN_K_CHARGE ? 0.0 : NAN;
  }
  fr->comment[nf]        = NULL;
  fr->atom_start[nf + 1] = na + natoms;
  fr->nframes            = nf + 1;
  fr->natoms             = na + natoms;
  *f                     = nf;
  *a0                    = na;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannLineReaderOpen(const char path[], TeannLineReader *r)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(r, sizeof(*r)));
  r->path = path;
  r->fp   = fopen(path, "r");
  PetscCheck(r->fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open (%s)", path, strerror(errno));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannLineReaderNext(TeannLineReader *r, PetscBool *eof)
{
  ssize_t n;

  PetscFunctionBegin;
  errno = 0;
  n     = getline(&r->buf, &r->cap, r->fp);
  if (n < 0) {
    PetscCheck(!ferror(r->fp), PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s:%" PetscInt_FMT ": read error (%s)", r->path, r->lineno + 1, strerror(errno));
    *eof   = PETSC_TRUE;
    r->len = 0;
    if (r->buf) r->buf[0] = 0;
    PetscFunctionReturn(0);
  }
  r->cut = (PetscBool)(r->buf[n - 1] != '\n');
  while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r')) r->buf[--n] = 0;
  if (r->lineno == 0 && n >= 3 && !memcmp(r->buf, "\xef\xbb\xbf", 3)) {
    /* a UTF-8 byte order mark, as some Windows editors write: not part of the text */
    memmove(r->buf, r->buf + 3, (size_t)n - 2);
    n -= 3;
  }
  r->len = (size_t)n;
  r->lineno++;
  *eof = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannLineReaderClose(TeannLineReader *r)
{
  PetscFunctionBegin;
  if (r->fp) fclose(r->fp);
  r->fp = NULL;
  free(r->buf); /* allocated by getline() */
  r->buf = NULL;
  PetscFunctionReturn(0);
}

void TeannParseReal(const char tok[], size_t len, PetscReal *v, PetscBool *ok)
{
  char  *end;
  double d;

  *ok = PETSC_FALSE;
  if (!len) return;
  d = strtod(tok, &end);
  if (end == tok + len) {
    *v  = (PetscReal)d;
    *ok = PETSC_TRUE;
    return;
  }
  if (end > tok && (*end == 'D' || *end == 'd') && len < 64) {
    /* Fortran double-precision exponent, as older EANN tools write */
    char buf[64];

    memcpy(buf, tok, len);
    buf[len]       = 0;
    buf[end - tok] = 'e';
    d              = strtod(buf, &end);
    if (end == buf + len) {
      *v  = (PetscReal)d;
      *ok = PETSC_TRUE;
    }
  }
}

PetscErrorCode TeannFramesCheckAtoms(TeannFrames fr, PetscInt f, PetscInt atomline0)
{
  PetscInt         a0 = fr->atom_start[f], n = fr->atom_start[f + 1] - a0, i, j, lo, hi;
  const PetscReal *x  = fr->x + 3 * a0;
  PetscReal        r, d[3];
  size_t           np;

  PetscFunctionBegin;
  /* linked cells, O(n), periodic images included (the cell passed TeannFramesCheckCell) */
  PetscCall(TeannNeighboursCount(fr->pbc[f] ? fr->cell + 9 * f : NULL, fr->pbc[f], n, x, TEANN_MIN_DISTANCE, NULL, &np, &i, &j, &r));
  if (!np) PetscFunctionReturn(0);
  lo = PetscMin(i, j);
  hi = PetscMax(i, j);
  TeannReadCheck(fr->source, atomline0 > 0 ? atomline0 + i : 0, fr->frame_id[f] + 1, i != j, "atom %" PetscInt_FMT " is %g Angstrom from its own periodic image (closer than %g)", i + 1, (double)r, (double)TEANN_MIN_DISTANCE);
  for (int c = 0; c < 3; c++) d[c] = x[3 * j + c] - x[3 * i + c];
  /* the closest pair is reported; through the boundary when the atoms themselves are farther apart */
  TeannReadCheck(fr->source, atomline0 > 0 ? atomline0 + hi : 0, fr->frame_id[f] + 1, PETSC_FALSE, "atoms %" PetscInt_FMT " and %" PetscInt_FMT " are %g Angstrom apart%s (closer than %g)", lo + 1, hi + 1, (double)r, PetscSqrtReal(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) > r * (1 + 1e-12) ? " through the periodic boundary" : "", (double)TEANN_MIN_DISTANCE);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesCheckSymmetry(TeannFrames fr, PetscInt f, PetscInt k, PetscInt line, PetscBool project)
{
  const TeannProperty *P = &TeannProperties[k];
  PetscReal           *a = fr->y[k] + P->ncomp * f, amax = 0, tol, worst = 0;
  const char          *ax = "xyz";

  PetscFunctionBegin;
  /* each pair is checked where its message is made: for rank 3 only the last two indices (full
     Kleinman symmetry is projected by the residual, not required) */
  for (PetscInt c = 0; c < P->ncomp; c++) amax = PetscMax(amax, PetscAbsReal(a[c]));
  tol = P->sym_rtol * amax + TEANN_SYM_ATOL;
  if (P->sym == TEANN_SYM_SYMMETRIC || P->sym == TEANN_SYM_TRACELESS) {
    for (int i = 0; i < 3; i++)
      for (int j = i + 1; j < 3; j++) {
        const PetscReal d = PetscAbsReal(a[3 * i + j] - a[3 * j + i]);

        TeannReadCheck(fr->source, line, fr->frame_id[f] + 1, d <= tol, "%s not symmetric: %c%c = %.10g but %c%c = %.10g (asymmetry %.3g of the largest component %.10g; tolerance %g)", P->name, ax[i], ax[j], (double)a[3 * i + j], ax[j], ax[i], (double)a[3 * j + i], (double)(amax > 0 ? d / amax : d), (double)amax, (double)P->sym_rtol);
        worst = PetscMax(worst, d);
      }
    TeannReadCheck(fr->source, line, fr->frame_id[f] + 1, P->sym != TEANN_SYM_TRACELESS || PetscAbsReal(a[0] + a[4] + a[8]) <= tol, "%s not traceless: xx + yy + zz = %.10g (largest component %.10g; tolerance %g relative)", P->name, (double)(a[0] + a[4] + a[8]), (double)amax, (double)P->sym_rtol);
    if (project) TeannPropertySymmetrize(k, a); /* stored exactly symmetric (and traceless) */
  } else if (P->sym == TEANN_SYM_FULLSYM3) {
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        for (int l = j + 1; l < 3; l++) {
          const PetscReal d = PetscAbsReal(a[9 * i + 3 * j + l] - a[9 * i + 3 * l + j]);

          TeannReadCheck(fr->source, line, fr->frame_id[f] + 1, d <= tol, "%s not symmetric in its last two indices: %c%c%c = %.10g but %c%c%c = %.10g (tolerance %g relative)", P->name, ax[i], ax[j], ax[l], (double)a[9 * i + 3 * j + l], ax[i], ax[l], ax[j], (double)a[9 * i + 3 * l + j], (double)P->sym_rtol);
          worst = PetscMax(worst, d);
        }
  }
  /* what was accepted, for the summary: a tolerance as wide as the polarizability's must not hide how
     much it let through; round-off of analytic tensors is not worth a line */
  if (amax > 0 && worst / amax > TEANN_SYM_REPORT && worst / amax > fr->asym[k]) {
    fr->asym[k]       = worst / amax;
    fr->asym_frame[k] = fr->frame_id[f] + 1;
  }
  PetscFunctionReturn(0);
}

/* Norm, for the cell check. */
static PetscReal Norm3(const PetscReal u[3])
{
  return PetscSqrtReal(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
}

PetscErrorCode TeannFramesCheckCell(TeannFrames fr, PetscInt f, PetscInt line)
{
  const PetscReal *H = fr->cell + 9 * f;
  const PetscInt   pbc = fr->pbc[f], frame = fr->frame_id[f] + 1;
  const char      *vn = "abc", *ax = "xyz";
  PetscInt         per[3], k = 0;
  PetscReal        len[3], width[3];
  char             names[16] = "", why[256];
  PetscBool        ok;

  PetscFunctionBegin;
  if (!pbc) PetscFunctionReturn(0);
  TeannReadCheck(fr->source, line, frame, pbc > 0 && pbc < 8, "pbc flags %" PetscInt_FMT " are not three bits", pbc);
  for (PetscInt d = 0; d < 3; d++)
    for (PetscInt c = 0; c < 3; c++) {
      TeannReadCheck(fr->source, line, frame, !PetscIsInfOrNanReal(H[3 * d + c]), "cell vector %c: component %c = %g is not finite", vn[d], ax[c], (double)H[3 * d + c]);
      TeannReadCheck(fr->source, line, frame, PetscAbsReal(H[3 * d + c]) <= TEANN_MAX_COORD, "cell vector %c: component %c = %g is beyond the bound %g Angstrom", vn[d], ax[c], (double)H[3 * d + c], (double)TEANN_MAX_COORD);
    }
  for (PetscInt d = 0; d < 3; d++) {
    if (!(pbc & (1 << d))) continue;
    len[k] = Norm3(H + 3 * d);
    TeannReadCheck(fr->source, line, frame, len[k] > 0, "cell vector %c is zero, but the frame is periodic along it", vn[d]);
    (void)snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%c", k ? ", " : "", vn[d]);
    per[k++] = d;
  }
  /* independence of the periodic vectors: one rule with the pair lists (neighbours.c) */
  PetscCall(TeannCellCheck(H, pbc, why, sizeof(why), &ok));
  TeannReadCheck(fr->source, line, frame, ok, "the cell (periodic along %s) is singular: %s", names, why);
  /* widths across each periodic vector within the periodic sub-lattice, as the pair lists see it */
  TeannCellPeriodicWidths(H, pbc, width);
  for (PetscInt q = 0; q < k; q++) TeannReadCheck(fr->source, line, frame, width[per[q]] >= TEANN_MIN_DISTANCE, "the cell is %g Angstrom wide across vector %c (between its faces), less than the %g Angstrom atoms must keep from each other and from their own images", (double)width[per[q]], vn[per[q]], (double)TEANN_MIN_DISTANCE);
  PetscFunctionReturn(0);
}

void TeannEscapeControl(const char msg[], char out[], size_t size)
{
  size_t o = 0;

  for (const unsigned char *p = (const unsigned char *)msg; *p && o + 5 < size; p++) {
    if (*p < 0x20 || *p == 0x7f) o += (size_t)snprintf(out + o, size - o, "\\x%02x", *p);
    else out[o++] = (char)*p;
  }
  out[o] = 0;
}

/* Component c of property k as its indices ("x", "yz", "xyz"), or "" for a scalar. */
static void ComponentName(PetscInt k, PetscInt c, char name[4])
{
  PetscInt r = TeannProperties[k].rank;

  for (PetscInt i = r - 1; i >= 0; i--, c /= 3) name[i] = "xyz"[c % 3];
  name[r] = 0;
}

static PetscErrorCode TeannFramesValidateAtomLabels(TeannFrames fr, PetscInt f, PetscInt k, PetscInt atomline0)
{
  const TeannProperty *P  = &TeannProperties[k];
  const PetscInt       a0 = fr->atom_start[f], n = fr->atom_start[f + 1] - a0, frame = fr->frame_id[f] + 1;
  PetscInt             labelled = 0;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal *y    = fr->y[k] + P->ncomp * (a0 + i);
    const PetscInt   line = atomline0 > 0 ? atomline0 + i : 0;
    PetscInt         nan  = 0;
    for (PetscInt c = 0; c < P->ncomp; c++) nan += PetscIsNanReal(y[c]);
    if (nan == P->ncomp) continue;
    labelled++;
    for (PetscInt c = 0; c < P->ncomp; c++) {
      TeannReadCheck(fr->source, line, frame, !PetscIsInfOrNanReal(y[c]), "atom %" PetscInt_FMT ": %s component %c = %g is not finite", i + 1, P->name, "xyz"[c % 3], (double)y[c]);
      TeannReadCheck(fr->source, line, frame, PetscAbsReal(y[c]) <= P->bound, "atom %" PetscInt_FMT ": %s component %c = %g is beyond the bound %g %s", i + 1, P->name, "xyz"[c % 3], (double)y[c], (double)P->bound, TeannPropertyUnits(k));
    }
  }
  if (!labelled) fr->fprops[f] &= ~P->bit; /* no atom carries it: the frame has none */
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesValidate(TeannFrames fr, PetscInt f, PetscInt propline, PetscInt atomline0, PetscBool project)
{
  PetscInt         a0 = fr->atom_start[f], n = fr->atom_start[f + 1] - a0, frame = fr->frame_id[f] + 1;
  const PetscReal *x  = fr->x + 3 * a0;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++)
    for (int c = 0; c < 3; c++) {
      PetscInt line = atomline0 > 0 ? atomline0 + i : 0;

      TeannReadCheck(fr->source, line, frame, !PetscIsInfOrNanReal(x[3 * i + c]), "atom %" PetscInt_FMT ": coordinate %c = %g is not finite", i + 1, "xyz"[c], (double)x[3 * i + c]);
      TeannReadCheck(fr->source, line, frame, PetscAbsReal(x[3 * i + c]) <= TEANN_MAX_COORD, "atom %" PetscInt_FMT ": coordinate %c = %g is beyond the bound %g Angstrom", i + 1, "xyz"[c], (double)x[3 * i + c], (double)TEANN_MAX_COORD);
    }
  PetscCall(TeannFramesCheckCell(fr, f, propline));
  for (PetscInt k = 0; k < TEANN_NPROP; k++) {
    const TeannProperty *P = &TeannProperties[k];
    const PetscReal     *y = fr->y[k] + P->ncomp * f;

    if (!(fr->fprops[f] & P->bit)) continue;
    TeannReadCheck(fr->source, propline, frame, !fr->pbc[f] || !P->not_periodic, "%s is not defined for a periodic frame; %s", P->name, P->not_periodic ? P->not_periodic : "");
    if (P->peratom) { /* rows of labelled atoms finite and bounded; NaN rows: no label */
      PetscCall(TeannFramesValidateAtomLabels(fr, f, k, atomline0));
      continue;
    }
    for (PetscInt c = 0; c < P->ncomp; c++) {
      char comp[4], what[48];

      ComponentName(k, c, comp);
      (void)snprintf(what, sizeof(what), "%s%s%s", P->name, comp[0] ? " component " : "", comp);
      TeannReadCheck(fr->source, propline, frame, !PetscIsInfOrNanReal(y[c]), "%s = %g is not finite", what, (double)y[c]);
      TeannReadCheck(fr->source, propline, frame, PetscAbsReal(y[c]) <= P->bound, "%s = %g is beyond the bound %g %s", what, (double)y[c], (double)P->bound, TeannPropertyUnits(k));
    }
    if (P->rank >= 2) PetscCall(TeannFramesCheckSymmetry(fr, f, k, propline, project));
  }
  PetscCall(TeannFramesCheckAtoms(fr, f, atomline0));
  PetscFunctionReturn(0);
}

void TeannPolarFromVoigt(const PetscReal v[6], PetscReal a[9])
{
  a[0] = v[0];
  a[4] = v[1];
  a[8] = v[2];
  a[5] = a[7] = v[3];
  a[2] = a[6] = v[4];
  a[1] = a[3] = v[5];
}
