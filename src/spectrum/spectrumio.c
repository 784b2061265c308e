/* spectrum.nc and spectrum.csv (spectrum.h): rank 0 writes both under temporary names; each
 * appears under its own name only when complete. */
#include "spectrum.h"
#include "ncutil.h"
#include <stdio.h>
#include <string.h>

PetscErrorCode TeannSpectrumCSVName(const char path[], char csv[], size_t len)
{
  PetscBool nc;
  size_t    l;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(csv, path, len));
  PetscCall(PetscStrendswith(path, ".nc", &nc));
  PetscCall(PetscStrlen(csv, &l));
  if (nc) csv[l - 3] = 0;
  PetscCall(PetscStrlcat(csv, ".csv", len));
  PetscFunctionReturn(0);
}

/* The columns written: name, units, long name, and how they combine the computed spectra
   (Raman: polarized = iso + 4/45 aniso, depolarized = 3/45 aniso; D. A. Long, The Raman Effect, 2002). */
typedef struct {
  const char *name, *units, *long_name;
  PetscInt    which;   /* TEANN_SERIES_* needed */
  PetscReal   w[TEANN_NSPEC];
} Column;

static const Column Columns[] = {
  {"ir",                "e2 angstrom2 fs-2 cm", "IR: spectral density of the dipole derivative d(mu)/dt, per cm-1", TEANN_SERIES_DIPOLE, {1, 0, 0}},
  {"raman_isotropic",   "angstrom6 fs-2 cm",    "Raman isotropic: spectral density of d(mean polarizability)/dt, per cm-1", TEANN_SERIES_POLAR, {0, 1, 0}},
  {"raman_anisotropic", "angstrom6 fs-2 cm",    "Raman anisotropic: spectral density of the anisotropy 3/2 tr(dbeta/dt dbeta/dt), per cm-1", TEANN_SERIES_POLAR, {0, 0, 1}},
  {"raman_polarized",   "angstrom6 fs-2 cm",    "Raman polarized (VV): isotropic + 4/45 anisotropic", TEANN_SERIES_POLAR, {0, 1, 4.0 / 45}},
  {"raman_depolarized", "angstrom6 fs-2 cm",    "Raman depolarized (VH): 3/45 anisotropic", TEANN_SERIES_POLAR, {0, 0, 3.0 / 45}},
};
#define NCOLUMNS ((PetscInt)(sizeof(Columns) / sizeof(Columns[0])))

static PetscReal ColumnValue(const TeannSpectrum *sp, PetscInt col, PetscInt k)
{
  PetscReal v = 0;
  for (PetscInt s = 0; s < TEANN_NSPEC; s++)
    if (Columns[col].w[s] != 0) v += Columns[col].w[s] * sp->spec[s][k];
  return v;
}

