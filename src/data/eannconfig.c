/* Reader for the "configuration" files of the PyTorch EANN code, taken
 * unchanged. Each configuration is
 *     point=   1                      title line, starts with "point="
 *     a1x a1y a1z                     three lattice vectors a, b, c (rows of
 *     a2x a2y a2z                     the cell, Angstrom)
 *     a3x a3y a3z
 *     pbc 0 0 0                       three flags 0/1 (the "pbc" word optional):
 *                                     periodic along a, b, c; all 0 is a
 *                                     molecule and the lattice is not used
 *     El mass x y z [fx fy fz]        one line per atom, Angstrom; the mass
 *                                     column is checked to be a positive number
 *                                     but teann uses standard atomic weights
 *     abprop: v1 ... vn               the fitted property
 * The abprop line does not name its property; by its number of values it is
 * taken as 1: energy, 3: dipole, 6: polarizability in Voigt order
 * (xx yy zz yz xz xy), 9: polarizability row-major, 27: hyperpolarizability
 * row-major. -teann_eann_abprop NAME (any property of the table: e.g.
 * transition_dipole, quadrupole with 9 or 6 values) overrides the guess.
 * Blank lines may separate configurations but not interrupt one. */
#include "framesimpl.h"
#include <ctype.h>
#include <math.h>

#define ABPROP_AUTO (-1)
#define ABPROP_MAXVAL TEANN_MAX_COMP

/* Split line in place on blanks into at most max tokens; *n is the count found (may exceed max). */
static void SplitTokens(char *line, PetscInt max, char *tok[], size_t len[], PetscInt *n)
{
  char *p = line;

  *n = 0;
  for (;;) {
    char *t;

    while (isspace((unsigned char)*p)) p++;
    if (!*p) break;
    t = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    if (*n < max) {
      tok[*n] = t;
      len[*n] = (size_t)(p - t);
    }
    (*n)++;
  }
}

static PetscErrorCode ParseNumber(const char path[], PetscInt line, PetscInt frame, const char what[], const char *tok, size_t len, PetscReal *v)
{
  PetscBool ok;
  char      buf[64];

  PetscFunctionBegin;
  TeannReadCheck(path, line, frame, len < sizeof(buf), "%s '%.40s' is not a number", what, tok);
  memcpy(buf, tok, len);
  buf[len] = 0;
  TeannParseReal(buf, len, v, &ok);
  TeannReadCheck(path, line, frame, ok, "%s '%s' is not a number", what, buf);
  TeannReadCheck(path, line, frame, isfinite(*v), "%s '%s' is not finite", what, buf);
  PetscFunctionReturn(0);
}

static PetscBool IsBlank(const char *s)
{
  return (PetscBool)(s[strspn(s, " \t")] == 0);
}

static PetscBool StartsWith(const char *s, const char *prefix)
{
  while (isspace((unsigned char)*s)) s++;
  return (PetscBool)!strncmp(s, prefix, strlen(prefix));
}

/* Scratch for the atoms of one configuration, whose count is known only at its end. */
typedef struct {
  PetscInt   cap;
  PetscInt  *Z;
  PetscReal *x;
} TeannEANNAtoms;

