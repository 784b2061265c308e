/* The C API (teann_api.h): model handles over the public model interface (model.h,
 * modelio.h), the library's own PETSc/MPI life cycle, one lock and per-handle messages.
 *
 * Why every call that enters libteann holds api_lock, the prediction included: PETSc is
 * built without thread safety, and the engine's prediction path reaches its global state —
 * the error handler stack and PetscError's message buffer, PetscMalloc (a global list
 * under -malloc_debug), log events (-log_view), PetscInfo, and the flop counter
 * petsc_TotalFlops, which TeannEvalPredict adds to from thread 0 of its OpenMP team in
 * every configuration (a data race between two predictions). The load also goes through
 * NetCDF/HDF5 (not thread-safe) and sets the property table's units (global). A prediction
 * still runs on the OpenMP threads; only predictions of different host threads take turns.
 * The getters read the handle only, which does not change after the load.
 *
 * Why an error handler of our own, pushed for the length of each call: PETSc's default one
 * prints a trace to stderr, which a library must not; ours keeps the first message of the
 * error in a thread-local buffer, and the call copies it into the handle. Pushing it per
 * call leaves the handlers of a host that uses PETSc itself as they were. */
#include "teann_api.h"
#include "property.h"
#include "modelio.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#if defined(_OPENMP)
  #include <omp.h>
#endif

#define API_MSG 2048

enum { API_NEW, API_READY, API_FAILED, API_DONE };

struct teann_model {
  TeannModel model;
  PetscReal *theta;                                   /* K members' parameters, member after member */
  PetscInt   K, np;                                   /* members (1: a single model), parameters of one */
  int        nel, Z[TEANN_MAX_ELEMENTS];
  int        nprop, ncomp, nacomp;                  /* properties; components per frame, per atom      */
  int        kind[TEANN_NKIND], offset[TEANN_NKIND]; /* table index and first component of property p,
                                                        in a frame's row or (per-atom) in an atom's row */
  char       units[TEANN_NKIND][64];                /* copied: the table's units are global           */
  char       error[API_MSG];
};

static pthread_mutex_t api_lock  = PTHREAD_MUTEX_INITIALIZER;
static int             api_state = API_NEW;
static PetscBool       api_owns_petsc;        /* PetscInitialize was ours: so is PetscFinalize */
static char            api_init_error[API_MSG]; /* why the initialisation failed               */

/* the error being raised in this thread: the first (initial) report of PetscError */
static _Thread_local char           api_raised[API_MSG - 512]; /* room for the words around it */
static _Thread_local PetscErrorCode api_raised_code;
static _Thread_local char           api_where[256];
/* the last failure of any call in this thread: teann_model_error(NULL) */
static _Thread_local char api_thread_error[API_MSG];

static PetscErrorCode ApiErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm;
  (void)ctx;
  if (p != PETSC_ERROR_INITIAL || api_raised_code) return n;
  api_raised_code = n;
  snprintf(api_raised, sizeof(api_raised), "%s", mess ? mess : "");
  snprintf(api_where, sizeof(api_where), "%s() at %s:%d", fun ? fun : "?", file ? file : "?", line);
  return n;
}

/* A failure of a call without PETSc (bad handle, library state): the thread's message. */
static int ApiFail(teann_model *h, int status, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(api_thread_error, sizeof(api_thread_error), fmt, ap);
  va_end(ap);
  if (h) snprintf(h->error, sizeof(h->error), "%s", api_thread_error);
  return status;
}

/* GNU OpenMP does not bring its thread team into a child of fork(): a parallel region there
   waits for threads that do not exist, and the child hangs. A child forked after the library
   ran a team (Python's multiprocessing forks by default) therefore predicts on one thread. */
static int api_team_started;
static void ApiAtForkChild(void)
{
#if defined(_OPENMP)
  if (api_team_started) omp_set_num_threads(1);
#endif
}

static void ApiAtExit(void)
{
  pthread_mutex_lock(&api_lock);
  if (api_state == API_READY && api_owns_petsc) {
    PetscBool done = PETSC_TRUE;
    int       mpidone = 1;
    /* a host may have finalised MPI first (mpi4py's exit hook runs before C's atexit) */
    (void)PetscFinalized(&done);
    (void)MPI_Finalized(&mpidone);
    if (!done && !mpidone) (void)PetscFinalize();
  }
  api_state = API_DONE;
  pthread_mutex_unlock(&api_lock);
}