static PetscErrorCode PutReal(const TeannNCFile *f, const char name[], PetscReal v)
{
  const double d = (double)v;

  PetscFunctionBegin;
  PetscCallNC(f->tmp, nc_put_att_double(f->ncid, NC_GLOBAL, name, NC_DOUBLE, 1, &d));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSpectrumWrite(MPI_Comm comm, const char path[], const TeannSpectrum *sp, const TeannCorr *c, const TeannSpectrumOptions *o, PetscInt nfiles, const char *const files[])
{
  PetscMPIInt rank;
  TeannNCFile f;
  char        csv[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8], list[8192] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (PetscInt i = 0; i < nfiles; i++) {
    if (i) PetscCall(PetscStrlcat(list, ",", sizeof(list)));
    PetscCall(PetscStrlcat(list, files[i], sizeof(list)));
  }
  PetscCall(TeannNCCreate(comm, path, "teann vibrational spectra", PETSC_FALSE, &f));
  if (rank == 0) {
    const char *p = f.tmp;
    int         ncid = f.ncid, dfreq, dlag, vfreq, vlag, vwin, vcol[NCOLUMNS], vcorr[TEANN_NSPEC];
    const char *corrname[TEANN_NSPEC]  = {"ir_correlation", "raman_isotropic_correlation", "raman_anisotropic_correlation"};
    const char *corrunits[TEANN_NSPEC] = {"e2 angstrom2 fs-2", "angstrom6 fs-2", "angstrom6 fs-2"};
    const double range[2] = {(double)o->fmin, (double)o->fmax};
    double     *buf;

    PetscCallNC(p, nc_def_dim(ncid, "frequency", (size_t)sp->nfreq, &dfreq));
    PetscCallNC(p, nc_def_dim(ncid, "lag", (size_t)sp->nlag, &dlag));
    PetscCallNC(p, nc_def_var(ncid, "frequency", NC_DOUBLE, 1, &dfreq, &vfreq));
    PetscCall(TeannNCPutText(&f, vfreq, "units", "cm-1"));
    PetscCall(TeannNCPutText(&f, vfreq, "long_name", "wavenumber"));
    PetscCallNC(p, nc_def_var(ncid, "lag", NC_DOUBLE, 1, &dlag, &vlag));
    PetscCall(TeannNCPutText(&f, vlag, "units", "fs"));
    PetscCall(TeannNCPutText(&f, vlag, "long_name", "correlation time lag"));
    PetscCallNC(p, nc_def_var(ncid, "window", NC_DOUBLE, 1, &dlag, &vwin));
    PetscCall(TeannNCPutText(&f, vwin, "units", "1"));
    PetscCall(TeannNCPutText(&f, vwin, "long_name", "window applied to the correlation functions"));
    for (PetscInt col = 0; col < NCOLUMNS; col++) {
      vcol[col] = -1;
      if (!(c->which & Columns[col].which)) continue;
      PetscCallNC(p, nc_def_var(ncid, Columns[col].name, NC_DOUBLE, 1, &dfreq, &vcol[col]));
      PetscCall(TeannNCPutText(&f, vcol[col], "units", Columns[col].units));
      PetscCall(TeannNCPutText(&f, vcol[col], "long_name", Columns[col].long_name));
    }
    for (PetscInt s = 0; s < TEANN_NSPEC; s++) {
      vcorr[s] = -1;
      if (!sp->corr[s]) continue;
      PetscCallNC(p, nc_def_var(ncid, corrname[s], NC_DOUBLE, 1, &dlag, &vcorr[s]));
      PetscCall(TeannNCPutText(&f, vcorr[s], "units", corrunits[s]));
      PetscCall(TeannNCPutText(&f, vcorr[s], "long_name", "autocorrelation function of the time derivative, pooled over the trajectories, before the window"));
    }
    /* the options and what they gave */
    PetscCall(PutReal(&f, "time_step_fs", c->dt));
    PetscCall(PutReal(&f, "correlation_time_fs", c->maxlag * c->dt));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "window", TeannWindows[o->window]));
    PetscCall(PutReal(&f, "window_width_fs", o->width));
    PetscCall(PutReal(&f, "zero_padding", (PetscReal)o->padding));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "quantum_correction", TeannQCFs[o->qcf]));
    PetscCall(PutReal(&f, "temperature_K", o->temperature));
    PetscCallNC(p, nc_put_att_double(ncid, NC_GLOBAL, "frequency_range_cm1", NC_DOUBLE, 2, range));
    PetscCall(PutReal(&f, "frequency_bin_cm1", sp->dnu));
    PetscCall(PutReal(&f, "resolution_fwhm_cm1", sp->fwhm));
    PetscCall(PutReal(&f, "trajectories", (PetscReal)c->nfiles));
    PetscCall(PutReal(&f, "frames", (PetscReal)c->nframes));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "input_files", list));
    if (c->which & TEANN_SERIES_DIPOLE && o->dipole_source[0]) PetscCall(TeannNCPutText(&f, NC_GLOBAL, "dipole_source", o->dipole_source));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "derivative", "5-point central difference; its response (8 sin y - sin 2y)/(6y), y = 2 pi c nu dt, divided out (squared) from the spectra"));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "normalisation", "one-sided spectral density per cm-1: its integral over all wavenumbers (quantum_correction none) is the window-weighted zero-lag correlation"));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "references", "doc/spectra.md"));
    PetscCall(PetscMalloc1(PetscMax(sp->nfreq, sp->nlag) + 1, &buf));
    PetscCallNC(p, nc_put_var_double(ncid, vfreq, sp->nu));
    PetscCallNC(p, nc_put_var_double(ncid, vlag, sp->lag));
    PetscCallNC(p, nc_put_var_double(ncid, vwin, sp->win));
    for (PetscInt col = 0; col < NCOLUMNS; col++) {
      if (vcol[col] < 0) continue;
      for (PetscInt k = 0; k < sp->nfreq; k++) buf[k] = ColumnValue(sp, col, k);
      PetscCallNC(p, nc_put_var_double(ncid, vcol[col], buf));
    }
    for (PetscInt s = 0; s < TEANN_NSPEC; s++)
      if (vcorr[s] >= 0) PetscCallNC(p, nc_put_var_double(ncid, vcorr[s], sp->corr[s]));
    PetscCall(PetscFree(buf));
  }
  PetscCall(TeannNCClose(&f));

  /* the CSV: the same columns, the options as '#' lines */
  PetscCall(TeannSpectrumCSVName(path, csv, sizeof(csv)));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", csv));
  if (rank == 0) {
    FILE           *fp     = fopen(tmp, "w");
    const PetscBool atomic = (PetscBool)((c->which & TEANN_SERIES_DIPOLE) && o->dipole_source[0] && strncmp(o->dipole_source, "dipole of", 9));
    int             bad;
    PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create %s", tmp);
    fprintf(fp, "# teann-spectrum %s: %" PetscInt_FMT " trajectories, %" PetscInt_FMT " frames, time step %g fs, correlation time %g fs\n", TEANN_VERSION, c->nfiles, c->nframes, (double)c->dt, (double)(c->maxlag * c->dt));
    fprintf(fp, "# window %s width %g fs, zero padding %" PetscInt_FMT ", quantum correction %s at %g K, bin %g cm-1, resolution (FWHM) %g cm-1\n", TeannWindows[o->window], (double)o->width, o->padding, TeannQCFs[o->qcf], (double)o->temperature, (double)sp->dnu, (double)sp->fwhm);
    /* a cell dipole's origin on the units line, so that the header stays three lines */
    fprintf(fp, "# units: frequency cm-1; ir (e*Angstrom/fs)^2 per cm-1; raman_* (Angstrom^3/fs)^2 per cm-1 (doc/spectra.md)%s%s\n", atomic ? "; ir of the " : "", atomic ? o->dipole_source : "");
    fprintf(fp, "frequency");
    for (PetscInt col = 0; col < NCOLUMNS; col++)
      if (c->which & Columns[col].which) fprintf(fp, ",%s", Columns[col].name);
    fprintf(fp, "\n");
    for (PetscInt k = 0; k < sp->nfreq; k++) {
      fprintf(fp, "%.10g", (double)sp->nu[k]);
      for (PetscInt col = 0; col < NCOLUMNS; col++)
        if (c->which & Columns[col].which) fprintf(fp, ",%.10g", (double)ColumnValue(sp, col, k));
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
