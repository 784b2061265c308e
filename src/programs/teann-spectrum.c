/* teann-spectrum: IR and Raman spectra from time series of predicted dipoles and
 * polarizabilities (MD trajectories run through teann-predict), or double-harmonic
 * intensities of normal modes from a model's exact derivatives (doc/spectra.md).
 * Trajectories are dealt to the ranks round-robin; each rank correlates its own files and
 * the sums over lags are added over the ranks, so that every file weighs by its frames. */
static const char help[] = "teann-spectrum: IR and Raman spectra from trajectories of predicted tensors, or double-harmonic intensities.\n"
                           "  mpiexec -n NP teann-spectrum -teann_data traj1.nc[,traj2.xyz,...] -teann_output spectrum.nc\n"
                           "  teann-spectrum -teann_model model.nc -teann_modes modes.molden -teann_output modes.nc\n";

#include "spectrum.h"
#include "modes.h"
#include "modelio.h"
#include <stdio.h>
#include <sys/stat.h>

#define MAX_FILES 1024

/* The output and its CSV must not exist (unless overwrite) and must be no input. */
static PetscErrorCode CheckOutput(MPI_Comm comm, const char out[], PetscBool overwrite, PetscInt nin, char *in[])
{
  char      csv[PETSC_MAX_PATH_LEN];
  PetscBool nc, same;

  PetscFunctionBegin;
  PetscCall(PetscStrendswith(out, ".nc", &nc));
  PetscCheck(nc, comm, PETSC_ERR_USER_INPUT, "-teann_output %s: the name must end in .nc (the CSV goes beside it)", out);
  PetscCall(TeannSpectrumCSVName(out, csv, sizeof(csv)));
  for (PetscInt i = 0; i < nin; i++) {
    PetscCall(TeannSameFile(out, in[i], &same));
    PetscCheck(!same, comm, PETSC_ERR_USER_INPUT, "-teann_output %s is the input file %s; choose another output name", out, in[i]);
    PetscCall(TeannSameFile(csv, in[i], &same));
    PetscCheck(!same, comm, PETSC_ERR_USER_INPUT, "the CSV output %s is the input file %s; choose another output name", csv, in[i]);
  }
  if (!overwrite) {
    struct stat st;
    PetscCheck(stat(out, &st) != 0, comm, PETSC_ERR_USER_INPUT, "%s exists; -teann_overwrite replaces it", out);
    PetscCheck(stat(csv, &st) != 0, comm, PETSC_ERR_USER_INPUT, "%s exists; -teann_overwrite replaces it", csv);
  }
  PetscFunctionReturn(0);
}

/* A choice among names, read as a string so that a wrong value is the user's error with the
   choices in the message (PETSc's enum options end in a trace). */
static PetscErrorCode OptionsChoice(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[], const char *const list[], PetscInt n, PetscInt *idx)
{
  char      val[64], man[256] = "";
  PetscBool set;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    if (i) PetscCall(PetscStrlcat(man, ", ", sizeof(man)));
    PetscCall(PetscStrlcat(man, list[i], sizeof(man)));
  }
  {
    char help[512];
    PetscCall(PetscSNPrintf(help, sizeof(help), "%s (%s)", text, man));
    PetscCall(PetscStrncpy(val, list[*idx], sizeof(val)));
    PetscCall(PetscOptionsString(opt, help, "teann-spectrum", val, val, sizeof(val), &set));
  }
  if (!set) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < n; i++) {
    PetscBool eq;
    PetscCall(PetscStrcasecmp(val, list[i], &eq));
    if (eq) {
      *idx = i;
      PetscFunctionReturn(0);
    }
  }
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "%s %s: unknown value; known: %s", opt, val, man);
}