static PetscErrorCode ReadEANN(TeannLineReader *r, TeannFrames fr, PetscInt abprop, TeannEANNAtoms *A)
{
  TeannFramesBuilder b;
  PetscBool          eof;
  PetscInt           n;
  const char        *path = r->path;

  PetscFunctionBegin;
  PetscCall(TeannFramesBuilderBegin(&b, fr));
  PetscCall(PetscStrncpy(fr->source, path, sizeof(fr->source)));
  PetscCall(TeannLineReaderNext(r, &eof));
  while (!eof) {
    PetscInt  frame = fr->nframes + 1, title, na = 0, f, a0, nv, pbc = 0;
    PetscReal cell[9];
    char     *tok[ABPROP_MAXVAL + 1];
    size_t    len[ABPROP_MAXVAL + 1];
    PetscReal v[ABPROP_MAXVAL];

    if (IsBlank(r->buf)) {
      PetscCall(TeannLineReaderNext(r, &eof));
      continue;
    }
    title = r->lineno;
    TeannReadCheck(path, r->lineno, frame, StartsWith(r->buf, "point="), "expected a 'point=' title line, found '%.40s'", r->buf);
    for (int k = 0; k < 3; k++) {
      PetscCall(TeannLineReaderNext(r, &eof));
      TeannReadCheck(path, title, frame, !eof, "truncated: the file ends inside the lattice vectors");
      SplitTokens(r->buf, 10, tok, len, &n);
      TeannReadCheck(path, r->lineno, frame, n == 3, "lattice vector line has %" PetscInt_FMT " values, expected 3", n);
      for (int c = 0; c < 3; c++) PetscCall(ParseNumber(path, r->lineno, frame, "lattice vector component", tok[c], len[c], &cell[3 * k + c]));
    }
    PetscCall(TeannLineReaderNext(r, &eof));
    TeannReadCheck(path, title, frame, !eof, "truncated: the file ends before the pbc line");
    SplitTokens(r->buf, 10, tok, len, &n);
    {
      PetscInt skip = (n > 0 && len[0] == 3 && !strncasecmp(tok[0], "pbc", 3)) ? 1 : 0;

      TeannReadCheck(path, r->lineno, frame, n - skip == 3, "pbc line has %" PetscInt_FMT " flags, expected 3 (0 or 1)", n - skip);
      for (PetscInt c = 0; c < 3; c++) {
        PetscCall(ParseNumber(path, r->lineno, frame, "pbc flag", tok[skip + c], len[skip + c], &v[c]));
        TeannReadCheck(path, r->lineno, frame, v[c] == 0.0 || v[c] == 1.0, "pbc flag '%.*s' is not 0 or 1", (int)len[skip + c], tok[skip + c]);
        if (v[c] == 1.0) pbc |= (PetscInt)1 << c;
      }
    }
    for (;;) {
      PetscCall(TeannLineReaderNext(r, &eof));
      TeannReadCheck(path, title, frame, !eof, "truncated: the file ends before the abprop: line");
      TeannReadCheck(path, r->lineno, frame, !IsBlank(r->buf), "blank line inside the configuration");
      TeannReadCheck(path, r->lineno, frame, !StartsWith(r->buf, "point="), "no abprop: line before the next point=");
      if (StartsWith(r->buf, "abprop:")) break;
      SplitTokens(r->buf, 10, tok, len, &n);
      TeannReadCheck(path, r->lineno, frame, n == 5 || n == 8, "atom %" PetscInt_FMT ": %" PetscInt_FMT " columns, expected 'El mass x y z' (5, or 8 with forces)", na + 1, n);
      if (na + 1 > A->cap) {
        PetscInt  *Zn;
        PetscReal *xn;

        A->cap = PetscMax(64, 2 * A->cap);
        PetscCall(PetscMalloc2(A->cap, &Zn, 3 * A->cap, &xn));
        PetscCall(PetscArraycpy(Zn, A->Z, na));
        PetscCall(PetscArraycpy(xn, A->x, 3 * na));
        PetscCall(PetscFree2(A->Z, A->x));
        A->Z = Zn;
        A->x = xn;
      }
      {
        char sym[4] = {0};

        if (len[0] < sizeof(sym)) memcpy(sym, tok[0], len[0]);
        A->Z[na] = TeannElementZ(sym);
        TeannReadCheck(path, r->lineno, frame, A->Z[na] > 0, "atom %" PetscInt_FMT ": unknown element symbol '%.*s'", na + 1, (int)PetscMin(len[0], 16), tok[0]);
      }
      PetscCall(ParseNumber(path, r->lineno, frame, "mass", tok[1], len[1], &v[0]));
      TeannReadCheck(path, r->lineno, frame, v[0] > 0, "atom %" PetscInt_FMT ": mass '%.*s' is not positive", na + 1, (int)len[1], tok[1]);
      {
        char what[48];

        PetscCall(PetscSNPrintf(what, sizeof(what), "atom %" PetscInt_FMT ": coordinate", na + 1));
        for (int c = 0; c < 3; c++) PetscCall(ParseNumber(path, r->lineno, frame, what, tok[2 + c], len[2 + c], &A->x[3 * na + c]));
      }
      na++;
    }
    TeannReadCheck(path, title, frame, na > 0, "no atom lines");
    {
      char *p = strstr(r->buf, "abprop:") + strlen("abprop:");

      SplitTokens(p, ABPROP_MAXVAL, tok, len, &nv);
      TeannReadCheck(path, r->lineno, frame, nv <= ABPROP_MAXVAL, "abprop: has %" PetscInt_FMT " values, more than any property has (%d)", nv, ABPROP_MAXVAL);
      if (abprop == ABPROP_AUTO) TeannReadCheck(path, r->lineno, frame, nv == 1 || nv == 3 || nv == 6 || nv == 9 || nv == 27, "abprop: has %" PetscInt_FMT " values, expected 1 (energy), 3 (dipole), 6 or 9 (polarizability), 27 (hyperpolarizability)", nv);
      for (PetscInt c = 0; c < nv; c++) PetscCall(ParseNumber(path, r->lineno, frame, "abprop: value", tok[c], len[c], &v[c]));
    }
    PetscCall(TeannFramesBuilderAdd(&b, na, &f, &a0));
    fr->line[f] = title;
    fr->pbc[f]  = pbc;
    if (pbc) PetscCall(PetscArraycpy(fr->cell + 9 * f, cell, 9));
    PetscCall(PetscArraycpy(fr->Z + a0, A->Z, na));
    PetscCall(PetscArraycpy(fr->x + 3 * a0, A->x, 3 * na));
    {
      PetscInt k = abprop;
      if (k == ABPROP_AUTO) k = nv == 1 ? TEANN_K_ENERGY : nv == 3 ? TEANN_K_DIPOLE : nv == 27 ? TEANN_K_HYPERPOLAR : TEANN_K_POLAR;
      {
        const TeannProperty *P = &TeannProperties[k];
        TeannReadCheck(path, r->lineno, frame, nv == P->ncomp || (P->rank == 2 && nv == 6), "abprop: has %" PetscInt_FMT " values, expected %" PetscInt_FMT "%s for %s", nv, P->ncomp, P->rank == 2 ? " or 6" : "", P->name);
        if (nv == 6) TeannPolarFromVoigt(v, fr->y[k] + 9 * f);
        else PetscCall(PetscArraycpy(fr->y[k] + P->ncomp * f, v, P->ncomp));
        fr->fprops[f] = P->bit;
      }
    }
    PetscCall(TeannFramesCheckCell(fr, f, title + 1)); /* named at its lines; TeannFramesValidate would name the abprop: line */
    PetscCall(TeannFramesValidate(fr, f, r->lineno, title + 5, PETSC_TRUE));
    PetscCall(TeannLineReaderNext(r, &eof));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEANNAbpropOption(MPI_Comm comm, PetscInt *abprop)
{
  const char *names[TEANN_NPROP + 1] = {"auto"};
  PetscInt    choice = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < TEANN_NPROP; k++) names[k + 1] = TeannProperties[k].name;
  PetscOptionsBegin(comm, NULL, "EANN configuration reader", NULL);
  PetscCall(PetscOptionsEList("-teann_eann_abprop", "Property on the abprop: line of EANN configuration files (auto: by the number of values)", "TeannFramesReadEANN", names, TEANN_NPROP + 1, names[0], &choice, NULL));
  PetscOptionsEnd();
  *abprop = choice ? choice - 1 : ABPROP_AUTO;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesReadEANN(const char path[], TeannFrames fr)
{
  TeannLineReader r;
  TeannEANNAtoms  A      = {0, NULL, NULL};
  PetscInt        abprop = ABPROP_AUTO;
  PetscErrorCode  ierr;

  PetscFunctionBegin;
  PetscCall(TeannInitializePackage());
  PetscCall(TeannEANNAbpropOption(PETSC_COMM_SELF, &abprop));
  PetscCall(PetscLogEventBegin(TEANN_EVENT_ReadEANN, 0, 0, 0, 0));
  PetscCall(TeannLineReaderOpen(path, &r));
  ierr = ReadEANN(&r, fr, abprop, &A);
  /* release the file and scratch on failure too: callers may catch the error and go on */
  PetscCall(TeannLineReaderClose(&r));
  PetscCall(PetscFree2(A.Z, A.x));
  PetscCall(ierr);
  PetscCheck(fr->nframes > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no frames", path);
  PetscCall(PetscLogEventEnd(TEANN_EVENT_ReadEANN, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