/* Called with api_lock held. PETSc is started here unless the host did; -no_signal_handler
   because the host's signals (Python's SIGINT, SIGPIPE ignored) are not ours to take, and
   MPI_THREAD_SERIALIZED because the calls come from any thread, one at a time. */
static int ApiInitLocked(void)
{
  static char    arg0[] = "teann", arg1[] = "-no_signal_handler";
  static char   *args[] = {arg0, arg1, NULL};
  PetscBool      init   = PETSC_FALSE;
  PetscErrorCode ierr;

  switch (api_state) {
  case API_READY:
    return TEANN_OK;
  case API_DONE:
    return ApiFail(NULL, TEANN_ERR_STATE, "teann was finalised (the program is exiting)");
  case API_FAILED:
    return ApiFail(NULL, TEANN_ERR_STATE, "%s", api_init_error);
  }
  (void)PetscInitialized(&init);
  if (!init) {
    int    argc = 2, mpidone = 0;
    char **argv = args;
    (void)MPI_Finalized(&mpidone);
    if (mpidone) {
      snprintf(api_init_error, sizeof(api_init_error), "cannot start PETSc: MPI was already finalised by the program");
      api_state = API_FAILED;
      return ApiFail(NULL, TEANN_ERR_STATE, "%s", api_init_error);
    }
    PETSC_MPI_THREAD_REQUIRED = MPI_THREAD_SERIALIZED;
    ierr                      = PetscInitialize(&argc, &argv, NULL, NULL);
    if (ierr) {
      snprintf(api_init_error, sizeof(api_init_error), "PETSc/MPI initialisation failed (PETSc error %d)", (int)ierr);
      api_state = API_FAILED;
      return ApiFail(NULL, TEANN_ERR_STATE, "%s", api_init_error);
    }
    api_owns_petsc = PETSC_TRUE;
    if (atexit(ApiAtExit)) { } /* without it the program ends without PetscFinalize: no harm done */
  }
  if (pthread_atfork(NULL, NULL, ApiAtForkChild)) { } /* without it only a forked child's OpenMP is at risk */
  api_raised_code = 0;
  ierr            = PetscPushErrorHandler(ApiErrorHandler, NULL);
  if (!ierr) {
    ierr = TeannInitializePackage();
    (void)PetscPopErrorHandler();
  }
  if (ierr) {
    snprintf(api_init_error, sizeof(api_init_error), "teann's PETSc package could not be registered: %s", api_raised);
    api_state = API_FAILED;
    return ApiFail(NULL, TEANN_ERR_STATE, "%s", api_init_error);
  }
  api_state = API_READY;
  return TEANN_OK;
}

/* Take the lock, start the library if needed and push the handler. On success the lock is
   held and ApiLeave must follow. */
static int ApiEnter(teann_model *h)
{
  int status;

  pthread_mutex_lock(&api_lock);
  status = ApiInitLocked();
  if (!status && PetscPushErrorHandler(ApiErrorHandler, NULL)) status = ApiFail(NULL, TEANN_ERR_MEMORY, "out of memory");
  if (status) {
    if (h) snprintf(h->error, sizeof(h->error), "%s", api_thread_error);
    pthread_mutex_unlock(&api_lock);
    return status;
  }
  api_raised_code = 0;
  api_raised[0]   = 0;
  return TEANN_OK;
}

/* Errors a user's input or file causes (as UserError in teann.c), by PETSc error code. */
static int ApiStatus(PetscErrorCode n, PetscBool loading)
{
  switch (n) {
  case PETSC_ERR_MEM:
    return TEANN_ERR_MEMORY;
  case PETSC_ERR_FILE_OPEN:
  case PETSC_ERR_FILE_READ:
  case PETSC_ERR_FILE_WRITE:
  case PETSC_ERR_FILE_UNEXPECTED:
    return TEANN_ERR_FILE;
  case PETSC_ERR_USER_INPUT:
  case PETSC_ERR_ARG_SIZ:
  case PETSC_ERR_ARG_IDN:
  case PETSC_ERR_ARG_WRONG:
  case PETSC_ERR_ARG_OUTOFRANGE:
  case PETSC_ERR_ARG_INCOMP:
  case PETSC_ERR_ARG_UNKNOWN_TYPE:
  case PETSC_ERR_ARG_NULL:
    return loading ? TEANN_ERR_FILE : TEANN_ERR_INPUT; /* the load's input is the file */
  default:
    return TEANN_ERR_INTERNAL;
  }
}

