/* The NetCDF training dataset (design section 4): CF-1.8 contiguous ragged
 * arrays written serially by rank 0 and read slab-wise in parallel, and the
 * sniffer that recognises a NetCDF file (readers.c dispatches on it). */
#include "dataset.h"
#include "ncutil.h"
#include "logimpl.h"
#include "framesimpl.h"
#include <netcdf_par.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#if !defined(PETSC_USE_REAL_DOUBLE)
  #error "teann datasets store double precision; build PETSc with real double"
#endif

/* PetscInt may be 32 or 64 bits; NetCDF converts from the stored int type. */
static int nc_get_vara_petscint(int ncid, int varid, const size_t start[], const size_t count[], PetscInt *v)
{
#if defined(PETSC_USE_64BIT_INDICES)
  return nc_get_vara_longlong(ncid, varid, start, count, (long long *)v);
#else
  return nc_get_vara_int(ncid, varid, start, count, v);
#endif
}

static int nc_put_vara_petscint(int ncid, int varid, const size_t start[], const size_t count[], const PetscInt *v)
{
#if defined(PETSC_USE_64BIT_INDICES)
  return nc_put_vara_longlong(ncid, varid, start, count, (const long long *)v);
#else
  return nc_put_vara_int(ncid, varid, start, count, v);
#endif
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                   */

typedef struct {
  int frame, atom, spatial, cell_spatial;             /* dimension ids */
  int natoms, species, positions, frame_id, properties; /* variable ids */
  int cell, pbc;                                      /* -1: not written (no periodic frame) */
  int prop[TEANN_NPROP];                                   /* -1: not written */
} DatasetIds;

/* cell(frame, cell_spatial, spatial) and pbc(frame, cell_spatial), only when some frame is periodic:
   a file of molecules keeps the layout it always had. */
static PetscErrorCode DatasetDefineCell(TeannNCFile *f, DatasetIds *id)
{
  const char        *path = f->tmp;
  int                ncid = f->ncid, dims[3];
  const signed char  flags[2] = {0, 1};

  PetscFunctionBegin;
  PetscCallNC(path, nc_def_dim(ncid, "cell_spatial", 3, &id->cell_spatial));
  dims[0] = id->frame;
  dims[1] = id->cell_spatial;
  dims[2] = id->spatial;
  PetscCallNC(path, nc_def_var(ncid, "cell", NC_DOUBLE, 3, dims, &id->cell));
  PetscCall(TeannNCPutText(f, id->cell, "long_name", "lattice vectors a, b, c of the periodic cell (rows)"));
  PetscCall(TeannNCPutText(f, id->cell, "units", "angstrom"));
  PetscCall(TeannNCPutText(f, id->cell, "comment", "cell[f, i, :] is lattice vector i (a, b, c) in Cartesian coordinates; 0 for a frame that is not periodic"));
  PetscCallNC(path, nc_def_var(ncid, "pbc", NC_BYTE, 2, dims, &id->pbc));
  PetscCall(TeannNCPutText(f, id->pbc, "long_name", "periodic along lattice vector a, b, c"));
  PetscCallNC(path, nc_put_att_schar(ncid, id->pbc, "flag_values", NC_BYTE, 2, flags));
  PetscCall(TeannNCPutText(f, id->pbc, "flag_meanings", "not_periodic periodic"));
  PetscFunctionReturn(0);
}

static PetscErrorCode DatasetDefine(TeannNCFile *f, TeannFrames fr, PetscInt present, PetscBool periodic, DatasetIds *id)
{
  const char *path = f->tmp;
  int         ncid = f->ncid, dims[4], masks[TEANN_NPROP];
  char        meanings[256] = "";
  const double nan          = NAN;

  PetscFunctionBegin;
  PetscCallNC(path, nc_def_dim(ncid, "frame", (size_t)fr->nframes, &id->frame));
  PetscCallNC(path, nc_def_dim(ncid, "atom", (size_t)fr->natoms, &id->atom));
  PetscCallNC(path, nc_def_dim(ncid, "spatial", 3, &id->spatial));
  PetscCall(TeannNCPutText(f, NC_GLOBAL, "input_file", fr->source));
  PetscCall(TeannNCPutText(f, NC_GLOBAL, "teann_file_type", "dataset"));

  dims[0] = id->frame;
  PetscCallNC(path, nc_def_var(ncid, "natoms", NC_INT, 1, dims, &id->natoms));
  PetscCall(TeannNCPutText(f, id->natoms, "long_name", "number of atoms in the frame"));
  PetscCall(TeannNCPutText(f, id->natoms, "sample_dimension", "atom"));

  PetscCallNC(path, nc_def_var(ncid, "frame_id", NC_INT, 1, dims, &id->frame_id));
  PetscCall(TeannNCPutText(f, id->frame_id, "long_name", "0-based index of the frame in the input file"));

  PetscCallNC(path, nc_def_var(ncid, "properties", NC_INT, 1, dims, &id->properties));
  PetscCall(TeannNCPutText(f, id->properties, "long_name", "properties present in the frame"));
  for (int p = 0; p < TEANN_NPROP; p++) { /* the presence flags: one bit per property of the table */
    masks[p] = (int)TeannProperties[p].bit;
    if (p) PetscCall(PetscStrlcat(meanings, " ", sizeof(meanings)));
    PetscCall(PetscStrlcat(meanings, TeannProperties[p].name, sizeof(meanings)));
  }
  PetscCallNC(path, nc_put_att_int(ncid, id->properties, "flag_masks", NC_INT, TEANN_NPROP, masks));
  PetscCall(TeannNCPutText(f, id->properties, "flag_meanings", meanings));

  dims[0] = id->atom;
  PetscCallNC(path, nc_def_var(ncid, "species", NC_INT, 1, dims, &id->species));
  PetscCall(TeannNCPutText(f, id->species, "long_name", "atomic number"));

  dims[1] = id->spatial;
  PetscCallNC(path, nc_def_var(ncid, "positions", NC_DOUBLE, 2, dims, &id->positions));
  PetscCall(TeannNCPutText(f, id->positions, "long_name", "atom positions"));
  PetscCall(TeannNCPutText(f, id->positions, "units", "angstrom"));
  id->cell = id->pbc = -1;
  if (periodic) PetscCall(DatasetDefineCell(f, id));

  dims[0] = id->frame;
  dims[1] = dims[2] = dims[3] = id->spatial;
  for (int p = 0; p < TEANN_NPROP; p++) {
    const TeannProperty *dp = &TeannProperties[p];

    id->prop[p] = -1;
    if (!(present & dp->bit)) continue;
    dims[0] = dp->peratom ? id->atom : id->frame; /* per atom: (atom, spatial), NaN rows where an atom has none */
    PetscCallNC(path, nc_def_var(ncid, dp->name, NC_DOUBLE, 1 + (int)dp->rank, dims, &id->prop[p]));
    PetscCall(TeannNCPutText(f, id->prop[p], "long_name", dp->long_name));
    PetscCall(TeannNCPutText(f, id->prop[p], "units", TeannPropertyCFUnits(p)));
    /* An absent charge means neutral (0), every other absent property is NaN. */
    if (dp->bit == TEANN_PROP_CHARGE) PetscCall(TeannNCPutText(f, id->prop[p], "comment", "0 where the frame gives no charge; see the properties flags"));
    else PetscCallNC(path, nc_def_var_fill(ncid, id->prop[p], 0, &nan));
    if (fr->asym_frame[p] > 0) { /* what the reader of the source let through before symmetrising */
      const double asym = (double)fr->asym[p];
      const int    frame = (int)fr->asym_frame[p];

      PetscCallNC(path, nc_put_att_double(ncid, id->prop[p], "largest_asymmetry_accepted", NC_DOUBLE, 1, &asym));
      PetscCallNC(path, nc_put_att_int(ncid, id->prop[p], "largest_asymmetry_frame", NC_INT, 1, &frame));
    }
  }
  PetscCallNC(path, nc_enddef(ncid));
  PetscFunctionReturn(0);
}

/* Frames written per NetCDF call: bounds the time between progress reports. */
#define DATASET_WRITE_BATCH 16384

static PetscErrorCode DatasetWriteContents(TeannNCFile *f, TeannFrames fr, PetscErrorCode (*monitor)(PetscInt, PetscInt, void *), void *ctx)
{
  const char  *path    = f->tmp;
  PetscInt     present = 0, *natoms;
  PetscBool    periodic = PETSC_FALSE;
  signed char *pbc;
  DatasetIds   id;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < fr->nframes; k++) present |= fr->fprops[k];
  for (PetscInt k = 0; k < fr->nframes; k++) periodic = (PetscBool)(periodic || fr->pbc[k]);
  PetscCall(DatasetDefine(f, fr, present, periodic, &id));
  PetscCall(PetscMalloc1(PetscMin(fr->nframes, DATASET_WRITE_BATCH), &natoms));
  PetscCall(PetscMalloc1(3 * PetscMin(fr->nframes, DATASET_WRITE_BATCH) + 1, &pbc));
  for (PetscInt f0 = 0; f0 < fr->nframes; f0 += DATASET_WRITE_BATCH) {
    PetscInt f1 = PetscMin(f0 + DATASET_WRITE_BATCH, fr->nframes), a0 = fr->atom_start[f0], a1 = fr->atom_start[f1];
    size_t   start[4] = {(size_t)f0, 0, 0, 0}, count[4] = {(size_t)(f1 - f0), 3, 3, 3}; /* up to rank-3 tensors */
    size_t   astart[2] = {(size_t)a0, 0}, acount[2] = {(size_t)(a1 - a0), 3};

    for (PetscInt k = f0; k < f1; k++) natoms[k - f0] = fr->atom_start[k + 1] - fr->atom_start[k];
    PetscCallNC(path, nc_put_vara_petscint(f->ncid, id.natoms, start, count, natoms));
    PetscCallNC(path, nc_put_vara_petscint(f->ncid, id.frame_id, start, count, fr->frame_id + f0));
    PetscCallNC(path, nc_put_vara_petscint(f->ncid, id.properties, start, count, fr->fprops + f0));
    if (id.cell >= 0) {
      for (PetscInt k = f0; k < f1; k++)
        for (PetscInt d = 0; d < 3; d++) pbc[3 * (k - f0) + d] = (signed char)((fr->pbc[k] >> d) & 1);
      PetscCallNC(path, nc_put_vara_double(f->ncid, id.cell, start, count, fr->cell + 9 * (size_t)f0));
      PetscCallNC(path, nc_put_vara_schar(f->ncid, id.pbc, start, count, pbc));
    }
    for (int p = 0; p < TEANN_NPROP; p++) {
      if (id.prop[p] < 0) continue;
      if (TeannProperties[p].peratom) PetscCallNC(path, nc_put_vara_double(f->ncid, id.prop[p], astart, acount, fr->y[p] + (size_t)TeannProperties[p].ncomp * a0));
      else PetscCallNC(path, nc_put_vara_double(f->ncid, id.prop[p], start, count, fr->y[p] + (size_t)TeannProperties[p].ncomp * f0));
    }
    PetscCallNC(path, nc_put_vara_petscint(f->ncid, id.species, astart, acount, fr->Z + a0));
    PetscCallNC(path, nc_put_vara_double(f->ncid, id.positions, astart, acount, fr->x + 3 * (size_t)a0));
    if (monitor) PetscCall((*monitor)(f1, fr->nframes, ctx));
  }
  PetscCall(PetscFree(natoms));
  PetscCall(PetscFree(pbc));
  PetscFunctionReturn(0);
}

