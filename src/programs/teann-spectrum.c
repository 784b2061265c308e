/* teann-spectrum: IR and Raman spectra from time series of predicted dipoles and
 * polarizabilities (MD trajectories run through teann-predict; for a periodic liquid the
 * cell dipole summed from predicted per-atom dipoles, positions and charges), or double-harmonic
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
  TeannAtomCharges     ch;        /* the cell dipole of files with per-atom dipoles */
  PetscBool            atomic_ir; /* some file's IR dipole is such a cell dipole     */
  TeannSpectrumOptions so;
} Setup;

/* What a file was searched for, for the message that finds nothing in it. */
static const char *LookedFor(PetscBool isnc, PetscBool reference)
{
  if (isnc) return reference ? "the variables dipole (IR) and polarizability (Raman)" : "the variables dipole_predicted or dipole (IR) and polarizability_predicted or polarizability (Raman)";
  return reference ? "dipole= in the comment lines or per-atom atomic_dipole columns with species and pos (IR), and polarizability= (Raman)" : "dipole_pred= or dipole= in the comment lines or per-atom atomic_dipole_pred or atomic_dipole columns with species and pos (IR), and polarizability_pred= or polarizability= (Raman)";
}

/* per file in RunSpectra's info[] */
enum { INFO_DT, INFO_N, INFO_HAS, INFO_NC, INFO_ATOMIC, INFO_PERIODIC, INFO_JUMP, INFO_JUMPFRAME, INFO_CHARGE, NINFO };

/* The IR dipole's origin for the output, and the warnings about a cell dipole summed from
   per-atom dipoles (collective: every rank has info). */