/* Pop the handler, turn ierr into a status and a message for h and the thread, unlock. */
static int ApiLeave(teann_model *h, PetscErrorCode ierr, PetscBool loading)
{
  int status = TEANN_OK;

  (void)PetscPopErrorHandler();
  if (ierr) {
    const PetscErrorCode code = api_raised_code ? api_raised_code : ierr;
    const char          *text = NULL, *msg = api_raised;
    status                    = ApiStatus(code, loading);
    if (!msg[0]) { /* raised without a message (PetscCall of a bare error code) */
      (void)PetscErrorMessage((int)code, &text, NULL);
      msg = text ? text : "unknown error";
    }
    if (status == TEANN_ERR_INTERNAL) snprintf(api_thread_error, sizeof(api_thread_error), "internal error: %s (PETSc error %d in %s)", msg, (int)code, api_where);
    else if (status == TEANN_ERR_MEMORY) snprintf(api_thread_error, sizeof(api_thread_error), "out of memory: %s", msg);
    else snprintf(api_thread_error, sizeof(api_thread_error), "%s", msg);
  }
  if (h) snprintf(h->error, sizeof(h->error), "%s", ierr ? api_thread_error : "");
  pthread_mutex_unlock(&api_lock);
  return status;
}

/* ------------------------------------------------------------------ load, free */

/* The handle's property table from the model's properties. */
static PetscErrorCode ApiProperties(teann_model *h)
{
  TeannModel m = h->model;

  PetscFunctionBegin;
  h->nprop = 0;
  /* every predicted property, per atom too: TeannPropertyOffset knows only the frame's row, and a
     per-atom property (atomic_dipole) takes its place in the atom's row, in table order as in
     the engine's per-atom output (TeannEvalPredictAtoms) */
  for (PetscInt k = 0, aoff = 0; k < TEANN_NKIND; k++) {
    if (!(m->props & TeannProperties[k].bit)) continue;
    h->kind[h->nprop]   = (int)k;
    h->offset[h->nprop] = (int)(TeannProperties[k].peratom ? aoff : TeannPropertyOffset(m->props, k));
    if (TeannProperties[k].peratom) aoff += TeannProperties[k].ncomp;
    PetscCall(PetscStrncpy(h->units[h->nprop], TeannPropertyUnits(k), sizeof(h->units[0])));
    h->nprop++;
  }
  {
    PetscInt nc, nac;
    PetscCall(TeannModelGetNumComponents(m, &nc));
    PetscCall(TeannModelGetNumAtomComponents(m, &nac));
    h->ncomp  = (int)nc;
    h->nacomp = (int)nac;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ApiLoad(const char path[], teann_model *h)
{
  PetscFunctionBegin;
  PetscCall(TeannModelReadEnsemble(PETSC_COMM_SELF, path, &h->model, &h->K, &h->theta, NULL));
  PetscCall(TeannModelGetNumParameters(h->model, &h->np));
  h->nel = (int)h->model->nel;
  for (PetscInt e = 0; e < h->model->nel; e++) h->Z[e] = (int)h->model->Z[e];
  PetscCall(ApiProperties(h));
  PetscFunctionReturn(0);
}

/* teann_model_select: the list's properties, each one of the model's, become the model's. */
static PetscErrorCode ApiSelect(teann_model *h, const char list[])
{
  PetscFunctionBegin;
  PetscCall(TeannModelSelectProperties(h->model, list, "teann_model_select", "the model"));
  PetscCall(ApiProperties(h));
  PetscFunctionReturn(0);
}

int teann_model_select(teann_model *h, const char *properties)
{
  int status;

  if (!h) return ApiFail(NULL, TEANN_ERR_INPUT, "teann_model_select: the model argument is NULL");
  if (!properties) return ApiFail(h, TEANN_ERR_INPUT, "teann_model_select: the properties argument is NULL");
  if ((status = ApiEnter(h))) return status;
  return ApiLeave(h, ApiSelect(h, properties), PETSC_FALSE);
}

static PetscErrorCode ApiRelease(teann_model *h)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(h->theta));
  PetscCall(TeannModelDestroy(&h->model));
  PetscFunctionReturn(0);
}

