/* Extended XYZ reader and writer (the layout ASE writes).
 * Per frame: a line with the atom count; a comment line of key=value pairs in
 * any order (values bare, "quoted", 'quoted', {braced} or [bracketed]; keys
 * without a value are flags and ignored; known keys are matched without regard
 * to case); one line per atom whose columns are described by
 * Properties=name:type:count:... (species:S:1:pos:R:3 when absent; atomic
 * numbers may come from a Z:I:1 column instead of species). Read keys: the
 * names of the property table (property.h), each with its ncomp values
 * row-major, a symmetric rank-2 tensor also as 6 in Voigt order
 * xx yy zz yz xz xy:
 *   dipole=, transition_dipole=  3 values, e*Angstrom
 *   polarizability=              9 or 6 values, Angstrom^3, symmetric to 1e-2
 *                                of the largest component (+1e-8 absolute;
 *                                property.c says why), then symmetrised
 *   quadrupole=                  9 or 6 values, e*Angstrom^2, symmetric and
 *                                traceless to 1e-6 relative, then made exactly so
 *   hyperpolarizability=         27 values [i][j][k], atomic units unless
 *                                -teann_units_hyperpolarizability; symmetric in
 *                                j, k to 1e-4 relative
 *   charge=, energy=             1 value each, e and eV
 *   Lattice=           9 values, the lattice vectors a, b, c as rows, Angstrom
 *   pbc=               3 flags (T/F, True/False, 1/0; one flag stands for all
 *                      three): periodic along a, b, c. As in ASE, a Lattice
 *                      without pbc is periodic along all three; pbc with a T
 *                      needs a Lattice; Lattice with pbc="F F F" is a molecule
 *                      in a box (the lattice unused, but its values must be
 *                      finite numbers). Atoms are taken where
 *                      they are, wrapped into the cell or not.
 * A 3x3 or 3x3x3 value may also be a nested list, bare ([[..],[..],[..]], the
 * extxyz 2-D array) or in quotes with ASE's "_JSON " prefix; nested values are
 * read row-major. A known key given twice is an error (which one would be meant?).
 * Blank lines are allowed only at the end of the file. */
#include "framesimpl.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sys/stat.h>

#define TEANN_XYZ_MAXVAL TEANN_MAX_COMP
#define TEANN_XYZ_TRUST_COUNT 4096 /* atom counts up to this are not compared with the file size */

typedef struct {
  PetscInt  props;                      /* TEANN_PROP_* bits found */
  PetscReal v[TEANN_NPROP][TEANN_MAX_COMP]; /* their values, row-major */
  PetscBool have_lattice, have_pbc;
  PetscReal cell[9];                    /* Lattice=, rows a, b, c */
  PetscInt  pbc;                        /* pbc=: bit d set for a T in place d */
  PetscInt  ncols;                      /* columns of an atom line */
  PetscInt  species_col, z_col, pos_col; /* -1 when absent */
  PetscInt  atcol[TEANN_NPROP];          /* column of a per-atom property (Properties=atomic_dipole:R:3), -1 when absent */
} TeannXYZInfo;

/* Context for error messages: file, line, frame. */
typedef struct {
  const char *path;
  PetscInt    line, frame;
} TeannXYZWhere;

#define XYZCheck(w, cond, ...) TeannReadCheck((w)->path, (w)->line, (w)->frame, cond, __VA_ARGS__)

/* Separators inside a list value: blanks, commas, and the brackets of a nested [..] list. */
static inline PetscBool IsSep(char c)
{
  return (PetscBool)(isspace((unsigned char)c) || c == ',' || c == '[' || c == ']');
}

static PetscBool KeyIs(const char *k, size_t klen, const char name[])
{
  return (PetscBool)(strlen(name) == klen && !strncasecmp(k, name, klen));
}