static PetscErrorCode DipoleSource(MPI_Comm comm, PetscInt nfiles, char *files[], const PetscReal info[], Setup *u)
{
  PetscInt natomic = 0;
  char     q[256], w[256];

  PetscFunctionBegin;
  for (PetscInt i = 0; i < nfiles; i++) natomic += info[NINFO * i + INFO_ATOMIC] != 0;
  if (!natomic) {
    PetscCall(PetscStrncpy(u->so.dipole_source, "dipole of the frames", sizeof(u->so.dipole_source)));
    PetscFunctionReturn(0);
  }
  u->atomic_ir = PETSC_TRUE;
  PetscCall(TeannAtomChargesFormat(u->ch.q, u->ch.hasq, q, sizeof(q)));
  PetscCall(TeannAtomChargesFormat(u->ch.w, u->ch.hasw, w, sizeof(w)));
  (void)snprintf(u->so.dipole_source, sizeof(u->so.dipole_source), "%scell dipole M = sum_i q_i r_i + sum_i w_i d_i from per-atom dipoles d_i (%s), positions unwrapped by the minimum image; atom charges q (e) %s, Wannier charges w (e) %s", natomic < nfiles ? "in some files the frames' dipole, in the others the " : "", u->reference ? "atomic_dipole" : "atomic_dipole_pred, else atomic_dipole", q, w);
  for (PetscInt i = 0; i < nfiles; i++) {
    const PetscReal *in = info + NINFO * i;
    char             line[PETSC_MAX_PATH_LEN + 1024];
    if (in[INFO_ATOMIC] == 0) continue;
    if (in[INFO_PERIODIC] == 0) {
      (void)snprintf(line, sizeof(line), "teann-spectrum: %s: per-atom dipoles without a periodic cell (no Lattice=): the positions are taken as they are, not unwrapped\n", files[i]);
      PetscCall(PetscPrintf(comm, "%s", line));
    }
    if (in[INFO_JUMP] > 0.25) {
      (void)snprintf(line, sizeof(line), "teann-spectrum: warning: %s: frame %d: an atom moves %.2f of the cell from the previous frame; the minimum image that follows atoms across the cell's faces is ambiguous as this nears 0.5 (frames too far apart, or not one trajectory?)\n", files[i], (int)in[INFO_JUMPFRAME] + 1, (double)in[INFO_JUMP]);
      PetscCall(PetscPrintf(comm, "%s", line));
    }
    if (in[INFO_CHARGE] > 1e-6) {
      (void)snprintf(line, sizeof(line), "teann-spectrum: warning: %s: the cell's atom charges (-teann_atom_charges %s) add up to %g e, not 0: its dipole then depends on the origin and the IR spectrum carries the motion of the centre of charge; are they net charges (ion and its Wannier centres)?\n", files[i], q, (double)in[INFO_CHARGE]);
      PetscCall(PetscPrintf(comm, "%s", line));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RunSpectra(MPI_Comm comm, PetscInt nfiles, char *files[], const char out[], Setup *u)
{
  PetscMPIInt   rank, size;
  TeannSeries  *ser;
  PetscReal    *info; /* per file: INFO_* */
  PetscInt      which, M, nmin = PETSC_MAX_INT, imin = 0;
  TeannCorr     corr;
  TeannSpectrum sp;
  PetscReal     dt, nyq;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscCalloc2(nfiles, &ser, NINFO * nfiles, &info));
  for (PetscInt i = rank; i < nfiles; i += size) {
    PetscReal *in = info + NINFO * i;
    PetscCall(TeannSeriesRead(files[i], u->want, u->reference, u->tunit, &u->ch, &ser[i]));
    PetscCall(TeannSeriesSetTimeStep(&ser[i], u->dt, u->dt_rtol));
    in[INFO_DT]        = ser[i].dt;
    in[INFO_N]         = (PetscReal)ser[i].n;
    in[INFO_HAS]       = (PetscReal)ser[i].has;
    in[INFO_NC]        = ser[i].isnc ? 1 : 0;
    in[INFO_ATOMIC]    = ser[i].atomic ? 1 : 0;
    in[INFO_PERIODIC]  = (PetscReal)ser[i].periodic;
    in[INFO_JUMP]      = ser[i].maxjump;
    in[INFO_JUMPFRAME] = (PetscReal)ser[i].maxjump_frame;
    in[INFO_CHARGE]    = ser[i].netcharge;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, info, NINFO * nfiles, MPIU_REAL, MPIU_SUM, comm));

  /* from here every rank knows every file: the checks give the same verdict everywhere */
  which = u->want ? u->want : TEANN_SERIES_DIPOLE | TEANN_SERIES_POLAR;
  for (PetscInt i = 0; i < nfiles; i++) which &= (PetscInt)info[NINFO * i + INFO_HAS];
  if (!which) {
    char list[4096] = "";
    if (nfiles == 1) SETERRQ(comm, PETSC_ERR_USER_INPUT, "no spectrum can be made from %s: it has neither dipoles nor polarizabilities (looked for %s)", files[0], LookedFor((PetscBool)(info[INFO_NC] != 0), u->reference));
    for (PetscInt i = 0; i < nfiles; i++) {
      const PetscInt has = (PetscInt)info[NINFO * i + INFO_HAS];
      char           one[PETSC_MAX_PATH_LEN + 64];
      PetscCall(PetscSNPrintf(one, sizeof(one), "%s%s: %s", i ? "; " : "", files[i], has == (TEANN_SERIES_DIPOLE | TEANN_SERIES_POLAR) ? "both" : has & TEANN_SERIES_DIPOLE ? "dipole only" : has & TEANN_SERIES_POLAR ? "polarizability only" : "neither"));
      PetscCall(PetscStrlcat(list, one, sizeof(list)));
    }
    SETERRQ(comm, PETSC_ERR_USER_INPUT, "no spectrum can be made: no property (dipole for IR, polarizability for Raman) is in every file (%s); -teann_spectra ir or raman names the one wanted", list);
  }
  dt = info[INFO_DT];
  for (PetscInt i = 1; i < nfiles; i++) TeannCheckFmt(PetscAbsReal(info[NINFO * i + INFO_DT] - dt) <= u->dt_rtol * dt, comm, PETSC_ERR_USER_INPUT, "%s has the time step %g fs but %s %g fs: trajectories averaged must share it", files[i], (double)info[NINFO * i + INFO_DT], files[0], (double)dt);
  for (PetscInt i = 0; i < nfiles; i++)
    if ((PetscInt)info[NINFO * i + INFO_N] < nmin) {
      nmin = (PetscInt)info[NINFO * i + INFO_N];
      imin = i;
    }
  if (which & TEANN_SERIES_DIPOLE) PetscCall(DipoleSource(comm, nfiles, files, info, u));
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
    (void)snprintf(line, sizeof(line), "teann-spectrum: %s%s from %" PetscInt_FMT " %s, %" PetscInt_FMT " frames, time step %g fs; correlation time %g fs, %s window %g fs, bin %.4g cm-1, resolution (FWHM) %.4g cm-1, quantum correction %s\n", which & TEANN_SERIES_DIPOLE ? (u->atomic_ir ? "IR (cell dipole from per-atom dipoles)" : "IR") : "", which & TEANN_SERIES_POLAR ? (which & TEANN_SERIES_DIPOLE ? " and Raman" : "Raman") : "", corr.nfiles, corr.nfiles == 1 ? "trajectory" : "trajectories", corr.nframes, (double)dt, (double)(M * dt), TeannWindows[u->so.window], (double)u->so.width, (double)sp.dnu, (double)sp.fwhm, TeannQCFs[u->so.qcf]);
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
  char        qlist[1024] = "O:-2,H:1", wlist[1024] = "O:-8"; /* liquid water's (TeannAtomChargesSetWater) */
  PetscBool   qset, wset;
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
  PetscCall(PetscOptionsStringArray("-teann_data", "Trajectories: predictions.nc of teann-predict or extended XYZ with dipole=/polarizability= or per-atom atomic_dipole_pred columns (comma-separated; averaged)", "teann-spectrum", files, &nfiles, &hasdata));
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
  PetscCall(PetscOptionsString("-teann_atom_charges", "Cell dipole from per-atom dipoles: net charge of each element's atoms with their Wannier centres, El:q,... in e (replaces the default)", "teann-spectrum", qlist, qlist, sizeof(qlist), &qset));
  PetscCall(PetscOptionsString("-teann_wannier_charges", "Cell dipole from per-atom dipoles: charge carried by each element's atomic dipole, El:w,... in e (-8: four Wannier centres of -2 at the centroid; 1: per-atom dipoles in e*Angstrom; others ignored)", "teann-spectrum", wlist, wlist, sizeof(wlist), &wset));
  PetscCall(PetscOptionsString("-teann_model", "Double-harmonic intensities: the fitted model (model.nc)", "teann-spectrum", mpath, mpath, sizeof(mpath), &hasmodel));
  PetscCall(PetscOptionsString("-teann_modes", "Double-harmonic intensities: normal modes of a reference geometry (Molden [FREQ], [FR-COORD], [FR-NORM-COORD])", "teann-spectrum", modes, modes, sizeof(modes), &hasmodes));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help_only));
  if (help_only) {
    for (PetscInt i = 0; hasdata && i < nfiles; i++) PetscCall(PetscFree(files[i]));
    PetscCall(TeannOptionsHelp(comm, PETSC_TRUE));
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
  PetscCall(TeannAtomChargesSetWater(&u.ch));
  if (qset) PetscCall(TeannAtomChargesParse("-teann_atom_charges", qlist, PETSC_TRUE, u.ch.q, u.ch.hasq));
  if (wset) PetscCall(TeannAtomChargesParse("-teann_wannier_charges", wlist, PETSC_TRUE, u.ch.w, u.ch.hasw));
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