int teann_model_load(const char *path, teann_model **model)
{
  teann_model   *h;
  PetscErrorCode ierr;
  int            status;

  if (!model) return ApiFail(NULL, TEANN_ERR_INPUT, "teann_model_load: the model argument is NULL");
  *model = NULL;
  if (!path || !path[0]) return ApiFail(NULL, TEANN_ERR_INPUT, "teann_model_load: no model file given (path is %s)", path ? "empty" : "NULL");
  /* calloc, not PetscMalloc: the handle outlives PETSc when it is freed after the exit hooks */
  if (!(h = (teann_model *)calloc(1, sizeof(*h)))) return ApiFail(NULL, TEANN_ERR_MEMORY, "out of memory");
  if ((status = ApiEnter(h))) {
    free(h);
    return status;
  }
  ierr = ApiLoad(path, h);
  if (ierr) (void)ApiRelease(h); /* under our handler still: a second failure says nothing more */
  status = ApiLeave(NULL, ierr, PETSC_TRUE);
  if (status) {
    free(h);
    return status;
  }
  *model = h;
  return TEANN_OK;
}

void teann_model_free(teann_model *h)
{
  if (!h) return;
  pthread_mutex_lock(&api_lock);
  if (api_state == API_READY && !PetscPushErrorHandler(ApiErrorHandler, NULL)) {
    (void)ApiRelease(h);
    (void)PetscPopErrorHandler();
  } /* after the exit hooks PETSc is gone; its memory goes with the process */
  pthread_mutex_unlock(&api_lock);
  free(h);
}

const char *teann_model_error(const teann_model *h)
{
  return h ? h->error : api_thread_error;
}

int teann_api_version(void)
{
  return TEANN_API_VERSION;
}

const char *teann_version(void)
{
  return TEANN_VERSION;
}

/* ------------------------------------------------------------------ getters */

static int ApiCheckIndex(const teann_model *h, int i, int n, const char *what)
{
  if (!h) return ApiFail(NULL, TEANN_ERR_INPUT, "%s: the model handle is NULL", what);
  if (i < 0 || i >= n) return ApiFail(NULL, TEANN_ERR_INPUT, "%s: index %d out of range 0..%d", what, i, n - 1);
  return TEANN_OK;
}

int teann_model_num_members(const teann_model *h)
{
  return ApiCheckIndex(h, 0, 1, "teann_model_num_members") ? -1 : (int)h->K;
}

int teann_model_num_elements(const teann_model *h)
{
  return ApiCheckIndex(h, 0, 1, "teann_model_num_elements") ? -1 : h->nel;
}

int teann_model_element(const teann_model *h, int i)
{
  return ApiCheckIndex(h, i, h ? h->nel : 0, "teann_model_element") ? -1 : h->Z[i];
}

double teann_model_cutoff(const teann_model *h)
{
  return ApiCheckIndex(h, 0, 1, "teann_model_cutoff") ? -1.0 : (double)h->model->cutoff;
}

int teann_model_num_properties(const teann_model *h)
{
  return ApiCheckIndex(h, 0, 1, "teann_model_num_properties") ? -1 : h->nprop;
}

int teann_model_num_components(const teann_model *h)
{
  return ApiCheckIndex(h, 0, 1, "teann_model_num_components") ? -1 : h->ncomp;
}

int teann_model_num_atom_components(const teann_model *h)
{
  return ApiCheckIndex(h, 0, 1, "teann_model_num_atom_components") ? -1 : h->nacomp;
}

int teann_model_property_per_atom(const teann_model *h, int p)
{
  return ApiCheckIndex(h, p, h ? h->nprop : 0, "teann_model_property_per_atom") ? -1 : (int)TeannProperties[h->kind[p]].peratom;
}

const char *teann_model_property_name(const teann_model *h, int p)
{
  return ApiCheckIndex(h, p, h ? h->nprop : 0, "teann_model_property_name") ? NULL : TeannProperties[h->kind[p]].name;
}

int teann_model_property_index(const teann_model *h, const char *name)
{
  if (ApiCheckIndex(h, 0, 1, "teann_model_property_index")) return -1;
  for (int p = 0; name && p < h->nprop; p++)
    if (!strcmp(name, TeannProperties[h->kind[p]].name)) return p;
  return -1;
}

int teann_model_property_rank(const teann_model *h, int p)
{
  return ApiCheckIndex(h, p, h ? h->nprop : 0, "teann_model_property_rank") ? -1 : (int)TeannProperties[h->kind[p]].rank;
}

