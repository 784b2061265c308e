/* predictions.nc and predicted extended XYZ (design section 4 "Predictions").
 * Rank 0 writes: predictions are a few numbers per frame, so gathering them is
 * cheap next to the fit, and one writer keeps the file ordered by frame. */
#include "predictions.h"
#include "ncutil.h"
#include <stdio.h>

void TeannPolarInvariants(const PetscReal a[], PetscReal *iso, PetscReal *gamma)
{
  const PetscReal xy = 0.5 * (a[1] + a[3]), yz = 0.5 * (a[5] + a[7]), xz = 0.5 * (a[2] + a[6]);
  const PetscReal g2 = 0.5 * (PetscSqr(a[0] - a[4]) + PetscSqr(a[4] - a[8]) + PetscSqr(a[8] - a[0])) + 3 * (xy * xy + yz * yz + xz * xz);

  *iso   = (a[0] + a[4] + a[8]) / 3;
  *gamma = PetscSqrtReal(PetscMax(g2, 0));
}

PetscErrorCode TeannPolarInvariantErrors(MPI_Comm comm, PetscInt props, TeannFrames fr, const PetscReal pred[], PetscReal sse[2], PetscReal sae[2], PetscReal *cnt)
{
  const PetscInt off = TeannPropertyOffset(props, TEANN_K_POLAR), ncomp = TeannPropertyNumComponents(props);
  PetscReal      buf[5] = {0, 0, 0, 0, 0};

  PetscFunctionBegin;
  PetscCheck(off >= 0, comm, PETSC_ERR_ARG_WRONG, "the polarizability is not among the predicted properties");
  for (PetscInt f = 0; fr && f < fr->nframes; f++) {
    const PetscReal *y = fr->y[TEANN_K_POLAR] + 9 * f;
    PetscReal        yi, yg, pi, pg;
    if (PetscIsNanReal(y[0])) continue;
    TeannPolarInvariants(y, &yi, &yg);
    TeannPolarInvariants(pred + f * ncomp + off, &pi, &pg);
    buf[0] += PetscSqr(pi - yi);
    buf[1] += PetscSqr(pg - yg);
    buf[2] += PetscAbsReal(pi - yi);
    buf[3] += PetscAbsReal(pg - yg);
    buf[4] += 1;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, buf, 5, MPIU_REAL, MPIU_SUM, comm));
  sse[0] = buf[0];
  sse[1] = buf[1];
  sae[0] = buf[2];
  sae[1] = buf[3];
  *cnt   = buf[4];
  PetscFunctionReturn(0);
}

static PetscErrorCode NumComponents(PetscInt props, PetscInt *n)
{
  PetscFunctionBegin;
  *n = TeannPropertyNumComponents(props);
  PetscFunctionReturn(0);
}

/* Gather n local items of m values each onto rank 0 in rank order. */
static PetscErrorCode GatherReal(MPI_Comm comm, PetscInt n, PetscInt m, const PetscReal in[], PetscInt ntot, PetscReal **out)
{
  PetscMPIInt size, rank, cnt, *counts = NULL, *displs = NULL;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMPIIntCast(n * m, &cnt));
  *out = NULL;
  if (rank == 0) {
    PetscCall(PetscMalloc1(ntot * m + 1, out));
    PetscCall(PetscMalloc2(size, &counts, size, &displs));
  }
  PetscCallMPI(MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, 0, comm));
  if (rank == 0) {
    displs[0] = 0;
    for (PetscMPIInt r = 1; r < size; r++) displs[r] = displs[r - 1] + counts[r - 1];
  }
  PetscCallMPI(MPI_Gatherv(in, cnt, MPIU_REAL, *out, counts, displs, MPIU_REAL, 0, comm));
  if (rank == 0) PetscCall(PetscFree2(counts, displs));
  PetscFunctionReturn(0);
}

