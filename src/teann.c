/* Package-level registration: one class id so -log_view groups teann's events,
 * and every event and stage of the library registered in one place. */
#include "property.h"
#include "logimpl.h"
#include "network.h"
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

PetscClassId  TEANN_CLASSID = 0;
PetscLogEvent TEANN_EVENT_ReadXYZ, TEANN_EVENT_ReadEANN, TEANN_EVENT_ReadTrajectory, TEANN_EVENT_PredictWrite, TEANN_EVENT_DatasetWrite, TEANN_EVENT_DatasetRead, TEANN_EVENT_PairCount, TEANN_EVENT_Neighbours;
PetscLogEvent TEANN_EVENT_Descriptor, TEANN_EVENT_NetForward, TEANN_EVENT_NetBackward, TEANN_EVENT_Reduce, TEANN_EVENT_LSQJacobian, TEANN_EVENT_LSQFactor;
PetscLogEvent TEANN_EVENT_SpectrumCorr, TEANN_EVENT_SpectrumFFT, TEANN_EVENT_ModesGradient;
PetscLogStage TEANN_STAGE_Fit, TEANN_STAGE_Valid;

/* OpenBLAS's, if it is the BLAS linked (a weak reference: NULL otherwise). */
extern void openblas_set_num_threads(int) __attribute__((weak));

static PetscErrorCode LibxsmmOption(MPI_Comm, PetscBool *);