int teann_model_property_size(const teann_model *h, int p)
{
  return ApiCheckIndex(h, p, h ? h->nprop : 0, "teann_model_property_size") ? -1 : (int)TeannProperties[h->kind[p]].ncomp;
}

int teann_model_property_offset(const teann_model *h, int p)
{
  return ApiCheckIndex(h, p, h ? h->nprop : 0, "teann_model_property_offset") ? -1 : h->offset[p];
}

const char *teann_model_property_units(const teann_model *h, int p)
{
  return ApiCheckIndex(h, p, h ? h->nprop : 0, "teann_model_property_units") ? NULL : h->units[p];
}

const char *teann_element_symbol(int Z)
{
  if (Z < 1 || Z > TEANN_MAX_Z) {
    (void)ApiFail(NULL, TEANN_ERR_INPUT, "teann_element_symbol: %d is not an atomic number of 1..%d", Z, TEANN_MAX_Z);
    return NULL;
  }
  return TeannElementSymbol(Z);
}

/* ------------------------------------------------------------------ prediction */

/* "(x, y, z)" by the C library: PETSc's printf writes a NaN as "nan." */
static void ApiVector(const double r[3], char buf[], size_t len)
{
  snprintf(buf, len, "(%g, %g, %g)", r[0], r[1], r[2]);
}

