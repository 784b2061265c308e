/* The ensemble driver (ensemble.h; doc/fit.md "Ensembles"): rank groups, one TeannFit per
 * member, then the committee's model.nc, predictions.nc and error table on all ranks. */
#include "ensemble.h"
#include "fitimpl.h"
#include "checkpoint.h"
#include "history.h"
#include "signals.h"
#include "ncutil.h"
#include "source.h"
#include "standardize.h"
#include <stdint.h>
#include <errno.h>
#include <unistd.h>

static const char *SubsetName[3] = {"train", "valid", "test"};

PetscErrorCode TeannFitBootstrapIds(TeannFit fit, PetscInt n, PetscInt ids[])
{
  PetscInt *from;
  /* a stream of its own per (seed, member), unrelated to the split's (TeannSplit) */
  uint64_t  s = (uint64_t)fit->seed * 0xD1B54A32D192ED03ULL + (uint64_t)(fit->member + 1) * 0x8CB92BA72F3D8DD7ULL + 0x5851F42D4C957F2DULL;

  PetscFunctionBegin;
  if (n <= 0) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(n, &from));
  PetscCall(PetscArraycpy(from, ids, n));
  /* draws from the sorted ids: the resample depends on the training set, not on its order */
  PetscCall(PetscSortInt(n, from));
  for (PetscInt i = 0; i < n; i++) ids[i] = from[TeannSplitMix64(&s) % (uint64_t)n];
  PetscCall(PetscSortInt(n, ids));
  PetscCall(PetscFree(from));
  PetscFunctionReturn(0);
}

/* path's directory part into dir and its file name without "-member<k>" into base. */
static PetscErrorCode MemberBase(const char path[], char dir[], size_t dlen, char base[], size_t blen)
{
  const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
  char       *m;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(dir, dlen, "%.*s", slash ? (int)(slash - path + 1) : 0, path));
  PetscCall(PetscStrncpy(base, name, blen));
  if ((m = strstr(base, "-member"))) {
    char *e = m + 7;
    while (*e >= '0' && *e <= '9') e++;
    if (e > m + 7) memmove(m, e, strlen(e) + 1);
  }
  PetscFunctionReturn(0);
}

/* The checkpoint of member k for the checkpoint path given to -teann_restart. */
static PetscErrorCode MemberPath(const char path[], PetscInt k, char out[], size_t len)
{
  char        dir[PETSC_MAX_PATH_LEN], base[PETSC_MAX_PATH_LEN];
  const char *dot;

  PetscFunctionBegin;
  PetscCall(MemberBase(path, dir, sizeof(dir), base, sizeof(base)));
  dot = strchr(base, '.');
  PetscCall(PetscSNPrintf(out, len, "%s%.*s-member%" PetscInt_FMT "%s", dir, dot ? (int)(dot - base) : (int)strlen(base), base, k, dot ? dot : ""));
  PetscFunctionReturn(0);
}

/* The value of option name in a checkpoint's options text ("-a 1 -b -c x"); *found. */
static void OptionInText(const char *text, const char name[], char val[], size_t len, PetscBool *found)
{
  const size_t n = strlen(name);
  *found         = PETSC_FALSE;
  val[0]         = 0;
  for (const char *p = text; p && (p = strstr(p, name)); p += n) {
    const char *v = p + n, *e;
    if ((p != text && p[-1] != ' ') || (*v && *v != ' ')) continue;
    *found = PETSC_TRUE;
    while (*v == ' ') v++;
    if (*v == '-' && !(v[1] >= '0' && v[1] <= '9')) return; /* the next option: a flag */
    for (e = v; *e && *e != ' '; e++) {}
    (void)snprintf(val, len, "%.*s", (int)(e - v), v);
    return;
  }
}

/* Whether checkpoint path or one a restart would take in its place (its .new.nc or .prev.nc,
   CkptLoad in checkpoint.c) exists. */
static PetscErrorCode CheckpointExists(const char path[], PetscBool *exists)
{
  const char *sib[3] = {"", ".new.nc", ".prev.nc"};

  PetscFunctionBegin;
  *exists = PETSC_FALSE;
  for (int i = 0; i < 3 && !*exists; i++) {
    char name[PETSC_MAX_PATH_LEN];
    if (i) PetscCall(TeannFitCheckpointSibling(path, sib[i], name, sizeof(name)));
    else PetscCall(PetscStrncpy(name, path, sizeof(name)));
    PetscCall(PetscTestFile(name, 'r', exists));
  }
  PetscFunctionReturn(0);
}