PetscErrorCode TeannInitializePackage(void)
{
  PetscFunctionBegin;
  if (TEANN_CLASSID) PetscFunctionReturn(0);
  /* teann's own OpenMP threads call BLAS, each on its own block: one BLAS thread each. A threaded
     BLAS would oversubscribe the cores, and its split reductions (ddot of the optimizer's vectors)
     would make a fit depend on the thread count (design 3.1). */
  if (openblas_set_num_threads) openblas_set_num_threads(1);
  {
    PetscBool use = PETSC_TRUE, help;
    /* with -help the programs show it among their own options (TeannOptionsHelp) and evaluate nothing */
    PetscCall(PetscOptionsHasHelp(NULL, &help));
    if (!help) PetscCall(LibxsmmOption(PETSC_COMM_SELF, &use));
    TeannNetUseLibxsmm(use);
  }
  PetscCall(PetscClassIdRegister("teann", &TEANN_CLASSID));
  PetscCall(PetscLogEventRegister("TeannReadXYZ", TEANN_CLASSID, &TEANN_EVENT_ReadXYZ));
  PetscCall(PetscLogEventRegister("TeannReadEANN", TEANN_CLASSID, &TEANN_EVENT_ReadEANN));
  PetscCall(PetscLogEventRegister("TeannReadTraj", TEANN_CLASSID, &TEANN_EVENT_ReadTrajectory));
  PetscCall(PetscLogEventRegister("TeannPredWrite", TEANN_CLASSID, &TEANN_EVENT_PredictWrite));
  PetscCall(PetscLogEventRegister("TeannDatasetWrite", TEANN_CLASSID, &TEANN_EVENT_DatasetWrite));
  PetscCall(PetscLogEventRegister("TeannDatasetRead", TEANN_CLASSID, &TEANN_EVENT_DatasetRead));
  PetscCall(PetscLogEventRegister("TeannPairCount", TEANN_CLASSID, &TEANN_EVENT_PairCount));
  PetscCall(PetscLogEventRegister("TeannNeighbours", TEANN_CLASSID, &TEANN_EVENT_Neighbours));
  PetscCall(PetscLogEventRegister("TeannDescriptor", TEANN_CLASSID, &TEANN_EVENT_Descriptor));
  PetscCall(PetscLogEventRegister("TeannNetForward", TEANN_CLASSID, &TEANN_EVENT_NetForward));
  PetscCall(PetscLogEventRegister("TeannNetBackward", TEANN_CLASSID, &TEANN_EVENT_NetBackward));
  PetscCall(PetscLogEventRegister("TeannReduce", TEANN_CLASSID, &TEANN_EVENT_Reduce));
  PetscCall(PetscLogEventRegister("TeannLSQJacobian", TEANN_CLASSID, &TEANN_EVENT_LSQJacobian));
  PetscCall(PetscLogEventRegister("TeannLSQFactor", TEANN_CLASSID, &TEANN_EVENT_LSQFactor));
  PetscCall(PetscLogEventRegister("TeannSpectrumCorr", TEANN_CLASSID, &TEANN_EVENT_SpectrumCorr));
  PetscCall(PetscLogEventRegister("TeannSpectrumFFT", TEANN_CLASSID, &TEANN_EVENT_SpectrumFFT));
  PetscCall(PetscLogEventRegister("TeannModesGradient", TEANN_CLASSID, &TEANN_EVENT_ModesGradient));
  PetscCall(PetscLogStageRegister("Fit", &TEANN_STAGE_Fit));
  PetscCall(PetscLogStageRegister("Validation", &TEANN_STAGE_Valid));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannInitialize(void)
{
  PetscFunctionBegin;
  PetscCall(TeannInitializePackage());
  PetscFunctionReturn(0);
}

const char *TeannPropName(TeannProp p)
{
  for (PetscInt k = 0; k < TEANN_NPROP; k++)
    if (TeannProperties[k].bit == p) return TeannProperties[k].name;
  return "unknown";
}

/* Comma-separated property names into a bit mask; unknown names are errors (TeannModelSetUp refuses the labels). */
PetscErrorCode TeannPropParse(const char list[], PetscInt *mask)
{
  char  buf[256], *tok, *save = NULL;

  PetscFunctionBegin;
  *mask = 0;
  PetscCall(PetscStrncpy(buf, list, sizeof(buf)));
  for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    const PetscInt k = TeannPropertyIndex(tok);
    PetscCheck(k >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown property '%s' (known: %s)", tok, TeannPropertyFittedNames());
    *mask |= TeannProperties[k].bit;
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------ for the programs */


static char TeannProg[64] = "teann";

int TeannProgramArgs(int *argc, char ***argv, const char prog[])
{
  (void)PetscStrncpy(TeannProg, prog, sizeof(TeannProg));
  for (int i = 1; i < *argc; i++) {
    if (!strcmp((*argv)[i], "--version") || !strcmp((*argv)[i], "-version")) {
      printf("%s (teann) %s\n", prog, TEANN_VERSION);
      return 1;
    }
    /* GNU spelling; PETSc knows only -help */
    if (!strcmp((*argv)[i], "--help")) (*argv)[i] = (char *)"-help";
  }
  return 0;
}

/* Error codes that say the user's input or options are wrong, not the program. */
static PetscBool UserError(PetscErrorCode n)
{
  switch (n) {
  case PETSC_ERR_USER_INPUT:
  case PETSC_ERR_FILE_OPEN:
  case PETSC_ERR_FILE_READ:
  case PETSC_ERR_FILE_WRITE:
  case PETSC_ERR_FILE_UNEXPECTED:
  case PETSC_ERR_ARG_SIZ:
  case PETSC_ERR_ARG_IDN:
  case PETSC_ERR_ARG_WRONG:
  case PETSC_ERR_ARG_OUTOFRANGE:
  case PETSC_ERR_ARG_INCOMP:
  case PETSC_ERR_ARG_UNKNOWN_TYPE:
    return PETSC_TRUE;
  default:
    return PETSC_FALSE;
  }
}

/* The user gets the message, not PETSc's trace with its configure dump and plea to mail
   petsc-maint: that is for bugs. An error on a communicator of every rank was raised by
   every rank, so each finalizes MPI and exits. One on fewer ranks (a file every rank reads,
   checked on PETSC_COMM_SELF) exits without MPI_Finalize, so that mpiexec ends the ranks
   waiting in a collective; MPI_Abort from several ranks at once garbles Open MPI's help
   messages (ORTE_ERROR_LOG). Rank 0 reports at once, the others after a pause, so that the
   same message from every rank is printed once when rank 0 has it too. */
static PetscErrorCode TeannErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt size = 1, wsize = 1, rank = 0;

  if (p != PETSC_ERROR_INITIAL || !mess || !mess[0] || !UserError(n)) return PetscTraceBackErrorHandler(comm, line, fun, file, n, p, mess, ctx);
  if (comm != MPI_COMM_NULL) {
    (void)MPI_Comm_size(comm, &size);
    (void)MPI_Comm_rank(comm, &rank);
  }
  (void)MPI_Comm_size(PETSC_COMM_WORLD, &wsize);
  fflush(stdout);
  if (size < wsize) {
    PetscMPIInt wrank = 0;
    (void)MPI_Comm_rank(PETSC_COMM_WORLD, &wrank);
    /* interrupted: mpiexec is ending the job because rank 0 failed, and has its message */
    if (wrank && sleep(5)) _exit(1);
    fprintf(stderr, "%s: error: %s\n", TeannProg, mess);
    fflush(stderr);
    _exit(1);
  }
  if (rank == 0) {
    fprintf(stderr, "%s: error: %s\n", TeannProg, mess);
    fflush(stderr);
  }
  (void)MPI_Finalize();
  exit(1);
  return n;
}

PetscErrorCode TeannProgramBegin(void)
{
  PetscFunctionBegin;
  PetscCall(TeannInitializePackage());
  PetscCall(PetscPushErrorHandler(TeannErrorHandler, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode TeannErrorHold(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  TeannHeldError *h = (TeannHeldError *)ctx;

  (void)comm;
  (void)line;
  (void)fun;
  (void)file;
  if (p == PETSC_ERROR_INITIAL && !h->code) {
    h->code = n;
    (void)snprintf(h->msg, sizeof(h->msg), "%s", mess && mess[0] ? mess : "error");
  }
  return n;
}

PetscErrorCode TeannErrorHoldBegin(TeannHeldError *h)
{
  PetscFunctionBegin;
  h->code   = 0;
  h->msg[0] = 0;
  PetscCall(PetscPushErrorHandler(TeannErrorHold, h));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannErrorHoldShare(MPI_Comm comm, TeannHeldError *h)
{
  PetscMPIInt rank, size, mine, first;
  int         code;

  PetscFunctionBegin;
  PetscCall(PetscPopErrorHandler());
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  mine = h->code ? rank : size;
  PetscCallMPI(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm));
  if (first == size) PetscFunctionReturn(0);
  code = (int)h->code;
  PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, first, comm));
  PetscCallMPI(MPI_Bcast(h->msg, sizeof(h->msg), MPI_CHAR, first, comm));
  h->code = (PetscErrorCode)code;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannErrorHoldEnd(MPI_Comm comm, TeannHeldError *h)
{
  PetscFunctionBegin;
  PetscCall(TeannErrorHoldShare(comm, h));
  if (h->code) SETERRQ(comm, h->code, "%s", h->msg);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSameFile(const char a[], const char b[], PetscBool *same)
{
  struct stat sa, sb;

  PetscFunctionBegin;
  *same = (PetscBool)(stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
  PetscFunctionReturn(0);
}

/* Options a program knows, for "did you mean": teann's own (doc/options.md) and the PETSc and
   TAO ones the documentation uses. PETSc has no list of the options a program queried. */
static const char *const KnownOptions[] = {"teann_activation", "teann_allow_unused", "teann_balance", "teann_charge_neutral", "teann_check_gradient", "teann_checkpoint_every", "teann_checkpoint_seconds", "teann_cutoff", "teann_data", "teann_dipole_form", "teann_eann_abprop", "teann_fix_radial", "teann_format", "teann_hidden", "teann_l2", "teann_libxsmm", "teann_lm_damping", "teann_lm_ksp_max_it", "teann_lm_ksp_rtol", "teann_lm_solver", "teann_lmax", "teann_model", "teann_neigh_atoms", "teann_nwave", "teann_output", "teann_output_dir", "teann_overwrite", "teann_patience", "teann_polarizability_form", "teann_progress", "teann_properties", "teann_restart", "teann_seed", "teann_test", "teann_test_fraction", "teann_units_hyperpolarizability", "teann_units_atomic_dipole", "teann_atomic_elements", "teann_weight_atomic_dipole", "teann_valid", "teann_valid_fraction", "teann_weight_dipole", "teann_weight_hyperpolarizability", "teann_weight_polarizability", "teann_weight_quadrupole", "teann_weight_transition_dipole",
                                            "teann_spectra", "teann_values", "teann_atom_charges", "teann_wannier_charges", "teann_dt", "teann_dt_rtol", "teann_time_units", "teann_corr_time", "teann_window", "teann_window_width", "teann_zero_padding", "teann_quantum_correction", "teann_temperature", "teann_freq_range", "teann_modes", "teann_species", "teann_species_list", "teann_block_frames",
                                            "tao_type", "tao_max_it", "tao_max_funcs", "tao_monitor", "tao_smonitor", "tao_view", "tao_converged_reason", "tao_gatol", "tao_grtol", "tao_gttol", "tao_fmin", "tao_ls_type", "tao_ls_monitor", "tao_brgn_regularization_type", "tao_brgn_regularizer_weight", "tao_bqnls_mat_lmvm_hist_size", "tao_bqnls_mat_lmvm_scale_type", "tao_lmvm_mat_lmvm_hist_size", "log_view", "options_file", "options_left", "help", "info", "malloc_debug", NULL};

/* Read late or only in some cases (the EANN reader, PETSc at PetscFinalize): never "unused". */
static const char *const LateOptions[] = {"teann_allow_unused", "teann_eann_abprop", "teann_format", "teann_species", "teann_species_list", "teann_units_hyperpolarizability", "teann_units_atomic_dipole", "teann_atomic_elements", "teann_nc_probe", "teann_nc_probe_timeout", "log_view", "log_summary", "options_file", "options_left", "options_view", "help", "version", "info", "malloc_debug", "malloc_dump", "malloc_view", "memory_view", "objects_dump", "check_pointer_intensity", "fp_trap", NULL};

static size_t EditDistance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b), d[128];

  if (lb >= sizeof(d) / sizeof(d[0])) return (size_t)-1;
  for (size_t j = 0; j <= lb; j++) d[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = d[0];
    d[0]        = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = d[j], best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (d[j - 1] + 1 < best) best = d[j - 1] + 1;
      diag = up;
      d[j] = best;
    }
  }
  return d[lb];
}

/* -teann_libxsmm, read by TeannInitializePackage and shown by TeannOptionsHelp. */
static PetscErrorCode LibxsmmOption(MPI_Comm comm, PetscBool *use)
{
  PetscFunctionBegin;
  *use = PETSC_TRUE;
  PetscOptionsBegin(comm, NULL, "Small products", NULL);
  PetscCall(PetscOptionsBool("-teann_libxsmm", "The networks' products by libxsmm's kernels for this CPU where teann was built with libxsmm (0: every product by BLAS)", "TeannInitializePackage", *use, use, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* -teann_allow_unused, read at the end of set-up and shown by TeannOptionsHelp. */
static PetscErrorCode AllowUnusedOption(MPI_Comm comm, PetscBool *relax)
{
  PetscFunctionBegin;
  *relax = PETSC_FALSE;
  PetscOptionsBegin(comm, NULL, "Option checking", NULL);
  PetscCall(PetscOptionsBool("-teann_allow_unused", "An option that no part of the program used is a warning, not an error", "TeannOptionsCheckUnused", *relax, relax, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

PetscErrorCode TeannOptionsHelp(MPI_Comm comm, PetscBool networks)
{
  PetscBool relax, use;

  PetscFunctionBegin;
  PetscCall(AllowUnusedOption(comm, &relax));
  if (networks) PetscCall(LibxsmmOption(comm, &use));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannOptionsCheckUnused(MPI_Comm comm)
{
  PetscInt    n;
  char      **names, **values, msg[4096] = "";
  PetscBool   relax = PETSC_FALSE;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(AllowUnusedOption(comm, &relax));
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt i = 0; i < n; i++) {
    const char *nm = names[i][0] == '-' ? names[i] + 1 : names[i], *near = NULL;
    size_t      best = (size_t)-1;
    char        line[512];
    PetscBool   late = PETSC_FALSE;

    for (PetscInt k = 0; LateOptions[k]; k++)
      if (!strcmp(nm, LateOptions[k])) late = PETSC_TRUE;
    if (late) continue;
    for (PetscInt k = 0; KnownOptions[k]; k++) {
      size_t dk = EditDistance(nm, KnownOptions[k]);
      if (dk < best) {
        best = dk;
        near = KnownOptions[k];
      }
    }
    /* a known option left unused was made irrelevant by another (-teann_lm_solver without
       -tao_type brgn); otherwise a suggestion only when it is plausibly the same word */
    if (near && best == 0) PetscCall(PetscSNPrintf(line, sizeof(line), "%soption -%s was not used (it has no effect with the other options given)", msg[0] ? "; " : "", nm));
    else if (near && best <= PetscMax(2, strlen(nm) / 4)) PetscCall(PetscSNPrintf(line, sizeof(line), "%soption -%s was not used (did you mean -%s?)", msg[0] ? "; " : "", nm, near));
    else PetscCall(PetscSNPrintf(line, sizeof(line), "%soption -%s was not used (not an option of this program; see -help)", msg[0] ? "; " : "", nm));
    PetscCall(PetscStrlcat(msg, line, sizeof(msg)));
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  if (!msg[0]) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (relax) {
    if (!rank) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "%s: warning: %s\n", TeannProg, msg));
    PetscFunctionReturn(0);
  }
  SETERRQ(comm, PETSC_ERR_USER_INPUT, "%s; nothing was done (-teann_allow_unused makes this a warning)", msg);
}
