/* Checkpoints and restart of a fit (design section 4, doc/restart.md): what the
 * fit must remember to go on exactly as if it had not been stopped, written
 * atomically with the previous checkpoint kept, read back with a checksum, and
 * the job signals that trigger a last checkpoint. */
#include "fitimpl.h"
#include "checkpoint.h"
#include "balance.h"
#include "standardize.h"
#include "signals.h"
#include "lsq.h"
#include "ncutil.h"
#include "history.h"
#include "qnreplay.h"
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>

#define CKPT_VERSION 1
#define CKPT_NSTATE  10 /* integer state attributes, see CkptState */

/* The integer state of a checkpoint, each a global attribute of the same name (frames_train,
   frames_valid, frames_test for frames[]); hashed as these ten integers in this order. */
typedef struct {
  long long iteration, best_iteration, line_search_restarts, qn_from, nparam, qn_points, history_rows, frames[3];
} CkptState;
static const struct {
  const char *name;
  size_t      off;
} CkptStateFields[CKPT_NSTATE] = {
  {"iteration", offsetof(CkptState, iteration)},           {"best_iteration", offsetof(CkptState, best_iteration)},
  {"line_search_restarts", offsetof(CkptState, line_search_restarts)}, {"qn_from", offsetof(CkptState, qn_from)},
  {"nparam", offsetof(CkptState, nparam)},                 {"qn_points", offsetof(CkptState, qn_points)},
  {"history_rows", offsetof(CkptState, history_rows)},     {"frames_train", offsetof(CkptState, frames[0])},
  {"frames_valid", offsetof(CkptState, frames[1])},        {"frames_test", offsetof(CkptState, frames[2])},
};
#define CkptStateField(st, i) ((long long *)((char *)(st) + CkptStateFields[i].off))

/* A checkpoint in memory (identical on every rank after CkptLoad). */
typedef struct {
  char       path[PETSC_MAX_PATH_LEN];
  CkptState  state;
  PetscReal  bal_c; /* eq. 9b's scale c of the solve (balance.c); 0: none, or a checkpoint that predates it */
  PetscReal  best_vloss, lm_lambda, lm_nu, stats[2 * TEANN_NKIND]; /* stats: mean norm and std per kind */
  int        nkind; /* kinds the file was written with: fewer in files of older releases (CkptUpgrade) */
  char       split_hash[32], tao_type[64];
  char      *options, *settings;
  PetscReal *theta, *best, *qx, *qg, *qf, *qgn, *hist;
  PetscInt  *qit;
  PetscInt   nstd; /* eq. 9c's feature means and inverse spreads (standardize.c); 0: none */
  PetscReal *fstd;
  PetscReal  kappa; /* and the objective's factor of the solve (present with them) */
} Ckpt;

static inline void Fnv1a(uint64_t *h, const void *buf, size_t n)
{
  const unsigned char *p = (const unsigned char *)buf;
  for (size_t i = 0; i < n; i++) {
    *h ^= p[i];
    *h *= 0x100000001b3ULL;
  }
}

/* The checksum: every numeric datum of the checkpoint in a fixed order, and its texts. */
static PetscErrorCode CkptChecksum(const Ckpt *c, char hex[32])
{
  uint64_t  h  = 0xcbf29ce484222325ULL;
  long long np = c->state.nparam, nq = c->state.qn_points, hn = c->state.history_rows;

  PetscFunctionBegin;
  Fnv1a(&h, &c->state, sizeof(c->state)); /* ten long longs, no padding: the bytes of 0.1.0's array */
  Fnv1a(&h, &c->best_vloss, sizeof(PetscReal));
  Fnv1a(&h, &c->lm_lambda, sizeof(PetscReal));
  Fnv1a(&h, &c->lm_nu, sizeof(PetscReal));
  if (c->bal_c > 0) Fnv1a(&h, &c->bal_c, sizeof(PetscReal)); /* absent from earlier checkpoints */
  if (c->nstd > 0) { /* likewise */
    Fnv1a(&h, c->fstd, sizeof(PetscReal) * c->nstd);
    Fnv1a(&h, &c->kappa, sizeof(PetscReal));
  }
  Fnv1a(&h, c->stats, sizeof(PetscReal) * 2 * c->nkind);
  Fnv1a(&h, c->theta, sizeof(PetscReal) * np);
  Fnv1a(&h, c->best, sizeof(PetscReal) * np);
  Fnv1a(&h, c->qx, sizeof(PetscReal) * np * nq);
  Fnv1a(&h, c->qg, sizeof(PetscReal) * np * nq);
  Fnv1a(&h, c->qf, sizeof(PetscReal) * nq);
  Fnv1a(&h, c->qgn, sizeof(PetscReal) * nq);
  for (long long i = 0; i < nq; i++) {
    long long it = c->qit[i];
    Fnv1a(&h, &it, sizeof(it));
  }
  Fnv1a(&h, c->hist, sizeof(PetscReal) * hn * (5 + 2 * c->nkind));
  Fnv1a(&h, c->split_hash, strlen(c->split_hash));
  Fnv1a(&h, c->options, strlen(c->options));
  Fnv1a(&h, c->settings, strlen(c->settings));
  PetscCall(PetscSNPrintf(hex, 32, "%016llx", (unsigned long long)h));
  PetscFunctionReturn(0);
}

static PetscErrorCode CkptFree(Ckpt **c)
{
  PetscFunctionBegin;
  if (!*c) PetscFunctionReturn(0);
  PetscCall(PetscFree((*c)->options));
  PetscCall(PetscFree((*c)->settings));
  PetscCall(PetscFree((*c)->theta));
  PetscCall(PetscFree((*c)->best));
  PetscCall(PetscFree((*c)->qx));
  PetscCall(PetscFree((*c)->qg));
  PetscCall(PetscFree((*c)->qf));
  PetscCall(PetscFree((*c)->qgn));
  PetscCall(PetscFree((*c)->qit));
  PetscCall(PetscFree((*c)->hist));
  PetscCall(PetscFree((*c)->fstd));
  PetscCall(PetscFree(*c));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ settings */

/* The settings that define the model, the data and the split, one "-option value" per line
   with the values in effect (defaults included), so that a restart can compare them. */
static PetscErrorCode CkptSettings(TeannFit fit, PetscBool withelements, char **text)
{
  TeannModel m = fit->model;
  char       buf[8192], tmp[1024], list[256];
  size_t     len = sizeof(buf);

  PetscFunctionBegin;
  buf[0] = 0;
#define ADD(...) \
  do { \
    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), __VA_ARGS__)); \
    PetscCall(PetscStrlcat(buf, tmp, len)); \
  } while (0)
  ADD("-teann_data %s\n", fit->data);
  ADD("-teann_valid %s\n", fit->valid);
  ADD("-teann_test %s\n", fit->test);
  ADD("-teann_seed %" PetscInt_FMT "\n", fit->seed);
  ADD("-teann_valid_fraction %.17g\n", (double)fit->fvalid);
  ADD("-teann_test_fraction %.17g\n", (double)fit->ftest);
  for (PetscInt k = 0; k < TEANN_NKIND; k++) ADD("-teann_weight_%s %.17g\n", TeannProperties[k].name, (double)fit->weight[k]);
  ADD("-teann_l2 %.17g\n", (double)fit->l2);
  ADD("-teann_balance %s\n", TeannBalanceTypes[fit->balance]);
  ADD("-teann_cutoff %.17g\n", (double)m->cutoff);
  ADD("-teann_nwave %" PetscInt_FMT "\n", m->nwave);
  ADD("-teann_lmax %" PetscInt_FMT "\n", m->lmax);
  ADD("-teann_neigh_atoms %" PetscInt_FMT "\n", m->neigh_atoms);
  list[0] = 0;
  for (PetscInt l = 0; l < m->nlayers; l++) {
    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s%" PetscInt_FMT, l ? "," : "", m->hidden[l]));
    PetscCall(PetscStrlcat(list, tmp, sizeof(list)));
  }
  ADD("-teann_hidden %s\n", list);
  ADD("-teann_activation %s\n", TeannActivations[m->act]);
  list[0] = 0;
  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if (m->props & TeannProperties[k].bit) {
      if (list[0]) PetscCall(PetscStrlcat(list, ",", sizeof(list)));
      PetscCall(PetscStrlcat(list, TeannProperties[k].name, sizeof(list)));
    }
  ADD("-teann_properties %s\n", list);
  ADD("-teann_fix_radial %s\n", m->fix_radial ? "true" : "false");
  ADD("-teann_charge_neutral %s\n", m->charge_neutral ? "true" : "false");
  ADD("-teann_dipole_form %s\n", TeannDipoleForms[m->dipole_form]);
  ADD("-teann_polarizability_form %s\n", TeannPolarForms[m->polar_form]);
  if (withelements) {
    list[0] = 0;
    for (PetscInt e = 0; e < m->nel; e++) {
      if (e) PetscCall(PetscStrlcat(list, ",", sizeof(list)));
      PetscCall(PetscStrlcat(list, TeannElementSymbol(m->Z[e]), sizeof(list)));
    }
    ADD("elements %s\n", list);
  }
