/* model.nc writer and reader (design section 4 "Model"). The file holds the
 * hyperparameters TeannModelSetUp() needs, one variable per parameter block and
 * the training-set statistics — nothing that depends on how the fit was run. */
#include "modelio.h"
#include "ncutil.h"


static PetscErrorCode PutInt(const char path[], int ncid, const char name[], PetscInt n, const PetscInt v[])
{
  int buf[TEANN_MAX_ELEMENTS + TEANN_MAX_LAYERS];

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) buf[i] = (int)v[i];
  PetscCallNC(path, nc_put_att_int(ncid, NC_GLOBAL, name, NC_INT, (size_t)n, buf));
  PetscFunctionReturn(0);
}

/* Dimension by name, created on first use; equal names must mean equal sizes. */
static PetscErrorCode DefDim(const char path[], int ncid, const char name[], PetscInt len, int *dimid)
{
  size_t have;

  PetscFunctionBegin;
  if (nc_inq_dimid(ncid, name, dimid) == NC_NOERR) {
    PetscCallNC(path, nc_inq_dimlen(ncid, *dimid, &have));
    PetscCheck((PetscInt)have == len, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: dimension %s has sizes %zu and %" PetscInt_FMT, path, name, have, len);
  } else PetscCallNC(path, nc_def_dim(ncid, name, (size_t)len, dimid));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelWrite(TeannModel model, const PetscReal theta[], const TeannStats *stats, const char path[])
{
  PetscFunctionBegin;
  PetscCall(TeannModelWriteEnsemble(model, 1, theta, stats, path));
  PetscFunctionReturn(0);
}

/* The variable name of block b of member k: member 0 keeps the block's own name, so that a
   reader that knows nothing of members reads member 0. */
static PetscErrorCode MemberVarName(const TeannParamBlock *blk, PetscInt k, char name[], size_t len)
{
  PetscFunctionBegin;
  if (k == 0) PetscCall(PetscStrncpy(name, blk->name, len));
  else PetscCall(PetscSNPrintf(name, len, "member%" PetscInt_FMT "_%s", k, blk->name));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelWriteEnsemble(TeannModel model, PetscInt nmembers, const PetscReal theta[], const TeannStats *stats, const char path[])
{
  TeannNCFile f;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCheck(nmembers >= 1, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "an ensemble needs at least one member, not %" PetscInt_FMT, nmembers);
  PetscCheck(model->setup, model->comm, PETSC_ERR_ARG_WRONGSTATE, "TeannModelSetUp() first");
  PetscCallMPI(MPI_Comm_rank(model->comm, &rank));
  PetscCall(TeannNCCreate(model->comm, path, "teann EANN model", PETSC_FALSE, &f));
  if (rank == 0) {
    const char *p = f.tmp;
    int         ncid = f.ncid, one = 1, dimspatial, *varids;
    char        syms[4 * TEANN_MAX_ELEMENTS] = "", props[128] = "";
    double      rc = (double)model->cutoff;

    {
      char units[512] = "cutoff: Angstrom; positions: Angstrom";
      for (PetscInt k = 0; k < TEANN_NKIND; k++) {
        char one[128];
        if (!(model->props & TeannProperties[k].bit)) continue;
        PetscCall(PetscSNPrintf(one, sizeof(one), "; %s: %s", TeannProperties[k].name, TeannPropertyUnits(k)));
        PetscCall(PetscStrlcat(units, one, sizeof(units)));
        PetscCall(PetscSNPrintf(one, sizeof(one), "units_%s", TeannProperties[k].name));
        PetscCall(TeannNCPutText(&f, NC_GLOBAL, one, TeannPropertyUnits(k)));
      }
      PetscCall(TeannNCPutText(&f, NC_GLOBAL, "units", units));
    }
    PetscCallNC(p, nc_put_att_double(ncid, NC_GLOBAL, "cutoff", NC_DOUBLE, 1, &rc));
    PetscCall(PutInt(p, ncid, "nwave", 1, &model->nwave));
    PetscCall(PutInt(p, ncid, "lmax", 1, &model->lmax));
    PetscCall(PutInt(p, ncid, "neigh_atoms", 1, &model->neigh_atoms));
    PetscCall(PutInt(p, ncid, "hidden", model->nlayers, model->hidden));
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "activation", TeannActivations[model->act]));
    PetscCall(PutInt(p, ncid, "elements", model->nel, model->Z));
    for (PetscInt e = 0; e < model->nel; e++) {
      if (e) PetscCall(PetscStrlcat(syms, " ", sizeof(syms)));
      PetscCall(PetscStrlcat(syms, TeannElementSymbol(model->Z[e]), sizeof(syms)));
    }
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "element_symbols", syms));
    for (PetscInt k = 0; k < TEANN_NKIND; k++) {
      if (!(model->props & TeannProperties[k].bit)) continue;
      if (props[0]) PetscCall(PetscStrlcat(props, ",", sizeof(props)));
      PetscCall(PetscStrlcat(props, TeannProperties[k].name, sizeof(props)));
    }
    PetscCall(TeannNCPutText(&f, NC_GLOBAL, "properties", props));
    one = model->fix_radial ? 1 : 0;
    PetscCallNC(p, nc_put_att_int(ncid, NC_GLOBAL, "fix_radial", NC_INT, 1, &one));
    one = model->charge_neutral ? 1 : 0;
    PetscCallNC(p, nc_put_att_int(ncid, NC_GLOBAL, "charge_neutral", NC_INT, 1, &one));
    /* only a model with atomic dipoles has the attribute, so other files are as before */
    if (model->dipole_form != TEANN_DIPOLE_CHARGES) PetscCall(TeannNCPutText(&f, NC_GLOBAL, "dipole_form", TeannDipoleForms[model->dipole_form]));
    if (model->polar_form != TEANN_POLAR_FIELDS) PetscCall(TeannNCPutText(&f, NC_GLOBAL, "polarizability_form", TeannPolarForms[model->polar_form]));
    if (stats) PetscCall(PutInt(p, ncid, "ntrain", 1, &stats->ntrain));
    /* an ensemble (doc/model.md "Ensembles"): member k > 0 in variables member<k>_<block>;
       a single model has no attribute, so its file is as before */
    if (nmembers > 1) PetscCall(PutInt(p, ncid, "ensemble_members", 1, &nmembers));

    PetscCall(PetscMalloc1(model->nblocks * nmembers, &varids));
    for (PetscInt k = 0; k < nmembers; k++)
      for (PetscInt b = 0; b < model->nblocks; b++) {
        const TeannParamBlock *blk = &model->blocks[b];
        int                    dimids[2];
        char                   name[160];
        for (PetscInt d = 0; d < blk->ndim; d++) PetscCall(DefDim(p, ncid, blk->dimnames[d], blk->dims[d], &dimids[d]));
        PetscCall(MemberVarName(blk, k, name, sizeof(name)));
        PetscCallNC(p, nc_def_var(ncid, name, NC_DOUBLE, (int)blk->ndim, dimids, &varids[k * model->nblocks + b]));
      }
    PetscCall(DefDim(p, ncid, "spatial", 3, &dimspatial));
    for (PetscInt k = 0; stats && k < TEANN_NKIND; k++) {
      char name[128];
      int  vm, vs, dims[3] = {dimspatial, dimspatial, dimspatial};
      if (!(model->props & TeannProperties[k].bit)) continue;
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s_mean", TeannProperties[k].name));
      PetscCallNC(p, nc_def_var(ncid, name, NC_DOUBLE, (int)TeannProperties[k].rank, dims, &vm));
      PetscCall(TeannNCPutText(&f, vm, "units", TeannPropertyUnits(k)));
      PetscCall(TeannNCPutText(&f, vm, "long_name", "training-set mean per component"));
      PetscCallNC(p, nc_put_var_double(ncid, vm, stats->mean[k]));
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s_std", TeannProperties[k].name));
      PetscCallNC(p, nc_def_var(ncid, name, NC_DOUBLE, 0, NULL, &vs));
      PetscCall(TeannNCPutText(&f, vs, "units", TeannPropertyUnits(k)));
      PetscCall(TeannNCPutText(&f, vs, "long_name", "training-set standard deviation pooled over components"));
      PetscCallNC(p, nc_put_var_double(ncid, vs, &stats->std[k]));
    }
    for (PetscInt k = 0; k < nmembers; k++)
      for (PetscInt b = 0; b < model->nblocks; b++) PetscCallNC(p, nc_put_var_double(ncid, varids[k * model->nblocks + b], theta + k * model->nparam + model->blocks[b].offset));
    PetscCall(PetscFree(varids));
  }
  PetscCall(TeannNCClose(&f));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetInts(const char path[], int ncid, const char name[], PetscInt max, PetscInt *n, PetscInt v[])
{
  size_t  len;
  nc_type type;
  int     buf[TEANN_MAX_ELEMENTS + TEANN_MAX_LAYERS];

  PetscFunctionBegin;
  PetscCheck(nc_inq_att(ncid, NC_GLOBAL, name, &type, &len) == NC_NOERR, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not a teann model: attribute '%s' missing", path, name);
  PetscCheck(len >= 1 && (PetscInt)len <= max, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute '%s' has %zu values, expected 1..%" PetscInt_FMT, path, name, len, max);
  PetscCallNC(path, nc_get_att_int(ncid, NC_GLOBAL, name, buf));
  for (size_t i = 0; i < len; i++) v[i] = buf[i];
  if (n) *n = (PetscInt)len;
  PetscFunctionReturn(0);
}

/* The variable must hold n values in all before it is read into an array of n. */
static PetscErrorCode CheckVarSize(const char path[], int ncid, int varid, const char name[], PetscInt n)
{
  int    ndims, dimids[NC_MAX_VAR_DIMS];
  size_t total = 1, len;

  PetscFunctionBegin;
  PetscCallNC(path, nc_inq_varndims(ncid, varid, &ndims));
  PetscCheck(ndims <= NC_MAX_VAR_DIMS, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: '%s' has %d dimensions", path, name, ndims);
  PetscCallNC(path, nc_inq_vardimid(ncid, varid, dimids));
  for (int d = 0; d < ndims; d++) {
    PetscCallNC(path, nc_inq_dimlen(ncid, dimids[d], &len));
    total *= len;
  }
  PetscCheck(total == (size_t)n, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: '%s' holds %zu values, expected %" PetscInt_FMT, path, name, total, n);
  PetscFunctionReturn(0);
}

static PetscErrorCode GetText(const char path[], int ncid, const char name[], char buf[], size_t size)
{
  size_t len;

  PetscFunctionBegin;
  PetscCheck(nc_inq_attlen(ncid, NC_GLOBAL, name, &len) == NC_NOERR, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not a teann model: attribute '%s' missing", path, name);
  PetscCheck(len < size, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute '%s' too long", path, name);
  PetscCallNC(path, nc_get_att_text(ncid, NC_GLOBAL, name, buf));
  buf[len] = 0;
  PetscFunctionReturn(0);
}

/* A model variant (dipole_form, polarizability_form): only a file with a non-default form has the
   attribute, so a missing one is the list's first entry; an unknown one is an error naming the file. */
static PetscErrorCode GetForm(const char path[], int ncid, const char name[], const char *const list[], PetscInt *form)
{
  char      text[64], known[256] = "";
  PetscBool ok;
  PetscInt  n = 0;

  PetscFunctionBegin;
  *form = 0;
  if (nc_inq_attlen(ncid, NC_GLOBAL, name, NULL) != NC_NOERR) PetscFunctionReturn(0);
  while (list[n]) {
    if (n) PetscCall(PetscStrlcat(known, ", ", sizeof(known)));
    PetscCall(PetscStrlcat(known, list[n++], sizeof(known)));
  }
  PetscCall(GetText(path, ncid, name, text, sizeof(text)));
  PetscCall(PetscEListFind(n, list, text, form, &ok));
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: unknown %s '%s' (known: %s)", path, name, text, known);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelRead(MPI_Comm comm, const char path[], TeannModel *model, PetscReal **theta, TeannStats *stats)
{
  PetscFunctionBegin;
  PetscCall(TeannModelReadEnsemble(comm, path, model, NULL, theta, stats));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelReadEnsemble(MPI_Comm comm, const char path[], TeannModel *model, PetscInt *nmembers, PetscReal **theta, TeannStats *stats)
{
  PetscInt   K = 1;
  TeannModel m;
  int        ncid;
  double     rc;
  PetscInt   v[TEANN_MAX_ELEMENTS], n, nel, Z[TEANN_MAX_ELEMENTS];
  char       text[256];
  PetscBool  found = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(TeannNCOpen(comm, path, PETSC_FALSE, &ncid));
  PetscCall(TeannModelCreate(comm, &m));
  {
    size_t len = 0;
    PetscCheck(nc_inq_attlen(ncid, NC_GLOBAL, "cutoff", &len) == NC_NOERR && len == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not a teann model: attribute 'cutoff' missing or not one value", path);
  }
  PetscCheck(nc_get_att_double(ncid, NC_GLOBAL, "cutoff", &rc) == NC_NOERR, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not a teann model: attribute 'cutoff' missing", path);
  m->cutoff = (PetscReal)rc;
  PetscCall(GetInts(path, ncid, "nwave", 1, NULL, v));
  m->nwave = v[0];
  PetscCall(GetInts(path, ncid, "lmax", 1, NULL, v));
  m->lmax = v[0];
  PetscCall(GetInts(path, ncid, "neigh_atoms", 1, NULL, v));
  m->neigh_atoms = v[0];
  PetscCall(GetInts(path, ncid, "hidden", TEANN_MAX_LAYERS, &m->nlayers, m->hidden));
  PetscCall(GetText(path, ncid, "activation", text, sizeof(text)));
  for (PetscInt a = 0; a < 3; a++) {
    PetscBool eq;
    PetscCall(PetscStrcmp(text, TeannActivations[a], &eq));
    if (eq) {
      m->act = (TeannActivation)a;
      found  = PETSC_TRUE;
    }
  }
  PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: unknown activation '%s'", path, text);
  PetscCall(GetText(path, ncid, "properties", text, sizeof(text)));
  PetscCall(TeannPropParse(text, &m->props));
  for (PetscInt k = 0; k < TEANN_NKIND; k++) { /* units the model was fitted in (models of 0.1.0 have the table's) */
    char name[128];
    if (!(m->props & TeannProperties[k].bit)) continue;
    PetscCall(PetscSNPrintf(name, sizeof(name), "units_%s", TeannProperties[k].name));
    if (nc_inq_attlen(ncid, NC_GLOBAL, name, NULL) == NC_NOERR) {
      PetscCall(GetText(path, ncid, name, text, sizeof(text)));
      PetscCall(TeannPropertySetUnits(k, text));
    }
  }
  PetscCall(GetInts(path, ncid, "fix_radial", 1, NULL, v));
  m->fix_radial = v[0] ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(GetInts(path, ncid, "charge_neutral", 1, NULL, v));
  m->charge_neutral = v[0] ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(GetForm(path, ncid, "dipole_form", TeannDipoleForms, &m->dipole_form));
  PetscCall(GetForm(path, ncid, "polarizability_form", TeannPolarForms, &m->polar_form));
  PetscCall(GetInts(path, ncid, "elements", TEANN_MAX_ELEMENTS, &nel, Z));
  PetscCall(TeannModelSetElements(m, nel, Z));
  PetscCall(TeannModelSetUp(m));

  PetscCall(TeannModelGetNumParameters(m, &n));
  /* a file without the attribute (every single model) is a one-member ensemble */
  if (nmembers && nc_inq_attlen(ncid, NC_GLOBAL, "ensemble_members", NULL) == NC_NOERR) {
    PetscCall(GetInts(path, ncid, "ensemble_members", 1, NULL, &K));
    PetscCheck(K >= 1 && K <= 100000, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: attribute 'ensemble_members' is %" PetscInt_FMT "; it must be at least 1", path, K);
  }
  PetscCall(PetscMalloc1(n * K, theta));
  for (PetscInt q = 0; q < m->nblocks * K; q++) {
    const TeannParamBlock *blk = &m->blocks[q % m->nblocks];
    const PetscInt         mem = q / m->nblocks;
    int                    varid, ndims, dimids[NC_MAX_VAR_DIMS];
    char                   vname[160];
    PetscCall(MemberVarName(blk, mem, vname, sizeof(vname)));
    PetscCheck(nc_inq_varid(ncid, vname, &varid) == NC_NOERR, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: parameter block '%s' missing", path, vname);
    PetscCallNC(path, nc_inq_varndims(ncid, varid, &ndims));
    PetscCheck(ndims == blk->ndim, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: '%s' has %d dimensions, the model needs %" PetscInt_FMT, path, blk->name, ndims, blk->ndim);
    PetscCallNC(path, nc_inq_vardimid(ncid, varid, dimids));
    for (int d = 0; d < ndims; d++) {
      size_t len;
      PetscCallNC(path, nc_inq_dimlen(ncid, dimids[d], &len));
      PetscCheck((PetscInt)len == blk->dims[d], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: '%s' dimension %d has length %zu, the model needs %" PetscInt_FMT, path, blk->name, d, len, blk->dims[d]);
    }
    PetscCallNC(path, nc_get_var_double(ncid, varid, *theta + mem * n + blk->offset));
    /* a NaN weight makes every prediction NaN: refuse the model, not its results */
    for (PetscInt i = 0; i < blk->dims[0] * (blk->ndim == 2 ? blk->dims[1] : 1); i++) PetscCheck(!PetscIsInfOrNanReal((*theta)[mem * n + blk->offset + i]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: parameter block '%s' holds a non-finite value (%g at index %" PetscInt_FMT "); the model is damaged: fit it again or restart from its checkpoint", path, vname, (double)(*theta)[mem * n + blk->offset + i], i);
  }
  if (stats) {
    PetscCall(PetscMemzero(stats, sizeof(*stats)));
    if (nc_inq_attlen(ncid, NC_GLOBAL, "ntrain", NULL) == NC_NOERR) PetscCall(GetInts(path, ncid, "ntrain", 1, NULL, &stats->ntrain));
    for (PetscInt k = 0; k < TEANN_NKIND; k++) {
      char name[128];
      int  varid;
      if (!(m->props & TeannProperties[k].bit)) continue;
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s_mean", TeannProperties[k].name));
      if (nc_inq_varid(ncid, name, &varid) == NC_NOERR) {
        PetscCall(CheckVarSize(path, ncid, varid, name, TeannProperties[k].ncomp));
        PetscCallNC(path, nc_get_var_double(ncid, varid, stats->mean[k]));
      }
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s_std", TeannProperties[k].name));
      if (nc_inq_varid(ncid, name, &varid) == NC_NOERR) {
        PetscCall(CheckVarSize(path, ncid, varid, name, 1));
        PetscCallNC(path, nc_get_var_double(ncid, varid, &stats->std[k]));
      }
    }
  }
  PetscCallNC(path, nc_close(ncid));
  *model = m;
  if (nmembers) *nmembers = K;
  PetscFunctionReturn(0);
}

void TeannCommitteeMeanStd(PetscInt K, PetscInt m, const PetscReal x[], PetscReal mean[], PetscReal std[])
{
  for (PetscInt i = 0; i < m; i++) {
    PetscReal s = 0, ss = 0;
    for (PetscInt k = 0; k < K; k++) s += x[k * m + i];
    mean[i] = s / K;
    /* two passes: no cancellation when the members agree closely */
    for (PetscInt k = 0; k < K; k++) ss += (x[k * m + i] - mean[i]) * (x[k * m + i] - mean[i]);
    std[i] = K > 1 ? PetscSqrtReal(ss / (K - 1)) : 0;
  }
}