/* iso and gamma of the n tensors in a[9n] into two variables; a has room for 2n more reals. */
static PetscErrorCode PutInvariants(const char *path, int ncid, PetscInt n, PetscReal a[], int viso, int vgam)
{
  PetscReal *iso = a + 9 * n, *gam = a + 10 * n;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    if (PetscIsNanReal(a[9 * i])) iso[i] = gam[i] = NAN;
    else TeannPolarInvariants(a + 9 * i, &iso[i], &gam[i]);
  }
  PetscCallNC(path, nc_put_var_double(ncid, viso, iso));
  PetscCallNC(path, nc_put_var_double(ncid, vgam, gam));
  PetscFunctionReturn(0);
}

/* The per-atom variables of predictions.nc (rank 0): frame records all[w per frame] (atoms at
   3 + 2 ncomp) and atom records aall[2 nacomp per atom] in gathered order, perm the sorted frame order. */
static PetscErrorCode PutAtoms(TeannNCFile *f, PetscInt props, PetscInt ntot, PetscInt atot, PetscInt w, const PetscReal all[], const PetscReal aall[], const PetscInt perm[], PetscInt hasref, int dframe, int dspatial)
{
  const char *p = f->tmp;
  const int   ncid = f->ncid;
  PetscInt    nac = TeannPropertyNumAtomComponents(props), ncomp = (w - 4) / 2, *astart, aoff = 0;
  int         datom, vaf, *ibuf;
  double     *dbuf, *sbuf;

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(ntot + 1, &astart, atot + 1, &ibuf, (size_t)TEANN_MAX_COMP * atot + 1, &dbuf, (size_t)TEANN_MAX_COMP * ntot + 1, &sbuf));
  astart[0] = 0; /* first atom of each gathered frame */
  for (PetscInt i = 0; i < ntot; i++) astart[i + 1] = astart[i] + (PetscInt)all[i * w + 3 + 2 * ncomp];
  PetscCallNC(p, nc_def_dim(ncid, "atom", (size_t)atot, &datom));
  PetscCallNC(p, nc_def_var(ncid, "atom_frame", NC_INT, 1, &datom, &vaf));
  PetscCall(TeannNCPutText(f, vaf, "long_name", "0-based index along the frame dimension of the frame the atom belongs to"));
  for (PetscInt i = 0, a = 0; i < ntot; i++)
    for (PetscInt q = astart[perm[i]]; q < astart[perm[i] + 1]; q++) ibuf[a++] = (int)i;
  PetscCallNC(p, nc_put_var_int(ncid, vaf, ibuf));
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    const PetscInt nc = TeannProperties[k].ncomp;
    if (!(props & TeannProperties[k].bit) || !TeannProperties[k].peratom) continue;
    for (PetscInt s = hasref ? 0 : 1; s < 2; s++) { /* reference, prediction */
      int  dims[2] = {datom, dspatial}, fdims[2] = {dframe, dspatial}, va, vs;
      char name[128];
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s%s", TeannProperties[k].name, s ? "_predicted" : ""));
      PetscCallNC(p, nc_def_var(ncid, name, NC_DOUBLE, 2, dims, &va));
      PetscCall(TeannNCPutText(f, va, "units", TeannPropertyUnits(k)));
      PetscCall(TeannNCPutText(f, va, "long_name", s ? "model prediction per atom" : "reference value per atom (NaN where the atom has none)"));
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s_sum%s", TeannProperties[k].name, s ? "_predicted" : ""));
      PetscCallNC(p, nc_def_var(ncid, name, NC_DOUBLE, 2, fdims, &vs));
      PetscCall(TeannNCPutText(f, vs, "units", TeannPropertyUnits(k)));
      PetscCall(TeannNCPutText(f, vs, "long_name", s ? "sum of the predictions over the frame's atoms" : "sum of the reference over the frame's labelled atoms (NaN where none is)"));
      for (PetscInt i = 0, a = 0; i < ntot; i++) {
        PetscInt labelled = 0;
        for (PetscInt c = 0; c < nc; c++) sbuf[nc * i + c] = 0;
        for (PetscInt q = astart[perm[i]]; q < astart[perm[i] + 1]; q++, a++) {
          const PetscReal *v = aall + 2 * nac * q + (s ? nac : 0) + aoff;
          for (PetscInt c = 0; c < nc; c++) dbuf[nc * a + c] = v[c];
          if (PetscIsNanReal(v[0])) continue;
          labelled++;
          for (PetscInt c = 0; c < nc; c++) sbuf[nc * i + c] += v[c];
        }
        if (!labelled)
          for (PetscInt c = 0; c < nc; c++) sbuf[nc * i + c] = NAN;
      }
      PetscCallNC(p, nc_put_var_double(ncid, va, dbuf));
      PetscCallNC(p, nc_put_var_double(ncid, vs, sbuf));
    }
    aoff += nc;
  }
  PetscCall(PetscFree4(astart, ibuf, dbuf, sbuf));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannPredictionsWriteNC(MPI_Comm comm, const char path[], PetscInt props, PetscInt n, const PetscInt key[], const PetscInt frame_id[], const PetscInt subset[], const PetscReal ref[], const PetscReal pred[], const TeannAtomPredictions *atoms)
{
  PetscFunctionBegin;
  PetscCall(TeannPredictionsWriteNCEnsemble(comm, path, props, n, key, frame_id, subset, ref, pred, atoms, NULL));
  PetscFunctionReturn(0);
}