static PetscErrorCode RunModes(MPI_Comm comm, const char mpath[], const char modes[], const char out[])
{
  TeannModel       model;
  PetscReal       *theta;
  TeannModes       m;
  TeannIntensities ints;

  PetscFunctionBegin;
  PetscCall(TeannModelRead(comm, mpath, &model, &theta, NULL));
  PetscCall(TeannModesReadMolden(modes, &m));
  PetscCall(TeannModesIntensities(model, theta, &m, &ints));
  if (m.maxoverlap > 0.1) PetscCall(PetscPrintf(comm, "teann-spectrum: warning: %s: the mass-weighted mode vectors overlap up to %.2f (normal modes are orthogonal): are the vectors of the file mass-weighted already? teann-spectrum takes them as Cartesian displacements, as Molden has them\n", modes, (double)m.maxoverlap));
  PetscCall(TeannIntensitiesWrite(comm, out, mpath, &m, &ints));
  PetscCall(PetscPrintf(comm, "teann-spectrum: %" PetscInt_FMT " modes of %s with %s\n  mode  wavenumber/cm-1", m.nmodes, modes, mpath));
  if (ints.props & TEANN_PROP_DIPOLE) PetscCall(PetscPrintf(comm, "  IR/(km/mol)"));
  if (ints.props & TEANN_PROP_POLAR) PetscCall(PetscPrintf(comm, "  Raman/(A^4/amu)  depol."));
  PetscCall(PetscPrintf(comm, "\n"));
  for (PetscInt k = 0; k < m.nmodes; k++) {
    PetscCall(PetscPrintf(comm, "  %4" PetscInt_FMT "  %15.2f", k + 1, (double)m.freq[k]));
    if (ints.props & TEANN_PROP_DIPOLE) PetscCall(PetscPrintf(comm, "  %11.4f", (double)ints.ir[k]));
    if (ints.props & TEANN_PROP_POLAR) PetscCall(PetscPrintf(comm, "  %15.4f  %6.4f", (double)ints.raman[k], (double)ints.depol[k]));
    PetscCall(PetscPrintf(comm, "\n"));
  }
  PetscCall(PetscPrintf(comm, "teann-spectrum: -> %s and its .csv\n", out));
  PetscCall(TeannIntensitiesDestroy(&ints));
  PetscCall(TeannModesDestroy(&m));
  PetscCall(PetscFree(theta));
  PetscCall(TeannModelDestroy(&model));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt             want;      /* TEANN_SERIES_* asked for (0: what every file has) */
  PetscBool            reference;
  PetscReal            dt, dt_rtol, tunit, corr_time;
  PetscBool            corr_set, width_set, range_set;
  TeannSpectrumOptions so;
} Setup;

