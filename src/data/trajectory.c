/* Trajectories read block by block (trajectory.h): AMBER NetCDF by hyperslabs, extended XYZ
 * by a stream that passes over the frames of other blocks reading only their count lines.
 * The AMBER convention (ambermd.org/netcdf/nctraj.xhtml): global attribute Conventions
 * "AMBER", dimensions frame (unlimited), atom, spatial = 3, variables coordinates(frame,
 * atom, spatial) in Angstrom (optionally scaled by scale_factor), time(frame) in picoseconds,
 * cell_lengths(frame, cell_spatial) and cell_angles(frame, cell_angular) in Angstrom and
 * degrees. Classic-format files (which AMBER, OpenMM, MDAnalysis, cpptraj and ASE write) read
 * zeros past a truncated end, so their header is read here to find how many frames the file
 * holds completely. */
#include "trajectory.h"
#include "framesimpl.h"
#include "ncutil.h"
#include "dataset.h"
#include <ctype.h>
#include <stdint.h>
#include <sys/stat.h>

struct _n_TeannTrajectory {
  MPI_Comm       comm;
  char           path[PETSC_MAX_PATH_LEN];
  PetscBool      amber;
  PetscInt       N, maxatoms;
  PetscInt64     natoms;
  PetscBool      sized, hastime, hasstep, keep;
  /* extended XYZ */
  TeannXYZStream xs;
  PetscInt       pos; /* frames the stream has passed */
  /* AMBER */
  int            ncid, vcoord, vtime, vlen, vang, vtypes;
  PetscBool      types_per_frame, tsingle;
  PetscInt       nat;        /* atoms per frame */
  PetscInt      *Z;          /* [nat] the elements (options or a per-file variable), NULL when per frame */
  const char    *zsource;    /* where Z comes from, for messages */
  double         scale;      /* scale_factor of coordinates */
  char           tunits[8];  /* fs, ps or ns */
  /* the frames last read */
  PetscInt       n, cap;
  PetscReal     *time;
  PetscInt64    *step;
  char         **text;
  int           *ibuf;
  double        *cbuf;
};

PetscErrorCode TeannTimeUnitFs(const char what[], const char units[], PetscReal *fs)
{
  char u[64];
  size_t l;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(u, units, sizeof(u)));
  for (char *p = u; *p; p++) *p = (char)tolower((unsigned char)*p);
  l = strlen(u);
  while (l && isspace((unsigned char)u[l - 1])) u[--l] = 0;
  if (l > 1 && u[l - 1] == 's' && strcmp(u, "fs") && strcmp(u, "ps") && strcmp(u, "ns")) u[--l] = 0; /* plural */
  if (!strcmp(u, "fs") || !strcmp(u, "femtosecond")) *fs = 1;
  else if (!strcmp(u, "ps") || !strcmp(u, "picosecond")) *fs = 1e3;
  else if (!strcmp(u, "ns") || !strcmp(u, "nanosecond")) *fs = 1e6;
  else SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: time units '%s' are not fs, ps or ns (femtosecond, picosecond, nanosecond)", what, units);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ the classic header */

typedef struct {
  PetscBool parsed;            /* a CDF-1, -2 or -5 header read to its end */
  PetscBool amber;             /* Conventions names AMBER */
  PetscBool streaming;         /* numrecs not recorded */
  uint64_t  numrecs, complete; /* records the header announces, and those the file holds whole */
  uint64_t  need, size;        /* bytes the announced records need, bytes the file has */
} ClassicInfo;

typedef struct {
  const unsigned char *p, *end;
  int                  version;
  PetscBool            bad;
} Cursor;

static uint64_t Get(Cursor *c, int nbytes)
{
  uint64_t v = 0;
  if (c->bad || c->end - c->p < nbytes) {
    c->bad = PETSC_TRUE;
    return 0;
  }
  for (int i = 0; i < nbytes; i++) v = (v << 8) | *c->p++;
  return v;
}
/* NON_NEG: 8 bytes in CDF-5, else 4 */
static uint64_t GetCount(Cursor *c)
{
  return Get(c, c->version == 5 ? 8 : 4);
}
static void Skip(Cursor *c, uint64_t n)
{
  n = (n + 3) / 4 * 4; /* padded to 4 bytes */
  if (c->bad || (uint64_t)(c->end - c->p) < n) c->bad = PETSC_TRUE;
  else c->p += n;
}
static int TypeSize(uint64_t t)
{
  static const int size[12] = {0, 1, 1, 2, 4, 4, 8, 1, 2, 4, 8, 8};
  return t >= 1 && t <= 11 ? size[t] : 0;
}
/* A name; when want is given, whether it is that name. */
static PetscBool Name(Cursor *c, const char *want)
{
  uint64_t  n     = GetCount(c);
  PetscBool match = (PetscBool)(want && !c->bad && (uint64_t)(c->end - c->p) >= n && strlen(want) == n && !memcmp(c->p, want, n));
  Skip(c, n);
  return match;
}
/* An attribute list; *amber when it holds Conventions naming AMBER. */
static void Attributes(Cursor *c, PetscBool *amber)
{
  uint64_t tag = Get(c, 4), n = GetCount(c);
  if (tag != 0 && tag != 0x0C) c->bad = PETSC_TRUE;
  for (uint64_t i = 0; i < n && !c->bad; i++) {
    PetscBool conv = Name(c, "Conventions");
    uint64_t  type = Get(c, 4), len = GetCount(c);
    int       ts   = TypeSize(type);
    if (!ts || len > (uint64_t)(c->end - c->p)) {
      c->bad = PETSC_TRUE;
      break;
    }
    if (amber && conv && type == 2) /* NC_CHAR */
      for (uint64_t k = 0; k + 5 <= len; k++)
        if (!strncasecmp((const char *)c->p + k, "AMBER", 5)) *amber = PETSC_TRUE;
    Skip(c, len * (uint64_t)ts);
  }
}