/* rank 0: an ensemble's <property>_std and <property>_predicted_members from eall (records of
   we = ncomp (1 + K or 1) values per frame in gathered order: std, then member after member). */
static PetscErrorCode PutEnsemble(TeannNCFile *f, PetscInt props, PetscInt ntot, PetscInt ncomp, PetscInt K, PetscBool hasmem, const PetscReal eall[], const PetscInt perm[], int dframe, int dspatial)
{
  const char *p = f->tmp;
  const int   ncid = f->ncid, one = (int)K;
  const PetscInt we = ncomp * (hasmem ? 1 + K : 1);
  int         dmember = -1;
  double     *dbuf;

  PetscFunctionBegin;
  PetscCallNC(p, nc_put_att_int(ncid, NC_GLOBAL, "ensemble_members", NC_INT, 1, &one));
  if (hasmem) PetscCallNC(p, nc_def_dim(ncid, "member", (size_t)K, &dmember));
  PetscCall(PetscMalloc1((size_t)TEANN_MAX_COMP * ntot * (hasmem ? K : 1) + 1, &dbuf));
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    const PetscInt off = TeannPropertyOffset(props, k), nc = TeannProperties[k].ncomp;
    int            vs, vm, dims[5] = {dframe, dspatial, dspatial, dspatial, dspatial}, nd = 1 + (int)TeannProperties[k].rank;
    char           name[128];
    if (off < 0 || TeannProperties[k].peratom) continue;
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s_std", TeannProperties[k].name));
    PetscCallNC(p, nc_def_var(ncid, name, NC_DOUBLE, nd, dims, &vs));
    PetscCall(TeannNCPutText(f, vs, "units", TeannPropertyUnits(k)));
    PetscCall(TeannNCPutText(f, vs, "long_name", "committee standard deviation of the members' predictions (the prediction is their mean)"));
    for (PetscInt i = 0; i < ntot; i++)
      for (PetscInt c = 0; c < nc; c++) dbuf[i * nc + c] = eall[perm[i] * we + off + c];
    PetscCallNC(p, nc_put_var_double(ncid, vs, dbuf));
    if (!hasmem) continue;
    dims[0] = dmember;
    dims[1] = dframe;
    PetscCall(PetscSNPrintf(name, sizeof(name), "%s_predicted_members", TeannProperties[k].name));
    PetscCallNC(p, nc_def_var(ncid, name, NC_DOUBLE, nd + 1, dims, &vm));
    PetscCall(TeannNCPutText(f, vm, "units", TeannPropertyUnits(k)));
    PetscCall(TeannNCPutText(f, vm, "long_name", "prediction of each member of the ensemble"));
    for (PetscInt q = 0; q < K; q++)
      for (PetscInt i = 0; i < ntot; i++)
        for (PetscInt c = 0; c < nc; c++) dbuf[((size_t)q * ntot + i) * nc + c] = eall[perm[i] * we + ncomp * (1 + q) + off + c];
    PetscCallNC(p, nc_put_var_double(ncid, vm, dbuf));
  }
  PetscCall(PetscFree(dbuf));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannPredictionsWriteNCEnsemble(MPI_Comm comm, const char path[], PetscInt props, PetscInt n, const PetscInt key[], const PetscInt frame_id[], const PetscInt subset[], const PetscReal ref[], const PetscReal pred[], const TeannAtomPredictions *atoms, const TeannEnsemblePredictions *ens)
{
  PetscInt    ncomp, ntot, hasref = ref ? 1 : 0, hassub = subset ? 1 : 0, w, nac = atoms ? atoms->nacomp : 0, nat = 0, atot = 0, we = 0;
  PetscReal  *rec, *all, *arec = NULL, *aall = NULL, *eall = NULL;
  PetscMPIInt rank;
  TeannNCFile f;

  PetscFunctionBegin;
  PetscCall(NumComponents(props, &ncomp));
  w = 4 + 2 * ncomp; /* key, id, subset, atoms, reference, prediction */
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Allreduce(&n, &ntot, 1, MPIU_INT, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &hasref, 1, MPIU_INT, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &hassub, 1, MPIU_INT, MPI_MAX, comm));
  /* one record of reals per frame: key, id and subset are small integers, exact in a double */
  PetscCall(PetscMalloc1(n * w + 1, &rec));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal *r = rec + i * w;
    r[0]         = (PetscReal)key[i];
    r[1]         = (PetscReal)frame_id[i];
    r[2]         = subset ? (PetscReal)subset[i] : 0;
    r[3 + 2 * ncomp] = nac ? (PetscReal)atoms->natoms[i] : 0;
    for (PetscInt c = 0; c < ncomp; c++) {
      r[3 + c]         = ref ? ref[i * ncomp + c] : PETSC_MAX_REAL;
      r[3 + ncomp + c] = pred[i * ncomp + c];
    }
  }
  PetscCall(GatherReal(comm, n, w, rec, ntot, &all));
  PetscCall(PetscFree(rec));
  if (ens) { /* per frame: the committee std, then each member's prediction */
    PetscReal *erec;
    we = ncomp * (ens->members ? 1 + ens->nmembers : 1);
    PetscCall(PetscMalloc1(n * we + 1, &erec));
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt c = 0; c < ncomp; c++) {
        erec[i * we + c] = ens->std[i * ncomp + c];
        for (PetscInt q = 0; ens->members && q < ens->nmembers; q++) erec[i * we + ncomp * (1 + q) + c] = ens->members[((size_t)q * n + i) * ncomp + c];
      }
    PetscCall(GatherReal(comm, n, we, erec, ntot, &eall));
    PetscCall(PetscFree(erec));
  }
  if (nac) { /* one record per atom: reference and prediction, in the ranks' frame order */
    for (PetscInt i = 0; i < n; i++) nat += atoms->natoms[i];
    PetscCallMPI(MPI_Allreduce(&nat, &atot, 1, MPIU_INT, MPI_SUM, comm));
    PetscCall(PetscMalloc1(2 * nac * nat + 1, &arec));
    for (PetscInt a = 0; a < nat; a++)
      for (PetscInt c = 0; c < nac; c++) {
        arec[2 * nac * a + c]       = atoms->ref ? atoms->ref[nac * a + c] : NAN;
        arec[2 * nac * a + nac + c] = atoms->pred[nac * a + c];
      }
    PetscCall(GatherReal(comm, nat, 2 * nac, arec, atot, &aall));
    PetscCall(PetscFree(arec));
  }
  PetscCall(TeannNCCreate(comm, path, "teann predictions", PETSC_FALSE, &f));
  if (rank == 0) {
    const char *p = f.tmp;
    int         ncid = f.ncid, dframe, dspatial, vid, vsub = -1, vref[TEANN_NKIND], vpred[TEANN_NKIND], vinv[4];
    PetscInt   *perm, *keys;
    int        *ibuf;
    double     *dbuf;
    signed char *sbuf;

    PetscCall(PetscMalloc2(ntot, &perm, ntot, &keys));
    for (PetscInt i = 0; i < ntot; i++) {
      perm[i] = i;
      keys[i] = (PetscInt)all[i * w];
    }
    PetscCall(PetscSortIntWithPermutation(ntot, keys, perm));
    PetscCallNC(p, nc_def_dim(ncid, "frame", (size_t)ntot, &dframe));
    PetscCallNC(p, nc_def_dim(ncid, "spatial", 3, &dspatial));
    PetscCallNC(p, nc_def_var(ncid, "frame_id", NC_INT, 1, &dframe, &vid));
    PetscCall(TeannNCPutText(&f, vid, "long_name", "0-based frame number in the source file"));
    if (hassub) {
      const signed char fv[3] = {0, 1, 2};
      PetscCallNC(p, nc_def_var(ncid, "subset", NC_BYTE, 1, &dframe, &vsub));
      PetscCallNC(p, nc_put_att_schar(ncid, vsub, "flag_values", NC_BYTE, 3, fv));
      PetscCall(TeannNCPutText(&f, vsub, "flag_meanings", "train validation test"));
      PetscCall(TeannNCPutText(&f, vsub, "long_name", "subset of the fit the frame belongs to"));
    }
    for (PetscInt k = 0; k < TEANN_NKIND; k++) {
      int  dims[4] = {dframe, dspatial, dspatial, dspatial}, nd = 1 + (int)TeannProperties[k].rank;
      char name[128];
      if (!(props & TeannProperties[k].bit) || TeannProperties[k].peratom) continue;
      if (hasref) {
        PetscCallNC(p, nc_def_var(ncid, TeannProperties[k].name, NC_DOUBLE, nd, dims, &vref[k]));
        PetscCall(TeannNCPutText(&f, vref[k], "units", TeannPropertyUnits(k)));
        PetscCall(TeannNCPutText(&f, vref[k], "long_name", "reference value (NaN where the frame has none)"));
        if (TeannProperties[k].signfree) { /* readers (teann-plot) compare with the reference's better sign */
          const int one = 1;
          PetscCallNC(p, nc_put_att_int(ncid, vref[k], "sign_free", NC_INT, 1, &one));
        }
      }
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s_predicted", TeannProperties[k].name));
      PetscCallNC(p, nc_def_var(ncid, name, NC_DOUBLE, nd, dims, &vpred[k]));
      PetscCall(TeannNCPutText(&f, vpred[k], "units", TeannPropertyUnits(k)));
      PetscCall(TeannNCPutText(&f, vpred[k], "long_name", "model prediction"));
      if (k == TEANN_K_POLAR) { /* the Raman invariants, per frame */
        const char *nm[4] = {"polarizability_isotropic", "polarizability_anisotropy", "polarizability_isotropic_predicted", "polarizability_anisotropy_predicted"};
        const char *ln[4] = {"reference trace/3", "reference anisotropy gamma", "predicted trace/3", "predicted anisotropy gamma"};
        for (PetscInt q = hasref ? 0 : 2; q < 4; q++) {
          PetscCallNC(p, nc_def_var(ncid, nm[q], NC_DOUBLE, 1, &dframe, &vinv[q]));
          PetscCall(TeannNCPutText(&f, vinv[q], "units", TeannPropertyUnits(k)));
          PetscCall(TeannNCPutText(&f, vinv[q], "long_name", ln[q]));
        }
      }
    }
    PetscCall(PetscMalloc3(ntot + 1, &ibuf, ntot + 1, &sbuf, (TEANN_MAX_COMP + 2) * ntot + 1, &dbuf));
    for (PetscInt i = 0; i < ntot; i++) ibuf[i] = (int)all[perm[i] * w + 1];
    PetscCallNC(p, nc_put_var_int(ncid, vid, ibuf));
    if (hassub) {
      for (PetscInt i = 0; i < ntot; i++) sbuf[i] = (signed char)all[perm[i] * w + 2];
      PetscCallNC(p, nc_put_var_schar(ncid, vsub, sbuf));
    }
    for (PetscInt k = 0; k < TEANN_NKIND; k++) {
      PetscInt off, nc = TeannProperties[k].ncomp;
      off = TeannPropertyOffset(props, k);
      if (off < 0) continue;
      for (PetscInt s = 0; hasref && s < 2; s++) {
        for (PetscInt i = 0; i < ntot; i++)
          for (PetscInt c = 0; c < nc; c++) {
            PetscReal v = all[perm[i] * w + 3 + (s ? ncomp : 0) + off + c];
            dbuf[i * nc + c] = (s == 0 && v == PETSC_MAX_REAL) ? NAN : v;
          }
        PetscCallNC(p, nc_put_var_double(ncid, s ? vpred[k] : vref[k], dbuf));
        if (k == TEANN_K_POLAR) PetscCall(PutInvariants(p, ncid, ntot, dbuf, vinv[2 * s], vinv[2 * s + 1]));
      }
      if (!hasref) {
        for (PetscInt i = 0; i < ntot; i++)
          for (PetscInt c = 0; c < nc; c++) dbuf[i * nc + c] = all[perm[i] * w + 3 + ncomp + off + c];
        PetscCallNC(p, nc_put_var_double(ncid, vpred[k], dbuf));
        if (k == TEANN_K_POLAR) PetscCall(PutInvariants(p, ncid, ntot, dbuf, vinv[2], vinv[3]));
      }
    }
    PetscCall(PetscFree3(ibuf, sbuf, dbuf));
    if (nac) PetscCall(PutAtoms(&f, props, ntot, atot, w, all, aall, perm, hasref, dframe, dspatial));
    if (ens) PetscCall(PutEnsemble(&f, props, ntot, ncomp, ens->nmembers, (PetscBool)(ens->members != NULL), eall, perm, dframe, dspatial));
    PetscCall(PetscFree2(perm, keys));
  }
  PetscCall(PetscFree(all));
  PetscCall(PetscFree(aall));
  PetscCall(PetscFree(eall));
  PetscCall(TeannNCClose(&f));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannPredictionsCheckFinite(MPI_Comm comm, const char file[], PetscInt props, PetscInt n, const PetscInt frame_id[], const PetscReal pred[])
{
  PetscInt ncomp, bad = PETSC_MAX_INT, kind = -1;

  PetscFunctionBegin;
  PetscCall(NumComponents(props, &ncomp));
  for (PetscInt f = 0; f < n && bad == PETSC_MAX_INT; f++)
    for (PetscInt c = 0; c < ncomp; c++)
      if (PetscIsInfOrNanReal(pred[f * ncomp + c])) {
        bad = frame_id[f];
        break;
      }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_MIN, comm));
  if (bad == PETSC_MAX_INT) PetscFunctionReturn(0);
  /* which property: from the rank that holds the frame */
  for (PetscInt f = 0; f < n; f++)
    if (frame_id[f] == bad)
      for (PetscInt k = 0; k < TEANN_NKIND && kind < 0; k++) {
        PetscInt off = TeannPropertyOffset(props, k);
        if (off < 0) continue;
        for (PetscInt c = 0; c < TeannProperties[k].ncomp; c++)
          if (PetscIsInfOrNanReal(pred[f * ncomp + off + c])) kind = k;
      }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &kind, 1, MPIU_INT, MPI_MAX, comm));
  SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s: frame %" PetscInt_FMT " (0-based): the predicted %s is not finite (NaN or Inf; the model's parameters overflow on this frame); nothing was written", file, bad, kind >= 0 ? TeannProperties[kind].name : "tensor");
}

PetscErrorCode TeannAtomReferences(PetscInt props, TeannFrames fr, PetscReal aref[])
{
  const PetscInt nac = TeannPropertyNumAtomComponents(props);

  PetscFunctionBegin;
  for (PetscInt k = 0, off = 0; k < TEANN_NKIND; k++) {
    const PetscInt nc = TeannProperties[k].ncomp;
    if (!(props & TeannProperties[k].bit) || !TeannProperties[k].peratom) continue;
    for (PetscInt a = 0; a < fr->natoms; a++)
      for (PetscInt c = 0; c < nc; c++) aref[(size_t)nac * a + off + c] = fr->y[k][(size_t)nc * a + c];
    off += nc;
  }
  PetscFunctionReturn(0);
}