#undef ADD
  PetscCall(PetscStrallocpy(buf, text));
  PetscFunctionReturn(0);
}

/* Value of the line "key value" in text (empty if absent). */
static PetscErrorCode SettingsFind(const char text[], const char key[], char val[], size_t len)
{
  size_t klen = strlen(key);

  PetscFunctionBegin;
  val[0] = 0;
  for (const char *p = text; p && *p;) {
    const char *e = strchr(p, '\n');
    size_t      n = e ? (size_t)(e - p) : strlen(p);
    if (n > klen && !strncmp(p, key, klen) && p[klen] == ' ') {
      size_t vn = PetscMin(n - klen - 1, len - 1);
      memcpy(val, p + klen + 1, vn);
      val[vn] = 0;
      break;
    }
    p = e ? e + 1 : NULL;
  }
  PetscFunctionReturn(0);
}

/* Walk the options text of PetscOptionsGetAll(): "-name value -flag -name2 value2". Returns the
   next name and value (empty for a flag); *p advances, NULL at the end. */
static PetscErrorCode OptionsNext(const char **p, char name[], size_t nlen, char val[], size_t vlen)
{
  const char *s = *p, *e;

  PetscFunctionBegin;
  name[0] = val[0] = 0;
  while (*s == ' ') s++;
  if (!*s) {
    *p = NULL;
    PetscFunctionReturn(0);
  }
  e = s;
  while (*e && *e != ' ') e++;
  PetscCall(PetscStrncpy(name, s, PetscMin(nlen, (size_t)(e - s) + 1)));
  s = e;
  while (*s == ' ') s++;
  /* a value unless it is the next name: a dash followed by a letter */
  if (*s && !(s[0] == '-' && ((s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z')))) {
    e = s;
    while (*e && *e != ' ') e++;
    PetscCall(PetscStrncpy(val, s, PetscMin(vlen, (size_t)(e - s) + 1)));
    s = e;
  }
  *p = s;
  PetscFunctionReturn(0);
}

/* Options a checkpoint does not hand on to the restarted run. The output directory is where
   the checkpoint is now (or -teann_output_dir given again), not where it was written: a copied
   checkpoint must not write into the original run's directory. */
static PetscBool OptionNotInherited(const char name[])
{
  const char *skip[] = {"-teann_restart", "-options_file", "-help", "-teann_check_gradient", "-options_left", "-log_view", "-info", "-teann_output_dir", "-teann_overwrite", "-teann_allow_unused", NULL};
  for (PetscInt i = 0; skip[i]; i++)
    if (!strcmp(name, skip[i])) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* ------------------------------------------------------------------ reading */

#define CKPT_TRY(call, what) \
  do { \
    int _st = (call); \
    if (_st != NC_NOERR) { \
      PetscCall(PetscSNPrintf(why, wlen, "%s: %s", what, nc_strerror(_st))); \
      goto done; \
    } \
  } while (0)

static int GetText(int ncid, int varid, const char name[], char **out)
{
  size_t n;
  int    st = nc_inq_attlen(ncid, varid, name, &n);
  if (st != NC_NOERR) return st;
  if (PetscMalloc1(n + 1, out)) return NC_ENOMEM;
  st       = nc_get_att_text(ncid, varid, name, *out);
  (*out)[n] = 0;
  return st;
}

/* A numeric attribute holding exactly n values: nc_get_att_*() writes as many values as the
   file says, so a longer attribute would overrun the caller's buffer. */
static int AttCheck(int ncid, const char name[], size_t n, char why[], size_t wlen)
{
  nc_type t;
  size_t  len;
  int     st = nc_inq_att(ncid, NC_GLOBAL, name, &t, &len);

  if (st != NC_NOERR) return st;
  if (t == NC_CHAR || t == NC_STRING || t > NC_MAX_ATOMIC_TYPE || len != n) {
    (void)PetscSNPrintf(why, wlen, "attribute %s: %zu value%s of type %d where %zu number%s belong", name, len, len == 1 ? "" : "s", (int)t, n, n == 1 ? "" : "s");
    return NC_EBADTYPE;
  }
  return NC_NOERR;
}

/* Variable name with exactly the shape n[0..nd) (a numeric type): nc_get_var_*() reads the
   whole variable, whatever the size attributes claim. */
static int VarCheck(int ncid, const char name[], int nd, const long long n[], int *varid, char why[], size_t wlen)
{
  int     st, ndims, dimids[NC_MAX_VAR_DIMS];
  nc_type t;
  size_t  len;

  st = nc_inq_varid(ncid, name, varid);
  if (st != NC_NOERR) return st;
  st = nc_inq_var(ncid, *varid, NULL, &t, &ndims, NULL, NULL);
  if (st != NC_NOERR) return st;
  if (t == NC_CHAR || t == NC_STRING || t > NC_MAX_ATOMIC_TYPE || ndims != nd) {
    (void)PetscSNPrintf(why, wlen, "variable %s has %d dimensions of type %d, expected %d numeric ones", name, ndims, (int)t, nd);
    return NC_EBADTYPE;
  }
  st = nc_inq_vardimid(ncid, *varid, dimids);
  if (st != NC_NOERR) return st;
  for (int i = 0; i < nd; i++) {
    char dname[NC_MAX_NAME + 1];
    st = nc_inq_dim(ncid, dimids[i], dname, &len);
    if (st != NC_NOERR) return st;
    if ((long long)len != n[i]) {
      (void)PetscSNPrintf(why, wlen, "variable %s: dimension %s is %zu but the size attributes say %lld", name, dname, len, n[i]);
      return NC_EDIMSIZE;
    }
  }
  return NC_NOERR;
}

/* The size attributes against the file's dimensions: they size the buffers the variables are
   read into, so a disagreement must end the read before anything is allocated. */
static int DimCheck(int ncid, const char dim[], const char att[], long long n, char why[], size_t wlen)
{
  int    st, id;
  size_t len;

  st = nc_inq_dimid(ncid, dim, &id);
  if (st != NC_NOERR) return st;
  st = nc_inq_dimlen(ncid, id, &len);
  if (st != NC_NOERR) return st;
  if ((long long)len != n) {
    (void)PetscSNPrintf(why, wlen, "attribute %s = %lld does not match the dimension %s = %zu", att, n, dim, len);
    return NC_EDIMSIZE;
  }
  return NC_NOERR;
}

/* Like CKPT_TRY, for the checks above that explain themselves in why. */
#define CKPT_CHECK(call, what) \
  do { \
    why[0]  = 0; \
    int _st = (call); \
    if (_st != NC_NOERR) { \
      if (!why[0]) PetscCall(PetscSNPrintf(why, wlen, "%s: %s", what, nc_strerror(_st))); \
      goto done; \
    } \
  } while (0)

/* Read path on this rank alone. *ok false with the reason in why when the file is missing,
   unreadable, truncated, inconsistent or fails the checksum. */
/* Arrays for np parameters, nq quasi-Newton points and hn history rows (+1: never a zero-size allocation). */
static PetscErrorCode CkptAllocate(Ckpt *c, PetscInt np, PetscInt nq, PetscInt hn)
{
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(np, &c->theta));
  PetscCall(PetscMalloc1(np, &c->best));
  PetscCall(PetscMalloc1(np * nq + 1, &c->qx));
  PetscCall(PetscMalloc1(np * nq + 1, &c->qg));
  PetscCall(PetscMalloc1(nq + 1, &c->qf));
  PetscCall(PetscMalloc1(nq + 1, &c->qgn));
  PetscCall(PetscMalloc1(nq + 1, &c->qit));
  PetscCall(PetscMalloc1(hn * HIST_W + 1, &c->hist));
  PetscFunctionReturn(0);
}

/* A checkpoint of a release with fewer properties (kinds) in the table: its statistics and history
   columns in today's layout, the new kinds' zero and NaN. Called after the checksum. */
static PetscErrorCode CkptUpgrade(Ckpt *c)
{
  const int      nk = c->nkind, wold = 5 + 2 * nk;
  const PetscInt hn = (PetscInt)c->state.history_rows;

  PetscFunctionBegin;
  if (nk == TEANN_NKIND) PetscFunctionReturn(0);
  for (int k = TEANN_NKIND - 1; k >= 0; k--) c->stats[TEANN_NKIND + k] = k < nk ? c->stats[nk + k] : 0;
  for (int k = nk; k < TEANN_NKIND; k++) c->stats[k] = 0;
  for (PetscInt i = hn - 1; i >= 0; i--) { /* in place, from the last row: rows only grow */
    PetscReal row[5 + 2 * TEANN_NKIND];
    for (int j = 0; j < HIST_W; j++) row[j] = NAN;
    for (int j = 0; j < 5; j++) row[j] = c->hist[i * wold + j];
    for (int k = 0; k < nk; k++) {
      row[5 + k]               = c->hist[i * wold + 5 + k];
      row[5 + TEANN_NKIND + k] = c->hist[i * wold + 5 + nk + k];
    }
    for (int j = 0; j < HIST_W; j++) c->hist[i * HIST_W + j] = row[j];
  }
  c->nkind = TEANN_NKIND;
  PetscFunctionReturn(0);
}

static PetscErrorCode CkptReadOne(const char path[], Ckpt **out, PetscBool *ok, char why[], size_t wlen)
{
  Ckpt     *c;
  int       ncid = -1, var, version;
  char      sum[32], *txt = NULL;
  PetscBool exists;
  long long np, nq, hn;

  PetscFunctionBegin;
  *ok  = PETSC_FALSE;
  *out = NULL;
  why[0] = 0;
  PetscCall(PetscTestFile(path, 'r', &exists));
  if (!exists) {
    PetscCall(PetscStrncpy(why, "no such file", wlen));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscNew(&c));
  PetscCall(PetscStrncpy(c->path, path, sizeof(c->path)));
  {
    PetscBool good;
    /* a damaged file can crash HDF5 inside nc_open: look at it in a probe process first */
    PetscCall(TeannNCCheckFile(path, PETSC_TRUE, &good, why, wlen));
    if (!good) goto done;
  }
  CKPT_TRY(nc_open(path, NC_NOWRITE, &ncid), "cannot open");
  CKPT_CHECK(AttCheck(ncid, "checkpoint_version", 1, why, wlen), "not a teann checkpoint");
  CKPT_TRY(nc_get_att_int(ncid, NC_GLOBAL, "checkpoint_version", &version), "not a teann checkpoint");
  if (version != CKPT_VERSION) {
    PetscCall(PetscSNPrintf(why, wlen, "checkpoint version %d, this teann reads %d", version, CKPT_VERSION));
    goto done;
  }
  for (PetscInt i = 0; i < CKPT_NSTATE; i++) {
    CKPT_CHECK(AttCheck(ncid, CkptStateFields[i].name, 1, why, wlen), CkptStateFields[i].name);
    CKPT_TRY(nc_get_att_longlong(ncid, NC_GLOBAL, CkptStateFields[i].name, CkptStateField(&c->state, i)), CkptStateFields[i].name);
  }
  CKPT_CHECK(AttCheck(ncid, "best_validation_loss", 1, why, wlen), "best_validation_loss");
  CKPT_CHECK(AttCheck(ncid, "lm_damping", 1, why, wlen), "lm_damping");
  CKPT_CHECK(AttCheck(ncid, "lm_damping_nu", 1, why, wlen), "lm_damping_nu");
  CKPT_TRY(nc_get_att_double(ncid, NC_GLOBAL, "best_validation_loss", &c->best_vloss), "best_validation_loss");
  CKPT_TRY(nc_get_att_double(ncid, NC_GLOBAL, "lm_damping", &c->lm_lambda), "lm_damping");
  CKPT_TRY(nc_get_att_double(ncid, NC_GLOBAL, "lm_damping_nu", &c->lm_nu), "lm_damping_nu");
  if (nc_get_att_double(ncid, NC_GLOBAL, "balance_scale", &c->bal_c) != NC_NOERR || !(c->bal_c > 0)) c->bal_c = 0;
  {
    size_t len;
    if (nc_inq_attlen(ncid, NC_GLOBAL, "feature_standardization", &len) == NC_NOERR && len > 0) {
      c->nstd = (PetscInt)len;
      PetscCall(PetscMalloc1(len, &c->fstd));
      CKPT_TRY(nc_get_att_double(ncid, NC_GLOBAL, "feature_standardization", c->fstd), "feature_standardization");
      CKPT_TRY(nc_get_att_double(ncid, NC_GLOBAL, "objective_factor", &c->kappa), "objective_factor");
    }
  }
  {
    size_t nstat = 0, hw = 0;
    int    dim;
    CKPT_TRY(nc_inq_attlen(ncid, NC_GLOBAL, "training_statistics", &nstat), "training_statistics");
    CKPT_TRY(nc_inq_dimid(ncid, "history_column", &dim), "history_column");
    CKPT_TRY(nc_inq_dimlen(ncid, dim, &hw), "history_column");
    /* 2 per kind: fewer in files of releases with fewer kinds (CkptUpgrade) */
    if (nstat % 2 || nstat < 2 || nstat > 2 * TEANN_NKIND || hw != 5 + nstat) {
      PetscCall(PetscSNPrintf(why, wlen, "attribute training_statistics: %zu values with %zu history columns, where 2 per property kind (at most %d) and 5 + as many columns belong", nstat, hw, 2 * TEANN_NKIND));
      goto done;
    }
    c->nkind = (int)(nstat / 2);
  }
  CKPT_TRY(nc_get_att_double(ncid, NC_GLOBAL, "training_statistics", c->stats), "training_statistics");
  CKPT_TRY(GetText(ncid, NC_GLOBAL, "split_hash", &txt), "split_hash");
  PetscCall(PetscStrncpy(c->split_hash, txt, sizeof(c->split_hash)));
  PetscCall(PetscFree(txt));
  CKPT_TRY(GetText(ncid, NC_GLOBAL, "tao_type", &txt), "tao_type");
  PetscCall(PetscStrncpy(c->tao_type, txt, sizeof(c->tao_type)));
  PetscCall(PetscFree(txt));
  CKPT_TRY(GetText(ncid, NC_GLOBAL, "options", &c->options), "options");
  CKPT_TRY(GetText(ncid, NC_GLOBAL, "settings", &c->settings), "settings");
  np = c->state.nparam;
  nq = c->state.qn_points;
  hn = c->state.history_rows;
  if (np <= 0 || nq < 0 || hn < 0 || np > (1LL << 40) || nq > 4096 || hn > (1LL << 30)) {
    PetscCall(PetscStrncpy(why, "implausible sizes", wlen));
    goto done;
  }
  /* every variable is read whole into a buffer sized by the attributes: they must agree with
     the dimensions, and each variable must have exactly its shape */
  CKPT_CHECK(DimCheck(ncid, "parameter", "nparam", np, why, wlen), "dimension parameter");
  CKPT_CHECK(DimCheck(ncid, "qn_point", "qn_points", nq, why, wlen), "dimension qn_point");
  CKPT_CHECK(DimCheck(ncid, "iteration", "history_rows", hn, why, wlen), "dimension iteration");
  {
    const long long vp[1] = {np}, vq[1] = {nq}, vqp[2] = {nq, np}, vh[2] = {hn, 5 + 2 * c->nkind};
    CKPT_CHECK(VarCheck(ncid, "theta", 1, vp, &var, why, wlen), "theta");
    CKPT_CHECK(VarCheck(ncid, "best_theta", 1, vp, &var, why, wlen), "best_theta");
    CKPT_CHECK(VarCheck(ncid, "qn_theta", 2, vqp, &var, why, wlen), "qn_theta");
    CKPT_CHECK(VarCheck(ncid, "qn_gradient", 2, vqp, &var, why, wlen), "qn_gradient");
    CKPT_CHECK(VarCheck(ncid, "qn_loss", 1, vq, &var, why, wlen), "qn_loss");
    CKPT_CHECK(VarCheck(ncid, "qn_gradient_norm", 1, vq, &var, why, wlen), "qn_gradient_norm");
    CKPT_CHECK(VarCheck(ncid, "qn_iteration", 1, vq, &var, why, wlen), "qn_iteration");
    CKPT_CHECK(VarCheck(ncid, "history", 2, vh, &var, why, wlen), "history");
  }
  PetscCall(CkptAllocate(c, np, nq, hn));
  CKPT_TRY(nc_inq_varid(ncid, "theta", &var), "theta");
  CKPT_TRY(nc_get_var_double(ncid, var, c->theta), "theta");
  CKPT_TRY(nc_inq_varid(ncid, "best_theta", &var), "best_theta");
  CKPT_TRY(nc_get_var_double(ncid, var, c->best), "best_theta");
  if (nq > 0) {
    long long *it;
    CKPT_TRY(nc_inq_varid(ncid, "qn_theta", &var), "qn_theta");
    CKPT_TRY(nc_get_var_double(ncid, var, c->qx), "qn_theta");
    CKPT_TRY(nc_inq_varid(ncid, "qn_gradient", &var), "qn_gradient");
    CKPT_TRY(nc_get_var_double(ncid, var, c->qg), "qn_gradient");
    CKPT_TRY(nc_inq_varid(ncid, "qn_loss", &var), "qn_loss");
    CKPT_TRY(nc_get_var_double(ncid, var, c->qf), "qn_loss");
    CKPT_TRY(nc_inq_varid(ncid, "qn_gradient_norm", &var), "qn_gradient_norm");
    CKPT_TRY(nc_get_var_double(ncid, var, c->qgn), "qn_gradient_norm");
    PetscCall(PetscMalloc1(nq, &it));
    CKPT_TRY(nc_inq_varid(ncid, "qn_iteration", &var), "qn_iteration");
    {
      int st = nc_get_var_longlong(ncid, var, it);
      for (long long i = 0; st == NC_NOERR && i < nq; i++) c->qit[i] = (PetscInt)it[i];
      PetscCall(PetscFree(it));
      CKPT_TRY(st, "qn_iteration");
    }
  }
  if (hn > 0) {
    CKPT_TRY(nc_inq_varid(ncid, "history", &var), "history");
    CKPT_TRY(nc_get_var_double(ncid, var, c->hist), "history");
  }
  CKPT_TRY(GetText(ncid, NC_GLOBAL, "checksum", &txt), "checksum");
  PetscCall(CkptChecksum(c, sum));
  if (strcmp(sum, txt)) {
    PetscCall(PetscSNPrintf(why, wlen, "checksum mismatch (stored %s, computed %s)", txt, sum));
    goto done;
  }
  PetscCall(CkptUpgrade(c));
  *ok = PETSC_TRUE;
done:
  PetscCall(PetscFree(txt));
  if (ncid >= 0) (void)nc_close(ncid);
  if (*ok) *out = c;
  else PetscCall(CkptFree(&c));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannCheckpointVerify(const char path[], PetscBool *ok, char why[], size_t len)
{
  Ckpt *c = NULL;

  PetscFunctionBegin;
  PetscCall(CkptReadOne(path, &c, ok, why, len));
  PetscCall(CkptFree(&c));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitCheckpointSibling(const char path[], const char suffix[], char out[], size_t len)
{
  PetscBool nc;

  PetscFunctionBegin;
  PetscCall(PetscStrendswith(path, ".nc", &nc));
  PetscCall(PetscStrncpy(out, path, len));
  if (nc) out[strlen(out) - 3] = 0;
  PetscCall(PetscStrlcat(out, suffix, len));
  PetscFunctionReturn(0);
}

static PetscErrorCode BcastText(MPI_Comm comm, char **s)
{
  PetscMPIInt rank;
  long long   n = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) n = (long long)strlen(*s);
  PetscCallMPI(MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, comm));
  if (rank) PetscCall(PetscMalloc1(n + 1, s));
  PetscCallMPI(MPI_Bcast(*s, (PetscMPIInt)(n + 1), MPI_CHAR, 0, comm));
  PetscFunctionReturn(0);
}

/* Rank 0 reads path, its .new.nc and its .prev.nc and keeps the sound one (complete, consistent,
   checksum right) of the highest iteration, path on a tie; every rank gets it. The rotation
   (TeannFitCheckpointWrite) renames path to .prev.nc and then .new.nc to path: a job killed
   between the two leaves the newest checkpoint as .new.nc and no path, one killed just before
   the first leaves a .new.nc newer than path. */
static PetscErrorCode CkptLoad(MPI_Comm comm, const char path[], Ckpt **out)
{
  PetscMPIInt rank;
  Ckpt       *c = NULL;
  char        name[3][PETSC_MAX_PATH_LEN], why[3][512], msg[2048] = "";
  int         verdict = -1; /* which of name[] was taken */
  long long   np, nq, hn;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscStrncpy(name[0], path, sizeof(name[0])));
  PetscCall(TeannFitCheckpointSibling(path, ".new.nc", name[1], sizeof(name[1])));
  PetscCall(TeannFitCheckpointSibling(path, ".prev.nc", name[2], sizeof(name[2])));
  if (rank == 0) {
    for (int i = 0; i < 3; i++) {
      Ckpt     *ci = NULL;
      PetscBool ok;
      PetscCall(CkptReadOne(name[i], &ci, &ok, why[i], sizeof(why[i])));
      if (!ok) continue;
      PetscCall(PetscSNPrintf(why[i], sizeof(why[i]), "sound, iteration %lld", ci->state.iteration));
      if (!c || ci->state.iteration > c->state.iteration) {
        PetscCall(CkptFree(&c));
        c       = ci;
        verdict = i;
      } else PetscCall(CkptFree(&ci));
    }
    if (verdict < 0) {
      /* a .new.nc only exists after an interrupted rotation: name it only then */
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "cannot restart: checkpoint %s is unusable (%s) and so is the previous one %s (%s)", name[0], why[0], name[2], why[2]));
      if (strcmp(why[1], "no such file")) {
        PetscCall(PetscStrlcat(msg, "; the unfinished rotation's ", sizeof(msg)));
        PetscCall(PetscStrlcat(msg, name[1], sizeof(msg)));
        PetscCall(PetscStrlcat(msg, " too (", sizeof(msg)));
        PetscCall(PetscStrlcat(msg, why[1], sizeof(msg)));
        PetscCall(PetscStrlcat(msg, ")", sizeof(msg)));
      }
    } else if (verdict == 2) {
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "WARNING: checkpoint %s is %s (%s); restarting from the previous checkpoint %s (iteration %lld)%s%s%s%s\n", name[0], strcmp(why[0], "no such file") ? "damaged" : "missing", why[0], name[2], c->state.iteration,
                              strcmp(why[1], "no such file") ? "; " : "", strcmp(why[1], "no such file") ? name[1] : "", strcmp(why[1], "no such file") ? " is unusable too: " : "", strcmp(why[1], "no such file") ? why[1] : ""));
    } else if (verdict == 1) {
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "WARNING: the last checkpoint rotation was interrupted: %s is %s; restarting from the newer checkpoint %s (iteration %lld), the newest sound one (%s: %s)\n", name[0], strcmp(why[0], "no such file") ? why[0] : "missing", name[1], c->state.iteration, name[2], why[2]));
    }
  }
  PetscCallMPI(MPI_Bcast(&verdict, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, comm));
  PetscCheck(verdict >= 0, comm, PETSC_ERR_FILE_READ, "%s", msg);
  if (verdict > 0) PetscCall(PetscPrintf(comm, "%s", msg));
  if (rank) PetscCall(PetscNew(&c));
  PetscCallMPI(MPI_Bcast(c->path, sizeof(c->path), MPI_CHAR, 0, comm));
  PetscCallMPI(MPI_Bcast(&c->state, CKPT_NSTATE, MPI_LONG_LONG, 0, comm)); /* ten long longs */
  PetscCallMPI(MPI_Bcast(&c->best_vloss, 1, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(&c->lm_lambda, 1, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(&c->lm_nu, 1, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(&c->bal_c, 1, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(&c->nstd, 1, MPIU_INT, 0, comm));
  if (rank && c->nstd) PetscCall(PetscMalloc1(c->nstd, &c->fstd));
  if (c->nstd) PetscCallMPI(MPI_Bcast(c->fstd, (PetscMPIInt)c->nstd, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(&c->kappa, 1, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(c->stats, 2 * TEANN_NKIND, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(c->split_hash, sizeof(c->split_hash), MPI_CHAR, 0, comm));
  PetscCallMPI(MPI_Bcast(c->tao_type, sizeof(c->tao_type), MPI_CHAR, 0, comm));
  PetscCall(BcastText(comm, &c->options));
  PetscCall(BcastText(comm, &c->settings));
  np = c->state.nparam;
  nq = c->state.qn_points;
  hn = c->state.history_rows;
  if (rank) PetscCall(CkptAllocate(c, np, nq, hn));
  PetscCallMPI(MPI_Bcast(c->theta, (PetscMPIInt)np, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(c->best, (PetscMPIInt)np, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(c->qx, (PetscMPIInt)(np * nq), MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(c->qg, (PetscMPIInt)(np * nq), MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(c->qf, (PetscMPIInt)nq, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(c->qgn, (PetscMPIInt)nq, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(c->qit, (PetscMPIInt)nq, MPIU_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(c->hist, (PetscMPIInt)(hn * HIST_W), MPIU_REAL, 0, comm));
  *out = c;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ options */

PetscErrorCode TeannFitCheckpointSetFromOptions(TeannFit fit)
{
  PetscBool set;

  PetscFunctionBegin;
  fit->ckpt_every   = 50;
  fit->ckpt_seconds = 600;
  fit->ckpt_it      = -1;
  PetscOptionsBegin(fit->comm, NULL, "teann checkpoint and restart options", "TeannFit");
  PetscCall(PetscOptionsString("-teann_restart", "Continue the fit from this checkpoint (its options apply unless given again)", "TeannFitCheckpointSetFromOptions", fit->restart, fit->restart, sizeof(fit->restart), &set));
  PetscCall(PetscOptionsInt("-teann_checkpoint_every", "Write <output_dir>/checkpoint.nc every this many iterations (0: off)", "TeannFitCheckpointSetFromOptions", fit->ckpt_every, &fit->ckpt_every, NULL));
  PetscCall(PetscOptionsReal("-teann_checkpoint_seconds", "Write <output_dir>/checkpoint.nc when this many seconds passed since the last one (0: off)", "TeannFitCheckpointSetFromOptions", fit->ckpt_seconds, &fit->ckpt_seconds, NULL));
  PetscOptionsEnd();
  PetscCheck(fit->ckpt_every >= 0, fit->comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_checkpoint_every must be >= 0");
  PetscCheck(fit->ckpt_seconds >= 0, fit->comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_checkpoint_seconds must be >= 0");
  /* from now on a job signal is only recorded; the fit acts on it at its next iteration
     (a signal that arrives after the fit has ended changes nothing) */
  PetscCall(TeannSignalsInstall());
  PetscCheck(!set || fit->restart[0], fit->comm, PETSC_ERR_USER_INPUT, "-teann_restart needs a checkpoint file, e.g. -teann_restart out/checkpoint.nc");
  if (set) {
    Ckpt       *c = (Ckpt *)fit->ckpt;
    const char *p;
    char        name[256], val[PETSC_MAX_PATH_LEN];
    PetscBool   has;

    PetscCall(PetscOptionsHasName(NULL, NULL, "-teann_output_dir", &has));
    if (!has) {
      char  dir[PETSC_MAX_PATH_LEN];
      char *slash;
      PetscCall(PetscStrncpy(dir, fit->restart, sizeof(dir)));
      slash = strrchr(dir, '/');
      if (slash == dir) slash[1] = 0;
      else if (slash) *slash = 0;
      else PetscCall(PetscStrncpy(dir, ".", sizeof(dir)));
      PetscCall(PetscOptionsSetValue(NULL, "-teann_output_dir", dir));
    }
    {
      char dir[PETSC_MAX_PATH_LEN];
      PetscCall(PetscOptionsGetString(NULL, NULL, "-teann_output_dir", dir, sizeof(dir), NULL));
      PetscCall(PetscPrintf(fit->comm, "teann-train: restarting from %s; writing into %s%s\n", fit->restart, dir, has ? " (-teann_output_dir)" : ", the checkpoint's directory"));
    }
    PetscCall(CkptFree(&c));
    PetscCall(CkptLoad(fit->comm, fit->restart, &c));
    fit->ckpt = c;
    /* the checkpoint's options fill in what the command line leaves out */
    for (p = c->options; p;) {
      PetscCall(OptionsNext(&p, name, sizeof(name), val, sizeof(val)));
      if (!p || !name[0] || OptionNotInherited(name)) continue;
      PetscCall(PetscOptionsHasName(NULL, NULL, name, &has));
      if (!has) {
        PetscCall(PetscOptionsSetValue(NULL, name, val[0] ? val : NULL));
        /* inherited, not typed: never reported as an unused option (an older release's option,
           say); looking it up marks it used */
        PetscCall(PetscOptionsHasName(NULL, NULL, name, &has));
      }
    }
    /* A checkpoint without -teann_balance among its settings predates eq. 9b and the present
       defaults (design 2.4): its fit goes on as it ran, with eq. 9, no patience, at most 2000
       iterations and lmvm's history of 5, unless the command line says otherwise. */
    {
      const char *old[][2] = {
        {"-teann_balance",               "none"},
        {"-teann_patience",              "0"   },
        {"-tao_max_it",                  "2000"},
        {"-tao_lmvm_mat_lmvm_hist_size", "5"   }
      };
      PetscCall(SettingsFind(c->settings, "-teann_balance", val, sizeof(val)));
      if (!val[0]) {
        PetscCall(PetscPrintf(fit->comm, "restart: %s predates -teann_balance: the fit goes on with the defaults it was started with (eq. 9, no patience, 2000 iterations, lmvm history 5)\n", fit->restart));
        for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
          PetscCall(PetscOptionsHasName(NULL, NULL, old[i][0], &has));
          if (has) continue;
          PetscCall(PetscOptionsSetValue(NULL, old[i][0], old[i][1]));
          PetscCall(PetscOptionsHasName(NULL, NULL, old[i][0], &has)); /* not reported as unused */
        }
      }
    }
    /* the options set above are read again here, and by the fit and the model */
    PetscOptionsBegin(fit->comm, NULL, "teann checkpoint and restart options", "TeannFit");
    PetscCall(PetscOptionsInt("-teann_checkpoint_every", "Write <output_dir>/checkpoint.nc every this many iterations (0: off)", "TeannFitCheckpointSetFromOptions", fit->ckpt_every, &fit->ckpt_every, NULL));
    PetscCall(PetscOptionsReal("-teann_checkpoint_seconds", "Write <output_dir>/checkpoint.nc when this many seconds passed since the last one (0: off)", "TeannFitCheckpointSetFromOptions", fit->ckpt_seconds, &fit->ckpt_seconds, NULL));
    PetscOptionsEnd();
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitCheckpointHashSplit(TeannFit fit, PetscInt N, const PetscInt perm[])
{
  uint64_t h = 0xcbf29ce484222325ULL;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < N; i++) {
    long long v = perm[i];
    Fnv1a(&h, &v, sizeof(v));
  }
  {
    long long n = N;
    Fnv1a(&h, &n, sizeof(n));
  }
  fit->split_hash = (unsigned long long)h;
  PetscFunctionReturn(0);
}

/* Per kind: the norm of the training mean and the training standard deviation (data fingerprint). */
static PetscErrorCode FitStats(TeannFit fit, PetscReal s[])
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    PetscReal m2 = 0;
    for (PetscInt c = 0; c < TEANN_MAX_COMP; c++) m2 += fit->stats.mean[k][c] * fit->stats.mean[k][c];
    s[k]               = PetscSqrtReal(m2);
    s[TEANN_NKIND + k] = fit->stats.std[k];
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ set-up */

/* Check the checkpoint against this fit and take over its state. */
static PetscErrorCode CkptApply(TeannFit fit, Ckpt *c)
{
  char      *now, key[256], v0[PETSC_MAX_PATH_LEN], v1[PETSC_MAX_PATH_LEN], hash[32];
  PetscInt   nloc = fit->rend - fit->rstart, its = (PetscInt)c->state.iteration;
  PetscReal  st[2 * TEANN_NKIND];
  TaoType    type;

  PetscFunctionBegin;
  /* the model, the data and the split must be those of the checkpoint */
  PetscCall(CkptSettings(fit, PETSC_TRUE, &now));
  for (const char *p = c->settings; p && *p;) {
    const char *e = strchr(p, '\n'), *sp = strchr(p, ' ');
    size_t      kn;
    if (!e || !sp || sp > e) break;
    kn = PetscMin((size_t)(sp - p), sizeof(key) - 1);
    memcpy(key, p, kn);
    key[kn] = 0;
    PetscCall(SettingsFind(c->settings, key, v0, sizeof(v0)));
    PetscCall(SettingsFind(now, key, v1, sizeof(v1)));
    PetscCheck(!strcmp(v0, v1), fit->comm, PETSC_ERR_USER_INPUT, "cannot restart from %s: %s is \"%s\" in the checkpoint but \"%s\" now; a restart must keep the model, the data and the split (start a new fit instead)", c->path, key, v0, v1);
    p = e + 1;
  }
  PetscCall(PetscFree(now));
  PetscCall(PetscSNPrintf(hash, sizeof(hash), "%016llx", fit->split_hash));
  PetscCheck(!strcmp(hash, c->split_hash) && c->state.frames[0] == fit->nglob[0] && c->state.frames[1] == fit->nglob[1] && c->state.frames[2] == fit->nglob[2], fit->comm, PETSC_ERR_USER_INPUT,
             "cannot restart from %s: the split differs (checkpoint: %lld/%lld/%lld train/validation/test frames, hash %s; now %" PetscInt_FMT "/%" PetscInt_FMT "/%" PetscInt_FMT ", hash %s): the data files changed", c->path, c->state.frames[0], c->state.frames[1], c->state.frames[2], c->split_hash, fit->nglob[0], fit->nglob[1], fit->nglob[2], hash);
  PetscCall(FitStats(fit, st));
  for (PetscInt i = 0; i < 2 * TEANN_NKIND; i++)
    PetscCheck(PetscAbsReal(st[i] - c->stats[i]) <= 1e-9 * PetscMax(PetscAbsReal(st[i]), PetscAbsReal(c->stats[i])), fit->comm, PETSC_ERR_USER_INPUT, "cannot restart from %s: the training data differ from the checkpoint's (%s %s %.17g, checkpoint %.17g)", c->path, TeannProperties[i % TEANN_NKIND].name, i < TEANN_NKIND ? "mean norm" : "std", (double)st[i], (double)c->stats[i]);
  PetscCheck(c->state.nparam == fit->nparam, fit->comm, PETSC_ERR_USER_INPUT, "cannot restart from %s: %lld parameters in the checkpoint, %" PetscInt_FMT " in this model", c->path, c->state.nparam, fit->nparam);

  /* optimizer options may change: say which */
  {
    char       *cur;
    const char *p;
    char        name[256];
    PetscCall(PetscOptionsGetAll(NULL, &cur));
    for (p = c->options; p;) {
      PetscCall(OptionsNext(&p, name, sizeof(name), v0, sizeof(v0)));
      if (!p || !name[0] || OptionNotInherited(name)) continue;
      {
        const char *q = cur;
        char        n2[256];
        PetscBool   found = PETSC_FALSE;
        while (q) {
          PetscCall(OptionsNext(&q, n2, sizeof(n2), v1, sizeof(v1)));
          if (q && !strcmp(n2, name)) {
            found = PETSC_TRUE;
            break;
          }
        }
        if (found && strcmp(v0, v1)) PetscCall(PetscPrintf(fit->comm, "restart: option %s changed from %s to %s\n", name, v0[0] ? v0 : "(set)", v1[0] ? v1 : "(set)"));
      }
    }
    for (p = cur; p;) {
      PetscCall(OptionsNext(&p, name, sizeof(name), v1, sizeof(v1)));
      if (!p || !name[0] || OptionNotInherited(name)) continue;
      {
        const char *q = c->options;
        char        n2[256];
        PetscBool   found = PETSC_FALSE;
        while (q) {
          PetscCall(OptionsNext(&q, n2, sizeof(n2), v0, sizeof(v0)));
          if (q && !strcmp(n2, name)) {
            found = PETSC_TRUE;
            break;
          }
        }
        if (!found) PetscCall(PetscPrintf(fit->comm, "restart: option %s %s added\n", name, v1));
      }
    }
    PetscCall(PetscFree(cur));
  }
  PetscCall(TaoGetType(fit->tao, &type));
  if (strcmp(type, c->tao_type)) PetscCall(PetscPrintf(fit->comm, "restart: the checkpoint was written by -tao_type %s, continuing with %s and a fresh method state\n", c->tao_type, type));

  /* the state */
  {
    PetscReal *x, *b;
    PetscCall(VecGetArray(fit->theta, &x));
    PetscCall(VecGetArray(fit->best, &b));
    PetscCall(PetscArraycpy(x, c->theta + fit->rstart, nloc));
    PetscCall(PetscArraycpy(b, c->best + fit->rstart, nloc));
    PetscCall(VecRestoreArray(fit->best, &b));
    PetscCall(VecRestoreArray(fit->theta, &x));
  }
  fit->itoffset   = its;
  fit->best_it    = (PetscInt)c->state.best_iteration;
  fit->best_vloss = c->best_vloss;
  fit->lsrestarts = (PetscInt)c->state.line_search_restarts;
  fit->lm_lambda  = c->lm_lambda;
  fit->lm_nu      = c->lm_nu;
  PetscCall(TeannFitBalanceSetScale(fit, c->bal_c));
  PetscCall(TeannFitStandardizeSet(fit, c->path, c->nstd, c->fstd, c->kappa));
  {
    PetscBool ls;
    /* brgn read its damping before this point: hand it the checkpoint's */
    PetscCall(TeannFitIsLeastSquares(fit, &ls));
    if (ls && c->lm_lambda > 0) PetscCall(TeannFitSetLMDampingState(fit, c->lm_lambda, c->lm_nu));
  }
  fit->ckpt_it    = its;
  fit->stop       = (PetscBool)((fit->nglob[1] && fit->patience > 0 && its - fit->best_it >= fit->patience) || fit->lsrestarts >= TEANN_MAX_LS_RESTARTS);
  PetscCall(PetscFree(fit->hist));
  fit->hn   = (PetscInt)c->state.history_rows;
  fit->hcap = fit->hn + 64;
  PetscCall(PetscMalloc1(fit->hcap * HIST_W, &fit->hist));
  PetscCall(PetscArraycpy(fit->hist, c->hist, fit->hn * HIST_W));
  /* the wall-time column goes on from where the checkpoint left it */
  if (fit->hn) fit->t0 = MPI_Wtime() - fit->hist[(fit->hn - 1) * HIST_W + 4];
  if (fit->qn_on && !strcmp(type, c->tao_type)) {
    fit->qn_n    = PetscMin((PetscInt)c->state.qn_points, fit->qn_m);
    fit->qn_from = (PetscInt)c->state.qn_from;
    for (PetscInt i = 0; i < fit->qn_n; i++) {
      PetscInt j = (PetscInt)c->state.qn_points - fit->qn_n + i;
      PetscCall(PetscArraycpy(fit->qn_x + i * nloc, c->qx + j * fit->nparam + fit->rstart, nloc));
      PetscCall(PetscArraycpy(fit->qn_g + i * nloc, c->qg + j * fit->nparam + fit->rstart, nloc));
      fit->qn_f[i]  = c->qf[j];
      fit->qn_gn[i] = c->qgn[j];
      fit->qn_it[i] = c->qit[j];
    }
  } else if (fit->qn_on) fit->qn_from = its;
  if (!fit->qn_on) {
    PetscBool ls;
    PetscCall(TeannFitIsLeastSquares(fit, &ls));
    if (!ls) PetscCall(PetscPrintf(fit->comm, "restart: -tao_type %s starts afresh from the checkpoint's parameters (only bqnls continues its L-BFGS history exactly)\n", type));
  }
  fit->restored = PETSC_TRUE;
  PetscCall(PetscPrintf(fit->comm, "restart: continuing from %s at iteration %" PetscInt_FMT " (best validation at iteration %" PetscInt_FMT ")\n", c->path, its, fit->best_it));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitCheckpointSetUp(TeannFit fit)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)fit->tao, TAOBQNLS, &fit->qn_on));
  if (fit->qn_on) {
    Mat       B;
    PetscBool set;
    PetscInt  m = 5, nloc = fit->rend - fit->rstart;
    /* a diagonal J0 depends on every point since the last reset; a scalar one on the stored pairs only */
    PetscCall(TaoGetLMVMMatrix(fit->tao, &B));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-tao_bqnls_mat_lmvm_scale_type", &set));
    if (!set) PetscCall(MatLMVMSymBroydenSetScaleType(B, MAT_LMVM_SYMBROYDEN_SCALE_SCALAR));
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-tao_bqnls_mat_lmvm_hist_size", &m, NULL));
    /* m pairs need m+1 points; a few more cover rejected pairs */
    fit->qn_m = m + 4;
    PetscCall(PetscMalloc2(fit->qn_m * nloc + 1, &fit->qn_x, fit->qn_m * nloc + 1, &fit->qn_g));
    PetscCall(PetscMalloc3(fit->qn_m, &fit->qn_f, fit->qn_m, &fit->qn_gn, fit->qn_m, &fit->qn_it));
  }
  if (fit->ckpt) {
    Ckpt *c = (Ckpt *)fit->ckpt;
    PetscCall(CkptApply(fit, c));
    PetscCall(CkptFree(&c));
    fit->ckpt = NULL;
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ writing */

static PetscErrorCode GatherToZero(TeannFit fit, const PetscReal loc[], PetscReal all[])
{
  PetscMPIInt size, *displs, n;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(fit->comm, &size));
  PetscCall(PetscMalloc1(size, &displs));
  displs[0] = 0;
  for (PetscMPIInt r = 1; r < size; r++) displs[r] = displs[r - 1] + fit->counts[r - 1];
  PetscCall(PetscMPIIntCast(fit->rend - fit->rstart, &n));
  PetscCallMPI(MPI_Gatherv(loc, n, MPIU_REAL, all, fit->counts, displs, MPIU_REAL, 0, fit->comm));
  PetscCall(PetscFree(displs));
  PetscFunctionReturn(0);
}

/* The new checkpoint goes to checkpoint.new.nc (TeannNCCreate/TeannNCClose: temporary name,
   fsync, rename); then checkpoint.nc becomes checkpoint.prev.nc and the new one checkpoint.nc. */
PetscErrorCode TeannFitCheckpointWrite(TeannFit fit)
{
  PetscMPIInt      rank;
  Ckpt             c;
  TeannNCFile      f;
  Vec              X;
  const PetscReal *x;
  TaoType          type;
  PetscInt         np = fit->nparam, nq = fit->qn_on ? fit->qn_n : 0, nloc = fit->rend - fit->rstart;
  char             path[PETSC_MAX_PATH_LEN], next[PETSC_MAX_PATH_LEN], prev[PETSC_MAX_PATH_LEN], sum[32];
  int              ok = 1;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(fit->comm, &rank));
  PetscCall(TeannFitMakeDir(fit->comm, fit->outdir));
  PetscCall(TeannFitOutputPath(fit, "checkpoint.nc", path, sizeof(path)));
  PetscCall(TeannFitOutputPath(fit, "checkpoint.new.nc", next, sizeof(next)));
  PetscCall(TeannFitOutputPath(fit, "checkpoint.prev.nc", prev, sizeof(prev)));
  PetscCall(PetscMemzero(&c, sizeof(c)));
  c.state.iteration = fit->hn ? (long long)fit->hist[(fit->hn - 1) * HIST_W] : 0;
  c.state.best_iteration = fit->best_it;
  /* after a failed line search the driver restarts TAO (counting it) or ends the fit: the
     checkpoint holds the count as the next solve sees it, above 20 when there is none */
  c.state.line_search_restarts = fit->lsrestarts + (fit->lsfailed ? 1 : 0);
  c.state.qn_from = fit->qn_from;
  c.state.nparam = np;
  c.state.qn_points = nq;
  c.state.history_rows = fit->hn;
  c.state.frames[0] = fit->nglob[0];
  c.state.frames[1] = fit->nglob[1];
  c.state.frames[2] = fit->nglob[2];
  c.best_vloss = fit->best_vloss;
  c.lm_lambda  = fit->lm_lambda;
  c.lm_nu      = fit->lm_nu;
  PetscCall(TeannFitBalanceGetScale(fit, &c.bal_c));
  {
    const PetscReal *v;
    PetscCall(TeannFitStandardizeGet(fit, &c.nstd, &v));
    c.fstd  = (PetscReal *)v; /* not owned: not freed below */
    c.kappa = fit->kappa;
  }
  PetscCall(FitStats(fit, c.stats));
  c.nkind = TEANN_NKIND;
  PetscCall(PetscSNPrintf(c.split_hash, sizeof(c.split_hash), "%016llx", fit->split_hash));
  PetscCall(TaoGetType(fit->tao, &type));
  PetscCall(PetscStrncpy(c.tao_type, type, sizeof(c.tao_type)));
  PetscCall(PetscOptionsGetAll(NULL, &c.options));
  PetscCall(CkptSettings(fit, PETSC_TRUE, &c.settings));
  if (rank == 0) {
    PetscCall(PetscMalloc1(np, &c.theta));
    PetscCall(PetscMalloc1(np, &c.best));
    PetscCall(PetscMalloc1(np * nq + 1, &c.qx));
    PetscCall(PetscMalloc1(np * nq + 1, &c.qg));
  }
  PetscCall(TaoGetSolution(fit->tao, &X));
  PetscCall(VecGetArrayRead(X, &x));
  PetscCall(GatherToZero(fit, x, c.theta));
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscCall(VecGetArrayRead(fit->best, &x));
  PetscCall(GatherToZero(fit, x, c.best));
  PetscCall(VecRestoreArrayRead(fit->best, &x));
  for (PetscInt i = 0; i < nq; i++) {
    PetscCall(GatherToZero(fit, fit->qn_x + i * nloc, rank ? NULL : c.qx + i * np));
    PetscCall(GatherToZero(fit, fit->qn_g + i * nloc, rank ? NULL : c.qg + i * np));
  }
  c.qf   = fit->qn_f;
  c.qgn  = fit->qn_gn;
  c.qit  = fit->qn_it;
  c.hist = fit->hist;

  PetscCall(TeannNCCreate(fit->comm, next, "teann fit checkpoint", PETSC_FALSE, &f));
  if (rank == 0) {
    int       dpar, dq, dh, dw, dims[2], var;
    long long *it;
    int        version = CKPT_VERSION;

    PetscCallNC(f.tmp, nc_put_att_int(f.ncid, NC_GLOBAL, "checkpoint_version", NC_INT, 1, &version));
    for (PetscInt i = 0; i < CKPT_NSTATE; i++) PetscCallNC(f.tmp, nc_put_att_longlong(f.ncid, NC_GLOBAL, CkptStateFields[i].name, NC_INT64, 1, CkptStateField(&c.state, i)));
    PetscCallNC(f.tmp, nc_put_att_double(f.ncid, NC_GLOBAL, "best_validation_loss", NC_DOUBLE, 1, &c.best_vloss));
    PetscCallNC(f.tmp, nc_put_att_double(f.ncid, NC_GLOBAL, "lm_damping", NC_DOUBLE, 1, &c.lm_lambda));
    PetscCallNC(f.tmp, nc_put_att_double(f.ncid, NC_GLOBAL, "lm_damping_nu", NC_DOUBLE, 1, &c.lm_nu));
    if (c.bal_c > 0) PetscCallNC(f.tmp, nc_put_att_double(f.ncid, NC_GLOBAL, "balance_scale", NC_DOUBLE, 1, &c.bal_c));
    if (c.nstd > 0) {
      PetscCallNC(f.tmp, nc_put_att_double(f.ncid, NC_GLOBAL, "feature_standardization", NC_DOUBLE, (size_t)c.nstd, c.fstd));
      PetscCallNC(f.tmp, nc_put_att_double(f.ncid, NC_GLOBAL, "objective_factor", NC_DOUBLE, 1, &c.kappa));
    }
    PetscCallNC(f.tmp, nc_put_att_double(f.ncid, NC_GLOBAL, "training_statistics", NC_DOUBLE, 2 * TEANN_NKIND, c.stats));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "split_hash", c.split_hash));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "tao_type", c.tao_type));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "options", c.options));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "settings", c.settings));
    PetscCallNC(f.tmp, nc_def_dim(f.ncid, "parameter", (size_t)np, &dpar));
    PetscCallNC(f.tmp, nc_def_dim(f.ncid, "qn_point", (size_t)nq, &dq));
    PetscCallNC(f.tmp, nc_def_dim(f.ncid, "iteration", (size_t)fit->hn, &dh));
    PetscCallNC(f.tmp, nc_def_dim(f.ncid, "history_column", HIST_W, &dw));
    PetscCallNC(f.tmp, nc_def_var(f.ncid, "theta", NC_DOUBLE, 1, &dpar, &var));
    PetscCall(TeannNCPutText(&f, var, "long_name", "parameters at the checkpoint's iteration"));
    PetscCallNC(f.tmp, nc_put_var_double(f.ncid, var, c.theta));
    PetscCallNC(f.tmp, nc_def_var(f.ncid, "best_theta", NC_DOUBLE, 1, &dpar, &var));
    PetscCall(TeannNCPutText(&f, var, "long_name", "parameters of the best validation loss so far"));
    PetscCallNC(f.tmp, nc_put_var_double(f.ncid, var, c.best));
    dims[0] = dq;
    dims[1] = dpar;
    PetscCallNC(f.tmp, nc_def_var(f.ncid, "qn_theta", NC_DOUBLE, 2, dims, &var));
    PetscCall(TeannNCPutText(&f, var, "long_name", "last accepted points of the L-BFGS history (bqnls)"));
    if (nq) PetscCallNC(f.tmp, nc_put_var_double(f.ncid, var, c.qx));
    PetscCallNC(f.tmp, nc_def_var(f.ncid, "qn_gradient", NC_DOUBLE, 2, dims, &var));
    if (nq) PetscCallNC(f.tmp, nc_put_var_double(f.ncid, var, c.qg));
    PetscCallNC(f.tmp, nc_def_var(f.ncid, "qn_loss", NC_DOUBLE, 1, &dq, &var));
    if (nq) PetscCallNC(f.tmp, nc_put_var_double(f.ncid, var, c.qf));
    PetscCallNC(f.tmp, nc_def_var(f.ncid, "qn_gradient_norm", NC_DOUBLE, 1, &dq, &var));
    if (nq) PetscCallNC(f.tmp, nc_put_var_double(f.ncid, var, c.qgn));
    PetscCallNC(f.tmp, nc_def_var(f.ncid, "qn_iteration", NC_INT64, 1, &dq, &var));
    PetscCall(PetscMalloc1(nq + 1, &it));
    for (PetscInt i = 0; i < nq; i++) it[i] = c.qit[i];
    if (nq) PetscCallNC(f.tmp, nc_put_var_longlong(f.ncid, var, it));
    PetscCall(PetscFree(it));
    dims[0] = dh;
    dims[1] = dw;
    PetscCallNC(f.tmp, nc_def_var(f.ncid, "history", NC_DOUBLE, 2, dims, &var));
    PetscCall(TeannNCPutText(&f, var, "long_name", "history.nc rows: iteration, loss, gradient_norm, step_length, wall_time, train RMSE per kind, validation RMSE per kind"));
    if (fit->hn) PetscCallNC(f.tmp, nc_put_var_double(f.ncid, var, c.hist));
    PetscCall(CkptChecksum(&c, sum));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "checksum", sum));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "checksum_algorithm", "FNV-1a 64 over the state attributes, every numeric variable and the texts (src/checkpoint.c)"));
  }
  PetscCall(TeannNCClose(&f));
  if (rank == 0) {
    PetscBool exists;
    PetscCall(PetscTestFile(path, 'r', &exists));
    if (exists) ok = rename(path, prev) == 0;
    ok = ok && rename(next, path) == 0;
    {
      /* make the renames durable */
      int fd = open(fit->outdir, O_RDONLY);
      if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
      }
    }
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, fit->comm));
  PetscCheck(ok, fit->comm, PETSC_ERR_FILE_WRITE, "cannot move %s onto %s", next, path);
  /* history.nc as far as the checkpoint goes, for a job that is killed before its end */
  PetscCall(TeannFitOutputPath(fit, "history.nc", path, sizeof(path)));
  PetscCall(TeannFitWriteHistory(fit, path));
  fit->ckpt_it   = (PetscInt)c.state.iteration;
  fit->ckpt_last = MPI_Wtime();
  if (rank == 0) {
    PetscCall(PetscFree(c.theta));
    PetscCall(PetscFree(c.best));
    PetscCall(PetscFree(c.qx));
    PetscCall(PetscFree(c.qg));
  }
  PetscCall(PetscFree(c.options));
  PetscCall(PetscFree(c.settings));
  PetscCall(PetscInfo(NULL, "checkpoint at iteration %lld written in %s\n", c.state.iteration, fit->outdir));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ the solve */