/* Everything a caller can get wrong, before anything is allocated; *total: atoms of all frames. */
static PetscErrorCode ApiCheckFrames(const teann_model *h, int nframes, const int natoms[], const int numbers[], const double x[], const double cell[], const int pbc[], PetscInt *total)
{
  PetscInt a0 = 0;

  PetscFunctionBegin;
  PetscCheck(nframes >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "teann_predict: nframes is %d; it must not be negative", nframes);
  *total = 0;
  if (!nframes) PetscFunctionReturn(0);
  PetscCheck(natoms, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "teann_predict: natoms is NULL");
  PetscCheck(numbers, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "teann_predict: numbers is NULL");
  PetscCheck(x, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "teann_predict: positions is NULL");
  for (int f = 0; f < nframes; f++) {
    PetscCheck(natoms[f] >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame %d has %d atoms; a frame needs at least one", f, natoms[f]);
    /* the derivatives of a frame fill ncomp*3*natoms values of an int-indexed array */
    PetscCheck(*total <= (INT_MAX / (3 * TEANN_MAX_COMP * TEANN_NKIND)) - natoms[f], PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame %d: more atoms in all than teann_predict takes in one call (%d); predict fewer frames at a time", f, INT_MAX / (3 * TEANN_MAX_COMP * TEANN_NKIND));
    *total += natoms[f];
  }
  for (int f = 0; f < nframes; f++) {
    for (PetscInt a = 0; a < natoms[f]; a++) {
      const int       Z = numbers[a0 + a];
      const double   *r = x + 3 * (a0 + a);
      PetscBool       known = PETSC_FALSE;
      for (int e = 0; e < h->nel; e++)
        if (h->Z[e] == Z) known = PETSC_TRUE;
      if (!known) {
        char list[TEANN_MAX_ELEMENTS * 4] = "";
        for (int e = 0; e < h->nel; e++) {
          PetscCall(PetscStrlcat(list, e ? " " : "", sizeof(list)));
          PetscCall(PetscStrlcat(list, TeannElementSymbol(h->Z[e]), sizeof(list)));
        }
        PetscCheck(Z >= 1 && Z <= TEANN_MAX_Z, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame %d, atom %" PetscInt_FMT ": %d is not an atomic number (1..%d); the model's elements are %s", f, a, Z, TEANN_MAX_Z, list);
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "frame %d, atom %" PetscInt_FMT ": element %s (Z = %d) is not one of the model's elements (%s)", f, a, TeannElementSymbol(Z), Z, list);
      }
      if (PetscIsInfOrNanReal(r[0]) || PetscIsInfOrNanReal(r[1]) || PetscIsInfOrNanReal(r[2])) {
        char v[128];
        ApiVector(r, v, sizeof(v));
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "frame %d, atom %" PetscInt_FMT ": position %s is not finite", f, a, v);
      }
    }
    a0 += natoms[f];
    for (int v = 0; cell && v < 3; v++) {
      const double *c = cell + 9 * f + 3 * v;
      if (PetscIsInfOrNanReal(c[0]) || PetscIsInfOrNanReal(c[1]) || PetscIsInfOrNanReal(c[2])) {
        char t[128];
        ApiVector(c, t, sizeof(t));
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "frame %d: lattice vector %c %s is not finite", f, "abc"[v], t);
      }
    }
    for (int v = 0; pbc && v < 3; v++) {
      PetscCheck(pbc[3 * f + v] == 0 || pbc[3 * f + v] == 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame %d: pbc flag %d of lattice vector %c is neither 0 nor 1", f, pbc[3 * f + v], "abc"[v]);
      if (pbc[3 * f + v]) {
        PetscCheck(cell, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "frame %d: periodic along lattice vector %c, but no cell was given", f, "abc"[v]);
        PetscCheck(cell[9 * f + 3 * v] != 0 || cell[9 * f + 3 * v + 1] != 0 || cell[9 * f + 3 * v + 2] != 0, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "frame %d: periodic along lattice vector %c, which is zero", f, "abc"[v]);
      }
    }
  }
  PetscFunctionReturn(0);
}

/* The frames as the engine takes them; a copy, so the caller's arrays stay the caller's. */
static PetscErrorCode ApiFrames(int nframes, const int natoms[], const int numbers[], const double x[], const double cell[], const int pbc[], PetscInt total, TeannFrames fr)
{
  PetscFunctionBegin;
  PetscCall(TeannFramesAllocate(fr, nframes, total));
  PetscCall(PetscStrncpy(fr->source, "teann_predict", sizeof(fr->source)));
  for (int f = 0; f < nframes; f++) {
    fr->atom_start[f + 1] = fr->atom_start[f] + natoms[f];
    if (cell)
      for (int i = 0; i < 9; i++) fr->cell[9 * f + i] = cell[9 * f + i];
    if (pbc) fr->pbc[f] = pbc[3 * f] | (pbc[3 * f + 1] << 1) | (pbc[3 * f + 2] << 2);
  }
  for (PetscInt a = 0; a < total; a++) {
    fr->Z[a] = numbers[a];
    for (int d = 0; d < 3; d++) fr->x[3 * a + d] = x[3 * a + d];
  }
  PetscFunctionReturn(0);
}

/* What a call asks for; NULL: not wanted. Frame values: ncomp per frame (out, std) and
   ncomp*3*natoms[f] per frame (dout); per-atom values: nacomp per atom (aout, astd) and
   nacomp*natoms[f]*3*natoms[f] per frame (adout). */
typedef struct {
  double *out, *std, *dout;
  double *aout, *astd, *adout;
} ApiOutputs;

/* How a result is laid out, for the check of its values. */
typedef enum {
  API_FRAME,     /* ncomp per frame                        */
  API_ATOM,      /* ncomp per atom                         */
  API_FRAME_POS, /* ncomp*3*natoms per frame (dout)        */
  API_ATOM_POS   /* ncomp*natoms*3*natoms per frame (adout) */
} ApiLayout;

/* A prediction that is not finite is never a result (as teann-predict). */
static PetscErrorCode ApiCheckFinite(const char what[], const TeannFrames fr, ApiLayout layout, PetscInt ncomp, const double v[])
{
  size_t start = 0;

  PetscFunctionBegin;
  for (PetscInt f = 0; f < fr->nframes; f++) {
    const size_t n   = (size_t)(fr->atom_start[f + 1] - fr->atom_start[f]);
    const size_t len = (size_t)ncomp * (layout == API_FRAME ? 1 : layout == API_ATOM ? n : layout == API_FRAME_POS ? 3 * n : 3 * n * n);
    for (size_t i = 0; i < len; i++)
      PetscCheck(!PetscIsInfOrNanReal(v[start + i]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "frame %" PetscInt_FMT ": the %s is not finite; are two atoms on top of each other, or the frame far from the training data?", f, what);
    start += len;
  }
  PetscFunctionReturn(0);
}

/* The position derivatives of frame f into d (m values): of the frame properties, or of the
   per-atom ones (atom); an ensemble's the members' mean, added in member order (dk: scratch of
   m values). */
static PetscErrorCode ApiDerivatives(teann_model *h, TeannEval ev, PetscInt f, PetscBool atom, size_t m, PetscReal d[], PetscReal dk[])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < h->K; k++) {
    PetscReal *t = k ? dk : d;
    if (atom) PetscCall(TeannEvalAtomPositionGradient(ev, h->theta + k * h->np, f, t));
    else PetscCall(TeannEvalPositionGradient(ev, h->theta + k * h->np, f, t));
    if (k)
      for (size_t i = 0; i < m; i++) d[i] += dk[i];
  }
  if (h->K > 1)
    for (size_t i = 0; i < m; i++) d[i] /= h->K;
  PetscFunctionReturn(0);
}