/* Up to max reals from a value (separated by blanks or commas) into v; *n is how many there were. */
static PetscErrorCode ParseReals(const TeannXYZWhere *w, const char *key, size_t klen, const char *val, size_t vlen, PetscInt max, PetscReal v[], PetscInt *n)
{
  const char *p = val, *end = val + vlen;

  PetscFunctionBegin;
  *n = 0;
  while (p < end) {
    const char *t;
    PetscBool   ok;
    PetscReal   x = 0;

    while (p < end && IsSep(*p)) p++;
    if (p >= end) break;
    t = p;
    while (p < end && !IsSep(*p)) p++;
    /* a closing quote forgotten: the value ran on into the next key=value */
    XYZCheck(w, !memchr(t, '=', (size_t)(p - t)), "unbalanced quote: the value of %.*s= runs into '%.*s'", (int)klen, key, (int)PetscMin(p - t, 40), t);
    if (*n == 0 && p - t == 5 && !strncmp(t, "_JSON", 5)) continue; /* ASE's marker of a nested list */
    if (*n < max) {
      char tok[64];
      size_t len = (size_t)(p - t);

      XYZCheck(w, len < sizeof(tok), "%.*s= value '%.*s' is not a number", (int)klen, key, (int)PetscMin(len, 40), t);
      memcpy(tok, t, len);
      tok[len] = 0;
      TeannParseReal(tok, len, &x, &ok);
      XYZCheck(w, ok, "%.*s= value '%s' is not a number", (int)klen, key, tok);
      XYZCheck(w, isfinite(x), "%.*s= value '%s' is not finite", (int)klen, key, tok);
      v[*n] = x;
    }
    (*n)++;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseFixed(const TeannXYZWhere *w, const char *key, size_t klen, const char *val, size_t vlen, PetscInt want, PetscReal v[])
{
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(ParseReals(w, key, klen, val, vlen, want, v, &n));
  XYZCheck(w, n == want, "%.*s= has %" PetscInt_FMT " value%s, expected %" PetscInt_FMT, (int)klen, key, n, n == 1 ? "" : "s", want);
  PetscFunctionReturn(0);
}

/* True for T, True, 1 (any case); false for F, False, 0; *ok false otherwise. */
static void ParseBool(const char *t, size_t len, PetscBool *b, PetscBool *ok)
{
  *ok = PETSC_TRUE;
  if ((len == 1 && (*t == 'T' || *t == 't' || *t == '1')) || (len == 4 && !strncasecmp(t, "true", 4))) *b = PETSC_TRUE;
  else if ((len == 1 && (*t == 'F' || *t == 'f' || *t == '0')) || (len == 5 && !strncasecmp(t, "false", 5))) *b = PETSC_FALSE;
  else *ok = PETSC_FALSE;
}

static PetscErrorCode ParsePBC(const TeannXYZWhere *w, const char *val, size_t vlen, TeannXYZInfo *info)
{
  const char *p = val, *end = val + vlen;
  PetscInt    n = 0;

  PetscFunctionBegin;
  info->have_pbc = PETSC_TRUE;
  info->pbc      = 0;
  while (p < end) {
    const char *t;
    PetscBool   b, ok;

    while (p < end && IsSep(*p)) p++;
    if (p >= end) break;
    t = p;
    while (p < end && !IsSep(*p)) p++;
    ParseBool(t, (size_t)(p - t), &b, &ok);
    XYZCheck(w, ok, "pbc= value '%.*s' is not a flag: T or F, True or False, 1 or 0 (any case)", (int)(p - t), t);
    if (b && n < 3) info->pbc |= (PetscInt)1 << n;
    n++;
  }
  XYZCheck(w, n == 1 || n == 3, "pbc= has %" PetscInt_FMT " values, expected 3", n);
  if (n == 1 && info->pbc) info->pbc = 7; /* one flag for all three, as ASE reads it */
  PetscFunctionReturn(0);
}

/* Properties=name:type:count:... -> column of species (or Z) and of pos, total columns. */
static PetscErrorCode ParseProperties(const TeannXYZWhere *w, const char *val, size_t vlen, TeannXYZInfo *info)
{
  const char *p = val, *end = val + vlen;
  PetscInt    col = 0;

  PetscFunctionBegin;
  info->species_col = info->z_col = info->pos_col = -1;
  for (PetscInt k = 0; k < TEANN_NPROP; k++) info->atcol[k] = -1;
  while (p < end) {
    const char *f[3];
    size_t      fl[3];
    PetscInt    cnt;
    char       *e, num[16];

    for (int k = 0; k < 3; k++) {
      f[k] = p;
      while (p < end && *p != ':') p++;
      fl[k] = (size_t)(p - f[k]);
      XYZCheck(w, fl[k] > 0 && (k == 2 || p < end), "Properties='%.*s' is not a list of name:type:count", (int)vlen, val);
      if (p < end) p++;
    }
    XYZCheck(w, fl[1] == 1 && strchr("SRIL", f[1][0]), "Properties='%.*s': type '%.*s' of '%.*s' is not S, R, I or L", (int)vlen, val, (int)fl[1], f[1], (int)fl[0], f[0]);
    XYZCheck(w, fl[2] < sizeof(num), "Properties='%.*s' is not a list of name:type:count", (int)vlen, val);
    memcpy(num, f[2], fl[2]);
    num[fl[2]] = 0;
    cnt        = (PetscInt)strtol(num, &e, 10);
    XYZCheck(w, *e == 0 && cnt > 0, "Properties='%.*s': count '%s' of '%.*s' is not a positive integer", (int)vlen, val, num, (int)fl[0], f[0]);
    if (KeyIs(f[0], fl[0], "species")) {
      XYZCheck(w, f[1][0] == 'S' && cnt == 1, "Properties: species must be species:S:1");
      info->species_col = col;
    } else if (fl[0] == 1 && f[0][0] == 'Z') {
      XYZCheck(w, f[1][0] == 'I' && cnt == 1, "Properties: Z must be Z:I:1");
      info->z_col = col;
    } else if (KeyIs(f[0], fl[0], "pos")) {
      XYZCheck(w, f[1][0] == 'R' && cnt == 3, "Properties: pos must be pos:R:3");
      info->pos_col = col;
    } else {
      for (PetscInt k = 0; k < TEANN_NPROP; k++)
        if (TeannProperties[k].peratom && KeyIs(f[0], fl[0], TeannProperties[k].name)) {
          XYZCheck(w, f[1][0] == 'R' && cnt == TeannProperties[k].ncomp, "Properties: %s must be %s:R:%" PetscInt_FMT, TeannProperties[k].name, TeannProperties[k].name, TeannProperties[k].ncomp);
          info->atcol[k] = col;
        }
    }
    col += cnt;
  }
  info->ncols = col;
  XYZCheck(w, info->pos_col >= 0, "Properties='%.*s' has no pos:R:3 column", (int)vlen, val);
  XYZCheck(w, info->species_col >= 0 || info->z_col >= 0, "Properties='%.*s' has no species:S:1 column", (int)vlen, val);
  PetscFunctionReturn(0);
}

/* Walk the key=value pairs of the comment line. */
static PetscErrorCode ParseComment(const TeannXYZWhere *w, const char *line, TeannXYZInfo *info)
{
  const char *p = line;
  PetscInt    n, k, seen = 0; /* bits of the known keys met: 1 << table index, then lattice, pbc, properties */
  PetscReal   v[TEANN_XYZ_MAXVAL];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(info, sizeof(*info)));
  info->ncols       = 4;
  info->species_col = 0;
  info->z_col       = -1;
  info->pos_col     = 1;
  for (PetscInt q = 0; q < TEANN_NPROP; q++) info->atcol[q] = -1;
  for (;;) {
    const char *key, *val = NULL;
    size_t      klen, vlen = 0;

    while (isspace((unsigned char)*p)) p++;
    if (!*p) break;
    key = p;
    while (*p && !isspace((unsigned char)*p) && *p != '=') p++;
    klen = (size_t)(p - key);
    while (isspace((unsigned char)*p)) p++;
    if (*p != '=') {
      if (!klen) p++; /* stray character */
      continue;       /* a flag: nothing teann uses */
    }
    p++;
    while (isspace((unsigned char)*p)) p++;
    if (*p == '"' || *p == '\'' || *p == '{' || *p == '[') {
      char open = *p, close = *p == '{' ? '}' : *p == '[' ? ']' : *p;
      int  depth = 0; /* brackets nest: [[1,2,3],[4,5,6],[7,8,9]] */

      val = ++p;
      while (*p && (*p != close || depth > 0)) {
        if (*p == '\\' && p[1]) p++;
        else if (open != close && *p == open) depth++;
        else if (open != close && *p == close) depth--;
        p++;
      }
      XYZCheck(w, *p == close, "unterminated quote in the value of '%.*s'", (int)klen, key);
      vlen = (size_t)(p - val);
      p++;
    } else {
      val = p;
      while (*p && !isspace((unsigned char)*p)) p++;
      vlen = (size_t)(p - val);
    }
    if (!klen) continue;
    for (k = 0; k < TEANN_NPROP; k++)
      if (KeyIs(key, klen, TeannProperties[k].name)) break;
    if (k == TEANN_NPROP) k = KeyIs(key, klen, "lattice") ? TEANN_NPROP : KeyIs(key, klen, "pbc") ? TEANN_NPROP + 1 : KeyIs(key, klen, "properties") ? TEANN_NPROP + 2 : -1;
    if (k >= 0) {
      XYZCheck(w, !(seen & ((PetscInt)1 << k)), "%s= given twice", k < TEANN_NPROP ? TeannProperties[k].name : k == TEANN_NPROP ? "Lattice" : k == TEANN_NPROP + 1 ? "pbc" : "Properties");
      seen |= (PetscInt)1 << k;
    }
    if (k >= 0 && k < TEANN_NPROP) {
      const TeannProperty *P = &TeannProperties[k];
      XYZCheck(w, !P->peratom, "%s= on the comment line: %s is a per-atom property, given as columns (Properties=species:S:1:pos:R:3:%s:R:%" PetscInt_FMT ")", P->name, P->name, P->name, P->ncomp);
      if (P->rank == 2) { /* 9 row-major, or 6 in Voigt order */
        PetscCall(ParseReals(w, key, klen, val, vlen, 9, v, &n));
        XYZCheck(w, n == 9 || n == 6, "%s= has %" PetscInt_FMT " value%s, expected 9 (row-major) or 6 (xx yy zz yz xz xy)", P->name, n, n == 1 ? "" : "s");
        if (n == 9) PetscCall(PetscArraycpy(info->v[k], v, 9));
        else TeannPolarFromVoigt(v, info->v[k]);
      } else if (P->rank == 3) {
        PetscCall(ParseReals(w, key, klen, val, vlen, 27, v, &n));
        XYZCheck(w, n == 27, "%s= has %" PetscInt_FMT " value%s, expected 27 (row-major [i][j][k])", P->name, n, n == 1 ? "" : "s");
        PetscCall(PetscArraycpy(info->v[k], v, 27));
      } else PetscCall(ParseFixed(w, key, klen, val, vlen, P->ncomp, info->v[k]));
      info->props |= P->bit;
    } else if (KeyIs(key, klen, "lattice")) {
      PetscCall(ParseFixed(w, key, klen, val, vlen, 9, info->cell));
      info->have_lattice = PETSC_TRUE;
    } else if (KeyIs(key, klen, "pbc")) {
      PetscCall(ParsePBC(w, val, vlen, info));
    } else if (KeyIs(key, klen, "properties")) {
      PetscCall(ParseProperties(w, val, vlen, info));
    }
  }
  /* ASE's rules: a Lattice without pbc is periodic along all three vectors; a periodic frame needs its cell */
  if (info->have_lattice && !info->have_pbc) info->pbc = 7;
  XYZCheck(w, !info->pbc || info->have_lattice, "pbc= has T but there is no Lattice= (a periodic frame needs its cell)");
  PetscFunctionReturn(0);
}

/* Count line: a positive integer and nothing else. */
static PetscErrorCode ParseCount(const TeannXYZWhere *w, const char *line, PetscInt *n)
{
  char *end;
  long  v;

  PetscFunctionBegin;
  errno = 0;
  v     = strtol(line, &end, 10);
  while (isspace((unsigned char)*end)) end++;
  if (!(end != line && !*end && errno == 0 && v > 0 && v <= PETSC_MAX_INT / 3)) {
    /* an element symbol first: likely one more atom line than the previous count said */
    PetscBool atomlike = (PetscBool)(w->frame > 1 && isupper((unsigned char)line[strspn(line, " \t")]));

    XYZCheck(w, PETSC_FALSE, "atom count line '%.40s' is not a positive integer%s", line, atomlike ? " (more atom lines than the previous frame's count?)" : "");
  }
  *n = (PetscInt)v;
  PetscFunctionReturn(0);
}

/* A lone positive integer: the next frame's count line, met where an atom line belongs. */
static PetscBool IsCountLine(const char *line)
{
  char *e;
  long  v = strtol(line, &e, 10);

  while (isspace((unsigned char)*e)) e++;
  return (PetscBool)(e != line && !*e && v > 0);
}

/* Atom line: element, position and the per-atom labels y[TEANN_MAX_COMP] (the per-atom properties' values one after another). */
static PetscErrorCode ParseAtom(const TeannXYZWhere *w, char *line, const TeannXYZInfo *info, PetscInt iatom, PetscInt natoms, PetscInt *Z, PetscReal x[3], PetscReal y[])
{
  char    *p = line;
  PetscInt col = 0;

  PetscFunctionBegin;
  *Z = 0;
  while (*p) {
    char *t;

    while (isspace((unsigned char)*p)) p++;
    if (!*p) break;
    t = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    if (col == info->species_col) {
      char sym[4] = {0};
      size_t len = (size_t)(p - t);

      if (len < sizeof(sym)) memcpy(sym, t, len);
      *Z = TeannElementZ(sym);
      XYZCheck(w, *Z > 0 || !IsCountLine(line), "atom %" PetscInt_FMT ": a count line where an atom line was expected (fewer atom lines than the count %" PetscInt_FMT ")", iatom + 1, natoms);
      XYZCheck(w, *Z > 0, "atom %" PetscInt_FMT ": unknown element symbol '%.*s'", iatom + 1, (int)PetscMin(len, 16), t);
    } else if (col == info->z_col && info->species_col < 0) {
      char *e;
      long  z = strtol(t, &e, 10);

      XYZCheck(w, e == p && z >= 1 && z <= TEANN_MAX_Z, "atom %" PetscInt_FMT ": atomic number '%.*s' not in 1..86", iatom + 1, (int)PetscMin(p - t, 16), t);
      *Z = (PetscInt)z;
    } else if (col >= info->pos_col && col < info->pos_col + 3) {
      PetscBool ok;
      PetscReal v = 0;

      TeannParseReal(t, (size_t)(p - t), &v, &ok);
      XYZCheck(w, ok, "atom %" PetscInt_FMT ": coordinate '%.*s' is not a number", iatom + 1, (int)PetscMin(p - t, 40), t);
      XYZCheck(w, isfinite(v), "atom %" PetscInt_FMT ": coordinate '%.*s' is not finite", iatom + 1, (int)PetscMin(p - t, 40), t);
      x[col - info->pos_col] = v;
    } else {
      PetscInt off = 0;
      for (PetscInt k = 0; k < TEANN_NPROP; off += TeannProperties[k].peratom ? TeannProperties[k].ncomp : 0, k++) {
        PetscBool ok;
        PetscReal v = 0;
        if (info->atcol[k] < 0 || col < info->atcol[k] || col >= info->atcol[k] + TeannProperties[k].ncomp) continue;
        TeannParseReal(t, (size_t)(p - t), &v, &ok);
        XYZCheck(w, ok, "atom %" PetscInt_FMT ": %s value '%.*s' is not a number", iatom + 1, TeannProperties[k].name, (int)PetscMin(p - t, 40), t);
        y[off + col - info->atcol[k]] = v;
      }
    }
    col++;
  }
  if (col != info->ncols) {
    XYZCheck(w, !IsCountLine(line), "atom %" PetscInt_FMT ": a count line where an atom line was expected (fewer atom lines than the count %" PetscInt_FMT ")", iatom + 1, natoms);
    XYZCheck(w, PETSC_FALSE, "atom %" PetscInt_FMT ": %" PetscInt_FMT " column%s, Properties needs %" PetscInt_FMT, iatom + 1, col, col == 1 ? "" : "s", info->ncols);
  }
  PetscFunctionReturn(0);
}

/* Atoms of the frame being read: grown as atom lines arrive, so that memory
 * follows the atoms the file holds, not the count it announces. */
typedef struct {
  PetscInt   cap;
  PetscInt  *Z;
  PetscReal *x, *y;   /* y: per-atom labels, TEANN_MAX_COMP per atom (ParseAtom) */
  char      *comment; /* the frame's comment line, kept while its atom lines are read */
  PetscBool  atomic_el[TEANN_MAX_Z + 1]; /* -teann_atomic_elements: the elements that carry per-atom labels */
  PetscBool  atomic_set;
} TeannXYZAtoms;

static PetscErrorCode AtomsReserve(TeannXYZAtoms *A, PetscInt n)
{
  PetscInt  *Z;
  PetscReal *x, *y;

  PetscFunctionBegin;
  if (n <= A->cap) PetscFunctionReturn(0);
  n = PetscMax(n, PetscMax(64, 2 * A->cap));
  PetscCall(PetscMalloc3(n, &Z, 3 * n, &x, (size_t)TEANN_MAX_COMP * n, &y));
  PetscCall(PetscArraycpy(Z, A->Z, A->cap));
  PetscCall(PetscArraycpy(x, A->x, 3 * A->cap));
  PetscCall(PetscArraycpy(y, A->y, (size_t)TEANN_MAX_COMP * A->cap));
  PetscCall(PetscFree3(A->Z, A->x, A->y));
  A->Z   = Z;
  A->x   = x;
  A->y   = y;
  A->cap = n;
  PetscFunctionReturn(0);
}

/* Bytes from the reader's position to the end of a regular file; -1 for a pipe. */
static long long BytesLeft(TeannLineReader *r)
{
  struct stat st;
  long        pos = ftell(r->fp);

  if (pos < 0 || fstat(fileno(r->fp), &st) || !S_ISREG(st.st_mode)) return -1;
  return (long long)st.st_size - pos;
}

/* The per-atom columns of frame f into its labels: with -teann_atomic_elements the atoms of those elements
   carry labels (zero rows too) and the others none; without it, a row of zeros is an atom without one. */
static PetscErrorCode AtomLabels(const TeannXYZAtoms *A, const TeannXYZInfo *info, TeannFrames fr, PetscInt f)
{
  const PetscInt a0 = fr->atom_start[f], n = fr->atom_start[f + 1] - a0;
  PetscInt       off = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < TEANN_NPROP; off += TeannProperties[k].peratom ? TeannProperties[k].ncomp : 0, k++) {
    const PetscInt nc = TeannProperties[k].ncomp;
    if (info->atcol[k] < 0) continue;
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal *y   = A->y + (size_t)TEANN_MAX_COMP * i + off;
      PetscBool        lab = A->atomic_set ? A->atomic_el[A->Z[i]] : PETSC_FALSE;
      for (PetscInt c = 0; c < nc && !A->atomic_set; c++) lab = (PetscBool)(lab || y[c] != 0);
      for (PetscInt c = 0; c < nc; c++) fr->y[k][(size_t)nc * (a0 + i) + c] = lab ? y[c] : NAN;
      if (lab) fr->fprops[f] |= TeannProperties[k].bit;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannXYZAtomicElementsOption(MPI_Comm comm, char list[], size_t len, PetscBool *set)
{
  PetscFunctionBegin;
  list[0] = 0;
  PetscOptionsBegin(comm, NULL, "Extended XYZ reader", NULL);
  PetscCall(PetscOptionsString("-teann_atomic_elements", "Elements whose atoms carry the per-atom labels of an extended XYZ column, e.g. O: their rows are labels even where zero, other atoms have none (default: a row of zeros means no label)", "TeannFramesReadXYZ", list, list, len, set));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* -teann_atomic_elements O,N: symbols into A's element mask. */
static PetscErrorCode AtomicElements(const char path[], TeannXYZAtoms *A)
{
  char      list[256], *tok, *save = NULL;
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(TeannXYZAtomicElementsOption(PETSC_COMM_SELF, list, sizeof(list), &set));
  A->atomic_set = set;
  if (!set) PetscFunctionReturn(0);
  for (tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    const PetscInt z = TeannElementZ(tok);
    PetscCheck(z > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-teann_atomic_elements: unknown element symbol '%s' (reading %s)", tok, path);
    A->atomic_el[z] = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

struct _n_TeannXYZStream {
  TeannLineReader r;
  TeannXYZAtoms   A;
  PetscInt        frame;   /* frames passed: the 0-based number of the next one */
  PetscBool       pending; /* r->buf holds the next frame's count line, read ahead */
  PetscBool       eof;
};

PetscErrorCode TeannXYZStreamOpen(const char path[], TeannXYZStream *s)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(s));
  PetscCall(AtomicElements(path, &(*s)->A));
  PetscCall(TeannLineReaderOpen(path, &(*s)->r));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannXYZStreamDestroy(TeannXYZStream *s)
{
  PetscFunctionBegin;
  if (!*s) PetscFunctionReturn(0);
  PetscCall(TeannLineReaderClose(&(*s)->r));
  PetscCall(PetscFree3((*s)->A.Z, (*s)->A.x, (*s)->A.y));
  PetscCall(PetscFree((*s)->A.comment));
  PetscCall(PetscFree(*s));
  PetscFunctionReturn(0);
}

/* Checks of the line just read for frame w->frame, whose count line countline announces natoms atoms:
   line i of the frame after the count (0: the comment line, i: atom i). The end of the file (eof)
   before the frame's last line says how many atom lines are whole; a line without its newline
   before the last one is where the file was cut (it would otherwise be read as an atom, or a
   comment with an unterminated quote, or not at all when frames are only counted). A lone
   integer in place of an atom line is the next frame's count: this frame has fewer atom lines
   than it announces, said here rather than at the next frame's count line. */
static PetscErrorCode FrameLineCheck(TeannXYZWhere *w, const TeannLineReader *r, PetscBool eof, PetscInt countline, PetscInt natoms, PetscInt i)
{
  PetscFunctionBegin;
  w->line = countline;
  XYZCheck(w, !eof || i, "truncated: the file ends before the comment line");
  XYZCheck(w, !eof, "truncated: %" PetscInt_FMT " atoms announced, the file ends after %" PetscInt_FMT " (line %" PetscInt_FMT ")", natoms, i - 1, r->lineno);
  w->line = r->lineno;
  if (r->cut && i < natoms) {
    XYZCheck(w, i, "truncated: the file ends inside the comment line, before the %" PetscInt_FMT " atom lines announced (line %" PetscInt_FMT ")", natoms, countline);
    XYZCheck(w, PETSC_FALSE, "truncated: %" PetscInt_FMT " atoms announced (line %" PetscInt_FMT "), the file ends inside the line of atom %" PetscInt_FMT " (%" PetscInt_FMT " whole atom lines)", natoms, countline, i, i - 1);
  }
  XYZCheck(w, !i || !IsCountLine(r->buf), "atom %" PetscInt_FMT ": a count line where an atom line was expected (fewer atom lines than the count %" PetscInt_FMT " on line %" PetscInt_FMT ": the frame's atom lines end at line %" PetscInt_FMT ")", i, natoms, countline, r->lineno - 1);
  PetscFunctionReturn(0);
}

/* The next frame's count line in r->buf: *eof at the end of the file, where only blank lines may follow the last frame. */
static PetscErrorCode NextCountLine(TeannXYZStream s, TeannXYZWhere *w, PetscBool *eof)
{
  TeannLineReader *r = &s->r;

  PetscFunctionBegin;
  *eof = s->eof;
  if (s->eof) PetscFunctionReturn(0);
  if (s->pending) s->pending = PETSC_FALSE;
  else PetscCall(TeannLineReaderNext(r, eof));
  w->frame = s->frame + 1;
  w->line  = r->lineno;
  if (!*eof && r->buf[strspn(r->buf, " \t")] == 0) {
    PetscInt blank = r->lineno;

    do PetscCall(TeannLineReaderNext(r, eof));
    while (!*eof && r->buf[strspn(r->buf, " \t")] == 0);
    w->line = blank;
    XYZCheck(w, *eof, "blank line where the atom count was expected");
  }
  s->eof = *eof;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannXYZStreamSkip(TeannXYZStream s, PetscInt n, PetscInt *skipped, PetscInt64 *natoms, PetscInt *maxatoms)
{
  TeannXYZWhere w;
  PetscBool     eof;

  PetscFunctionBegin;
  w.path   = s->r.path;
  *skipped = 0;
  while (*skipped < n) {
    PetscInt natom, countline;

    PetscCall(NextCountLine(s, &w, &eof));
    if (eof) break;
    PetscCall(ParseCount(&w, s->r.buf, &natom));
    countline = s->r.lineno;
    /* the comment line and the atom lines are passed over unread: a frame's content is checked when it is read */
    for (PetscInt i = 0; i <= natom; i++) {
      PetscCall(TeannLineReaderNext(&s->r, &eof));
      PetscCall(FrameLineCheck(&w, &s->r, eof, countline, natom, i));
    }
    if (natoms) *natoms += natom;
    if (maxatoms) *maxatoms = PetscMax(*maxatoms, natom);
    s->frame++;
    (*skipped)++;
  }
  PetscFunctionReturn(0);
}

/* Append one atom line to the frame's text (text[0..*len), capacity *cap). */
static PetscErrorCode TextAppend(char **text, size_t *len, size_t *cap, const char *line, size_t n)
{
  PetscFunctionBegin;
  if (*len + n + 2 > *cap) {
    size_t c = PetscMax(2 * *cap, *len + n + 256);
    char  *t;
    PetscCall(PetscMalloc1(c, &t));
    if (*len) PetscCall(PetscMemcpy(t, *text, *len));
    PetscCall(PetscFree(*text));
    *text = t;
    *cap  = c;
  }
  PetscCall(PetscMemcpy(*text + *len, line, n));
  *len += n;
  (*text)[(*len)++] = '\n';
  (*text)[*len]     = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannXYZStreamRead(TeannXYZStream s, PetscInt n, TeannFrames fr, char **text)
{
  TeannFramesBuilder b;
  TeannXYZInfo       info;
  TeannXYZWhere      w;
  PetscBool          eof;
  TeannLineReader   *r    = &s->r;
  TeannXYZAtoms     *A    = &s->A;
  const char        *path = r->path;

  PetscFunctionBegin;
  PetscCall(TeannFramesBuilderBegin(&b, fr));
  PetscCall(PetscStrncpy(fr->source, path, sizeof(fr->source)));
  w.path = path;
  while (fr->nframes < n) {
    PetscInt f, a0, natoms = 0, countline, commentline;
    long long left;
    char     *atext = NULL;
    size_t    tlen = 0, tcap = 0;

    PetscCall(NextCountLine(s, &w, &eof));
    if (eof) break;
    PetscCall(ParseCount(&w, r->buf, &natoms));
    countline = r->lineno;
    PetscCall(TeannLineReaderNext(r, &eof));
    PetscCall(FrameLineCheck(&w, r, eof, countline, natoms, 0));
    commentline = w.line = r->lineno;
    PetscCall(ParseComment(&w, r->buf, &info));
    PetscCall(PetscFree(A->comment));
    PetscCall(PetscStrallocpy(r->buf, &A->comment));
    /* An atom line has at least a character and a blank per column (the last
     * line may lack its newline): a large count the rest of the file cannot
     * hold is refused before anything is read for it. A small one is read, so
     * that the message names the line that is wrong. */
    left   = natoms > TEANN_XYZ_TRUST_COUNT ? BytesLeft(r) : -1;
    w.line = countline;
    XYZCheck(&w, left < 0 || (long long)natoms * 2 * info.ncols - 1 <= left, "atom count %" PetscInt_FMT " is more than the %lld bytes left in the file can hold (an atom line of %" PetscInt_FMT " columns takes at least %" PetscInt_FMT ")", natoms, left, info.ncols, 2 * info.ncols);
    for (PetscInt i = 0; i < natoms; i++) {
      PetscErrorCode ierr;
      PetscCall(TeannLineReaderNext(r, &eof));
      ierr = FrameLineCheck(&w, r, eof, countline, natoms, i + 1);
      if (ierr) PetscCall(PetscFree(atext));
      PetscCall(ierr);
      w.line = r->lineno;
      if (text) PetscCall(TextAppend(&atext, &tlen, &tcap, r->buf, r->len)); /* the line as read, to be written back */
      PetscCall(AtomsReserve(A, i + 1));
      ierr = ParseAtom(&w, r->buf, &info, i, natoms, &A->Z[i], &A->x[3 * i], &A->y[(size_t)TEANN_MAX_COMP * i]);
      if (ierr) PetscCall(PetscFree(atext));
      PetscCall(ierr);
    }
    PetscCall(TeannFramesBuilderAdd(&b, natoms, &f, &a0));
    fr->frame_id[f] = s->frame;
    fr->line[f]     = countline;
    fr->fprops[f]   = info.props;
    PetscCall(PetscArraycpy(fr->Z + a0, A->Z, natoms));
    PetscCall(PetscArraycpy(fr->x + 3 * a0, A->x, 3 * natoms));
    fr->pbc[f] = info.pbc;
    if (info.pbc) PetscCall(PetscArraycpy(fr->cell + 9 * f, info.cell, 9)); /* pbc="F F F": a molecule in a box, the lattice ignored */
    for (PetscInt k = 0; k < TEANN_NPROP; k++)
      if (info.props & TeannProperties[k].bit) PetscCall(PetscArraycpy(fr->y[k] + TeannProperties[k].ncomp * f, info.v[k], TeannProperties[k].ncomp));
    PetscCall(AtomLabels(A, &info, fr, f));
    fr->comment[f] = A->comment; /* handed over */
    A->comment     = NULL;
    if (text) text[f] = atext;
    s->frame++;
    PetscCall(TeannFramesValidate(fr, f, commentline, countline + 2, PETSC_TRUE));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesReadXYZ(const char path[], TeannFrames fr)
{
  TeannXYZStream s;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(TeannInitializePackage());
  PetscCall(PetscLogEventBegin(TEANN_EVENT_ReadXYZ, 0, 0, 0, 0));
  PetscCall(TeannXYZStreamOpen(path, &s));
  ierr = TeannXYZStreamRead(s, PETSC_MAX_INT, fr, NULL);
  /* close the file and free the scratch on failure too: callers may catch the error and go on */
  PetscCall(TeannXYZStreamDestroy(&s));
  PetscCall(ierr);
  PetscCheck(fr->nframes > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no frames", path);
  PetscCall(PetscLogEventEnd(TEANN_EVENT_ReadXYZ, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v: exact, and 8.7 stays "8.7". */
static void FormatReal(char out[32], PetscReal v)
{
  for (int digits = 15; digits <= 17; digits++) {
    (void)snprintf(out, 32, "%.*g", digits, (double)v);
    if (strtod(out, NULL) == (double)v) return;
  }
}

PetscErrorCode TeannFramesFormatCell(TeannFrames fr, PetscInt f, char buf[], size_t len)
{
  const PetscReal *H = fr->cell + 9 * f;
  const PetscInt   pbc = fr->pbc[f];
  char             num[32], flags[16];

  PetscFunctionBegin;
  buf[0] = 0;
  if (!pbc) PetscFunctionReturn(0);
  PetscCall(PetscStrlcat(buf, "Lattice=\"", len));
  for (PetscInt q = 0; q < 9; q++) {
    FormatReal(num, H[q]);
    if (q) PetscCall(PetscStrlcat(buf, " ", len));
    PetscCall(PetscStrlcat(buf, num, len));
  }
  PetscCall(PetscSNPrintf(flags, sizeof(flags), "\" pbc=\"%c %c %c\"", pbc & 1 ? 'T' : 'F', pbc & 2 ? 'T' : 'F', pbc & 4 ? 'T' : 'F'));
  PetscCall(PetscStrlcat(buf, flags, len));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFrames(FILE *fp, TeannFrames fr)
{
  char cell[512], n0[32], n1[32], n2[32];

  PetscFunctionBegin;
  for (PetscInt f = 0; f < fr->nframes; f++) {
    PetscInt a0 = fr->atom_start[f], a1 = fr->atom_start[f + 1];

    if (fprintf(fp, "%" PetscInt_FMT "\n", a1 - a0) < 0) break;
    for (PetscInt k = 0; k < TEANN_NPROP; k++) {
      const TeannProperty *P = &TeannProperties[k];
      const PetscReal     *y = fr->y[k] + P->ncomp * f;

      if (!(fr->fprops[f] & P->bit) || P->peratom) continue;
      fprintf(fp, "%s=\"", P->name);
      for (PetscInt c = 0; c < P->ncomp; c++) {
        FormatReal(n0, y[c]);
        fprintf(fp, "%s%s", c ? " " : "", n0);
      }
      fprintf(fp, "\" ");
    }
    PetscCall(TeannFramesFormatCell(fr, f, cell, sizeof(cell)));
    fprintf(fp, "%s%sProperties=species:S:1:pos:R:3", cell, cell[0] ? " " : "");
    for (PetscInt k = 0; k < TEANN_NPROP; k++) /* per-atom labels are columns */
      if (TeannProperties[k].peratom && (fr->fprops[f] & TeannProperties[k].bit)) fprintf(fp, ":%s:R:%" PetscInt_FMT, TeannProperties[k].name, TeannProperties[k].ncomp);
    fprintf(fp, "\n");
    for (PetscInt a = a0; a < a1; a++) {
      FormatReal(n0, fr->x[3 * a]);
      FormatReal(n1, fr->x[3 * a + 1]);
      FormatReal(n2, fr->x[3 * a + 2]);
      fprintf(fp, "%-2s %s %s %s", TeannElementSymbol(fr->Z[a]), n0, n1, n2);
      for (PetscInt k = 0; k < TEANN_NPROP; k++) {
        const TeannProperty *P = &TeannProperties[k];

        if (!P->peratom || !(fr->fprops[f] & P->bit)) continue;
        for (PetscInt c = 0; c < P->ncomp; c++) { /* an atom without a label: a row of zeros, as the reader takes it */
          const PetscReal v = fr->y[k][(size_t)P->ncomp * a + c];

          FormatReal(n0, PetscIsNanReal(v) ? 0.0 : v);
          fprintf(fp, " %s", n0);
        }
      }
      fprintf(fp, "\n");
    }
    if (ferror(fp)) break;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesWriteXYZ(TeannFrames fr, const char path[])
{
  char           tmp[PETSC_MAX_PATH_LEN];
  FILE          *fp;
  int            bad;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
  fp = fopen(tmp, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create (%s)", tmp, strerror(errno));
  ierr = WriteFrames(fp, fr);
  bad  = ferror(fp);
  bad |= fclose(fp);
  if (ierr) (void)remove(tmp);
  PetscCall(ierr);
  if (bad) {
    /* a full disk leaves no half-written file, and the previous one as it was */
    (void)remove(tmp);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s (disk full or not writable); nothing was written", path);
  }
  if (rename(tmp, path)) {
    (void)remove(tmp);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s (%s)", tmp, path, strerror(errno));
  }
  PetscFunctionReturn(0);
}