/* The options text of the first readable of path, its .new.nc and .prev.nc (rank 0 only). */
static PetscErrorCode CheckpointOptions(const char path[], char **text)
{
  const char *sib[3] = {"", ".new.nc", ".prev.nc"};

  PetscFunctionBegin;
  *text = NULL;
  for (int i = 0; i < 3 && !*text; i++) {
    char      name[PETSC_MAX_PATH_LEN];
    PetscBool exists;
    int       ncid;
    size_t    n;
    if (i) PetscCall(TeannFitCheckpointSibling(path, sib[i], name, sizeof(name)));
    else PetscCall(PetscStrncpy(name, path, sizeof(name)));
    PetscCall(PetscTestFile(name, 'r', &exists));
    /* a damaged file is skipped here; the member's restart says what is wrong with it */
    if (!exists || nc_open(name, NC_NOWRITE, &ncid) != NC_NOERR) continue;
    if (nc_inq_attlen(ncid, NC_GLOBAL, "options", &n) == NC_NOERR) {
      PetscCall(PetscMalloc1(n + 1, text));
      if (nc_get_att_text(ncid, NC_GLOBAL, "options", *text) == NC_NOERR) (*text)[n] = 0;
      else PetscCall(PetscFree(*text));
    }
    (void)nc_close(ncid);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEnsembleGetOptions(MPI_Comm comm, PetscInt *K, PetscBool *bootstrap, PetscBool *members)
{
  char      restart[PETSC_MAX_PATH_LEN] = "";
  PetscBool hasK, hasR, hasB, bgiven = PETSC_FALSE;
  PetscInt  Kgiven = 1;

  PetscFunctionBegin;
  *K         = 1;
  *bootstrap = PETSC_FALSE;
  *members   = PETSC_FALSE;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-teann_ensemble", &Kgiven, &hasK));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-teann_ensemble_bootstrap", &bgiven, &hasB));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-teann_restart", restart, sizeof(restart), &hasR));
  if (hasR && restart[0]) {
    /* A restart continues the fit of its checkpoint: an ensemble's (its members' checkpoints
       carry -teann_ensemble and -teann_ensemble_bootstrap) or a single fit's. Neither option
       can change that; given, it must agree. */
    char        path[PETSC_MAX_PATH_LEN], val[64] = "";
    int         kind = 0, found = 1, boot = 0; /* kind: 0 no checkpoint, 1 a single fit's, 2 an ensemble's */
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    PetscCall(MemberPath(restart, 0, path, sizeof(path)));
    if (rank == 0) {
      PetscBool   plain, m0, fk, fb;
      char       *text;
      const char *bn = strrchr(restart, '/');
      PetscCall(CheckpointExists(restart, &plain));
      PetscCall(CheckpointExists(path, &m0));
      /* a single fit's own checkpoint.nc (no "-member" in its name) is not an ensemble's */
      if (m0 && (!plain || strstr(bn ? bn + 1 : restart, "-member"))) kind = 2;
      else if (plain) kind = 1;
      if (kind == 2) {
        PetscCall(CheckpointOptions(path, &text));
        if (text) {
          OptionInText(text, "-teann_ensemble", val, sizeof(val), &fk);
          if (fk) found = atoi(val);
          OptionInText(text, "-teann_ensemble_bootstrap", val, sizeof(val), &fb);
          boot = fb && strcmp(val, "false") && strcmp(val, "0") && strcmp(val, "no");
        }
        PetscCall(PetscFree(text));
      }
    }
    PetscCallMPI(MPI_Bcast(&kind, 1, MPI_INT, 0, comm));
    PetscCallMPI(MPI_Bcast(&found, 1, MPI_INT, 0, comm));
    PetscCallMPI(MPI_Bcast(&boot, 1, MPI_INT, 0, comm));
    if (kind == 2) {
      PetscCheck(!hasK || Kgiven == found, comm, PETSC_ERR_USER_INPUT, "cannot restart from %s: the checkpoint holds an ensemble of %d member%s (%s); -teann_ensemble %" PetscInt_FMT " cannot change it (start a new fit for another count)", restart, found, found > 1 ? "s" : "", path, Kgiven);
      PetscCheck(!hasB || (int)bgiven == boot, comm, PETSC_ERR_USER_INPUT, "cannot restart from %s: the checkpoint's ensemble was fitted %s bootstrap resamples (%s); -teann_ensemble_bootstrap %s cannot change it (start a new fit instead)", restart, boot ? "on" : "without", path, bgiven ? "true" : "false");
      PetscCall(PetscSNPrintf(val, sizeof(val), "%d", found));
      PetscCall(PetscOptionsSetValue(NULL, "-teann_ensemble", val));
      if (boot) PetscCall(PetscOptionsSetValue(NULL, "-teann_ensemble_bootstrap", "true"));
    } else if (kind == 1) {
      PetscCheck(!(hasK && Kgiven != 1) && !(hasB && bgiven), comm, PETSC_ERR_USER_INPUT, "cannot restart from %s: it is a single fit's checkpoint; %s cannot make it an ensemble (start a new fit instead)", restart, hasB && bgiven ? "-teann_ensemble_bootstrap" : "-teann_ensemble");
    } else {
      /* no such file: the single fit's restart reports it, unless an ensemble was asked for,
         whose member files the user did not name */
      PetscCheck(!(hasK && Kgiven != 1) && !(hasB && bgiven), comm, PETSC_ERR_FILE_OPEN, "cannot restart: no checkpoint %s, nor an ensemble's %s", restart, path);
    }
  }
  PetscOptionsBegin(comm, NULL, "teann ensemble options", "TeannEnsemble");
  PetscCall(PetscOptionsInt("-teann_ensemble", "Fit a committee of this many models at once (rank groups; seeds -teann_seed + k)", "TeannEnsembleTrain", *K, K, NULL));
  PetscCall(PetscOptionsBool("-teann_ensemble_bootstrap", "Each member trains on its own resample (with replacement) of the training frames", "TeannEnsembleTrain", *bootstrap, bootstrap, NULL));
  PetscCall(PetscOptionsBool("-teann_ensemble_members", "predictions.nc also holds every member's predictions (<property>_predicted_members)", "TeannEnsembleTrain", *members, members, NULL));
  PetscOptionsEnd();
  PetscCheck(*K >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_ensemble %" PetscInt_FMT ": an ensemble needs at least 1 member", *K);
  PetscFunctionReturn(0);
}

/* <output_dir>/teann-train.status := word (rank 0, atomically) for the ensemble as a whole. */
static PetscErrorCode WriteStatus(MPI_Comm comm, const char outdir[], const char word[])
{
  char      path[PETSC_MAX_PATH_LEN];
  PetscBool slash;

  PetscFunctionBegin;
  PetscCall(TeannFitMakeDir(comm, outdir));
  PetscCall(PetscStrendswith(outdir, "/", &slash));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s%steann-train.status", outdir, slash ? "" : "/"));
  PetscCall(TeannWriteStatusFile(comm, path, word));
  PetscFunctionReturn(0);
}

/* What the committee stage needs of the member fits (all ranks have it after SetFromOptions). */
typedef struct {
  char      data[PETSC_MAX_PATH_LEN], valid[PETSC_MAX_PATH_LEN], test[PETSC_MAX_PATH_LEN], outdir[PETSC_MAX_PATH_LEN];
  PetscReal fvalid, ftest;
  PetscInt  seed;
} Settings;

/* The split of TeannFitSetUp() (-teann_seed alone decides it) on all ranks of comm, every
   frame once: train, validation and test frames with their predictions.nc keys. */
static PetscErrorCode BaseSplit(MPI_Comm comm, const Settings *S, TeannModel model, TeannFrames fr[3], PetscInt nglob[3], PetscInt keybase[3])
{
  TeannSource src[3] = {NULL, NULL, NULL};
  PetscInt    N, nsplit[3], *ids[3];
  const char *files[3] = {S->data, S->valid, S->test};

  PetscFunctionBegin;
  PetscCall(TeannSourceCreate(comm, S->data, model->cutoff, &src[0]));
  PetscCall(TeannSourceGetNumFrames(src[0], &N));
  for (PetscInt s = 1; s < 3; s++)
    if (files[s][0]) PetscCall(TeannSourceCreate(comm, files[s], model->cutoff, &src[s]));
  PetscCall(TeannSplitSubsets(N, S->seed, src[1] ? 0 : (PetscInt)PetscFloorReal(S->fvalid * N + 0.5), src[2] ? 0 : (PetscInt)PetscFloorReal(S->ftest * N + 0.5), nsplit, ids, NULL));
  for (PetscInt s = 0; s < 3; s++) {
    if (src[s] && s > 0) {
      PetscCall(TeannSourceGetNumFrames(src[s], &nsplit[s]));
      PetscCall(PetscFree(ids[s]));
      PetscCall(PetscMalloc1(nsplit[s] + 1, &ids[s]));
      for (PetscInt i = 0; i < nsplit[s]; i++) ids[s][i] = i;
    }
    PetscCall(TeannSourceDistribute(src[s] ? src[s] : src[0], nsplit[s], ids[s], &fr[s]));
    nglob[s] = nsplit[s];
    PetscCall(PetscFree(ids[s]));
  }
  {
    const PetscInt file[3] = {0, src[1] ? 1 : 0, src[2] ? 2 : 0};
    PetscCall(TeannFramesRequireAll(comm, 3, fr, file, model->props));
  }
  keybase[0] = 0;
  keybase[1] = src[1] ? N : 0;
  keybase[2] = src[2] ? N + (src[1] ? nglob[1] : 0) : 0;
  for (PetscInt s = 0; s < 3; s++) PetscCall(TeannSourceDestroy(&src[s]));
  PetscFunctionReturn(0);
}

/* Errors of the K members and of the committee mean on every subset; predictions.nc. */
static PetscErrorCode Committee(MPI_Comm comm, const Settings *S, TeannModel model, PetscInt K, const PetscReal theta[], const TeannStats *stats, PetscBool members)
{
  TeannFrames fr[3] = {NULL, NULL, NULL};
  PetscInt    nglob[3], keybase[3], np, ncomp, nacomp, n = 0, na = 0, m = 0, ma = 0, *key, *fid, *sub, *nat = NULL, *idx;
  PetscReal  *ref, *mpred, *mean, *std, *aref = NULL, *ampred = NULL, *amean = NULL, *astd = NULL;
  PetscReal   sse[3][TEANN_NKIND + 1][TEANN_NKIND], sae[3][TEANN_NKIND + 1][TEANN_NKIND], cnt[3][TEANN_NKIND + 1][TEANN_NKIND];
  PetscReal  *msse, *mcnt; /* per member, subset and kind */
  char        path[PETSC_MAX_PATH_LEN];
  PetscBool   slash;
  const PetscBool polar = (PetscBool)!!(model->props & TEANN_PROP_POLAR);
  PetscReal   ise[3][2], iae[3][2], icnt[3];

  PetscFunctionBegin;
  PetscCall(TeannModelGetNumParameters(model, &np));
  PetscCall(TeannModelGetNumComponents(model, &ncomp));
  PetscCall(TeannModelGetNumAtomComponents(model, &nacomp));
  PetscCall(BaseSplit(comm, S, model, fr, nglob, keybase));
  for (PetscInt s = 0; s < 3; s++) {
    n += fr[s]->nframes;
    na += fr[s]->natoms;
  }
  PetscCall(PetscMalloc5(n + 1, &key, n + 1, &fid, n + 1, &sub, n * ncomp + 1, &ref, (size_t)K * n * ncomp + 1, &mpred));
  PetscCall(PetscMalloc3(n * ncomp + 1, &mean, n * ncomp + 1, &std, n + 1, &idx));
  PetscCall(PetscCalloc2((size_t)K * 3 * TEANN_NKIND, &msse, (size_t)K * 3 * TEANN_NKIND, &mcnt));
  for (PetscInt i = 0; i < n; i++) idx[i] = i;
  if (nacomp) PetscCall(PetscMalloc5(n + 1, &nat, (size_t)na * nacomp + 1, &aref, (size_t)K * na * nacomp + 1, &ampred, (size_t)na * nacomp + 1, &amean, (size_t)na * nacomp + 1, &astd));
  for (PetscInt s = 0; s < 3; s++) {
    TeannFrames     f     = fr[s];
    TeannEval       ev    = NULL;
    const PetscInt  nf    = f->nframes, nfa = f->natoms;
    const char     *file  = s == 1 && S->valid[0] ? S->valid : s == 2 && S->test[0] ? S->test : S->data;
    PetscReal      *pk, *apk = NULL;

    PetscCall(PetscMalloc1((size_t)K * nf * ncomp + 1, &pk));
    if (nacomp) PetscCall(PetscMalloc1((size_t)K * nfa * nacomp + 1, &apk));
    if (nf) PetscCall(TeannEvalCreate(model, f, &ev));
    for (PetscInt k = 0; k < K; k++) {
      PetscReal e[TEANN_NKIND], c[TEANN_NKIND];
      if (nf) PetscCall(TeannEvalPredictAtoms(ev, theta + k * np, nf, idx, pk + (size_t)k * nf * ncomp, nacomp ? apk + (size_t)k * nfa * nacomp : NULL));
      PetscCall(TeannPredictionsCheckFinite(comm, file, model->props, nf, f->frame_id, pk + (size_t)k * nf * ncomp));
      PetscCall(TeannPredictionErrors(comm, model->props, f, pk + (size_t)k * nf * ncomp, nacomp ? apk + (size_t)k * nfa * nacomp : NULL, e, sae[s][0], c));
      for (PetscInt q = 0; q < TEANN_NKIND; q++) {
        msse[(k * 3 + s) * TEANN_NKIND + q] = e[q];
        mcnt[(k * 3 + s) * TEANN_NKIND + q] = c[q];
      }
      /* member-major in mpred: member k's frames of all subsets, in subset order */
      for (PetscInt i = 0; i < nf * ncomp; i++) mpred[(size_t)k * n * ncomp + m * ncomp + i] = pk[(size_t)k * nf * ncomp + i];
      for (PetscInt i = 0; i < nfa * nacomp; i++) ampred[(size_t)k * na * nacomp + (size_t)ma * nacomp + i] = apk[(size_t)k * nfa * nacomp + i];
    }
    if (ev) PetscCall(TeannEvalDestroy(&ev));
    /* the committee of this subset */
    {
      PetscReal *cm, *cs, *acm = NULL, *acs = NULL;
      PetscCall(PetscMalloc2(nf * ncomp + 1, &cm, nf * ncomp + 1, &cs));
      TeannCommitteeMeanStd(K, nf * ncomp, pk, cm, cs);
      if (nacomp) {
        PetscCall(PetscMalloc2((size_t)nfa * nacomp + 1, &acm, (size_t)nfa * nacomp + 1, &acs));
        TeannCommitteeMeanStd(K, nfa * nacomp, apk, acm, acs);
      }
      PetscCall(TeannPredictionErrors(comm, model->props, f, cm, acm, sse[s][0], sae[s][0], cnt[s][0]));
      if (polar) PetscCall(TeannPolarInvariantErrors(comm, model->props, f, cm, ise[s], iae[s], &icnt[s]));
      PetscCall(PetscArraycpy(mean + m * ncomp, cm, nf * ncomp));
      PetscCall(PetscArraycpy(std + m * ncomp, cs, nf * ncomp));
      if (nacomp) {
        PetscCall(PetscArraycpy(amean + (size_t)ma * nacomp, acm, (size_t)nfa * nacomp));
        PetscCall(PetscArraycpy(astd + (size_t)ma * nacomp, acs, (size_t)nfa * nacomp));
        PetscCall(TeannAtomReferences(model->props, f, aref + (size_t)ma * nacomp));
        PetscCall(PetscFree2(acm, acs));
      }
      PetscCall(PetscFree2(cm, cs));
    }
    for (PetscInt i = 0; i < nf; i++, m++) {
      key[m] = keybase[s] + f->frame_id[i];
      fid[m] = f->frame_id[i];
      sub[m] = s;
      if (nacomp) nat[m] = f->atom_start[i + 1] - f->atom_start[i];
      for (PetscInt q = 0; q < TEANN_NKIND; q++) {
        const PetscInt off = TeannPropertyOffset(model->props, q);
        if (off < 0) continue;
        for (PetscInt c = 0; c < TeannProperties[q].ncomp; c++) ref[m * ncomp + off + c] = f->y[q][i * TeannProperties[q].ncomp + c];
      }
    }
    ma += nfa;
    PetscCall(PetscFree(pk));
    PetscCall(PetscFree(apk));
  }

  /* the table: the committee mean as a single fit reports, then every member's RMSE */
  {
    PetscViewer v = PETSC_VIEWER_STDOUT_(comm);
    PetscCall(PetscViewerASCIIPrintf(v, "Final errors of the committee mean (%" PetscInt_FMT " members, best validation models)\n", K));
    PetscCall(PetscViewerASCIIPrintf(v, "  %-20s %-6s %7s %14s %14s  units\n", "property", "subset", "frames", "RMSE", "MAE"));
    for (PetscInt q = 0; q < TEANN_NKIND; q++) {
      if (!(model->props & TeannProperties[q].bit)) continue;
      for (PetscInt s = 0; s < 3; s++)
        if (nglob[s]) PetscCall(PetscViewerASCIIPrintf(v, "  %-20s %-6s %7" PetscInt_FMT " %14.6e %14.6e  %s\n", TeannProperties[q].name, SubsetName[s], nglob[s], (double)PetscSqrtReal(sse[s][0][q] / cnt[s][0][q]), (double)(sae[s][0][q] / cnt[s][0][q]), TeannPropertyUnits(q)));
      for (PetscInt z = 0; q == TEANN_K_POLAR && polar && z < 2; z++)
        for (PetscInt s = 0; s < 3; s++)
          if (nglob[s] && icnt[s] > 0) PetscCall(PetscViewerASCIIPrintf(v, "  %-20s %-6s %7" PetscInt_FMT " %14.6e %14.6e  %s\n", z ? "polarizability_aniso" : "polarizability_iso", SubsetName[s], nglob[s], (double)PetscSqrtReal(ise[s][z] / icnt[s]), (double)(iae[s][z] / icnt[s]), TeannPropertyUnits(q)));
    }
    PetscCall(PetscViewerASCIIPrintf(v, "RMSE of each member and of the committee mean\n  %-20s %-6s", "property", "subset"));
    for (PetscInt k = 0; k < K; k++) {
      char h[32];
      PetscCall(PetscSNPrintf(h, sizeof(h), "member %" PetscInt_FMT, k));
      PetscCall(PetscViewerASCIIPrintf(v, " %14s", h));
    }
    PetscCall(PetscViewerASCIIPrintf(v, " %14s  units\n", "mean"));
    for (PetscInt q = 0; q < TEANN_NKIND; q++) {
      if (!(model->props & TeannProperties[q].bit)) continue;
      for (PetscInt s = 0; s < 3; s++) {
        if (!nglob[s]) continue;
        PetscCall(PetscViewerASCIIPrintf(v, "  %-20s %-6s", TeannProperties[q].name, SubsetName[s]));
        for (PetscInt k = 0; k < K; k++) PetscCall(PetscViewerASCIIPrintf(v, " %14.6e", (double)PetscSqrtReal(msse[(k * 3 + s) * TEANN_NKIND + q] / mcnt[(k * 3 + s) * TEANN_NKIND + q])));
        PetscCall(PetscViewerASCIIPrintf(v, " %14.6e  %s\n", (double)PetscSqrtReal(sse[s][0][q] / cnt[s][0][q]), TeannPropertyUnits(q)));
      }
    }
  }

  PetscCall(PetscStrendswith(S->outdir, "/", &slash));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s%spredictions.nc", S->outdir, slash ? "" : "/"));
  {
    TeannAtomPredictions     at  = {nacomp, nat, aref, amean};
    TeannEnsemblePredictions ens = {K, std, members ? mpred : NULL};
    (void)stats;
    PetscCall(TeannPredictionsWriteNCEnsemble(comm, path, model->props, n, key, fid, sub, ref, mean, nacomp ? &at : NULL, &ens));
  }
  PetscCall(PetscFree5(key, fid, sub, ref, mpred));
  PetscCall(PetscFree3(mean, std, idx));
  PetscCall(PetscFree2(msse, mcnt));
  if (nacomp) PetscCall(PetscFree5(nat, aref, ampred, amean, astd));
  for (PetscInt s = 0; s < 3; s++) PetscCall(TeannFramesDestroy(&fr[s]));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEnsembleTrain(MPI_Comm comm, PetscInt K, PetscBool bootstrap, PetscBool members)
{
  PetscMPIInt size, rank, grank;
  PetscInt    G, per, color, rounds, np = -1, nel = 0, Z[TEANN_MAX_ELEMENTS] = {0};
  MPI_Comm    gcomm;
  char        restart[PETSC_MAX_PATH_LEN] = "";
  PetscBool   hasR, check;
  Settings    S;
  TeannStats  stats0;
  PetscReal  *mine = NULL, *all;
  PetscInt   *mine_k;
  int         signo = 0, *has = NULL;
  PetscBool   loaded = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-teann_check_gradient", &check));
  PetscCheck(!check, comm, PETSC_ERR_SUP, "-teann_check_gradient checks one model: it cannot be combined with -teann_ensemble");
  /* G groups of size/G ranks; a group fits K/G members one after another */
  if (size >= K) {
    PetscCheck(size % K == 0, comm, PETSC_ERR_ARG_INCOMP, "-teann_ensemble %" PetscInt_FMT " on %d ranks: the rank count must be a multiple of the member count (or divide it), so that every member gets a group of equal size", K, size);
    G = K;
  } else {
    PetscCheck(K % size == 0, comm, PETSC_ERR_ARG_INCOMP, "-teann_ensemble %" PetscInt_FMT " on %d ranks: the member count must be a multiple of the rank count (or divide it), so that the groups fit equally many members one after another", K, size);
    G = size;
  }
  per    = size / G;
  color  = rank / per;
  rounds = K / G;
  PetscCallMPI(MPI_Comm_split(comm, (int)color, rank, &gcomm));
  PetscCallMPI(MPI_Comm_rank(gcomm, &grank));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-teann_restart", restart, sizeof(restart), &hasR));
  PetscCall(PetscMalloc1(rounds + 1, &mine_k));
  if (hasR && restart[0]) {
    /* A restart resumes the members that have a checkpoint. The others had not begun when the
       ensemble was stopped (it starts no member after a signal): they start now, exactly as
       they would have then. */
    PetscCall(PetscCalloc1(K, &has));
    if (rank == 0)
      for (PetscInt k = 0; k < K; k++) {
        char      path[PETSC_MAX_PATH_LEN];
        PetscBool e;
        PetscCall(MemberPath(restart, k, path, sizeof(path)));
        PetscCall(CheckpointExists(path, &e));
        has[k] = e;
      }
    PetscCallMPI(MPI_Bcast(has, (PetscMPIInt)K, MPI_INT, 0, comm));
  }
  /* the ensemble's own handlers, kept between its members' fits (which nest theirs): a job
     signal that arrives while a group waits for the others is recorded, not fatal */
  PetscCall(TeannSignalsInstall());
  PetscCall(PetscPrintf(comm, "teann-train: an ensemble of %" PetscInt_FMT " members%s on %d ranks: %" PetscInt_FMT " groups of %" PetscInt_FMT " ranks, %" PetscInt_FMT " member%s per group\n", K, bootstrap ? " (bootstrap resamples)" : "", size, G, per, rounds, rounds > 1 ? "s one after another" : ""));

  for (PetscInt r = 0; r < rounds; r++) {
    const PetscInt k = r * G + color;
    TeannFit       fit;
    char           path[PETSC_MAX_PATH_LEN];

    if (has && has[k]) {
      PetscCall(MemberPath(restart, k, path, sizeof(path)));
      PetscCall(PetscOptionsSetValue(NULL, "-teann_restart", path));
      loaded = PETSC_TRUE;
    } else if (has) {
      /* A fresh member needs the ensemble's options, which a restarted member's checkpoint
         put into the database; a group whose first member starts fresh (its checkpoint lost)
         reads them from member 0's checkpoint, as a restart would. */
      if (!loaded) {
        TeannFit tmp;
        PetscCall(MemberPath(restart, 0, path, sizeof(path)));
        PetscCall(PetscOptionsSetValue(NULL, "-teann_restart", path));
        PetscCall(TeannFitCreate(gcomm, &tmp));
        PetscCall(TeannFitCheckpointSetFromOptions(tmp));
        PetscCall(TeannFitDestroy(&tmp));
        loaded = PETSC_TRUE;
      }
      PetscCall(PetscOptionsClearValue(NULL, "-teann_restart"));
    }
    PetscCall(TeannFitCreate(gcomm, &fit));
    fit->member    = k;
    fit->bootstrap = bootstrap;
    PetscCall(PetscSNPrintf(fit->suffix, sizeof(fit->suffix), "-member%" PetscInt_FMT, k));
    PetscCall(TeannFitSetFromOptions(fit));
    if (r == 0) {
      const char *names[3] = {"model.nc", "checkpoint.nc", "checkpoint-member0.nc"};
      PetscInt    found    = -1;
      PetscCall(PetscStrncpy(S.data, fit->data, sizeof(S.data)));
      PetscCall(PetscStrncpy(S.valid, fit->valid, sizeof(S.valid)));
      PetscCall(PetscStrncpy(S.test, fit->test, sizeof(S.test)));
      PetscCall(PetscStrncpy(S.outdir, fit->outdir, sizeof(S.outdir)));
      S.fvalid = fit->fvalid;
      S.ftest  = fit->ftest;
      S.seed   = fit->seed;
      /* As a single fit's CheckOutputDir, for the ensemble as a whole: a new ensemble refuses a
         directory holding the files of an earlier fit, single (model.nc, checkpoint.nc) or
         ensemble (checkpoint-member0.nc); each member refuses its own checkpoint too. */
      if (rank == 0 && !(hasR && restart[0])) {
        PetscBool slash, exists;
        PetscCall(PetscStrendswith(S.outdir, "/", &slash));
        if (!fit->overwrite) {
          for (PetscInt i = 0; i < 3 && found < 0; i++) {
            PetscCall(PetscSNPrintf(path, sizeof(path), "%s%s%s", S.outdir, slash ? "" : "/", names[i]));
            PetscCall(CheckpointExists(path, &exists));
            if (exists) found = i;
          }
        } else {
          /* -teann_overwrite: the checkpoints of the earlier fit go now, not when this one
             replaces them: an interrupted ensemble's -teann_restart DIR/checkpoint.nc would
             take a single fit's checkpoint.nc for its own, and an earlier ensemble's
             checkpoint of a member this one has not begun for that member's */
          const char *sib[3] = {".nc", ".new.nc", ".prev.nc"};
          for (PetscInt j = -1; j < K; j++)
            for (PetscInt i = 0; i < 3; i++) {
              if (j < 0) PetscCall(PetscSNPrintf(path, sizeof(path), "%s%scheckpoint%s", S.outdir, slash ? "" : "/", sib[i]));
              else PetscCall(PetscSNPrintf(path, sizeof(path), "%s%scheckpoint-member%" PetscInt_FMT "%s", S.outdir, slash ? "" : "/", j, sib[i]));
              PetscCheck(unlink(path) == 0 || errno == ENOENT, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "-teann_overwrite: cannot remove %s of the earlier fit: %s", path, strerror(errno));
            }
        }
      }
      PetscCallMPI(MPI_Bcast(&found, 1, MPIU_INT, 0, comm));
      PetscCheck(found < 0, comm, PETSC_ERR_USER_INPUT, "%s already holds %s of an earlier fit; give another -teann_output_dir, or -teann_overwrite to replace it (to continue that fit: -teann_restart %s%scheckpoint.nc)", S.outdir, found >= 0 ? names[found] : "", S.outdir, S.outdir[strlen(S.outdir) - 1] == '/' ? "" : "/");
      PetscCall(WriteStatus(comm, S.outdir, "running"));
    }
    PetscCall(PetscPrintf(gcomm, "teann-train: member %" PetscInt_FMT " on ranks %d..%d: initial parameters from seed %" PetscInt_FMT "\n", k, rank - grank, rank - grank + (int)per - 1, fit->seed + k));
    PetscCall(TeannFitSetUp(fit));
    /* everything is read: an option nobody asked for is a typo, not a setting */
    if (r == 0) PetscCall(TeannOptionsCheckUnused(comm));
    PetscCall(TeannFitSolve(fit));
    PetscCall(TeannFitOutputPath(fit, "history.nc", path, sizeof(path)));
    PetscCall(TeannFitWriteHistory(fit, path));
    PetscCall(TeannFitWriteStatus(fit, fit->signo ? "interrupted" : "finished"));
    if (np < 0) {
      np = fit->nparam;
      PetscCall(PetscMalloc1((size_t)rounds * np + 1, &mine));
      nel = fit->model->nel;
      for (PetscInt e = 0; e < nel; e++) Z[e] = fit->model->Z[e];
    }
    PetscCheck(fit->nparam == np, PETSC_COMM_SELF, PETSC_ERR_PLIB, "members of one group differ in their parameter count");
    {
      const PetscReal *th;
      PetscCall(TeannFitGetBestModel(fit, &th));
      PetscCall(PetscArraycpy(mine + r * np, th, np));
      PetscCall(TeannFitRestoreBestModel(fit, &th));
    }
    if (k == 0) stats0 = fit->stats;
    mine_k[r] = k;
    signo     = PetscMax(signo, (int)fit->signo);
    PetscCall(TeannFitDestroy(&fit));
    /* A job signal on any rank stops the members still to come as well, also one that came
       after this member's last iteration (while its group waited for the others here); after
       the last round nothing is left to stop, and the committee is written as usual. */
    if (r + 1 < rounds) {
      PetscMPIInt pending;
      PetscCall(TeannSignalsPending(&pending));
      signo = PetscMax(signo, (int)pending);
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &signo, 1, MPI_INT, MPI_MAX, comm));
    if (signo) break;
  }
  if (signo) {
    char ckpt[PETSC_MAX_PATH_LEN], cmd[2 * PETSC_MAX_PATH_LEN + 64];
    PetscCall(WriteStatus(comm, S.outdir, "interrupted"));
    PetscCall(PetscSNPrintf(ckpt, sizeof(ckpt), "%s%scheckpoint.nc", S.outdir, S.outdir[strlen(S.outdir) - 1] == '/' ? "" : "/"));
    PetscCall(TeannRestartCommand(comm, ckpt, cmd, sizeof(cmd)));
    PetscCall(PetscPrintf(comm, "teann-train: the ensemble was interrupted (%s); no model.nc was written\nto continue (from this directory): %s\n", TeannSignalName(signo), cmd));
    PetscCall(PetscFree(has));
    PetscCall(PetscFree(mine));
    PetscCall(PetscFree(mine_k));
    PetscCallMPI(MPI_Comm_free(&gcomm));
    PetscCall(TeannSignalsRestore());
    PetscFunctionReturn(0);
  }

  /* every member's best parameters on every rank, from the first rank of its group */
  {
    PetscInt lo[2] = {np, -np}, hi[2];
    PetscCallMPI(MPI_Allreduce(lo, hi, 2, MPIU_INT, MPI_MIN, comm));
    PetscCheck(hi[0] == -hi[1], comm, PETSC_ERR_ARG_INCOMP, "the members have different parameter counts (%" PetscInt_FMT " to %" PetscInt_FMT "): their training frames hold different elements; with -teann_ensemble_bootstrap every element must be in enough training frames to be drawn", hi[0], -hi[1]);
  }
  PetscCall(PetscMalloc1((size_t)K * np, &all));
  for (PetscInt k = 0; k < K; k++) {
    const PetscMPIInt root = (PetscMPIInt)((k % G) * per);
    if (k / G < rounds && color == k % G) PetscCall(PetscArraycpy(all + k * np, mine + (k / G) * np, np));
    PetscCallMPI(MPI_Bcast(all + k * np, (PetscMPIInt)np, MPIU_REAL, root, comm));
  }
  PetscCallMPI(MPI_Bcast(&stats0, (PetscMPIInt)sizeof(stats0), MPI_BYTE, 0, comm));
  {
    TeannModel model;
    char       path[PETSC_MAX_PATH_LEN];
    PetscBool  slash;
    PetscInt   n;

    PetscCall(TeannModelCreate(comm, &model));
    PetscCall(TeannModelSetFromOptions(model));
    PetscCall(TeannModelSetElements(model, nel, Z));
    PetscCall(TeannModelSetUp(model));
    PetscCall(TeannModelGetNumParameters(model, &n));
    PetscCheck(n == np, comm, PETSC_ERR_PLIB, "the committee's model has %" PetscInt_FMT " parameters, the members %" PetscInt_FMT, n, np);
    PetscCall(Committee(comm, &S, model, K, all, &stats0, members));
    PetscCall(TeannFitMakeDir(comm, S.outdir));
    PetscCall(PetscStrendswith(S.outdir, "/", &slash));
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s%smodel.nc", S.outdir, slash ? "" : "/"));
    /* the statistics written are member 0's (with bootstrap each member has its own) */
    PetscCall(TeannModelWriteEnsemble(model, K, all, &stats0, path));
    PetscCall(TeannModelDestroy(&model));
  }
  PetscCall(PetscPrintf(comm, "wrote model.nc (%" PetscInt_FMT " members) and predictions.nc in %s; each member's history-member<k>.nc and checkpoint-member<k>.nc\n", K, S.outdir));
  PetscCall(WriteStatus(comm, S.outdir, "finished"));
  PetscCall(PetscFree(all));
  PetscCall(PetscFree(has));
  PetscCall(PetscFree(mine));
  PetscCall(PetscFree(mine_k));
  PetscCallMPI(MPI_Comm_free(&gcomm));
  /* the committee was written with the handlers still in place: a late signal changed nothing */
  PetscCall(TeannSignalsRestore());
  PetscFunctionReturn(0);
}