/* An ensemble's committee (as teann-predict): out and aout the members' mean, std and astd their
   standard deviation, dout and adout the mean of their position derivatives, the members added
   in order. A single model is a committee of one with std 0. */
static PetscErrorCode ApiCommittee(teann_model *h, TeannFrames fr, TeannEval ev, const PetscInt idx[], const ApiOutputs *o)
{
  const PetscInt  n = fr->nframes * h->ncomp, an = fr->natoms * h->nacomp;
  const PetscBool atoms = (PetscBool)(h->nacomp && (o->aout || o->astd));
  PetscReal      *mpred = NULL, *ampred = NULL, *mean = NULL, *sd = NULL, *amean = NULL, *asd = NULL, *dk = NULL;
  size_t          dmax = 0, a0 = 0;

  PetscFunctionBegin;
  if (h->K == 1) { /* a single model: no scratch */
    PetscCall(TeannEvalPredictAtoms(ev, h->theta, fr->nframes, idx, o->out, atoms ? o->aout : NULL));
    if (o->std) PetscCall(PetscArrayzero(o->std, n));
    if (o->astd) PetscCall(PetscArrayzero(o->astd, an));
  } else {
    PetscCall(PetscMalloc6((size_t)h->K * n + 1, &mpred, (size_t)h->K * an + 1, &ampred, n + 1, &mean, n + 1, &sd, an + 1, &amean, an + 1, &asd));
    for (PetscInt k = 0; k < h->K; k++) PetscCall(TeannEvalPredictAtoms(ev, h->theta + k * h->np, fr->nframes, idx, mpred + k * n, atoms ? ampred + k * an : NULL));
    TeannCommitteeMeanStd(h->K, n, mpred, mean, sd);
    if (o->out) PetscCall(PetscArraycpy(o->out, mean, n));
    if (o->std) PetscCall(PetscArraycpy(o->std, sd, n));
    if (atoms) {
      TeannCommitteeMeanStd(h->K, an, ampred, amean, asd);
      if (o->aout) PetscCall(PetscArraycpy(o->aout, amean, an));
      if (o->astd) PetscCall(PetscArraycpy(o->astd, asd, an));
    }
    PetscCall(PetscFree6(mpred, ampred, mean, sd, amean, asd));
  }
  if (o->out) PetscCall(ApiCheckFinite("prediction", fr, API_FRAME, h->ncomp, o->out));
  if (o->aout) PetscCall(ApiCheckFinite("per-atom prediction", fr, API_ATOM, h->nacomp, o->aout));
  if (!o->dout && !(o->adout && h->nacomp)) PetscFunctionReturn(0);
  for (PetscInt f = 0; f < fr->nframes; f++) {
    const size_t na = (size_t)(fr->atom_start[f + 1] - fr->atom_start[f]);
    dmax            = PetscMax(dmax, (size_t)PetscMax(h->ncomp, h->nacomp * na) * 3 * na);
  }
  if (h->K > 1) PetscCall(PetscMalloc1(dmax, &dk));
  for (PetscInt f = 0; f < fr->nframes; f++) {
    const size_t na = (size_t)(fr->atom_start[f + 1] - fr->atom_start[f]);
    if (o->dout) PetscCall(ApiDerivatives(h, ev, f, PETSC_FALSE, (size_t)h->ncomp * 3 * na, o->dout + (size_t)h->ncomp * 3 * fr->atom_start[f], dk));
    if (o->adout && h->nacomp) PetscCall(ApiDerivatives(h, ev, f, PETSC_TRUE, (size_t)h->nacomp * na * 3 * na, o->adout + a0, dk));
    a0 += (size_t)h->nacomp * na * 3 * na;
  }
  PetscCall(PetscFree(dk));
  if (o->dout) PetscCall(ApiCheckFinite("position derivative of the prediction", fr, API_FRAME_POS, h->ncomp, o->dout));
  if (o->adout) PetscCall(ApiCheckFinite("position derivative of the per-atom prediction", fr, API_ATOM_POS, h->nacomp, o->adout));
  PetscFunctionReturn(0);
}