static PetscErrorCode RunSpectra(MPI_Comm comm, PetscInt nfiles, char *files[], const char out[], Setup *u)
{
  PetscMPIInt   rank, size;
  TeannSeries  *ser;
  PetscReal    *info; /* per file: dt, frames, has */
  PetscInt      which, M, nmin = PETSC_MAX_INT, imin = 0;
  TeannCorr     corr;
  TeannSpectrum sp;
  PetscReal     dt, nyq;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscCalloc2(nfiles, &ser, 3 * nfiles, &info));
  for (PetscInt i = rank; i < nfiles; i += size) {
    PetscCall(TeannSeriesRead(files[i], u->want, u->reference, u->tunit, &ser[i]));
    PetscCall(TeannSeriesSetTimeStep(&ser[i], u->dt, u->dt_rtol));
    info[3 * i]     = ser[i].dt;
    info[3 * i + 1] = (PetscReal)ser[i].n;
    info[3 * i + 2] = (PetscReal)ser[i].has;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, info, 3 * nfiles, MPIU_REAL, MPIU_SUM, comm));

  /* from here every rank knows every file: the checks give the same verdict everywhere */
  which = u->want ? u->want : TEANN_SERIES_DIPOLE | TEANN_SERIES_POLAR;
  for (PetscInt i = 0; i < nfiles; i++) which &= (PetscInt)info[3 * i + 2];
  PetscCheck(which, comm, PETSC_ERR_USER_INPUT, "no spectrum can be made: %s", nfiles == 1 ? "the file has neither dipoles nor polarizabilities" : "no property (dipole for IR, polarizability for Raman) is in every file; -teann_spectra ir or raman names the one wanted");
  dt = info[0];
  for (PetscInt i = 1; i < nfiles; i++) TeannCheckFmt(PetscAbsReal(info[3 * i] - dt) <= u->dt_rtol * dt, comm, PETSC_ERR_USER_INPUT, "%s has the time step %g fs but %s %g fs: trajectories averaged must share it", files[i], (double)info[3 * i], files[0], (double)dt);
  for (PetscInt i = 0; i < nfiles; i++)
    if ((PetscInt)info[3 * i + 1] < nmin) {
      nmin = (PetscInt)info[3 * i + 1];
      imin = i;
    }
  PetscCheck(nmin >= 7, comm, PETSC_ERR_USER_INPUT, "%s: %" PetscInt_FMT " frames are too few for a spectrum", files[imin], nmin);
  if (u->corr_set) {
    PetscCheck(u->corr_time > 0, comm, PETSC_ERR_USER_INPUT, "-teann_corr_time must be positive (fs)");
    M = (PetscInt)PetscFloorReal(u->corr_time / dt + 0.5);
    TeannCheckFmt(M >= 1, comm, PETSC_ERR_USER_INPUT, "-teann_corr_time %g fs is shorter than the time step %g fs", (double)u->corr_time, (double)dt);
    TeannCheckFmt(nmin - 4 >= 2 * M, comm, PETSC_ERR_USER_INPUT, "%s: %" PetscInt_FMT " frames (%g fs) are too few for the correlation time %g fs (-teann_corr_time): each file needs at least 2 x correlation time / time step + 4 = %" PetscInt_FMT " frames; shorten the correlation time (coarser resolution) or give longer trajectories", files[imin], nmin, (double)((nmin - 1) * dt), (double)(M * dt), 2 * M + 4);
  } else M = (nmin - 4) / 2; /* the finest resolution the shortest file allows */
  if (!u->width_set) u->so.width = u->so.window == TEANN_WINDOW_GAUSSIAN ? M * dt / 3 : M * dt;
  PetscCheck(u->so.width > 0, comm, PETSC_ERR_USER_INPUT, "-teann_window_width must be positive (fs)");
  TeannCheckFmt(u->so.window == TEANN_WINDOW_GAUSSIAN || u->so.width <= M * dt * (1 + 1e-9), comm, PETSC_ERR_USER_INPUT, "-teann_window_width %g fs exceeds the correlation time %g fs: the %s window would be cut off", (double)u->so.width, (double)(M * dt), TeannWindows[u->so.window]);
  nyq = 1.0 / (2 * dt * TEANN_C_CM_PER_FS);
  if (!u->range_set) {
    u->so.fmin = 0;
    u->so.fmax = PetscMin(4000.0, nyq);
  }
  TeannCheckFmt(u->so.fmin >= 0 && u->so.fmax > u->so.fmin, comm, PETSC_ERR_USER_INPUT, "-teann_freq_range %g,%g: need 0 <= min < max (cm-1)", (double)u->so.fmin, (double)u->so.fmax);
  TeannCheckFmt(u->so.fmax <= nyq * (1 + 1e-9), comm, PETSC_ERR_USER_INPUT, "-teann_freq_range: %g cm-1 is above the Nyquist wavenumber %g cm-1 of the time step %g fs", (double)u->so.fmax, (double)nyq, (double)dt);
  PetscCheck(u->so.qcf == TEANN_QCF_NONE || u->so.temperature > 0, comm, PETSC_ERR_USER_INPUT, "-teann_temperature must be positive (K) for the quantum correction %s", TeannQCFs[u->so.qcf]);

  PetscCall(TeannCorrCreate(which, dt, M, &corr));
  for (PetscInt i = rank; i < nfiles; i += size) PetscCall(TeannCorrAccumulate(&corr, &ser[i]));
  PetscCall(TeannCorrReduce(comm, &corr));
  PetscCall(TeannSpectrumCompute(&corr, &u->so, &sp));
  PetscCall(TeannSpectrumWrite(comm, out, &sp, &corr, &u->so, nfiles, (const char *const *)files));
  {
    char line[1024]; /* formatted by the C library: %g as printf has it */
    (void)snprintf(line, sizeof(line), "teann-spectrum: %s%s from %" PetscInt_FMT " %s, %" PetscInt_FMT " frames, time step %g fs; correlation time %g fs, %s window %g fs, bin %.4g cm-1, resolution (FWHM) %.4g cm-1, quantum correction %s\n", which & TEANN_SERIES_DIPOLE ? "IR" : "", which & TEANN_SERIES_POLAR ? (which & TEANN_SERIES_DIPOLE ? " and Raman" : "Raman") : "", corr.nfiles, corr.nfiles == 1 ? "trajectory" : "trajectories", corr.nframes, (double)dt, (double)(M * dt), TeannWindows[u->so.window], (double)u->so.width, (double)sp.dnu, (double)sp.fwhm, TeannQCFs[u->so.qcf]);
    PetscCall(PetscPrintf(comm, "%s", line));
  }
  {
    char csv[PETSC_MAX_PATH_LEN];
    PetscCall(TeannSpectrumCSVName(out, csv, sizeof(csv)));
    PetscCall(PetscPrintf(comm, "teann-spectrum: -> %s, %s\n", out, csv));
  }
  PetscCall(TeannSpectrumDestroy(&sp));
  PetscCall(TeannCorrDestroy(&corr));
  for (PetscInt i = 0; i < nfiles; i++) PetscCall(TeannSeriesDestroy(&ser[i]));
  PetscCall(PetscFree2(ser, info));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm    comm;
  char       *files[MAX_FILES], out[PETSC_MAX_PATH_LEN] = "", mpath[PETSC_MAX_PATH_LEN] = "", modes[PETSC_MAX_PATH_LEN] = "", spectra[64] = "";
  const char *values[] = {"predicted", "reference"}, *tunits[] = {"fs", "ps"};
  PetscInt    nfiles = MAX_FILES, ival = 0, itu = 0, iwin = TEANN_WINDOW_HANN, iqcf = TEANN_QCF_NONE, nrange = 2;
  PetscBool   hasdata = PETSC_FALSE, hasout, hasmodel, hasmodes, hasspectra, overwrite = PETSC_FALSE, help_only;
  PetscReal   range[2] = {0, 4000};
  Setup       u;

  if (TeannProgramArgs(&argc, &argv, "teann-spectrum")) return 0;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(TeannProgramBegin());
  comm = PETSC_COMM_WORLD;
  PetscCall(PetscMemzero(&u, sizeof(u)));
  u.dt_rtol        = 1e-3;
  u.so.window      = TEANN_WINDOW_HANN;
  u.so.padding     = 4;
  u.so.qcf         = TEANN_QCF_NONE;
  u.so.temperature = 300;
  PetscOptionsBegin(comm, NULL, "teann-spectrum options (doc/spectra.md)", "TeannSpectrum");
  PetscCall(PetscOptionsStringArray("-teann_data", "Trajectories: predictions.nc of teann-predict or extended XYZ with dipole=/polarizability= (comma-separated; averaged)", "teann-spectrum", files, &nfiles, &hasdata));
  PetscCall(PetscOptionsString("-teann_output", "Output NetCDF (a .csv is written beside it; default spectrum.nc, or modes.nc with -teann_modes)", "teann-spectrum", out, out, sizeof(out), &hasout));
  PetscCall(PetscOptionsBool("-teann_overwrite", "Replace existing output files", "teann-spectrum", overwrite, &overwrite, NULL));
  PetscCall(PetscOptionsString("-teann_spectra", "Spectra to make: ir, raman or ir,raman (default: those every file has the tensors for)", "teann-spectrum", spectra, spectra, sizeof(spectra), &hasspectra));
  PetscCall(OptionsChoice(PetscOptionsObject, "-teann_values", "From a predictions.nc: the predicted tensors or the reference ones", values, 2, &ival));
  PetscCall(PetscOptionsReal("-teann_dt", "Time step between frames, fs (needed when the files carry no time)", "teann-spectrum", u.dt, &u.dt, NULL));
  PetscCall(PetscOptionsReal("-teann_dt_rtol", "Relative tolerance of uniform time steps (and of -teann_dt against the file's)", "teann-spectrum", u.dt_rtol, &u.dt_rtol, NULL));
  PetscCall(OptionsChoice(PetscOptionsObject, "-teann_time_units", "Units of the time= values of extended XYZ frames", tunits, 2, &itu));
  PetscCall(PetscOptionsReal("-teann_corr_time", "Longest lag of the correlation functions, fs (default: half the shortest trajectory)", "teann-spectrum", u.corr_time, &u.corr_time, &u.corr_set));
  PetscCall(OptionsChoice(PetscOptionsObject, "-teann_window", "Window of the correlation functions", TeannWindows, 3, &iwin));
  PetscCall(PetscOptionsReal("-teann_window_width", "Window width, fs: hann/blackman reach zero there, gaussian's standard deviation (default: the correlation time; gaussian a third of it)", "teann-spectrum", u.so.width, &u.so.width, &u.width_set));
  PetscCall(PetscOptionsInt("-teann_zero_padding", "Zero padding factor of the transform (finer frequency grid)", "teann-spectrum", u.so.padding, &u.so.padding, NULL));
  PetscCall(OptionsChoice(PetscOptionsObject, "-teann_quantum_correction", "Quantum correction factor of the classical spectra", TeannQCFs, 3, &iqcf));
  PetscCall(PetscOptionsReal("-teann_temperature", "Temperature of the trajectories, K (for the quantum correction)", "teann-spectrum", u.so.temperature, &u.so.temperature, NULL));
  PetscCall(PetscOptionsRealArray("-teann_freq_range", "Output wavenumbers min,max in cm-1 (default 0,4000 or up to the Nyquist wavenumber)", "teann-spectrum", range, &nrange, &u.range_set));
  PetscCall(PetscOptionsString("-teann_model", "Double-harmonic intensities: the fitted model (model.nc)", "teann-spectrum", mpath, mpath, sizeof(mpath), &hasmodel));
  PetscCall(PetscOptionsString("-teann_modes", "Double-harmonic intensities: normal modes of a reference geometry (Molden [FREQ], [FR-COORD], [FR-NORM-COORD])", "teann-spectrum", modes, modes, sizeof(modes), &hasmodes));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help_only));
  if (help_only) {
    for (PetscInt i = 0; hasdata && i < nfiles; i++) PetscCall(PetscFree(files[i]));
    PetscCall(PetscFinalize());
    return 0;
  }
  PetscCall(TeannOptionsCheckUnused(comm));
  if (!hasdata) nfiles = 0;
  u.so.window = (TeannWindow)iwin;
  u.so.qcf    = (TeannQCF)iqcf;
  u.reference = (PetscBool)(ival == 1);
  u.tunit     = itu == 1 ? 1e3 : 1.0;
  if (u.range_set) {
    PetscCheck(nrange == 2, comm, PETSC_ERR_USER_INPUT, "-teann_freq_range takes two numbers, min,max (cm-1)");
    u.so.fmin = range[0];
    u.so.fmax = range[1];
  }
  PetscCheck(u.so.padding >= 1, comm, PETSC_ERR_USER_INPUT, "-teann_zero_padding must be at least 1");
  PetscCheck(u.dt_rtol > 0, comm, PETSC_ERR_USER_INPUT, "-teann_dt_rtol must be positive");
  if (hasspectra && spectra[0]) {
    char *tok, *save = NULL;
    for (tok = strtok_r(spectra, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
      PetscBool ir, ra;
      PetscCall(PetscStrcmp(tok, "ir", &ir));
      PetscCall(PetscStrcmp(tok, "raman", &ra));
      PetscCheck(ir || ra, comm, PETSC_ERR_USER_INPUT, "-teann_spectra: unknown spectrum '%s' (known: ir, raman)", tok);
      u.want |= ir ? TEANN_SERIES_DIPOLE : TEANN_SERIES_POLAR;
    }
  }

  if (hasmodel || hasmodes) {
    PetscCheck(hasmodel && mpath[0] && hasmodes && modes[0], comm, PETSC_ERR_USER_INPUT, "double-harmonic intensities need both -teann_model model.nc and -teann_modes FILE");
    PetscCheck(!nfiles, comm, PETSC_ERR_USER_INPUT, "give either trajectories (-teann_data) or normal modes (-teann_model with -teann_modes), not both");
    if (!out[0]) PetscCall(PetscStrncpy(out, "modes.nc", sizeof(out)));
    {
      char *in[2] = {mpath, modes};
      PetscCall(CheckOutput(comm, out, overwrite, 2, in));
    }
    PetscCall(RunModes(comm, mpath, modes, out));
  } else {
    PetscCheck(nfiles > 0, comm, PETSC_ERR_USER_INPUT, "give the trajectories with -teann_data FILE[,FILE...] (or normal modes with -teann_model and -teann_modes)");
    if (!out[0]) PetscCall(PetscStrncpy(out, "spectrum.nc", sizeof(out)));
    PetscCall(CheckOutput(comm, out, overwrite, nfiles, files));
    PetscCall(RunSpectra(comm, nfiles, files, out, &u));
  }
  for (PetscInt i = 0; i < nfiles; i++) PetscCall(PetscFree(files[i]));
  PetscCall(PetscFinalize());
  return 0;
}