PetscErrorCode TeannFitCheckpointBeginSolve(TeannFit fit)
{
  PetscFunctionBegin;
  PetscCall(TeannFitWriteStatus(fit, "running"));
  /* history.txt: the rows so far (none, or those of the checkpoint) */
  PetscCall(TeannFitHistoryTextRewrite(fit));
  PetscCall(TeannFitHistoryTextAppend(fit, 0));
  fit->signo     = 0;
  fit->ckpt_last = MPI_Wtime();
  if (fit->qn_on && fit->restored) PetscCall(TeannFitQNReplay(fit));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannRestartCommand(MPI_Comm comm, const char ckpt[], char cmd[], size_t len)
{
  int         argc;
  char      **argv, prog[PETSC_MAX_PATH_LEN], *libs, *base;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCall(PetscGetArgs(&argc, &argv));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscStrncpy(prog, argc > 0 && argv[0] ? argv[0] : "teann-train", sizeof(prog)));
  /* In a build tree argv[0] is libtool's real binary, DIR/.libs/[lt-]teann-train, which finds
     libteann.so only when started by its wrapper script DIR/teann-train: name the wrapper. */
  base = strrchr(prog, '/');
  base = base ? base + 1 : prog;
  if (!strncmp(base, "lt-", 3)) memmove(base, base + 3, strlen(base + 3) + 1);
  if (!strncmp(prog, ".libs/", 6)) {
    /* ".libs/teann-train": the wrapper is ./teann-train (a bare name would be looked up in PATH) */
    memmove(prog + 2, prog + 6, strlen(prog + 6) + 1);
    prog[0] = '.';
    prog[1] = '/';
  } else if ((libs = strstr(prog, "/.libs/")) && !strchr(libs + 7, '/')) memmove(libs + 1, libs + 7, strlen(libs + 7) + 1);
  PetscCall(PetscSNPrintf(cmd, len, "mpiexec -n %d %s -teann_restart %s", (int)size, prog, ckpt));
  PetscFunctionReturn(0);
}

