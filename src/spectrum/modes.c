/* Double-harmonic intensities (modes.h): Molden normal modes and the exact derivatives of a
 * model's dipole and polarizability along them. */
#include "modes.h"
#include "spectrum.h"
#include "ncutil.h"
#include "logimpl.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

PetscReal TeannIRIntensityFactor(void)
{
  /* CODATA 2018 (exact SI values where defined) */
  const PetscReal NA = 6.02214076e23, e = 1.602176634e-19, eps0 = 8.8541878128e-12, c = 299792458.0, amu = 1.66053906660e-27;
  return NA * e * e / (12 * eps0 * c * c * amu) / 1000.0; /* m/mol -> km/mol */
}

#define MoldenCheck(path, ln, cond, ...) \
  do { \
    if (PetscUnlikely(!(cond))) { \
      char _m[512]; \
      (void)snprintf(_m, sizeof(_m), __VA_ARGS__); \
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:%" PetscInt_FMT ": %s", (path), (PetscInt)(ln), _m); \
    } \
  } while (0)

/* Up to max numbers of the whole line s into v; *n their count (-1: something else). */
static void LineNumbers(const char *s, PetscReal v[], PetscInt max, PetscInt *n)
{
  char *end;

  *n = 0;
  for (;;) {
    while (*s && isspace((unsigned char)*s)) s++;
    if (!*s) return;
    if (*n == max) {
      *n = -1;
      return;
    }
    v[*n] = strtod(s, &end);
    if (end == s || (*end && !isspace((unsigned char)*end)) || PetscIsInfOrNanReal(v[*n])) {
      *n = -1;
      return;
    }
    (*n)++;
    s = end;
  }
}

static PetscErrorCode Grow(void *p, PetscInt need, PetscInt *cap, size_t size)
{
  PetscFunctionBegin;
  if (need <= *cap) PetscFunctionReturn(0);
  *cap = PetscMax(2 * *cap, PetscMax(need, 64));
  PetscCall(PetscRealloc(size * (size_t)*cap, (void **)p));
  PetscFunctionReturn(0);
}

enum { SEC_NONE, SEC_FREQ, SEC_COORD, SEC_NORM, SEC_OTHER };

PetscErrorCode TeannModesReadMolden(const char path[], TeannModes *m)
{
  FILE      *fp;
  char      *buf = NULL;
  size_t     bcap = 0;
  PetscInt   ln = 0, sec = SEC_NONE, capf = 0, capa = 0, caprow = 0, capv = 0, nrows = 0, nvib = 0, nfreq = 0;
  PetscInt  *vstart = NULL, *vline = NULL; /* first row and line of each vibration */
  PetscReal *rows = NULL, unit = TEANN_BOHR_ANGSTROM;
  PetscBool  seen[5] = {PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE};

  PetscFunctionBegin;
  PetscCall(PetscMemzero(m, sizeof(*m)));
  PetscCall(PetscStrncpy(m->path, path, sizeof(m->path)));
  fp = fopen(path, "r");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open the normal-modes file", path);
  while (getline(&buf, &bcap, fp) >= 0) {
    char     *s = buf;
    PetscReal v[4];
    PetscInt  n;

    ln++;
    while (*s && isspace((unsigned char)*s)) s++;
    if (!*s) continue;
    if (*s == '[') {
      char *e = strchr(s, ']');
      MoldenCheck(path, ln, e, "a section name without its closing ']'");
      *e = 0;
      s++;
      sec = !strcasecmp(s, "FREQ") ? SEC_FREQ : !strcasecmp(s, "FR-COORD") ? SEC_COORD : !strcasecmp(s, "FR-NORM-COORD") ? SEC_NORM : SEC_OTHER;
      if (sec != SEC_OTHER) {
        MoldenCheck(path, ln, !seen[sec], "section [%s] given twice", s);
        seen[sec] = PETSC_TRUE;
      }
      if (sec == SEC_COORD) { /* Bohr, as Molden has it; "Angs" after the name: Angstrom */
        char *u = e + 1;
        while (*u && isspace((unsigned char)*u)) u++;
        unit = !strncasecmp(u, "angs", 4) ? 1.0 : TEANN_BOHR_ANGSTROM;
      }
      continue;
    }
    switch (sec) {
    case SEC_FREQ:
      LineNumbers(s, v, 1, &n);
      MoldenCheck(path, ln, n == 1, "[FREQ]: expected one wavenumber (cm-1) a line, got '%.60s'", s);
      PetscCall(Grow(&m->freq, nfreq + 1, &capf, sizeof(PetscReal)));
      m->freq[nfreq++] = v[0];
      break;
    case SEC_COORD: {
      char      sym[4] = "";
      PetscInt  k = 0, Z;
      while (s[k] && !isspace((unsigned char)s[k]) && k < 3) {
        sym[k] = (char)(k ? tolower((unsigned char)s[k]) : toupper((unsigned char)s[k]));
        k++;
      }
      sym[k] = 0;
      Z      = TeannElementZ(sym);
      MoldenCheck(path, ln, Z > 0 && (!s[k] || isspace((unsigned char)s[k])), "[FR-COORD]: unknown element '%.10s' (expected: symbol x y z)", s);
      LineNumbers(s + k, v, 3, &n);
      MoldenCheck(path, ln, n == 3, "[FR-COORD]: expected an element symbol and 3 coordinates, got '%.60s'", s);
      {
        const PetscInt old = capa;
        PetscCall(Grow(&m->Z, m->natoms + 1, &capa, sizeof(PetscInt)));
        if (capa != old) PetscCall(PetscRealloc(sizeof(PetscReal) * 3 * capa, &m->x));
      }
      m->Z[m->natoms] = Z;
      for (PetscInt d = 0; d < 3; d++) m->x[3 * m->natoms + d] = unit * v[d];
      m->natoms++;
    } break;
    case SEC_NORM:
      if (!strncasecmp(s, "vibration", 9)) {
        const PetscInt old = capv;
        PetscCall(Grow(&vstart, nvib + 2, &capv, sizeof(PetscInt)));
        if (capv != old) PetscCall(PetscRealloc(sizeof(PetscInt) * capv, &vline));
        vstart[nvib] = nrows;
        vline[nvib]  = ln;
        nvib++;
        break;
      }
      MoldenCheck(path, ln, nvib > 0, "[FR-NORM-COORD]: displacements before the first 'vibration N' line");
      LineNumbers(s, v, 3, &n);
      MoldenCheck(path, ln, n == 3, "[FR-NORM-COORD]: expected 3 displacements (x y z of one atom), got '%.60s'", s);
      PetscCall(Grow(&rows, 3 * (nrows + 1), &caprow, sizeof(PetscReal)));
      for (PetscInt d = 0; d < 3; d++) rows[3 * nrows + d] = v[d];
      nrows++;
      break;
    default:
      break;
    }
  }
  free(buf);
  fclose(fp);
  PetscCheck(seen[SEC_COORD] && m->natoms > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no [FR-COORD] section with the reference geometry (Molden normal modes: [FREQ], [FR-COORD], [FR-NORM-COORD])", path);
  PetscCheck(seen[SEC_FREQ] && nfreq > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no [FREQ] section with the wavenumbers", path);
  PetscCheck(seen[SEC_NORM] && nvib > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no [FR-NORM-COORD] section with the displacement vectors", path);
  PetscCheck(nvib == nfreq, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %" PetscInt_FMT " wavenumbers in [FREQ] but %" PetscInt_FMT " vibrations in [FR-NORM-COORD]", path, nfreq, nvib);
  vstart[nvib] = nrows;
  m->nmodes    = nvib;
  PetscCall(PetscMalloc1(3 * m->natoms * nvib, &m->disp));
  for (PetscInt k = 0; k < nvib; k++) {
    PetscReal norm = 0;
    MoldenCheck(path, vline[k], vstart[k + 1] - vstart[k] == m->natoms, "vibration %" PetscInt_FMT " has %" PetscInt_FMT " displacement lines for the %" PetscInt_FMT " atoms of [FR-COORD]", k + 1, vstart[k + 1] - vstart[k], m->natoms);
    for (PetscInt i = 0; i < 3 * m->natoms; i++) {
      m->disp[3 * m->natoms * k + i] = rows[3 * vstart[k] + i];
      norm += PetscSqr(rows[3 * vstart[k] + i]);
    }
    MoldenCheck(path, vline[k], norm > 0, "vibration %" PetscInt_FMT " has a zero displacement vector", k + 1);
  }
  PetscCall(PetscFree(rows));
  PetscCall(PetscFree(vstart));
  PetscCall(PetscFree(vline));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModesDestroy(TeannModes *m)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(m->Z));
  PetscCall(PetscFree(m->x));
  PetscCall(PetscFree(m->freq));
  PetscCall(PetscFree(m->disp));
  PetscCall(PetscFree(m->L));
  PetscFunctionReturn(0);
}

/* dx/dQ of every mode: the file's vector made mass-weighted (sqrt(m) d), normalised, and
   divided by sqrt(m) again; whatever length the file gave, Q is in amu^1/2 Angstrom. */
static PetscErrorCode NormalCoordinates(TeannModes *m)
{
  const PetscInt n3 = 3 * m->natoms;
  PetscReal     *l;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n3 * m->nmodes, &m->L));
  PetscCall(PetscMalloc1(n3 * m->nmodes, &l));
  for (PetscInt k = 0; k < m->nmodes; k++) {
    PetscReal norm = 0;
    for (PetscInt i = 0; i < n3; i++) {
      l[k * n3 + i] = PetscSqrtReal(TeannElementMass(m->Z[i / 3])) * m->disp[k * n3 + i];
      norm += PetscSqr(l[k * n3 + i]);
    }
    norm = PetscSqrtReal(norm);
    for (PetscInt i = 0; i < n3; i++) {
      l[k * n3 + i] /= norm;
      m->L[k * n3 + i] = l[k * n3 + i] / PetscSqrtReal(TeannElementMass(m->Z[i / 3]));
    }
  }
  m->maxoverlap = 0;
  for (PetscInt a = 0; a < m->nmodes; a++)
    for (PetscInt b = a + 1; b < m->nmodes; b++) {
      PetscReal dot = 0;
      for (PetscInt i = 0; i < n3; i++) dot += l[a * n3 + i] * l[b * n3 + i];
      m->maxoverlap = PetscMax(m->maxoverlap, PetscAbsReal(dot));
    }
  PetscCall(PetscFree(l));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModesIntensities(TeannModel model, const PetscReal theta[], TeannModes *m, TeannIntensities *ints)
{
  const PetscInt od = TeannPropertyOffset(model->props, TEANN_K_DIPOLE), op = TeannPropertyOffset(model->props, TEANN_K_POLAR), n3 = 3 * m->natoms;
  const PetscReal kir = TeannIRIntensityFactor();
  TeannFrames     fr;
  TeannEval       ev;
  PetscInt        ncomp, idx = 0;
  PetscReal      *pred, *dout;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(ints, sizeof(*ints)));
  PetscCheck(od >= 0 || op >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "the model predicts neither the dipole nor the polarizability: no IR or Raman intensities");
  for (PetscInt a = 0; a < m->natoms; a++) {
    PetscBool known = PETSC_FALSE;
    for (PetscInt e = 0; e < model->nel; e++)
      if (model->Z[e] == m->Z[a]) known = PETSC_TRUE;
    PetscCheck(known, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "%s: atom %" PetscInt_FMT " is %s, an element the model does not know", m->path, a + 1, TeannElementSymbol(m->Z[a]));
  }
  PetscCall(NormalCoordinates(m));
  PetscCall(PetscLogEventBegin(TEANN_EVENT_ModesGradient, 0, 0, 0, 0));
  PetscCall(TeannFramesCreate(&fr));
  PetscCall(TeannFramesAllocate(fr, 1, m->natoms));
  fr->atom_start[1] = m->natoms;
  PetscCall(PetscArraycpy(fr->Z, m->Z, m->natoms));
  PetscCall(PetscArraycpy(fr->x, m->x, n3));
  PetscCall(PetscStrncpy(fr->source, m->path, sizeof(fr->source)));
  PetscCall(TeannModelGetNumComponents(model, &ncomp));
  PetscCall(PetscMalloc2(ncomp, &pred, ncomp * n3, &dout));
  PetscCall(TeannEvalCreate(model, fr, &ev));
  PetscCall(TeannEvalPredict(ev, theta, 1, &idx, pred));
  PetscCall(TeannEvalPositionGradient(ev, theta, 0, dout));
  PetscCall(TeannEvalDestroy(&ev));
  PetscCall(TeannFramesDestroy(&fr));

  ints->props = (od >= 0 ? TEANN_PROP_DIPOLE : 0) | (op >= 0 ? TEANN_PROP_POLAR : 0);
  PetscCall(PetscCalloc5(3 * m->nmodes, &ints->dmu, 9 * m->nmodes, &ints->dalpha, m->nmodes, &ints->ir, m->nmodes, &ints->raman, m->nmodes, &ints->depol));
  for (PetscInt c = 0; od >= 0 && c < 3; c++) ints->mu[c] = pred[od + c];
  for (PetscInt c = 0; op >= 0 && c < 9; c++) ints->alpha[c] = pred[op + c];
  for (PetscInt k = 0; k < m->nmodes; k++) {
    const PetscReal *L = m->L + k * n3;
    for (PetscInt c = 0; od >= 0 && c < 3; c++) {
      PetscReal s = 0;
      for (PetscInt i = 0; i < n3; i++) s += dout[(od + c) * n3 + i] * L[i];
      ints->dmu[3 * k + c] = s;
    }
    for (PetscInt c = 0; op >= 0 && c < 9; c++) {
      PetscReal s = 0;
      for (PetscInt i = 0; i < n3; i++) s += dout[(op + c) * n3 + i] * L[i];
      ints->dalpha[9 * k + c] = s;
    }
    if (op >= 0) { /* symmetrised: the model's alpha is symmetric, its derivative then too up to round-off */
      PetscReal *d = ints->dalpha + 9 * k, a, g2;
      for (PetscInt i = 0; i < 3; i++)
        for (PetscInt j = i + 1; j < 3; j++) d[3 * i + j] = d[3 * j + i] = 0.5 * (d[3 * i + j] + d[3 * j + i]);
      a  = (d[0] + d[4] + d[8]) / 3;
      g2 = 0.5 * (PetscSqr(d[0] - d[4]) + PetscSqr(d[4] - d[8]) + PetscSqr(d[8] - d[0])) + 3 * (PetscSqr(d[1]) + PetscSqr(d[2]) + PetscSqr(d[5]));
      ints->raman[k] = 45 * a * a + 7 * g2;
      ints->depol[k] = 45 * a * a + 4 * g2 > 0 ? 3 * g2 / (45 * a * a + 4 * g2) : 0;
    }
    if (od >= 0) ints->ir[k] = kir * (PetscSqr(ints->dmu[3 * k]) + PetscSqr(ints->dmu[3 * k + 1]) + PetscSqr(ints->dmu[3 * k + 2]));
  }
  PetscCall(PetscFree2(pred, dout));
  PetscCall(PetscLogEventEnd(TEANN_EVENT_ModesGradient, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannIntensitiesDestroy(TeannIntensities *ints)
{
  PetscFunctionBegin;
  PetscCall(PetscFree5(ints->dmu, ints->dalpha, ints->ir, ints->raman, ints->depol));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannIntensitiesWrite(MPI_Comm comm, const char path[], const char model[], const TeannModes *m, const TeannIntensities *ints)
{
  const PetscBool hasir = (PetscBool)!!(ints->props & TEANN_PROP_DIPOLE), hasra = (PetscBool)!!(ints->props & TEANN_PROP_POLAR);
  PetscMPIInt     rank;
  TeannNCFile     f;
  char            csv[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(TeannNCCreate(comm, path, "teann double-harmonic IR intensities and Raman activities", PETSC_FALSE, &f));
  if (rank == 0) {
    const char  *p = f.tmp;
    int          ncid = f.ncid, dmode, datom, dsp, vfreq, vir = -1, vra = -1, vdep = -1, vdmu = -1, vdal = -1, vL, vZ, vx, dims[3];
    const double kir = (double)TeannIRIntensityFactor();
    int         *Z;

    PetscCallNC(p, nc_def_dim(ncid, "mode", (size_t)m->nmodes, &dmode));
    PetscCallNC(p, nc_def_dim(ncid, "atom", (size_t)m->natoms, &datom));
    PetscCallNC(p, nc_def_dim(ncid, "spatial", 3, &dsp));
    PetscCallNC(p, nc_def_var(ncid, "frequency", NC_DOUBLE, 1, &dmode, &vfreq));
    PetscCall(TeannNCPutText(&f, vfreq, "units", "cm-1"));
    PetscCall(TeannNCPutText(&f, vfreq, "long_name", "harmonic wavenumber from the modes file (negative: imaginary)"));
    if (hasir) {
      PetscCallNC(p, nc_def_var(ncid, "ir_intensity", NC_DOUBLE, 1, &dmode, &vir));
      PetscCall(TeannNCPutText(&f, vir, "units", "km mol-1"));
      PetscCall(TeannNCPutText(&f, vir, "long_name", "double-harmonic IR intensity N_A/(12 eps0 c^2) |dmu/dQ|^2"));
      dims[0] = dmode;
      dims[1] = dsp;
      PetscCallNC(p, nc_def_var(ncid, "dipole_derivative", NC_DOUBLE, 2, dims, &vdmu));
      PetscCall(TeannNCPutText(&f, vdmu, "units", "e amu-1/2"));
      PetscCall(TeannNCPutText(&f, vdmu, "long_name", "dmu/dQ, exact derivative of the model"));
    }
    if (hasra) {
      PetscCallNC(p, nc_def_var(ncid, "raman_activity", NC_DOUBLE, 1, &dmode, &vra));
      PetscCall(TeannNCPutText(&f, vra, "units", "angstrom4 amu-1"));
      PetscCall(TeannNCPutText(&f, vra, "long_name", "Raman activity 45 a'^2 + 7 gamma'^2"));
      PetscCallNC(p, nc_def_var(ncid, "depolarization_ratio", NC_DOUBLE, 1, &dmode, &vdep));
      PetscCall(TeannNCPutText(&f, vdep, "units", "1"));
      PetscCall(TeannNCPutText(&f, vdep, "long_name", "depolarization ratio 3 gamma'^2/(45 a'^2 + 4 gamma'^2), plane-polarized light"));
      dims[0] = dmode;
      dims[1] = dims[2] = dsp;
      PetscCallNC(p, nc_def_var(ncid, "polarizability_derivative", NC_DOUBLE, 3, dims, &vdal));
      PetscCall(TeannNCPutText(&f, vdal, "units", "angstrom2 amu-1/2"));
      PetscCall(TeannNCPutText(&f, vdal, "long_name", "dalpha/dQ, exact derivative of the model, symmetrised"));
    }
    dims[0] = dmode;
    dims[1] = datom;
    dims[2] = dsp;
    PetscCallNC(p, nc_def_var(ncid, "normal_mode", NC_DOUBLE, 3, dims, &vL));
    PetscCall(TeannNCPutText(&f, vL, "units", "amu-1/2"));
    PetscCall(TeannNCPutText(&f, vL, "long_name", "Cartesian displacement per unit normal coordinate dx/dQ (mass-weighted vector normalised)"));
    PetscCallNC(p, nc_def_var(ncid, "species", NC_INT, 1, &datom, &vZ));
    PetscCall(TeannNCPutText(&f, vZ, "long_name", "atomic number"));
    dims[0] = datom;
    dims[1] = dsp;
    PetscCallNC(p, nc_def_var(ncid, "positions", NC_DOUBLE, 2, dims, &vx));
    PetscCall(TeannNCPutText(&f, vx, "units", "angstrom"));
    PetscCall(TeannNCPutText(&f, vx, "long_name", "reference geometry"));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "model", model));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "modes_file", m->path));
    PetscCallNC(p, nc_put_att_double(ncid, NC_GLOBAL, "ir_intensity_factor_km_mol_per_e2_amu", NC_DOUBLE, 1, &kir));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "constants", "CODATA 2018: N_A 6.02214076e23/mol, e 1.602176634e-19 C, eps0 8.8541878128e-12 F/m, c 299792458 m/s, amu 1.66053906660e-27 kg, Bohr 0.529177210903 Angstrom; masses: standard atomic weights"));
    {
      double md = (double)m->maxoverlap;
      PetscCallNC(p, nc_put_att_double(ncid, NC_GLOBAL, "max_mode_overlap", NC_DOUBLE, 1, &md));
    }
    PetscCallNC(p, nc_put_var_double(ncid, vfreq, m->freq));
    if (hasir) {
      PetscCallNC(p, nc_put_var_double(ncid, vir, ints->ir));
      PetscCallNC(p, nc_put_var_double(ncid, vdmu, ints->dmu));
    }
    if (hasra) {
      PetscCallNC(p, nc_put_var_double(ncid, vra, ints->raman));
      PetscCallNC(p, nc_put_var_double(ncid, vdep, ints->depol));
      PetscCallNC(p, nc_put_var_double(ncid, vdal, ints->dalpha));
    }
    PetscCallNC(p, nc_put_var_double(ncid, vL, m->L));
    PetscCallNC(p, nc_put_var_double(ncid, vx, m->x));
    PetscCall(PetscMalloc1(m->natoms, &Z));
    for (PetscInt a = 0; a < m->natoms; a++) Z[a] = (int)m->Z[a];
    PetscCallNC(p, nc_put_var_int(ncid, vZ, Z));
    PetscCall(PetscFree(Z));
  }
  PetscCall(TeannNCClose(&f));

  PetscCall(TeannSpectrumCSVName(path, csv, sizeof(csv)));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", csv));
  if (rank == 0) {
    FILE *fp = fopen(tmp, "w");
    int   bad;
    PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create %s", tmp);
    fprintf(fp, "# teann-spectrum %s: double-harmonic intensities of %s with the model %s\n", TEANN_VERSION, m->path, model);
    fprintf(fp, "# units: frequency cm-1, ir_intensity km/mol, raman_activity Angstrom^4/amu (doc/spectra.md)\n");
    fprintf(fp, "mode,frequency%s%s\n", hasir ? ",ir_intensity" : "", hasra ? ",raman_activity,depolarization_ratio" : "");
    for (PetscInt k = 0; k < m->nmodes; k++) {
      fprintf(fp, "%" PetscInt_FMT ",%.10g", k + 1, (double)m->freq[k]);
      if (hasir) fprintf(fp, ",%.10g", (double)ints->ir[k]);
      if (hasra) fprintf(fp, ",%.10g,%.10g", (double)ints->raman[k], (double)ints->depol[k]);
      fprintf(fp, "\n");
    }
    bad = ferror(fp);
    bad |= fclose(fp);
    if (bad) (void)remove(tmp);
    PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s (disk full or not writable); nothing was written", csv);
    PetscCheck(rename(tmp, csv) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s", tmp, csv);
  }
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(0);
}