static PetscErrorCode ApiEvaluate(teann_model *h, TeannFrames fr, TeannEval *ev, PetscInt **idx, const ApiOutputs *o)
{
  PetscFunctionBegin;
#if defined(_OPENMP)
  if (omp_get_max_threads() > 1) api_team_started = 1; /* under api_lock */
#endif
  PetscCall(TeannEvalCreate(h->model, fr, ev));
  PetscCall(PetscMalloc1(fr->nframes, idx));
  for (PetscInt f = 0; f < fr->nframes; f++) (*idx)[f] = f;
  PetscCall(ApiCommittee(h, fr, *ev, *idx, o));
  PetscFunctionReturn(0);
}

/* The per-atom property names of h ("atomic_dipole"), for messages. */
static void ApiAtomNames(const teann_model *h, char buf[], size_t len)
{
  buf[0] = 0;
  for (int p = 0; p < h->nprop; p++)
    if (TeannProperties[h->kind[p]].peratom) snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "", TeannProperties[h->kind[p]].name);
}

static PetscErrorCode ApiPredict(teann_model *h, int nframes, const int natoms[], const int numbers[], const double x[], const double cell[], const int pbc[], const ApiOutputs *o, PetscBool frames_only)
{
  PetscInt       total, *idx = NULL;
  TeannFrames    fr = NULL;
  TeannEval      ev = NULL;
  PetscErrorCode ierr;
  char           names[256];

  PetscFunctionBegin;
  ApiAtomNames(h, names, sizeof(names));
  /* a model of per-atom properties only has no frame row: an empty out is no prediction */
  PetscCheck(!frames_only || h->ncomp, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "teann_predict: the model predicts per-atom properties only (%s), which teann_predict_atoms returns", names);
  PetscCall(ApiCheckFrames(h, nframes, natoms, numbers, x, cell, pbc, &total));
  if (!nframes) PetscFunctionReturn(0);
  if (frames_only) PetscCheck(o->out, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "teann_predict: out is NULL");
  else PetscCheck(o->out || o->aout, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "teann_predict_atoms: out and aout are both NULL");
  PetscCall(TeannFramesCreate(&fr));
  /* not PetscCall: the frames and the evaluator are freed on every path, a long-running host
     must not leak a frame's worth per refused prediction */
  ierr = ApiFrames(nframes, natoms, numbers, x, cell, pbc, total, fr);
  if (!ierr) ierr = ApiEvaluate(h, fr, &ev, &idx, o);
  PetscCall(PetscFree(idx));
  PetscCall(TeannEvalDestroy(&ev));
  PetscCall(TeannFramesDestroy(&fr));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

int teann_predict_committee(teann_model *h, int nframes, const int natoms[], const int numbers[], const double positions[], const double cell[], const int pbc[], double out[], double std[], double dout[])
{
  const ApiOutputs o = {out, std, dout, NULL, NULL, NULL};
  int              status;

  if (!h) return ApiFail(NULL, TEANN_ERR_INPUT, "teann_predict: the model handle is NULL");
  if ((status = ApiEnter(h))) return status;
  return ApiLeave(h, ApiPredict(h, nframes, natoms, numbers, positions, cell, pbc, &o, PETSC_TRUE), PETSC_FALSE);
}

int teann_predict_atoms(teann_model *h, int nframes, const int natoms[], const int numbers[], const double positions[], const double cell[], const int pbc[], double out[], double std[], double dout[], double aout[], double astd[], double adout[])
{
  const ApiOutputs o = {out, std, dout, aout, astd, adout};
  int              status;

  if (!h) return ApiFail(NULL, TEANN_ERR_INPUT, "teann_predict_atoms: the model handle is NULL");
  if ((status = ApiEnter(h))) return status;
  return ApiLeave(h, ApiPredict(h, nframes, natoms, numbers, positions, cell, pbc, &o, PETSC_FALSE), PETSC_FALSE);
}

int teann_predict(teann_model *h, int nframes, const int natoms[], const int numbers[], const double positions[], const double cell[], const int pbc[], double out[], double dout[])
{
  return teann_predict_committee(h, nframes, natoms, numbers, positions, cell, pbc, out, NULL, dout);
}

int teann_predict_frame(teann_model *h, int natoms, const int numbers[], const double positions[], const double cell[], const int pbc[], double out[], double dout[])
{
  return teann_predict(h, 1, &natoms, numbers, positions, cell, pbc, out, dout);
}