#define CLASSIC_MAX_DIMS 1024

/* Parse the header of a classic-format file (the NetCDF classic format specification) and
   compare the bytes its records need with the file's size. info->parsed false: not such a
   file, or a header this parser does not follow (then nothing is concluded). */
static PetscErrorCode ClassicInspect(const char path[], ClassicInfo *info)
{
  FILE          *fp;
  struct stat    st;
  unsigned char *buf = NULL;
  size_t         have = 0, want = 65536;
  uint64_t       dimlen[CLASSIC_MAX_DIMS], recsize = 0, nrecvars = 0, onerec = 0;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(info, sizeof(*info)));
  if (stat(path, &st) || !(fp = fopen(path, "rb"))) PetscFunctionReturn(0);
  info->size = (uint64_t)st.st_size;
  /* the header's length is known only once it is parsed: read more until it fits */
  for (;;) {
    Cursor         c;
    uint64_t       ndims, nvars, recdim = (uint64_t)-1, maxend = 0, tag;
    const uint64_t total = PetscMin((uint64_t)want, info->size);

    PetscCall(PetscRealloc(total + 1, &buf));
    have += fread(buf + have, 1, total - have, fp);
    c.p = buf;
    c.end = buf + have;
    c.bad = PETSC_FALSE;
    if (have < 4 || memcmp(buf, "CDF", 3) || (buf[3] != 1 && buf[3] != 2 && buf[3] != 5)) break;
    c.version = buf[3];
    c.p += 4;
    info->numrecs   = GetCount(&c);
    info->streaming = (PetscBool)(info->numrecs == (c.version == 5 ? UINT64_MAX : 0xFFFFFFFFu));
    tag             = Get(&c, 4);
    ndims           = GetCount(&c);
    if (tag != 0 && tag != 0x0A) c.bad = PETSC_TRUE;
    if (ndims > CLASSIC_MAX_DIMS) break;
    for (uint64_t d = 0; d < ndims && !c.bad; d++) {
      (void)Name(&c, NULL);
      dimlen[d] = GetCount(&c);
      if (dimlen[d] == 0) recdim = d;
    }
    Attributes(&c, &info->amber);
    tag   = Get(&c, 4);
    nvars = GetCount(&c);
    if (tag != 0 && tag != 0x0B) c.bad = PETSC_TRUE;
    /* two passes over the variables: the record size first, then each one's last byte */
    for (int pass = 0; pass < 2 && !c.bad; pass++) {
      const unsigned char *vars = c.p;
      for (uint64_t v = 0; v < nvars && !c.bad; v++) {
        uint64_t  nd, len = 1, begin, type;
        PetscBool rec = PETSC_FALSE;
        (void)Name(&c, NULL);
        nd = GetCount(&c);
        for (uint64_t d = 0; d < nd && !c.bad; d++) {
          uint64_t id = GetCount(&c);
          if (id >= ndims) c.bad = PETSC_TRUE;
          else if (d == 0 && id == recdim) rec = PETSC_TRUE;
          else len *= dimlen[id];
        }
        if (nd > CLASSIC_MAX_DIMS) c.bad = PETSC_TRUE;
        Attributes(&c, NULL);
        type = Get(&c, 4);
        (void)GetCount(&c); /* vsize: recomputed, it saturates for large variables */
        begin = Get(&c, c.version == 1 ? 4 : 8);
        if (!TypeSize(type)) c.bad = PETSC_TRUE;
        len *= (uint64_t)TypeSize(type);
        if (pass == 0 && rec) {
          recsize += (len + 3) / 4 * 4;
          onerec = len;
          nrecvars++;
        }
        if (pass == 1) {
          uint64_t end;
          if (rec) {
            uint64_t k = info->numrecs ? info->numrecs - 1 : 0;
            end        = info->numrecs ? begin + k * recsize + len : 0;
            if (info->numrecs) {
              uint64_t whole = info->size >= begin + len ? (info->size - begin - len) / recsize + 1 : 0;
              info->complete = PetscMin(info->complete, whole);
            }
          } else end = begin + len;
          maxend = PetscMax(maxend, end);
        }
      }
      if (pass == 0) {
        if (nrecvars == 1) recsize = onerec; /* one record variable: its records are not padded */
        if (!recsize) recsize = 1;
        info->complete = info->numrecs;
        c.p = vars;
      }
    }
    if (!c.bad) {
      info->parsed = PETSC_TRUE;
      info->need   = maxend;
      break;
    }
    if (total == info->size || want >= ((size_t)1 << 26)) break; /* the whole file, or more header than any trajectory has */
    want *= 4;
  }
  (void)fclose(fp);
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFileIsAmber(const char path[], PetscBool *match)
{
  PetscBool   isnc;
  ClassicInfo ci;

  PetscFunctionBegin;
  *match = PETSC_FALSE;
  PetscCall(TeannFileIsNetCDF(path, &isnc));
  if (!isnc) PetscFunctionReturn(0);
  PetscCall(ClassicInspect(path, &ci));
  if (ci.parsed) {
    *match = ci.amber;
    PetscFunctionReturn(0);
  }
  {
    unsigned char magic[4] = {0, 0, 0, 0};
    FILE         *fp       = fopen(path, "rb");
    if (fp) {
      if (fread(magic, 1, 4, fp) != 4) magic[0] = 0;
      (void)fclose(fp);
    }
    if (memcmp(magic, "\x89HDF", 4)) PetscFunctionReturn(0); /* a classic header that does not parse: no AMBER file */
  }
  {
    /* NetCDF-4 (HDF5): the library reads the attribute, once the file is known to be safe to open */
    PetscBool ok;
    char      why[256], conv[256];
    int       ncid;
    size_t    len;
    PetscCall(TeannNCCheckFile(path, PETSC_FALSE, &ok, why, sizeof(why)));
    if (!ok || nc_open(path, NC_NOWRITE, &ncid) != NC_NOERR) PetscFunctionReturn(0);
    if (nc_inq_attlen(ncid, NC_GLOBAL, "Conventions", &len) == NC_NOERR && len < sizeof(conv) && nc_get_att_text(ncid, NC_GLOBAL, "Conventions", conv) == NC_NOERR) {
      conv[len] = 0;
      for (size_t k = 0; k + 5 <= len; k++)
        if (!strncasecmp(conv + k, "AMBER", 5)) *match = PETSC_TRUE;
    }
    (void)nc_close(ncid);
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ elements */

PetscErrorCode TeannSpeciesOption(MPI_Comm comm, char file[], size_t flen, PetscBool *hasfile, char list[], size_t llen, PetscBool *haslist)
{
  PetscFunctionBegin;
  file[0] = list[0] = 0;
  PetscOptionsBegin(comm, NULL, "AMBER NetCDF trajectories", NULL);
  PetscCall(PetscOptionsString("-teann_species", "AMBER NetCDF without atom_types: an extended XYZ file whose first frame has the trajectory's atoms", "TeannFramesRead", file, file, flen, hasfile));
  PetscCall(PetscOptionsString("-teann_species_list", "AMBER NetCDF without atom_types: the element of each atom, comma-separated (O,H,H)", "TeannFramesRead", list, list, llen, haslist));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* -teann_species FILE or -teann_species_list SYMBOLS into Z[nat] (allocated); *src names which. */
static PetscErrorCode SpeciesFromOptions(const char path[], PetscInt nat, PetscInt **Z, const char **src, PetscBool *given)
{
  char      file[PETSC_MAX_PATH_LEN], list[65536];
  PetscBool hasfile, haslist;

  PetscFunctionBegin;
  *given = PETSC_FALSE;
  PetscCall(TeannSpeciesOption(PETSC_COMM_SELF, file, sizeof(file), &hasfile, list, sizeof(list), &haslist));
  if (!hasfile && !haslist) PetscFunctionReturn(0);
  PetscCheck(!(hasfile && haslist), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "give the elements of %s once: -teann_species or -teann_species_list, not both", path);
  *given = PETSC_TRUE;
  PetscCall(PetscMalloc1(nat, Z));
  if (hasfile) {
    TeannXYZStream s;
    TeannFrames    fr;
    PetscErrorCode ierr;

    *src = "-teann_species";
    PetscCall(TeannFramesCreate(&fr));
    PetscCall(TeannXYZStreamOpen(file, &s));
    ierr = TeannXYZStreamRead(s, 1, fr, NULL);
    PetscCall(TeannXYZStreamDestroy(&s));
    PetscCall(ierr);
    PetscCheck(fr->nframes == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-teann_species %s: no frame (an extended XYZ frame of the trajectory's atoms was expected)", file);
    PetscCheck(fr->natoms == nat, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-teann_species %s has %" PetscInt_FMT " atoms, the trajectory %s has %" PetscInt_FMT, file, fr->natoms, path, nat);
    PetscCall(PetscArraycpy(*Z, fr->Z, nat));
    PetscCall(TeannFramesDestroy(&fr));
  } else {
    char    *tok, *save = NULL;
    PetscInt n = 0;

    *src = "-teann_species_list";
    for (tok = strtok_r(list, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
      const PetscInt z = TeannElementZ(tok);
      PetscCheck(z > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-teann_species_list: '%s' (atom %" PetscInt_FMT ") is not an element symbol", tok, n + 1);
      if (n < nat) (*Z)[n] = z;
      n++;
    }
    PetscCheck(n == nat, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-teann_species_list names %" PetscInt_FMT " atoms, the trajectory %s has %" PetscInt_FMT, n, path, nat);
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ AMBER NetCDF */

/* "(frame, atom)" from a variable's dimensions, for messages. */
static void DimString(int ncid, int nd, const int dims[], char out[], size_t len)
{
  size_t n = 0;
  n += (size_t)snprintf(out, len, "(");
  for (int d = 0; d < nd && n < len; d++) {
    char   name[NC_MAX_NAME + 1] = "?";
    size_t l                     = 0;
    (void)nc_inq_dim(ncid, dims[d], name, &l);
    n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s = %zu", d ? ", " : "", name, l);
  }
  if (n < len) (void)snprintf(out + n, len - n, ")");
}

static PetscBool NamesAmber(const char *s, size_t len)
{
  for (size_t k = 0; k + 5 <= len; k++)
    if (!strncasecmp(s + k, "AMBER", 5)) return PETSC_TRUE;
  return PETSC_FALSE;
}

static PetscErrorCode TextAttribute(int ncid, int vid, const char name[], char out[], size_t len, PetscBool *has)
{
  size_t  l;
  nc_type t;

  PetscFunctionBegin;
  out[0] = 0;
  *has   = (PetscBool)(nc_inq_att(ncid, vid, name, &t, &l) == NC_NOERR && t == NC_CHAR && l < len);
  if (*has) {
    PetscCheck(nc_get_att_text(ncid, vid, name, out) == NC_NOERR, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot read attribute %s", name);
    out[l] = 0;
  }
  PetscFunctionReturn(0);
}

/* A variable of shape (frame, 3) named name (-1 if absent). */
static PetscErrorCode FrameVector(TeannTrajectory t, const char name[], int fdim, int *vid)
{
  int     nd, dims[NC_MAX_VAR_DIMS];
  nc_type type;
  size_t  l = 0;
  char    shape[256];

  PetscFunctionBegin;
  *vid = -1;
  if (nc_inq_varid(t->ncid, name, vid) != NC_NOERR) {
    *vid = -1;
    PetscFunctionReturn(0);
  }
  PetscCallNC(t->path, nc_inq_var(t->ncid, *vid, NULL, &type, &nd, dims, NULL));
  if (nd == 2) PetscCallNC(t->path, nc_inq_dimlen(t->ncid, dims[1], &l));
  DimString(t->ncid, nd, dims, shape, sizeof(shape));
  PetscCheck(nd == 2 && dims[0] == fdim && l == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable %s has the dimensions %s, expected %s(frame, 3)", t->path, name, shape, name);
  PetscCheck(type == NC_FLOAT || type == NC_DOUBLE, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable %s is not of a floating-point type", t->path, name);
  PetscFunctionReturn(0);
}

static PetscErrorCode AmberOpen(TeannTrajectory t)
{
  const char *p = t->path;
  int         ncid, nd, dims[NC_MAX_VAR_DIMS], unlim = -1, fdim, adim;
  nc_type     type;
  size_t      nframes, natoms, nsp = 0;
  char        txt[256], shape[256], fname[NC_MAX_NAME + 1];
  PetscBool   has, given;
  ClassicInfo ci;

  PetscFunctionBegin;
  /* a classic file cut short reads zeros where its end is missing: find where it ends, before
     the library (or the check of TeannNCOpen, which reads the values) meets the missing bytes */
  PetscCall(ClassicInspect(p, &ci));
  PetscCall(PetscInfo(NULL, "%s: classic header %s: %" PetscInt64_FMT " records announced, %" PetscInt64_FMT " whole, %" PetscInt64_FMT " bytes needed, %" PetscInt64_FMT " held\n", p, ci.parsed ? "read" : "not read", (PetscInt64)ci.numrecs, (PetscInt64)ci.complete, (PetscInt64)ci.need, (PetscInt64)ci.size));
  if (ci.parsed && !ci.streaming && ci.complete < ci.numrecs) {
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: truncated: the header announces %" PetscInt64_FMT " frames but the file (%" PetscInt64_FMT " bytes of the %" PetscInt64_FMT " they need) holds %" PetscInt64_FMT " whole; frame %" PetscInt64_FMT " is incomplete (a copy cut short, or a run that was killed while writing?)", p, (PetscInt64)ci.numrecs, (PetscInt64)ci.size, (PetscInt64)ci.need, (PetscInt64)ci.complete, (PetscInt64)ci.complete + 1);
  }
  PetscCheck(!ci.parsed || ci.need <= ci.size, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: damaged or truncated: its header describes %" PetscInt64_FMT " bytes, the file has %" PetscInt64_FMT, p, (PetscInt64)ci.need, (PetscInt64)ci.size);
  PetscCall(TeannNCOpen(t->comm, p, PETSC_FALSE, &t->ncid));
  ncid = t->ncid;
  PetscCall(TextAttribute(ncid, NC_GLOBAL, "Conventions", txt, sizeof(txt), &has));
  PetscCheck(has && NamesAmber(txt, strlen(txt)), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not an AMBER NetCDF trajectory (no global attribute Conventions = \"AMBER\")", p);
  PetscCheck(nc_inq_varid(ncid, "coordinates", &t->vcoord) == NC_NOERR, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no variable coordinates (an AMBER trajectory has coordinates(frame, atom, spatial))", p);
  PetscCallNC(p, nc_inq_var(ncid, t->vcoord, NULL, &type, &nd, dims, NULL));
  (void)nc_inq_unlimdim(ncid, &unlim);
  DimString(ncid, nd, dims, shape, sizeof(shape));
  if (nd == 3) {
    PetscCallNC(p, nc_inq_dim(ncid, dims[0], fname, &nframes));
    PetscCallNC(p, nc_inq_dimlen(ncid, dims[2], &nsp));
  }
  PetscCheck(nd == 3 && (dims[0] == unlim || !strcmp(fname, "frame")) && nsp == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable coordinates has the dimensions %s, expected coordinates(frame, atom, spatial) with spatial = 3", p, shape);
  PetscCheck(type == NC_FLOAT || type == NC_DOUBLE, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable coordinates is not of a floating-point type", p);
  fdim = dims[0];
  adim = dims[1];
  PetscCallNC(p, nc_inq_dimlen(ncid, adim, &natoms));
  PetscCheck(natoms >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no atoms (dimension of length 0)", p);
  PetscCheck(nframes >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no frames", p);
  PetscCheck(nframes <= PETSC_MAX_INT && natoms <= PETSC_MAX_INT / 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %zu frames of %zu atoms are too many for this build's integers", p, nframes, natoms);
  t->N   = (PetscInt)nframes;
  t->nat = (PetscInt)natoms;
  PetscCall(TextAttribute(ncid, t->vcoord, "units", txt, sizeof(txt), &has));
  PetscCheck(!has || !strncasecmp(txt, "angstrom", 8), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: coordinates have units '%s'; teann reads Angstrom (the AMBER convention's)", p, txt);
  t->scale = 1;
  if (nc_inq_att(ncid, t->vcoord, "scale_factor", &type, &nsp) == NC_NOERR) {
    PetscCheck(nsp == 1 && type != NC_CHAR && type != NC_STRING, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: coordinates:scale_factor is not one number", p);
    PetscCallNC(p, nc_get_att_double(ncid, t->vcoord, "scale_factor", &t->scale));
    PetscCheck(PetscIsNormalReal(t->scale) && t->scale > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: coordinates:scale_factor %g is not a positive number", p, t->scale);
  }

  /* time(frame), picoseconds unless its units say otherwise */
  t->vtime = -1;
  if (nc_inq_varid(ncid, "time", &t->vtime) == NC_NOERR) {
    PetscReal fs;
    PetscCallNC(p, nc_inq_var(ncid, t->vtime, NULL, &type, &nd, dims, NULL));
    DimString(ncid, nd, dims, shape, sizeof(shape));
    PetscCheck(nd == 1 && dims[0] == fdim, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable time has the dimensions %s, expected time(frame)", p, shape);
    PetscCall(TextAttribute(ncid, t->vtime, "units", txt, sizeof(txt), &has));
    if (!has) PetscCall(PetscStrncpy(txt, "picosecond", sizeof(txt)));
    {
      char what[PETSC_MAX_PATH_LEN + 32];
      PetscCall(PetscSNPrintf(what, sizeof(what), "%s: variable time", p));
      PetscCall(TeannTimeUnitFs(what, txt, &fs));
    }
    PetscCall(PetscStrncpy(t->tunits, fs == 1 ? "fs" : fs == 1e3 ? "ps" : "ns", sizeof(t->tunits)));
    t->hastime = PETSC_TRUE;
    t->tsingle = (PetscBool)(type == NC_FLOAT);
  } else t->vtime = -1;

  /* the cell: both variables or neither */
  PetscCall(FrameVector(t, "cell_lengths", fdim, &t->vlen));
  PetscCall(FrameVector(t, "cell_angles", fdim, &t->vang));
  PetscCheck((t->vlen < 0) == (t->vang < 0), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable %s without %s: a cell needs both", p, t->vlen >= 0 ? "cell_lengths" : "cell_angles", t->vlen >= 0 ? "cell_angles" : "cell_lengths");

  /* the elements: the options, else ASE's atomic numbers */
  PetscCall(SpeciesFromOptions(p, t->nat, &t->Z, &t->zsource, &given));
  t->vtypes = -1;
  if (!given) {
    const char *names[3] = {"atom_types", "Z", "type"};
    for (int k = 0; k < 3 && t->vtypes < 0; k++)
      if (nc_inq_varid(ncid, names[k], &t->vtypes) == NC_NOERR) t->zsource = names[k];
      else t->vtypes = -1;
    PetscCheck(t->vtypes >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: the file does not name its elements (no variable atom_types, Z or type, which ASE writes); give them with -teann_species FILE (an extended XYZ frame of the same atoms) or -teann_species_list O,H,H,... (one symbol per atom)", p);
    PetscCallNC(p, nc_inq_var(ncid, t->vtypes, NULL, &type, &nd, dims, NULL));
    DimString(ncid, nd, dims, shape, sizeof(shape));
    PetscCheck((nd == 1 && dims[0] == adim) || (nd == 2 && dims[0] == fdim && dims[1] == adim), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable %s has the dimensions %s, expected %s(atom) or %s(frame, atom)", p, t->zsource, shape, t->zsource, t->zsource);
    PetscCheck(type == NC_BYTE || type == NC_SHORT || type == NC_INT || type == NC_INT64 || type == NC_UBYTE || type == NC_USHORT || type == NC_UINT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: variable %s is not of an integer type (atomic numbers were expected)", p, t->zsource);
    t->types_per_frame = (PetscBool)(nd == 2);
    if (!t->types_per_frame) {
      PetscCall(PetscMalloc1(t->nat, &t->ibuf));
      PetscCall(PetscMalloc1(t->nat, &t->Z));
      PetscCallNC(p, nc_get_var_int(ncid, t->vtypes, t->ibuf));
      for (PetscInt a = 0; a < t->nat; a++) {
        PetscCheck(t->ibuf[a] >= 1 && t->ibuf[a] <= TEANN_MAX_Z, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: atom %" PetscInt_FMT ": %s = %d is not an atomic number 1..%d; give the elements with -teann_species or -teann_species_list", p, a + 1, t->zsource, t->ibuf[a], TEANN_MAX_Z);
        t->Z[a] = t->ibuf[a];
      }
      PetscCall(PetscFree(t->ibuf));
    }
  }

  t->natoms   = (PetscInt64)t->N * t->nat;
  t->maxatoms = t->nat;
  t->sized    = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Lattice vectors as rows from lengths and angles (degrees; alpha between b and c, beta between
   a and c, gamma between a and b): a along x, b in the xy plane, as AMBER and ASE build them.
   A length of zero is a direction that is not periodic (ASE writes the lengths times pbc). */
static PetscErrorCode CellFromParameters(const char path[], PetscInt frame, const double l[3], const double ang[3], PetscReal H[9], PetscInt *pbc)
{
  double c[3], s;

  PetscFunctionBegin;
  *pbc = 0;
  for (int d = 0; d < 9; d++) H[d] = 0;
  for (int d = 0; d < 3; d++) {
    TeannReadCheck(path, 0, frame, !PetscIsInfOrNanReal(l[d]) && l[d] >= 0, "cell_lengths %g %g %g are not finite non-negative numbers", l[0], l[1], l[2]);
    if (l[d] > 0) *pbc |= (PetscInt)1 << d;
  }
  if (!*pbc) PetscFunctionReturn(0);
  for (int d = 0; d < 3; d++) {
    TeannReadCheck(path, 0, frame, PetscIsNormalReal(ang[d]) && ang[d] > 0 && ang[d] < 180, "cell_angles %g %g %g are not angles between 0 and 180 degrees", ang[0], ang[1], ang[2]);
    /* a right angle is exactly one (cos(pi/2) is 6e-17), so that an orthorhombic cell is diagonal */
    c[d] = PetscAbs(ang[d] - 90) < 1e-10 ? 0 : cos(ang[d] * PETSC_PI / 180);
  }
  s    = PetscAbs(ang[2] - 90) < 1e-10 ? 1 : sin(ang[2] * PETSC_PI / 180);
  H[0] = l[0];
  H[3] = l[1] * c[2];
  H[4] = l[1] * s;
  H[6] = l[2] * c[1];
  H[7] = l[2] * (c[0] - c[1] * c[2]) / s;
  {
    const double z2 = l[2] * l[2] - H[6] * H[6] - H[7] * H[7];
    TeannReadCheck(path, 0, frame, z2 > 0 || l[2] == 0, "cell_angles %g %g %g do not make a cell", ang[0], ang[1], ang[2]);
    H[8] = l[2] > 0 ? sqrt(z2) : 0;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Reserve(TeannTrajectory t, PetscInt n)
{
  PetscFunctionBegin;
  if (n <= t->cap) PetscFunctionReturn(0);
  PetscCall(PetscFree2(t->time, t->step));
  PetscCall(PetscFree(t->text));
  PetscCall(PetscMalloc2(n, &t->time, n, &t->step));
  PetscCall(PetscCalloc1(n, &t->text));
  t->cap = n;
  PetscFunctionReturn(0);
}

static PetscErrorCode AmberRead(TeannTrajectory t, PetscInt start, PetscInt n, TeannFrames fr)
{
  const char *p = t->path;
  const int   ncid = t->ncid;
  size_t      st[3] = {(size_t)start, 0, 0}, ct[3] = {(size_t)n, (size_t)t->nat, 3};

  PetscFunctionBegin;
  PetscCall(TeannFramesAllocate(fr, n, n * t->nat));
  PetscCall(PetscStrncpy(fr->source, p, sizeof(fr->source)));
  for (PetscInt f = 0; f < n; f++) {
    fr->atom_start[f + 1] = (f + 1) * t->nat;
    fr->frame_id[f]       = start + f;
  }
  if (n == 0) PetscFunctionReturn(0);
  PetscCallNC(p, nc_get_vara_double(ncid, t->vcoord, st, ct, fr->x));
  if (t->scale != 1)
    for (PetscInt i = 0; i < 3 * n * t->nat; i++) fr->x[i] *= t->scale;
  if (t->Z)
    for (PetscInt f = 0; f < n; f++) PetscCall(PetscArraycpy(fr->Z + f * t->nat, t->Z, t->nat));
  else {
    PetscCall(PetscFree(t->ibuf));
    PetscCall(PetscMalloc1(n * t->nat, &t->ibuf));
    PetscCallNC(p, nc_get_vara_int(ncid, t->vtypes, st, ct, t->ibuf));
    for (PetscInt f = 0; f < n; f++)
      for (PetscInt a = 0; a < t->nat; a++) {
        const int z = t->ibuf[f * t->nat + a];
        TeannReadCheck(p, 0, start + f + 1, z >= 1 && z <= TEANN_MAX_Z, "atom %" PetscInt_FMT ": %s = %d is not an atomic number 1..%d; give the elements with -teann_species or -teann_species_list", a + 1, t->zsource, z, TEANN_MAX_Z);
        fr->Z[f * t->nat + a] = z;
      }
  }
  if (t->vlen >= 0) {
    double *l, *a;
    PetscCall(PetscMalloc2(3 * n, &l, 3 * n, &a));
    ct[1] = 3;
    PetscCallNC(p, nc_get_vara_double(ncid, t->vlen, st, ct, l));
    PetscCallNC(p, nc_get_vara_double(ncid, t->vang, st, ct, a));
    for (PetscInt f = 0; f < n; f++) {
      PetscErrorCode ierr = CellFromParameters(p, start + f + 1, l + 3 * f, a + 3 * f, fr->cell + 9 * f, &fr->pbc[f]);
      if (ierr) PetscCall(PetscFree2(l, a));
      PetscCall(ierr);
    }
    PetscCall(PetscFree2(l, a));
  }
  if (t->vtime >= 0) {
    PetscCallNC(p, nc_get_vara_double(ncid, t->vtime, st, ct, t->time));
    for (PetscInt f = 0; f < n; f++) TeannReadCheck(p, 0, start + f + 1, !PetscIsInfOrNanReal(t->time[f]), "time is not finite");
  }
  for (PetscInt f = 0; f < n; f++) PetscCall(TeannFramesValidate(fr, f, 0, 0, PETSC_FALSE));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ extended XYZ */

/* The value of key (any case) on an extended XYZ comment line: *val (NULL when absent) and *len. */
static void CommentValue(const char *c, const char key[], const char **val, size_t *len)
{
  const size_t kl = strlen(key);

  *val = NULL;
  *len = 0;
  for (const char *q = c; q && *q;) {
    const char *k, *v;
    size_t      klen, vlen;

    while (*q && isspace((unsigned char)*q)) q++;
    if (!*q) break;
    k = q;
    while (*q && *q != '=' && !isspace((unsigned char)*q)) q++;
    klen = (size_t)(q - k);
    if (*q != '=') continue;
    q++;
    if (*q == '"' || *q == '\'' || *q == '{' || *q == '[') {
      const char close = *q == '{' ? '}' : *q == '[' ? ']' : *q;
      v                = ++q;
      while (*q && *q != close) q++;
      vlen = (size_t)(q - v);
      if (*q) q++;
    } else {
      v = q;
      while (*q && !isspace((unsigned char)*q)) q++;
      vlen = (size_t)(q - v);
    }
    if (klen == kl && !strncasecmp(k, key, kl)) {
      *val = v;
      *len = vlen;
      return;
    }
  }
}

/* time= and step= of frame f of the block, checked against the first frame's (TeannTrajectoryGetSizes). */
static PetscErrorCode XYZTimes(TeannTrajectory t, TeannFrames fr, PetscInt f)
{
  const char *v;
  size_t      len;
  char        tok[64];
  const PetscInt line = fr->line[f] + 1, frame = fr->frame_id[f] + 1;

  PetscFunctionBegin;
  CommentValue(fr->comment[f], "time", &v, &len);
  TeannReadCheck(t->path, line, frame, !v == !t->hastime, v ? "time= given, but the first frame has none (every frame or none)" : "no time= (the first frame has one: every frame or none)");
  if (v) {
    char     *end;
    PetscReal x;
    TeannReadCheck(t->path, line, frame, len > 0 && len < sizeof(tok), "time='%.*s' is not a number", (int)PetscMin(len, 40), v);
    memcpy(tok, v, len);
    tok[len] = 0;
    x        = strtod(tok, &end);
    TeannReadCheck(t->path, line, frame, end != tok && !*end, "time='%s' is not a number", tok);
    TeannReadCheck(t->path, line, frame, !PetscIsInfOrNanReal(x), "time='%s' is not finite", tok);
    t->time[f] = x;
  }
  CommentValue(fr->comment[f], "step", &v, &len);
  TeannReadCheck(t->path, line, frame, !v == !t->hasstep, v ? "step= given, but the first frame has none (every frame or none)" : "no step= (the first frame has one: every frame or none)");
  if (v) {
    char     *end;
    long long s;
    TeannReadCheck(t->path, line, frame, len > 0 && len < sizeof(tok), "step='%.*s' is not an integer", (int)PetscMin(len, 40), v);
    memcpy(tok, v, len);
    tok[len] = 0;
    s        = strtoll(tok, &end, 10);
    if (*end) { /* 1e6 */
      double d = strtod(tok, &end);
      TeannReadCheck(t->path, line, frame, !*end && d == floor(d) && PetscAbs(d) < 9e15, "step='%s' is not an integer", tok);
      s = (long long)d;
    }
    t->step[f] = (PetscInt64)s;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode XYZRead(TeannTrajectory t, PetscInt start, PetscInt n, TeannFrames fr)
{
  PetscInt skipped;

  PetscFunctionBegin;
  PetscCheck(start >= t->pos, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: frame %" PetscInt_FMT " is behind the stream (at %" PetscInt_FMT "): extended XYZ is read forwards", t->path, start, t->pos);
  PetscCall(TeannXYZStreamSkip(t->xs, start - t->pos, &skipped, NULL, NULL));
  t->pos += skipped;
  PetscCheck(t->pos == start, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: ends after %" PetscInt_FMT " frames, fewer than counted (changed while being read?)", t->path, t->pos);
  PetscCall(TeannXYZStreamRead(t->xs, n, fr, t->keep ? t->text : NULL));
  t->pos += fr->nframes;
  PetscCheck(fr->nframes == n, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: ends after %" PetscInt_FMT " frames, fewer than counted (changed while being read?)", t->path, t->pos);
  for (PetscInt f = 0; f < n; f++) PetscCall(XYZTimes(t, fr, f));
  PetscFunctionReturn(0);
}

/* Rank 0 counts the frames, passing over all but the first, whose keys say whether the frames carry time= and step=. */
static PetscErrorCode XYZSizes(TeannTrajectory t)
{
  PetscMPIInt rank;
  PetscInt64  info[5] = {0, 0, 0, 0, 0};

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(t->comm, &rank));
  if (rank == 0) {
    TeannXYZStream s;
    TeannFrames    fr;
    PetscInt       skipped = 0, maxat = 0;
    PetscInt64     nat = 0;
    PetscErrorCode ierr;
    const char    *v;
    size_t         len;

    PetscCall(TeannFramesCreate(&fr));
    PetscCall(TeannXYZStreamOpen(t->path, &s));
    ierr = TeannXYZStreamRead(s, 1, fr, NULL);
    if (!ierr && fr->nframes) ierr = TeannXYZStreamSkip(s, PETSC_MAX_INT, &skipped, &nat, &maxat);
    PetscCall(TeannXYZStreamDestroy(&s));
    PetscCall(ierr);
    PetscCheck(fr->nframes == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no frames", t->path);
    info[0] = 1 + skipped;
    info[1] = nat + fr->natoms;
    info[2] = PetscMax(maxat, fr->natoms);
    CommentValue(fr->comment[0], "time", &v, &len);
    info[3] = v != NULL;
    CommentValue(fr->comment[0], "step", &v, &len);
    info[4] = v != NULL;
    PetscCall(TeannFramesDestroy(&fr));
  }
  PetscCallMPI(MPI_Bcast(info, 5, MPIU_INT64, 0, t->comm));
  t->N        = (PetscInt)info[0];
  t->natoms   = info[1];
  t->maxatoms = (PetscInt)info[2];
  t->hastime  = (PetscBool)(info[3] != 0);
  t->hasstep  = (PetscBool)(info[4] != 0);
  t->sized    = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ the object */

PetscErrorCode TeannTrajectoryOpen(MPI_Comm comm, const char path[], TeannTrajectory *out)
{
  TeannTrajectory t;
  const char     *format;

  PetscFunctionBegin;
  *out = NULL;
  PetscCall(TeannInitializePackage());
  PetscCall(TeannFramesGetFormat(path, &format));
  PetscCheck(!strcmp(format, "amber") || !strcmp(format, "xyz"), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: a %s file is not read as a trajectory (AMBER NetCDF or extended XYZ)", path, format);
  PetscCall(PetscNew(&t));
  t->comm = comm;
  t->ncid = -1;
  PetscCall(PetscStrncpy(t->path, path, sizeof(t->path)));
  t->amber = (PetscBool)!strcmp(format, "amber");
  *out     = t;
  if (t->amber) PetscCall(AmberOpen(t));
  else {
    PetscBool a, b;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-teann_species", &a));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-teann_species_list", &b));
    PetscCheck(!a && !b, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: an extended XYZ file names its elements; -teann_species and -teann_species_list are for AMBER NetCDF trajectories", path);
    PetscCall(TeannXYZStreamOpen(path, &t->xs));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannTrajectoryGetSizes(TeannTrajectory t, PetscInt *nframes, PetscInt64 *natoms, PetscInt *maxatoms)
{
  PetscFunctionBegin;
  if (!t->sized) PetscCall(XYZSizes(t));
  if (nframes) *nframes = t->N;
  if (natoms) *natoms = t->natoms;
  if (maxatoms) *maxatoms = t->maxatoms;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannTrajectorySetKeepText(TeannTrajectory t, PetscBool keep)
{
  PetscFunctionBegin;
  t->keep = (PetscBool)(keep && !t->amber);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannTrajectoryRead(TeannTrajectory t, PetscInt start, PetscInt n, TeannFrames fr)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TEANN_EVENT_ReadTrajectory, 0, 0, 0, 0));
  PetscCheck(t->sized, PETSC_COMM_SELF, PETSC_ERR_ORDER, "call TeannTrajectoryGetSizes first");
  PetscCheck(start >= 0 && n >= 0 && start + n <= t->N, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "%s: frames %" PetscInt_FMT "..%" PetscInt_FMT " are not among its %" PetscInt_FMT, t->path, start, start + n - 1, t->N);
  for (PetscInt f = 0; f < t->cap; f++) PetscCall(PetscFree(t->text[f])); /* also those of a read that failed */
  t->n = 0;
  PetscCall(Reserve(t, n));
  if (t->amber) PetscCall(AmberRead(t, start, n, fr));
  else PetscCall(XYZRead(t, start, n, fr));
  t->n = n;
  PetscCall(PetscLogEventEnd(TEANN_EVENT_ReadTrajectory, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannTrajectoryGetTimes(TeannTrajectory t, const PetscReal **time, const PetscInt64 **step, const char **units, PetscBool *single)
{
  PetscFunctionBegin;
  if (single) *single = t->tsingle;
  if (time) *time = t->hastime ? t->time : NULL;
  if (step) *step = t->hasstep ? t->step : NULL;
  if (units) *units = t->amber ? t->tunits : NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannTrajectoryGetText(TeannTrajectory t, char *const **text)
{
  PetscFunctionBegin;
  *text = t->keep ? t->text : NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannTrajectoryDestroy(TeannTrajectory *t)
{
  PetscFunctionBegin;
  if (!*t) PetscFunctionReturn(0);
  if ((*t)->ncid >= 0) (void)nc_close((*t)->ncid);
  PetscCall(TeannXYZStreamDestroy(&(*t)->xs));
  for (PetscInt f = 0; f < (*t)->cap && (*t)->text; f++) PetscCall(PetscFree((*t)->text[f]));
  PetscCall(PetscFree((*t)->text));
  PetscCall(PetscFree2((*t)->time, (*t)->step));
  PetscCall(PetscFree((*t)->Z));
  PetscCall(PetscFree((*t)->ibuf));
  PetscCall(PetscFree(*t));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesReadAmber(const char path[], TeannFrames fr)
{
  TeannTrajectory t = NULL;
  PetscErrorCode  ierr;
  PetscInt        N;

  PetscFunctionBegin;
  ierr = TeannTrajectoryOpen(PETSC_COMM_SELF, path, &t);
  if (!ierr) ierr = TeannTrajectoryGetSizes(t, &N, NULL, NULL);
  if (!ierr) ierr = TeannTrajectoryRead(t, 0, N, fr);
  PetscCall(TeannTrajectoryDestroy(&t));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