static PetscErrorCode DatasetCheckFrames(TeannFrames fr)
{
  PetscFunctionBegin;
  PetscCheck(fr->atom_start, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "%s: frames hold nothing (not read or allocated)", fr->source);
  PetscCheck(fr->nframes >= 0 && fr->atom_start[0] == 0 && fr->atom_start[fr->nframes] == fr->natoms, PETSC_COMM_SELF, PETSC_ERR_ARG_CORRUPT, "%s: frames are inconsistent: atom_start does not cover the %" PetscInt_FMT " atoms", fr->source, fr->natoms);
  for (PetscInt k = 0; k < fr->nframes; k++) PetscCheck(fr->atom_start[k + 1] > fr->atom_start[k], PETSC_COMM_SELF, PETSC_ERR_ARG_CORRUPT, "%s: frame %" PetscInt_FMT " has no atoms", fr->source, k + 1);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannDatasetWriteMonitor(MPI_Comm comm, TeannFrames frames, const char path[], PetscErrorCode (*monitor)(PetscInt, PetscInt, void *), void *ctx)
{
  PetscMPIInt    rank;
  TeannNCFile    f;
  PetscErrorCode ierr;
  int            err;

  PetscFunctionBegin;
  PetscCall(TeannInitializePackage());
  PetscCall(PetscLogEventBegin(TEANN_EVENT_DatasetWrite, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* Rank 0 does all the work; its outcome is broadcast so that no rank waits
   * in TeannNCClose() for a rank that has failed, and a failed write leaves
   * only the temporary file, which is removed: an existing path is untouched. */
  ierr = TeannNCCreate(comm, path, "teann dataset", PETSC_FALSE, &f);
  if (!ierr && rank == 0) ierr = DatasetCheckFrames(frames);
  if (!ierr && rank == 0) ierr = DatasetWriteContents(&f, frames, monitor, ctx);
  err = (int)ierr;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  if (err) {
    if (rank == 0) {
      if (f.ncid >= 0) (void)nc_close(f.ncid);
      if (f.tmp[0]) (void)unlink(f.tmp);
    }
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: dataset not written", path);
  }
  PetscCall(TeannNCClose(&f));
  PetscCall(PetscLogEventEnd(TEANN_EVENT_DatasetWrite, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannDatasetWrite(MPI_Comm comm, TeannFrames frames, const char path[])
{
  PetscFunctionBegin;
  PetscCall(TeannDatasetWriteMonitor(comm, frames, path, NULL, NULL));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */

typedef struct {
  size_t nframes, natoms;                             /* dimension lengths */
  int    natoms_var, species, positions, frame_id, properties; /* -1: absent (optional ones) */
  int    cell, pbc;                                   /* -1: absent (every frame isolated) */
  int    prop[TEANN_NPROP];
} DatasetLayout;

/* A variable must have exactly the named dimensions. */
static PetscErrorCode DatasetCheckVar(const char path[], int ncid, int varid, const char name[], int ndims, const int dimids[])
{
  int     nd, d[NC_MAX_VAR_DIMS];
  nc_type type;
  char    expect[128] = "", dname[NC_MAX_NAME + 1];

  PetscFunctionBegin;
  PetscCallNC(path, nc_inq_var(ncid, varid, NULL, &type, &nd, d, NULL));
  PetscCheck(type != NC_CHAR && type != NC_STRING, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable '%s' holds text, expected numbers", path, name);
  PetscBool ok = (PetscBool)(nd == ndims);
  for (int i = 0; ok && i < nd; i++) ok = (PetscBool)(d[i] == dimids[i]);
  if (!ok) {
    for (int i = 0; i < ndims; i++) {
      PetscCallNC(path, nc_inq_dimname(ncid, dimids[i], dname));
      PetscCall(PetscStrlcat(expect, i ? ", " : "", sizeof(expect)));
      PetscCall(PetscStrlcat(expect, dname, sizeof(expect)));
    }
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable '%s' must have dimensions (%s)", path, name, expect);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode DatasetRequire(const char path[], int ncid, const char name[], PetscBool isdim, int *id)
{
  int st;

  PetscFunctionBegin;
  st = isdim ? nc_inq_dimid(ncid, name, id) : nc_inq_varid(ncid, name, id);
  PetscCheck(st == NC_NOERR, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not a teann dataset: no %s '%s' (make one with teann-convert)", path, isdim ? "dimension" : "variable", name);
  PetscFunctionReturn(0);
}

/* The optional cell and pbc variables: both or neither (a file without them holds molecules). */
static PetscErrorCode DatasetInquireCell(const char path[], int ncid, int dframe, int dspatial, DatasetLayout *L)
{
  int    dcell, dims[3];
  size_t ncell;

  PetscFunctionBegin;
  if (nc_inq_varid(ncid, "cell", &L->cell) != NC_NOERR) L->cell = -1;
  if (nc_inq_varid(ncid, "pbc", &L->pbc) != NC_NOERR) L->pbc = -1;
  PetscCheck((L->cell < 0) == (L->pbc < 0), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable '%s' without '%s': a periodic dataset needs both", path, L->cell < 0 ? "pbc" : "cell", L->cell < 0 ? "cell" : "pbc");
  if (L->cell < 0) PetscFunctionReturn(0);
  PetscCall(DatasetRequire(path, ncid, "cell_spatial", PETSC_TRUE, &dcell));
  PetscCallNC(path, nc_inq_dimlen(ncid, dcell, &ncell));
  PetscCheck(ncell == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dimension 'cell_spatial' has length %zu, expected 3", path, ncell);
  dims[0] = dframe;
  dims[1] = dcell;
  dims[2] = dspatial;
  PetscCall(DatasetCheckVar(path, ncid, L->cell, "cell", 3, dims));
  PetscCall(DatasetCheckVar(path, ncid, L->pbc, "pbc", 2, dims));
  PetscFunctionReturn(0);
}

/* Find and check every variable; the same on all ranks, so errors are collective. */
static PetscErrorCode DatasetInquire(const char path[], int ncid, DatasetLayout *L)
{
  int    dframe, datom, dspatial, dims[4];
  size_t nspatial;

  PetscFunctionBegin;
  PetscCall(DatasetRequire(path, ncid, "frame", PETSC_TRUE, &dframe));
  PetscCall(DatasetRequire(path, ncid, "atom", PETSC_TRUE, &datom));
  PetscCall(DatasetRequire(path, ncid, "spatial", PETSC_TRUE, &dspatial));
  PetscCall(DatasetRequire(path, ncid, "natoms", PETSC_FALSE, &L->natoms_var));
  PetscCall(DatasetRequire(path, ncid, "species", PETSC_FALSE, &L->species));
  PetscCall(DatasetRequire(path, ncid, "positions", PETSC_FALSE, &L->positions));
  PetscCallNC(path, nc_inq_dimlen(ncid, dframe, &L->nframes));
  PetscCallNC(path, nc_inq_dimlen(ncid, datom, &L->natoms));
  PetscCallNC(path, nc_inq_dimlen(ncid, dspatial, &nspatial));
  PetscCheck(nspatial == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: dimension 'spatial' has length %zu, expected 3", path, nspatial);
  PetscCheck(L->nframes <= PETSC_MAX_INT && L->natoms <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP, "%s: %zu frames and %zu atoms need PETSc with 64-bit indices", path, L->nframes, L->natoms);

  dims[0] = dframe;
  dims[1] = dims[2] = dims[3] = dspatial;
  PetscCall(DatasetCheckVar(path, ncid, L->natoms_var, "natoms", 1, dims));
  if (nc_inq_varid(ncid, "frame_id", &L->frame_id) == NC_NOERR) PetscCall(DatasetCheckVar(path, ncid, L->frame_id, "frame_id", 1, dims));
  else L->frame_id = -1;
  if (nc_inq_varid(ncid, "properties", &L->properties) == NC_NOERR) PetscCall(DatasetCheckVar(path, ncid, L->properties, "properties", 1, dims));
  else L->properties = -1;
  for (int p = 0; p < TEANN_NPROP; p++) {
    dims[0] = TeannProperties[p].peratom ? datom : dframe;
    if (nc_inq_varid(ncid, TeannProperties[p].name, &L->prop[p]) == NC_NOERR) PetscCall(DatasetCheckVar(path, ncid, L->prop[p], TeannProperties[p].name, 1 + (int)TeannProperties[p].rank, dims));
    else L->prop[p] = -1;
  }
  PetscCall(DatasetInquireCell(path, ncid, dframe, dspatial, L));
  dims[0] = datom;
  PetscCall(DatasetCheckVar(path, ncid, L->species, "species", 1, dims));
  PetscCall(DatasetCheckVar(path, ncid, L->positions, "positions", 2, dims));
  PetscFunctionReturn(0);
}

/* natoms of every frame, checked against the atom dimension; off[f] is the first atom of frame f. */
static PetscErrorCode DatasetCheckNatoms(const char path[], const DatasetLayout *L, const PetscInt natoms[], size_t off[])
{
  PetscFunctionBegin;
  off[0] = 0;
  for (size_t f = 0; f < L->nframes; f++) {
    PetscCheck(natoms[f] >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: inconsistent sizes: frame %zu has natoms = %" PetscInt_FMT, path, f + 1, natoms[f]);
    off[f + 1] = off[f] + (size_t)natoms[f];
  }
  PetscCheck(off[L->nframes] == L->natoms, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: inconsistent sizes: natoms sums to %zu but dimension 'atom' is %zu", path, off[L->nframes], L->natoms);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannDatasetGetSizes(const char path[], PetscInt *nframes, PetscInt **natoms)
{
  int           ncid;
  DatasetLayout L;
  size_t        start = 0, count, *off;

  PetscFunctionBegin;
  PetscCall(TeannNCOpen(PETSC_COMM_SELF, path, PETSC_FALSE, &ncid));
  PetscCall(DatasetInquire(path, ncid, &L));
  count = L.nframes;
  PetscCall(PetscMalloc1(L.nframes, natoms));
  PetscCallNC(path, nc_get_vara_petscint(ncid, L.natoms_var, &start, &count, *natoms));
  PetscCallNC(path, nc_close(ncid));
  PetscCall(PetscMalloc1(L.nframes + 1, &off));
  PetscCall(DatasetCheckNatoms(path, &L, *natoms, off));
  PetscCall(PetscFree(off));
  *nframes = (PetscInt)L.nframes;
  PetscFunctionReturn(0);
}

/* The frames a rank reads, as blocks of the file: runs of consecutive ids,
 * joined across gaps of at most this many frames (reading a little more
 * beats one more collective call per variable).
 * Collective reads are used only when no two ranks' blocks overlap: Open MPI
 * 4.1's OMPIO returns wrong data for collective reads of partly overlapping
 * regions (seen with 3 ranks), so gaps are joined only over frames no other
 * rank wants, and ranks that share frames read independently. */
#define DATASET_READ_GAP 64
/* Beyond this many blocks on some rank, independent reads are faster. */
#define DATASET_MAX_COLLECTIVE_BLOCKS 16

typedef struct {
  size_t   f0, f1; /* frames [f0, f1) of the file */
  PetscInt l0, l1; /* hold the local frames [l0, l1) */
} DatasetBlock;

/* Runs of ids joined across gaps of at most DATASET_READ_GAP frames, and
 * with wanted given only over frames no rank wants, so that blocks of
 * different ranks never overlap. *tmpsize: scratch entries sparse blocks need. */
static void DatasetBuildBlocks(PetscInt nsel, const PetscInt ids[], const int wanted[], const size_t off[], PetscInt *nblocks, DatasetBlock blocks[], size_t *tmpsize)
{
  *nblocks = 0;
  *tmpsize = 0;
  for (PetscInt l = 0; l < nsel;) {
    DatasetBlock *B = &blocks[(*nblocks)++];

    B->l0 = l;
    B->f0 = (size_t)ids[l];
    for (l++; l < nsel; l++) {
      PetscBool join = (PetscBool)(ids[l] - ids[l - 1] <= DATASET_READ_GAP + 1);

      for (PetscInt g = ids[l - 1] + 1; join && wanted && g < ids[l]; g++) join = (PetscBool)!wanted[g];
      if (!join) break;
    }
    B->l1 = l;
    B->f1 = (size_t)ids[l - 1] + 1;
    if (B->f1 - B->f0 != (size_t)(B->l1 - B->l0)) *tmpsize = PetscMax(*tmpsize, PetscMax(TEANN_MAX_COMP * (B->f1 - B->f0), 3 * (off[B->f1] - off[B->f0])));
  }
}

typedef struct {
  const char         *path;
  int                 ncid;
  PetscBool           parallel, collective;
  PetscInt            nblocks, maxblocks; /* here and the largest over ranks */
  DatasetBlock       *blocks;
  const PetscInt     *ids, *natoms;
  const size_t       *off;
  const PetscInt     *atom_start;
  void               *tmp; /* sparse blocks are read here first */
} DatasetReader;

/* Read one variable for every local frame: item (frame or atom) values of
 * ncomp entries each. With collective access every rank makes maxblocks
 * calls, some with nothing to read, because all must make the same calls. */
static PetscErrorCode DatasetReadVar(DatasetReader *R, int varid, PetscBool peratom, PetscBool isint, int ncomp, void *dest)
{
  size_t esize = isint ? sizeof(PetscInt) : sizeof(PetscReal);
  char   dummy[16];

  PetscFunctionBegin;
  if (R->parallel) PetscCallNC(R->path, nc_var_par_access(R->ncid, varid, R->collective ? NC_COLLECTIVE : NC_INDEPENDENT));
  for (PetscInt b = 0; b < (R->collective ? R->maxblocks : R->nblocks); b++) {
    size_t    start[4] = {0, 0, 0, 0}, count[4] = {0, 3, 3, 3};
    char     *buf      = dummy;
    PetscBool dense    = PETSC_TRUE;
    int       st;

    if (b < R->nblocks) {
      const DatasetBlock *B = &R->blocks[b];

      dense    = (PetscBool)(B->f1 - B->f0 == (size_t)(B->l1 - B->l0));
      start[0] = peratom ? R->off[B->f0] : B->f0;
      count[0] = peratom ? R->off[B->f1] - R->off[B->f0] : B->f1 - B->f0;
      buf      = dense ? (char *)dest + esize * ncomp * (size_t)(peratom ? R->atom_start[B->l0] : B->l0) : (char *)R->tmp;
    }
    /* NetCDF uses only as many entries of start and count as the variable has dimensions. */
    if (!count[0]) count[1] = count[2] = count[3] = 0;
    if (isint) st = nc_get_vara_petscint(R->ncid, varid, start, count, (PetscInt *)buf);
    else st = nc_get_vara_double(R->ncid, varid, start, count, (double *)buf);
    PetscCallNC(R->path, st);
    if (b < R->nblocks && !dense) {
      const DatasetBlock *B = &R->blocks[b];

      for (PetscInt l = B->l0; l < B->l1; l++) {
        size_t from = peratom ? R->off[R->ids[l]] - R->off[B->f0] : (size_t)R->ids[l] - B->f0;
        size_t to   = peratom ? (size_t)R->atom_start[l] : (size_t)l;
        size_t len  = peratom ? (size_t)R->natoms[R->ids[l]] : 1;

        PetscCall(PetscMemcpy((char *)dest + esize * ncomp * to, (char *)R->tmp + esize * ncomp * from, esize * ncomp * len));
      }
    }
  }
  PetscFunctionReturn(0);
}

/* natoms of every frame (read by rank 0, broadcast) and their offsets, checked. */
static PetscErrorCode DatasetReadNatomsChecked(MPI_Comm comm, const char path[], int ncid, PetscBool parallel, PetscMPIInt rank, const DatasetLayout *L, PetscInt natoms[], size_t off[])
{
  size_t   start = 0, count = rank == 0 ? L->nframes : 0;
  PetscInt dummy;

  PetscFunctionBegin;
  if (parallel) PetscCallNC(path, nc_var_par_access(ncid, L->natoms_var, NC_COLLECTIVE));
  PetscCallNC(path, nc_get_vara_petscint(ncid, L->natoms_var, &start, &count, L->nframes ? natoms : &dummy));
  if (parallel && L->nframes) PetscCallMPI(MPI_Bcast(natoms, (PetscMPIInt)L->nframes, MPIU_INT, 0, comm));
  PetscCall(DatasetCheckNatoms(path, L, natoms, off));
  PetscFunctionReturn(0);
}

/* The largest asymmetry the reader of the source accepted (attributes written by TeannDatasetWrite). */
static PetscErrorCode DatasetReadAsymmetry(const char path[], int ncid, const DatasetLayout *L, TeannFrames fr)
{
  PetscFunctionBegin;
  for (int p = 0; p < TEANN_NPROP; p++) {
    double  asym;
    int     frame;
    nc_type t1, t2;
    size_t  n1, n2;

    if (L->prop[p] < 0 || nc_inq_att(ncid, L->prop[p], "largest_asymmetry_accepted", &t1, &n1) || nc_inq_att(ncid, L->prop[p], "largest_asymmetry_frame", &t2, &n2)) continue;
    if (n1 != 1 || n2 != 1 || t1 == NC_CHAR || t1 == NC_STRING || t2 == NC_CHAR || t2 == NC_STRING) continue; /* not ours: ignored */
    PetscCallNC(path, nc_get_att_double(ncid, L->prop[p], "largest_asymmetry_accepted", &asym));
    PetscCallNC(path, nc_get_att_int(ncid, L->prop[p], "largest_asymmetry_frame", &frame));
    if (!(asym > 0 && asym <= TeannProperties[p].sym_rtol) || frame < 1) continue;
    fr->asym[p]       = (PetscReal)asym;
    fr->asym_frame[p] = frame;
  }
  PetscFunctionReturn(0);
}

/* The selected frames of an opened dataset whose natoms (and their offsets) are read; every
   array allocated here goes into S, which the caller frees whatever happens, so that a file
   refused half-way leaks nothing (the fuzz targets check every refused input for leaks). */
typedef struct {
  PetscInt *ids, *fid, *pbc3;
  int      *wanted;
  void     *tmp;
  DatasetBlock *blocks;
} DatasetScratch;

static PetscErrorCode DatasetReadSelected(MPI_Comm comm, const char path[], int ncid, PetscBool parallel, const DatasetLayout *L, const PetscInt natoms[], const size_t off[], PetscInt nsel, const PetscInt ids_in[], TeannFrames fr, DatasetScratch *S)
{
  DatasetReader   R;
  const PetscInt *ids;
  PetscInt        nat = 0, *fid;
  int            *wanted;
  size_t          tmpsize = 0;

  PetscFunctionBegin;
  if (ids_in) ids = ids_in;
  else {
    PetscCall(PetscMalloc1(nsel, &S->ids));
    for (PetscInt l = 0; l < nsel; l++) S->ids[l] = l;
    ids = S->ids;
  }
  for (PetscInt l = 0; l < nsel; l++) nat += natoms[ids[l]];
  PetscCall(TeannFramesAllocate(fr, nsel, nat));
  PetscCall(PetscStrncpy(fr->source, path, sizeof(fr->source)));
  fr->atom_start[0] = 0;
  for (PetscInt l = 0; l < nsel; l++) {
    fr->atom_start[l + 1] = fr->atom_start[l] + natoms[ids[l]];
    fr->frame_id[l]       = ids[l];
    fr->line[l]           = 0;
  }

  /* How many ranks want each frame: decides collective access and which gaps may be joined. */
  PetscCall(PetscMemzero(&R, sizeof(R)));
  PetscCall(PetscCalloc1(L->nframes, &S->wanted));
  wanted = S->wanted;
  for (PetscInt l = 0; l < nsel; l++) wanted[ids[l]] = 1;
  if (parallel && L->nframes) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, wanted, (PetscMPIInt)L->nframes, MPI_INT, MPI_SUM, comm));
  R.collective = parallel;
  for (size_t f = 0; f < L->nframes && R.collective; f++)
    if (wanted[f] > 1) R.collective = PETSC_FALSE;

  /* Blocks of the file to read; many small collective calls cost more than
   * independent reads, so past a few blocks every rank reads on its own. */
  PetscCall(PetscMalloc1(nsel, &S->blocks));
  R.blocks = S->blocks;
  DatasetBuildBlocks(nsel, ids, R.collective ? wanted : NULL, off, &R.nblocks, R.blocks, &tmpsize);
  R.maxblocks = R.nblocks;
  if (R.collective) PetscCallMPI(MPI_Allreduce(&R.nblocks, &R.maxblocks, 1, MPIU_INT, MPI_MAX, comm));
  if (R.collective && R.maxblocks > DATASET_MAX_COLLECTIVE_BLOCKS) {
    R.collective = PETSC_FALSE;
    DatasetBuildBlocks(nsel, ids, NULL, off, &R.nblocks, R.blocks, &tmpsize);
  }
  PetscCall(PetscInfo(NULL, "%s: %" PetscInt_FMT " frames in %" PetscInt_FMT " blocks, %s\n", path, nsel, R.nblocks, R.collective ? "collective" : (parallel ? "independent" : "serial")));
  PetscCall(PetscMalloc(PetscMax(tmpsize, 1) * PetscMax(sizeof(PetscReal), sizeof(PetscInt)), &S->tmp));
  R.tmp = S->tmp;
  R.path       = path;
  R.ncid       = ncid;
  R.parallel   = parallel;
  R.ids        = ids;
  R.natoms     = natoms;
  R.off        = off;
  R.atom_start = fr->atom_start;

  PetscCall(DatasetReadVar(&R, L->species, PETSC_TRUE, PETSC_TRUE, 1, fr->Z));
  PetscCall(DatasetReadVar(&R, L->positions, PETSC_TRUE, PETSC_FALSE, 3, fr->x));
  for (int p = 0; p < TEANN_NPROP; p++)
    if (L->prop[p] >= 0) PetscCall(DatasetReadVar(&R, L->prop[p], TeannProperties[p].peratom, PETSC_FALSE, (int)TeannProperties[p].ncomp, fr->y[p]));
  if (L->cell >= 0) {
    PetscCall(PetscMalloc1(3 * nsel + 1, &S->pbc3));
    PetscCall(DatasetReadVar(&R, L->cell, PETSC_FALSE, PETSC_FALSE, 9, fr->cell));
    PetscCall(DatasetReadVar(&R, L->pbc, PETSC_FALSE, PETSC_TRUE, 3, S->pbc3));
  }
  if (L->properties >= 0) PetscCall(DatasetReadVar(&R, L->properties, PETSC_FALSE, PETSC_TRUE, 1, fr->fprops));
  else {
    /* A file without flags: a property is present where its values are finite. */
    for (int p = 0; p < TEANN_NPROP; p++) {
      const PetscReal *v  = fr->y[p];
      int              nc = (int)TeannProperties[p].ncomp;

      if (L->prop[p] < 0) continue;
      for (PetscInt l = 0; l < nsel; l++) {
        PetscBool finite = PETSC_TRUE;
        if (TeannProperties[p].peratom) { /* any labelled atom */
          finite = PETSC_FALSE;
          for (PetscInt a = fr->atom_start[l]; a < fr->atom_start[l + 1]; a++) finite = (PetscBool)(finite || !PetscIsInfOrNanReal(v[nc * a]));
        } else
          for (int c = 0; c < nc; c++) finite = (PetscBool)(finite && !PetscIsInfOrNanReal(v[nc * l + c]));
        if (finite) fr->fprops[l] |= TeannProperties[p].bit;
      }
    }
  }
  for (PetscInt a = 0; a < nat; a++) PetscCheck(fr->Z[a] >= 1 && fr->Z[a] <= TEANN_MAX_Z, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: atom %" PetscInt_FMT " of this rank's frames has species %" PetscInt_FMT ", expected an atomic number 1..86", path, a + 1, fr->Z[a]);
  /* frame_id (the frames' numbers in the original input) is read aside: the
   * checks below number the frames as this file does. Every collective read is
   * done before them, so that a rank that fails leaves none waiting. */
  PetscCall(PetscMalloc1(nsel + 1, &S->fid));
  fid = S->fid;
  if (L->frame_id >= 0) PetscCall(DatasetReadVar(&R, L->frame_id, PETSC_FALSE, PETSC_TRUE, 1, fid));
  else PetscCall(PetscArraycpy(fid, fr->frame_id, nsel));
  /* The checks of the text readers (readutil.c); tensors are kept as stored, since
   * projecting what teann-convert projected already would change its last bits. */
  for (PetscInt l = 0; l < nsel && S->pbc3; l++)
    for (PetscInt d = 0; d < 3; d++) {
      TeannReadCheck(path, 0, ids[l] + 1, S->pbc3[3 * l + d] == 0 || S->pbc3[3 * l + d] == 1, "pbc[%" PetscInt_FMT "] = %" PetscInt_FMT ", expected 0 or 1", d, S->pbc3[3 * l + d]);
      fr->pbc[l] |= S->pbc3[3 * l + d] << d;
    }
  PetscCall(DatasetReadAsymmetry(path, ncid, L, fr));
  for (PetscInt l = 0; l < nsel; l++) {
    for (int p = 0; p < TEANN_NPROP; p++) TeannReadCheck(path, 0, ids[l] + 1, !(fr->fprops[l] & TeannProperties[p].bit) || L->prop[p] >= 0, "flagged as having %s (variable 'properties') but there is no variable '%s'", TeannProperties[p].name, TeannProperties[p].name);
    PetscCall(TeannFramesValidate(fr, l, 0, 0, PETSC_FALSE));
  }
  PetscCall(PetscArraycpy(fr->frame_id, fid, nsel));

  PetscFunctionReturn(0);
}

static PetscErrorCode DatasetReadOpened(MPI_Comm comm, const char path[], int ncid, PetscBool parallel, PetscInt n, const PetscInt ids_in[], TeannFrames fr)
{
  DatasetLayout  L;
  DatasetScratch S;
  PetscInt      *natoms, nsel, bad = -1;
  size_t        *off;
  int            okl, ok;
  PetscMPIInt    rank;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(DatasetInquire(path, ncid, &L));

  /* The ids are each rank's own: agree on their validity before any collective read. */
  nsel = ids_in ? n : (n < 0 ? (PetscInt)L.nframes : n);
  okl  = nsel >= 0 && (size_t)nsel <= L.nframes;
  if (okl && ids_in) {
    for (PetscInt l = 0; l < nsel && bad < 0; l++)
      if (ids_in[l] < 0 || (size_t)ids_in[l] >= L.nframes || (l && ids_in[l] <= ids_in[l - 1])) bad = l;
    okl = bad < 0;
  } else if (okl && !ids_in) okl = (n <= 0 || (size_t)n == L.nframes);
  ok = okl;
  if (parallel) PetscCallMPI(MPI_Allreduce(&okl, &ok, 1, MPI_INT, MPI_MIN, comm));
  if (!okl) {
    PetscCheck(nsel >= 0 && (size_t)nsel <= L.nframes && (ids_in || n <= 0 || (size_t)n == L.nframes), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: cannot read %" PetscInt_FMT " frames: the file has %zu%s", path, n, L.nframes, ids_in ? "" : " (ids NULL reads all with n < 0, none with n = 0)");
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: frame ids must be ascending and below the %zu frames of the file: rank %d has ids[%" PetscInt_FMT "] = %" PetscInt_FMT, path, L.nframes, (int)rank, bad, ids_in[bad]);
  }
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: invalid frame ids on another rank", path);

  /* Every rank needs natoms of all frames to find its atoms; it is small.
   * Rank 0 reads it (the others take part with nothing) and broadcasts it. */
  PetscCall(PetscMalloc1(L.nframes, &natoms));
  PetscCall(PetscMalloc1(L.nframes + 1, &off));
  {
    PetscErrorCode ierr = DatasetReadNatomsChecked(comm, path, ncid, parallel, rank, &L, natoms, off);
    if (ierr) { /* a damaged natoms: refused without leaking the arrays (found by tests/fuzz) */
      PetscCall(PetscFree(natoms));
      PetscCall(PetscFree(off));
      PetscCall(ierr);
    }
  }

  PetscCall(PetscMemzero(&S, sizeof(S)));
  ierr = DatasetReadSelected(comm, path, ncid, parallel, &L, natoms, off, nsel, ids_in, fr, &S);
  PetscCall(PetscFree(S.ids));
  PetscCall(PetscFree(S.fid));
  PetscCall(PetscFree(S.pbc3));
  PetscCall(PetscFree(S.wanted));
  PetscCall(PetscFree(S.tmp));
  PetscCall(PetscFree(S.blocks));
  PetscCall(PetscFree(off));
  PetscCall(PetscFree(natoms));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* Parallel NetCDF here reads only the HDF5-based format. */
static PetscErrorCode DatasetIsClassic(const char path[], PetscBool *classic)
{
  FILE *fp = fopen(path, "rb");
  char  magic[3];

  PetscFunctionBegin;
  *classic = PETSC_FALSE;
  if (!fp) PetscFunctionReturn(0);
  *classic = (PetscBool)(fread(magic, 1, 3, fp) == 3 && !memcmp(magic, "CDF", 3));
  (void)fclose(fp);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannDatasetRead(MPI_Comm comm, const char path[], PetscInt n, const PetscInt ids[], TeannFrames frames)
{
  PetscMPIInt    size;
  PetscBool      exists;
  PetscErrorCode ierr;
  int            ncid;

  PetscFunctionBegin;
  PetscCall(TeannInitializePackage());
  PetscCall(PetscLogEventBegin(TEANN_EVENT_DatasetRead, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscTestFile(path, 'r', &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open: no such file or not readable", path);
  if (size > 1) {
    PetscBool classic;

    PetscCall(DatasetIsClassic(path, &classic));
    PetscCheck(!classic, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: classic-format NetCDF cannot be read in parallel; rewrite it with teann-convert %s NEW.nc", path, path);
  }
  /* One rank opens serially, which also reads classic-format files. */
  PetscCall(TeannNCOpen(comm, path, size > 1 ? PETSC_TRUE : PETSC_FALSE, &ncid));
  if (size == 1) {
    ierr = DatasetReadOpened(comm, path, ncid, PETSC_FALSE, n, ids, frames);
    (void)nc_close(ncid);
    PetscCall(ierr);
  } else { /* the checks of each rank's own frames fail on that rank only */
    TeannHeldError h;
    PetscCall(TeannErrorHoldBegin(&h));
    (void)DatasetReadOpened(comm, path, ncid, PETSC_TRUE, n, ids, frames);
    (void)nc_close(ncid);
    PetscCall(TeannErrorHoldEnd(comm, &h));
  }
  PetscCall(PetscLogEventEnd(TEANN_EVENT_DatasetRead, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------ */
/* Any input file                                                            */

PetscErrorCode TeannFileIsNetCDF(const char path[], PetscBool *isnc)
{
  FILE         *fp;
  unsigned char magic[4] = {0, 0, 0, 0};
  size_t        nmagic;

  PetscFunctionBegin;
  fp = fopen(path, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open: no such file or not readable", path);
  nmagic = fread(magic, 1, sizeof(magic), fp);
  (void)fclose(fp);
  *isnc = (PetscBool)((nmagic >= 3 && !memcmp(magic, "CDF", 3)) || (nmagic == 4 && !memcmp(magic, "\x89HDF", 4)));
  PetscFunctionReturn(0);
}

