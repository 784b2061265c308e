/* Time series of dipoles and polarizabilities for the spectra (spectrum.h): predictions.nc
 * and extended XYZ trajectories. The XYZ reader streams: it keeps the comment line's
 * tensors and time of each frame and skips the atom lines, so that a long trajectory of a
 * large system costs 13 reals a frame, not its coordinates. A periodic liquid's frames
 * carry per-atom dipoles instead of a dipole; the reader then sums the cell dipole
 * M = sum q r + sum w d frame by frame from the atom lines, keeping only each atom's last
 * position and its unwrapped one (6 reals an atom), so that wrapping creates no jump in M. */
#include "spectrum.h"
#include "ncutil.h"
#include "frames.h"
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
  PetscReal   mu[2][3], alpha[2][9], t;
  PetscBool   hasmu[2], hasalpha[2], hast;
  const char *props, *lattice, *pbc; /* the raw values of Properties=, Lattice=, pbc= (into the line; NULL: absent) */
  size_t      propslen, latticelen, pbclen;
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
    } else if (klen == 10 && !strncasecmp(key, "properties", 10)) {
      cv->props    = val;
      cv->propslen = vlen;
    } else if (klen == 7 && !strncasecmp(key, "lattice", 7)) {
      cv->lattice    = val;
      cv->latticelen = vlen;
    } else if (klen == 3 && !strncasecmp(key, "pbc", 3)) {
      cv->pbc    = val;
      cv->pbclen = vlen;
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

/* ------------------------------------------------- the cell dipole from per-atom dipoles */

PetscErrorCode TeannAtomChargesSetWater(TeannAtomCharges *ch)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(ch, sizeof(*ch)));
  ch->q[8]    = -2; /* O: ionic core +6 and four Wannier centres of -2 */
  ch->q[1]    = 1;  /* H: the bare proton */
  ch->w[8]    = -8; /* the four centres' charge moves with their centroid */
  ch->hasq[8] = ch->hasq[1] = ch->hasw[8] = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannAtomChargesParse(const char opt[], const char list[], PetscBool clear, PetscReal v[], PetscBool has[])
{
  char   buf[1024], *tok, *save = NULL;
  size_t l;

  PetscFunctionBegin;
  PetscCall(PetscStrlen(list, &l));
  PetscCheck(l < sizeof(buf), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: the list is too long", opt);
  PetscCall(PetscStrncpy(buf, list, sizeof(buf)));
  if (clear)
    for (PetscInt Z = 0; Z <= TEANN_MAX_Z; Z++) {
      v[Z]   = 0;
      has[Z] = PETSC_FALSE;
    }
  for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    char    *colon = strchr(tok, ':'), *end;
    PetscInt Z;
    double   x;

    PetscCheck(colon, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: '%s' is not ELEMENT:CHARGE (e.g. O:-2,H:1)", opt, tok);
    *colon = 0;
    Z      = TeannElementZ(tok);
    PetscCheck(Z > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: unknown element '%s' (symbols as in the files: O, H, Na, ...)", opt, tok);
    x = strtod(colon + 1, &end);
    PetscCheck(end != colon + 1 && !*end && isfinite(x), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: %s:%s: the charge is no number", opt, tok, colon + 1);
    v[Z]   = (PetscReal)x;
    has[Z] = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannAtomChargesFormat(const PetscReal v[], const PetscBool has[], char buf[], size_t len)
{
  PetscBool first = PETSC_TRUE;

  PetscFunctionBegin;
  buf[0] = 0;
  for (PetscInt Z = 1; Z <= TEANN_MAX_Z; Z++) {
    char one[64];
    if (!has[Z]) continue;
    (void)snprintf(one, sizeof(one), "%s%s:%g", first ? "" : ",", TeannElementSymbol(Z), (double)v[Z]);
    PetscCall(PetscStrlcat(buf, one, len));
    first = PETSC_FALSE;
  }
  if (first) PetscCall(PetscStrncpy(buf, "none", len));
  PetscFunctionReturn(0);
}

/* The columns of the atom lines, from Properties=name:type:count:... (extended XYZ's default
   species:S:1:pos:R:3 without it). */
typedef struct {
  PetscInt ncols;          /* columns of an atom line                                 */
  PetscInt species, pos;   /* first column of each, -1: absent                        */
  PetscInt dip[2];         /* atomic_dipole (0) and atomic_dipole_pred (1), -1: absent */
} AtomColumns;

static PetscErrorCode ParseColumns(const TeannSeries *s, PetscInt ln, PetscInt f, const CommentValues *cv, AtomColumns *ac)
{
  char     buf[2048], *fld[3], *save = NULL, *t;
  PetscInt col = 0;

  PetscFunctionBegin;
  ac->species = ac->pos = ac->dip[0] = ac->dip[1] = -1;
  if (!cv->props) {
    ac->ncols   = 4;
    ac->species = 0;
    ac->pos     = 1;
    PetscFunctionReturn(0);
  }
  SeriesCheck(s, ln, f, cv->propslen < sizeof(buf), "Properties= is too long");
  memcpy(buf, cv->props, cv->propslen);
  buf[cv->propslen] = 0;
  for (t = strtok_r(buf, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
    long  cnt;
    char *end;

    fld[0] = t;
    fld[1] = strtok_r(NULL, ":", &save);
    fld[2] = strtok_r(NULL, ":", &save);
    SeriesCheck(s, ln, f, fld[1] && fld[2], "Properties= must be name:type:count triples, got '%.*s'", (int)PetscMin(cv->propslen, 200), cv->props);
    cnt = strtol(fld[2], &end, 10);
    SeriesCheck(s, ln, f, end != fld[2] && !*end && cnt > 0, "Properties=: column %s has count '%s'", fld[0], fld[2]);
    if (!strcasecmp(fld[0], "species") && cnt == 1) ac->species = col;
    else if (!strcasecmp(fld[0], "pos") && cnt == 3) ac->pos = col;
    else if (!strcasecmp(fld[0], "atomic_dipole") && cnt == 3) ac->dip[0] = col;
    else if (!strcasecmp(fld[0], "atomic_dipole_pred") && cnt == 3) ac->dip[1] = col;
    col += (PetscInt)cnt;
  }
  ac->ncols = col;
  PetscFunctionReturn(0);
}

/* A frame's cell: pbc bits (bit d: periodic along lattice vector d), the lattice vectors as
   rows of H and H's inverse (fractional coordinates s = r H^-1). ASE's rules, as the data
   reader has them: a Lattice without pbc is periodic along all three vectors, pbc="F F F"
   ignores the Lattice, a T needs a Lattice. */
typedef struct {
  PetscInt  pbc;
  PetscReal H[9], Hi[9];
} Cell;

static PetscErrorCode ParseCell(const TeannSeries *s, PetscInt ln, PetscInt f, const CommentValues *cv, Cell *c)
{
  PetscFunctionBegin;
  c->pbc = cv->lattice ? 7 : 0;
  if (cv->pbc) {
    char     buf[128], *t, *save = NULL;
    PetscInt n = 0;
    SeriesCheck(s, ln, f, cv->pbclen < sizeof(buf), "pbc= is too long");
    memcpy(buf, cv->pbc, cv->pbclen);
    buf[cv->pbclen] = 0;
    c->pbc          = 0;
    for (t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save), n++) {
      const PetscBool T = (PetscBool)(!strcasecmp(t, "T") || !strcasecmp(t, "true") || !strcmp(t, "1"));
      SeriesCheck(s, ln, f, T || !strcasecmp(t, "F") || !strcasecmp(t, "false") || !strcmp(t, "0"), "pbc= value '%s' is not T or F", t);
      if (T && n < 3) c->pbc |= (PetscInt)1 << n;
    }
    SeriesCheck(s, ln, f, n == 1 || n == 3, "pbc= has %d values, expected 3", (int)n);
    if (n == 1 && c->pbc) c->pbc = 7;
  }
  if (!c->pbc) PetscFunctionReturn(0);
  SeriesCheck(s, ln, f, cv->lattice, "pbc= has T but there is no Lattice=: the cell dipole of a periodic frame needs its cell to follow atoms across its faces");
  {
    PetscReal v[10], *H = c->H, *Hi = c->Hi, det;
    PetscInt  n;
    ParseNumbers(cv->lattice, cv->latticelen, v, 9, &n);
    SeriesCheck(s, ln, f, n == 9, "Lattice= must be 9 numbers (the rows a, b, c), got '%.*s'", (int)PetscMin(cv->latticelen, 200), cv->lattice);
    for (PetscInt q = 0; q < 9; q++) {
      SeriesCheck(s, ln, f, !PetscIsInfOrNanReal(v[q]), "Lattice= component %d is not finite", (int)q + 1);
      H[q] = v[q];
    }
    Hi[0] = H[4] * H[8] - H[5] * H[7];
    Hi[1] = H[2] * H[7] - H[1] * H[8];
    Hi[2] = H[1] * H[5] - H[2] * H[4];
    Hi[3] = H[5] * H[6] - H[3] * H[8];
    Hi[4] = H[0] * H[8] - H[2] * H[6];
    Hi[5] = H[2] * H[3] - H[0] * H[5];
    Hi[6] = H[3] * H[7] - H[4] * H[6];
    Hi[7] = H[1] * H[6] - H[0] * H[7];
    Hi[8] = H[0] * H[4] - H[1] * H[3];
    det  = H[0] * Hi[0] + H[1] * Hi[3] + H[2] * Hi[6];
    SeriesCheck(s, ln, f, PetscAbsReal(det) > 1e-12, "Lattice= is singular (volume %g)", (double)det);
    for (PetscInt q = 0; q < 9; q++) Hi[q] /= det;
  }
  PetscFunctionReturn(0);
}

/* What the atoms of the frames seen so far leave for the next one. */
typedef struct {
  PetscInt   nat;      /* atoms of the first frame                         */
  PetscInt  *Z;        /* [nat] their elements: later frames keep the order */
  PetscReal *last;     /* [3 nat] positions as read in the previous frame   */
  PetscReal *unw;      /* [3 nat] unwrapped positions                       */
  char     **tok;      /* room for the tokens of an atom line               */
  PetscInt   tokcap;
} AtomState;

/* The atom lines of frame f: M = sum_i q_i u_i + w_i d_i into mu, with u_i the unwrapped
   position: each atom's step from the previous frame is its minimum image in this frame's
   cell (wrapping an atom back into the cell moves it by a lattice vector, which the
   minimum image removes), so that M(t) is continuous and its derivative sum q v + w dd/dt. */
static PetscErrorCode AtomicFrame(TeannSeries *s, FILE *fp, char **buf, size_t *cap, PetscInt *ln, PetscInt f, PetscInt natoms, const AtomColumns *ac, PetscInt qad, const Cell *cell, const TeannAtomCharges *ch, AtomState *st)
{
  PetscReal      M[3] = {0, 0, 0}, Q = 0;
  const PetscInt ln0  = *ln + 1; /* the first atom line */

  PetscFunctionBegin;
  if (f == 0) {
    st->nat = natoms;
    PetscCall(PetscMalloc3(natoms + 1, &st->Z, 3 * natoms + 1, &st->last, 3 * natoms + 1, &st->unw));
  }
  SeriesCheck(s, *ln, f, natoms == st->nat, "%d atoms, the first frame %d: the cell dipole follows the same atoms through the trajectory", (int)natoms, (int)st->nat);
  if (ac->ncols > st->tokcap) {
    PetscCall(PetscFree(st->tok));
    st->tokcap = ac->ncols;
    PetscCall(PetscMalloc1(st->tokcap, &st->tok));
  }
  for (PetscInt a = 0; a < natoms; a++) {
    ssize_t   len = getline(buf, cap, fp);
    PetscInt  n = 0, Z;
    PetscReal r[3], d[3], *u = st->unw + 3 * a, *l = st->last + 3 * a;
    char     *p, *save = NULL;

    SeriesCheck(s, ln0, f, len >= 0, "the file ends after %d of the frame's %d atom lines", (int)a, (int)natoms);
    (*ln)++;
    for (p = strtok_r(*buf, " \t\r\n", &save); p; p = strtok_r(NULL, " \t\r\n", &save), n++)
      if (n < ac->ncols) st->tok[n] = p;
    SeriesCheck(s, *ln, f, n == ac->ncols, "atom %d: %d columns, Properties= declares %d", (int)a + 1, (int)n, (int)ac->ncols);
    Z = TeannElementZ(st->tok[ac->species]);
    SeriesCheck(s, *ln, f, Z > 0, "atom %d: unknown element '%s'", (int)a + 1, st->tok[ac->species]);
    if (f == 0) st->Z[a] = Z;
    SeriesCheck(s, *ln, f, Z == st->Z[a], "atom %d is %s, in the first frame %s: the cell dipole follows the same atoms in the same order through the trajectory", (int)a + 1, TeannElementSymbol(Z), TeannElementSymbol(st->Z[a]));
    if (!ch->hasq[Z]) {
      char list[256];
      PetscCall(TeannAtomChargesFormat(ch->q, ch->hasq, list, sizeof(list)));
      SeriesCheck(s, *ln, f, PETSC_FALSE, "atom %d: no charge for %s: -teann_atom_charges must give every element of the file (it has %s)", (int)a + 1, TeannElementSymbol(Z), list);
    }
    for (PetscInt c = 0; c < 3; c++) {
      char *end;
      r[c] = strtod(st->tok[ac->pos + c], &end);
      SeriesCheck(s, *ln, f, end != st->tok[ac->pos + c] && !*end && !PetscIsInfOrNanReal(r[c]), "atom %d: position component %d '%s' is no finite number", (int)a + 1, (int)c + 1, st->tok[ac->pos + c]);
      d[c] = strtod(st->tok[ac->dip[qad] + c], &end);
      SeriesCheck(s, *ln, f, end != st->tok[ac->dip[qad] + c] && !*end && !PetscIsInfOrNanReal(d[c]), "atom %d: %s component %d '%s' is no finite number", (int)a + 1, qad ? "atomic_dipole_pred" : "atomic_dipole", (int)c + 1, st->tok[ac->dip[qad] + c]);
    }
    if (f == 0)
      for (PetscInt c = 0; c < 3; c++) u[c] = r[c];
    else {
      PetscReal dr[3] = {r[0] - l[0], r[1] - l[1], r[2] - l[2]};
      if (cell->pbc) {
        const PetscReal *H = cell->H, *Hi = cell->Hi;
        PetscReal        fr[3];
        for (PetscInt k = 0; k < 3; k++) {
          fr[k] = dr[0] * Hi[k] + dr[1] * Hi[3 + k] + dr[2] * Hi[6 + k];
          if (cell->pbc & ((PetscInt)1 << k)) {
            fr[k] -= PetscFloorReal(fr[k] + 0.5);
            if (PetscAbsReal(fr[k]) > s->maxjump) {
              s->maxjump       = PetscAbsReal(fr[k]);
              s->maxjump_frame = f;
            }
          }
        }
        for (PetscInt c = 0; c < 3; c++) dr[c] = fr[0] * H[c] + fr[1] * H[3 + c] + fr[2] * H[6 + c];
      }
      for (PetscInt c = 0; c < 3; c++) u[c] += dr[c];
    }
    for (PetscInt c = 0; c < 3; c++) {
      l[c] = r[c];
      M[c] += ch->q[Z] * u[c] + (ch->hasw[Z] ? ch->w[Z] * d[c] : 0);
    }
    Q += ch->q[Z];
  }
  for (PetscInt c = 0; c < 3; c++) s->mu[3 * f + c] = M[c];
  if (cell->pbc) s->periodic++;
  s->netcharge = PetscMax(s->netcharge, PetscAbsReal(Q));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadXYZ(TeannSeries *s, PetscInt want, PetscBool reference, PetscReal tunit, const TeannAtomCharges *ch)
{
  FILE     *fp;
  char     *buf = NULL;
  size_t    cap = 0;
  ssize_t   len;
  PetscInt  ln = 0, cap_f = 0, timed = -1; /* -1 unknown, 0 no frame has time=, 1 every frame */
  PetscInt  qmu = -1, qal = -1;            /* the keys read: 1 teann-predict's predictions (<name>_pred=), 0 the plain ones; the first frame decides */
  PetscInt  atomic = -1, qad = 0;          /* the dipole from per-atom dipoles (1) or none/the frame's (0), the first frame decides; qad as qmu */
  AtomState st;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&st, sizeof(st)));
  fp = fopen(s->path, "r");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the file", s->path);
  s->has = TEANN_SERIES_DIPOLE | TEANN_SERIES_POLAR;
  while ((len = getline(&buf, &cap, fp)) >= 0) {
    PetscInt      f = s->n, natoms, ln0;
    char         *end;
    long          na;
    CommentValues cv;
    AtomColumns   ac;
    Cell          cell;

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
    if (atomic < 0) {
      /* no dipole in the first frame but per-atom dipoles (a periodic liquid): the cell's
         dipole from them, the positions and the charges */
      atomic = 0;
      if (ch && !cv.hasmu[qmu] && (!want || want & TEANN_SERIES_DIPOLE)) {
        AtomColumns ac;
        PetscCall(ParseColumns(s, ln, f, &cv, &ac));
        if (ac.dip[0] >= 0 || (!reference && ac.dip[1] >= 0)) {
          atomic    = 1;
          qad       = !reference && ac.dip[1] >= 0 ? 1 : 0;
          s->atomic = PETSC_TRUE;
        }
      }
    }
    if (atomic == 1) { /* Properties= and the cell now: the atom lines overwrite the comment line in buf */
      PetscCall(ParseColumns(s, ln, f, &cv, &ac));
      SeriesCheck(s, ln, f, ac.dip[qad] >= 0, "Properties= has no column %s (the first frame has; the IR spectrum of the cell needs the per-atom dipoles of every frame)", qad ? "atomic_dipole_pred" : "atomic_dipole");
      SeriesCheck(s, ln, f, ac.species >= 0 && ac.pos >= 0, "Properties= has no column %s: the cell dipole from per-atom dipoles needs every atom's species and position (pos), as teann-predict writes them to extended XYZ", ac.species < 0 ? "species" : "pos");
      PetscCall(ParseCell(s, ln, f, &cv, &cell));
    } else if (!cv.hasmu[qmu]) s->has &= ~TEANN_SERIES_DIPOLE;
    if (!cv.hasalpha[qal]) s->has &= ~TEANN_SERIES_POLAR;
    SeriesCheck(s, ln, f, atomic == 1 || cv.hasmu[qmu] || !(want & TEANN_SERIES_DIPOLE), "no %s= (the IR spectrum needs one in every frame%s)", qmu ? "dipole_pred" : "dipole", qmu ? "; the first frame has one" : (f == 0 && ch ? ", or per-atom atomic_dipole_pred or atomic_dipole columns with species and pos" : ""));
    SeriesCheck(s, ln, f, cv.hasalpha[qal] || !(want & TEANN_SERIES_POLAR), "no %s= (the Raman spectra need one in every frame%s)", qal ? "polarizability_pred" : "polarizability", qal ? "; the first frame has one" : "");
    if (atomic != 1) PetscCall(PetscArraycpy(s->mu + 3 * f, cv.mu[qmu], 3));
    PetscCall(PetscArraycpy(s->alpha + 9 * f, cv.alpha[qal], 9));
    if (timed == 1) s->t[f] = cv.t * tunit;
    s->line[f] = ln;
    if (atomic == 1) PetscCall(AtomicFrame(s, fp, &buf, &cap, &ln, f, natoms, &ac, qad, &cell, ch, &st));
    for (PetscInt a = 0; atomic != 1 && a < natoms; a++) {
      len = getline(&buf, &cap, fp);
      SeriesCheck(s, ln0, f, len >= 0, "the file ends after %" PetscInt_FMT " of the frame's %" PetscInt_FMT " atom lines", a, natoms);
      ln++;
    }
    s->n++;
  }
  free(buf);
  if (st.Z) PetscCall(PetscFree3(st.Z, st.last, st.unw));
  PetscCall(PetscFree(st.tok));
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
  if (!(s->has & TEANN_SERIES_DIPOLE) && (want & TEANN_SERIES_DIPOLE || !want)) {
    /* per-atom dipoles (a liquid's model): a predictions.nc keeps no positions nor cell, so
       the cell dipole sum q r + w d cannot be made from it; the XYZ route keeps both */
    char vn[64];
    int  vid;
    PetscCall(PetscSNPrintf(vn, sizeof(vn), reference ? "atomic_dipole" : "atomic_dipole_predicted"));
    PetscCheck(nc_inq_varid(ncid, vn, &vid) != NC_NOERR || (!want && s->has), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: per-atom dipoles (%s) but no positions or cell: the IR spectrum of a periodic cell sums its dipole from the atoms' positions, charges and atomic dipoles, and a predictions.nc keeps neither positions nor Lattice; write the predictions as extended XYZ (teann-predict -teann_output FILE.xyz keeps species, positions and Lattice beside atomic_dipole_pred) and give that file", s->path, vn);
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

PetscErrorCode TeannSeriesRead(const char path[], PetscInt want, PetscBool reference, PetscReal xyz_time_fs, const TeannAtomCharges *ch, TeannSeries *s)
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
  s->isnc = (PetscBool)(got == 4 && ((sig[0] == 'C' && sig[1] == 'D' && sig[2] == 'F') || (sig[0] == 0x89 && sig[1] == 'H' && sig[2] == 'D' && sig[3] == 'F')));
  if (s->isnc) PetscCall(ReadNC(s, want, reference));
  else PetscCall(ReadXYZ(s, want, reference, xyz_time_fs, ch));
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