static PetscErrorCode RestartHint(TeannFit fit, const char path[])
{
  char cmd[2 * PETSC_MAX_PATH_LEN + 64];

  PetscFunctionBegin;
  PetscCall(PetscPrintf(fit->comm, "teann-train: stopped by %s at iteration %" PetscInt_FMT "; checkpoint %s written\n", TeannSignalName(fit->signo), fit->ckpt_it, path));
  /* an ensemble's member: its own command would name one member's checkpoint and its group's
     rank count; the ensemble prints the one for all members when they have stopped (ensemble.c) */
  if (fit->suffix[0]) PetscFunctionReturn(0);
  PetscCall(TeannRestartCommand(fit->comm, path, cmd, sizeof(cmd)));
  PetscCall(PetscPrintf(fit->comm, "to continue (from this directory): %s\n", cmd));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitCheckpointMonitor(TeannFit fit, Tao tao, PetscInt its)
{
  PetscInt           dummy;
  PetscReal          f, gnorm, cnorm, xdiff;
  TaoConvergedReason reason;
  PetscMPIInt        rank, flags[2] = {0, 0};
  PetscBool          due;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(fit->comm, &rank));
  PetscCall(TaoGetSolutionStatus(tao, &dummy, &f, &gnorm, &cnorm, &xdiff, &reason));
  fit->lsfailed = (PetscBool)(reason == TAO_DIVERGED_LS_FAILURE);
  if (fit->qn_on) PetscCall(TeannFitQNRecord(fit, tao, its, f, reason));
  PetscCall(TeannFitHistoryTextAppend(fit, fit->hn - 1));
  /* one collective per iteration: any rank's signal, rank 0's clock */
  PetscCall(TeannSignalsPending(&flags[0]));
  if (rank == 0 && fit->ckpt_seconds > 0 && MPI_Wtime() - fit->ckpt_last >= fit->ckpt_seconds) flags[1] = 1;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_MAX, fit->comm));
  due = (PetscBool)(flags[0] || flags[1] || (fit->ckpt_every > 0 && its > 0 && its % fit->ckpt_every == 0));
  if (due) PetscCall(TeannFitCheckpointWrite(fit));
  if (flags[0]) {
    char path[PETSC_MAX_PATH_LEN];
    fit->signo = flags[0];
    fit->stop  = PETSC_TRUE;
    PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
    PetscCall(TeannFitOutputPath(fit, "checkpoint.nc", path, sizeof(path)));
    PetscCall(RestartHint(fit, path));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitCheckpointEndSolve(TeannFit fit)
{
  PetscInt last = fit->hn ? (PetscInt)fit->hist[(fit->hn - 1) * HIST_W] : 0;

  PetscFunctionBegin;
  PetscCall(TaoSetRecycleHistory(fit->tao, PETSC_FALSE));
  if (!fit->signo && fit->ckpt_it != last) PetscCall(TeannFitCheckpointWrite(fit));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFitCheckpointDestroy(TeannFit fit)
{
  PetscFunctionBegin;
  PetscCall(TeannSignalsRestore());
  if (fit->ckpt) {
    Ckpt *c = (Ckpt *)fit->ckpt;
    PetscCall(CkptFree(&c));
    fit->ckpt = NULL;
  }
  if (fit->qn_m) {
    PetscCall(PetscFree2(fit->qn_x, fit->qn_g));
    PetscCall(PetscFree3(fit->qn_f, fit->qn_gn, fit->qn_it));
    fit->qn_m = 0;
  }
  PetscFunctionReturn(0);
}
