/* NetCDF helpers: atomic creation (temporary name, fsync, rename) and the
 * global attributes every teann file carries (design section 4). */
#include "ncutil.h"
#include <netcdf_par.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

PetscErrorCode TeannCommandLine(char buf[], size_t len)
{
  int    argc;
  char **argv;

  PetscFunctionBegin;
  buf[0] = 0;
  PetscCall(PetscGetArgs(&argc, &argv));
  for (int i = 0; i < argc; i++) {
    if (i) PetscCall(PetscStrlcat(buf, " ", len));
    PetscCall(PetscStrlcat(buf, argv[i], len));
  }
  PetscFunctionReturn(0);
}

/* Files being written (TeannNCCreate to TeannNCClose), so that an error can abandon them. */
#define TEANN_NC_OPEN_MAX 16
static struct {
  char tmp[PETSC_MAX_PATH_LEN];
  int  ncid;
} TeannNCWriting[TEANN_NC_OPEN_MAX];
static int TeannNCNWriting = 0;

static void WritingAdd(const char tmp[], int ncid)
{
  if (TeannNCNWriting == TEANN_NC_OPEN_MAX) return; /* only the clean-up on error is lost */
  (void)PetscStrncpy(TeannNCWriting[TeannNCNWriting].tmp, tmp, PETSC_MAX_PATH_LEN);
  TeannNCWriting[TeannNCNWriting++].ncid = ncid;
}

/* Forget tmp; *ncid its id (-1 if unknown). */
static void WritingRemove(const char tmp[], int *ncid)
{
  *ncid = -1;
  for (int i = 0; i < TeannNCNWriting; i++)
    if (!strcmp(TeannNCWriting[i].tmp, tmp)) {
      *ncid             = TeannNCWriting[i].ncid;
      TeannNCWriting[i] = TeannNCWriting[--TeannNCNWriting];
      return;
    }
}

/* "no space left on device" when the error or the file system says so, else "" */
static void NoSpace(const char path[], int err, char out[], size_t len)
{
  char           dir[PETSC_MAX_PATH_LEN], *slash;
  struct statvfs vs;

  out[0] = 0;
  (void)PetscStrncpy(dir, path, sizeof(dir));
  slash = strrchr(dir, '/');
  if (slash) *(slash == dir ? slash + 1 : slash) = 0;
  else (void)PetscStrncpy(dir, ".", sizeof(dir));
  if (statvfs(dir, &vs) == 0) {
    unsigned long long avail = (unsigned long long)vs.f_bavail * vs.f_frsize;
    /* HDF5 keeps errno of the failed write only sometimes: less than 1 MiB free is taken as full */
    if (err == ENOSPC || err == EDQUOT || avail < (1ULL << 20)) (void)PetscSNPrintf(out, len, "no space left on device (%s%llu bytes free on the file system of %s)", err == EDQUOT ? "disk quota exceeded; " : err == ENOSPC ? "ENOSPC; " : "", avail, dir);
  } else if (err == ENOSPC || err == EDQUOT) (void)PetscSNPrintf(out, len, "no space left on device (%s)", strerror(err));
}

/* Abandon a file being written: close it without caring and remove its temporary name. */
static void Abandon(const char tmp[])
{
  int ncid;
  WritingRemove(tmp, &ncid);
  if (ncid >= 0) (void)nc_abort(ncid);
  (void)unlink(tmp);
}

PetscErrorCode TeannNCError(int line, const char func[], const char file[], const char path[], int status, int err)
{
  char nospace[PETSC_MAX_PATH_LEN + 128];
  int  ncid = -1;

  NoSpace(path, err, nospace, sizeof(nospace));
  for (int i = 0; i < TeannNCNWriting; i++)
    if (!strcmp(TeannNCWriting[i].tmp, path)) ncid = TeannNCWriting[i].ncid;
  if (ncid >= 0) Abandon(path);
  if (nospace[0]) return PetscError(PETSC_COMM_SELF, line, func, file, PETSC_ERR_FILE_WRITE, PETSC_ERROR_INITIAL, "%s: %s [%s]%s", path, nospace, nc_strerror(status), ncid >= 0 ? "; the temporary file was removed, the previous file is kept" : "");
  return PetscError(PETSC_COMM_SELF, line, func, file, PETSC_ERR_FILE_UNEXPECTED, PETSC_ERROR_INITIAL, "%s: NetCDF error: %s%s", path, nc_strerror(status), ncid >= 0 ? " (the temporary file was removed)" : "");
}

PetscErrorCode TeannNCPutText(const TeannNCFile *f, int varid, const char name[], const char value[])
{
  PetscFunctionBegin;
  if (f->parallel || f->ncid >= 0) PetscCallNC(f->tmp, nc_put_att_text(f->ncid, varid, name, strlen(value), value));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannNCCreate(MPI_Comm comm, const char path[], const char title[], PetscBool parallel, TeannNCFile *f)
{
  PetscMPIInt rank;
  char        history[4096], source[64];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMemzero(f, sizeof(*f)));
  f->comm     = comm;
  f->parallel = parallel;
  f->ncid     = -1;
  PetscCall(PetscStrncpy(f->path, path, sizeof(f->path)));
  PetscCall(PetscSNPrintf(f->tmp, sizeof(f->tmp), "%s.tmp", path));
  if (parallel) {
    PetscCallNC(f->tmp, nc_create_par(f->tmp, NC_NETCDF4 | NC_CLOBBER, comm, MPI_INFO_NULL, &f->ncid));
  } else if (rank == 0) {
    PetscCallNC(f->tmp, nc_create(f->tmp, NC_NETCDF4 | NC_CLOBBER, &f->ncid));
  }
  if (f->ncid >= 0) WritingAdd(f->tmp, f->ncid);
  PetscCall(TeannCommandLine(history, sizeof(history)));
  PetscCall(PetscSNPrintf(source, sizeof(source), "teann %s", TEANN_VERSION));
  PetscCall(TeannNCPutText(f, NC_GLOBAL, "title", title));
  PetscCall(TeannNCPutText(f, NC_GLOBAL, "source", source));
  PetscCall(TeannNCPutText(f, NC_GLOBAL, "Conventions", "CF-1.8"));
  PetscCall(TeannNCPutText(f, NC_GLOBAL, "history", history));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannNCAbandon(TeannNCFile *f)
{
  PetscFunctionBegin;
  if (f->ncid >= 0) Abandon(f->tmp);
  f->ncid = -1;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannNCClose(TeannNCFile *f)
{
  PetscMPIInt rank;

  int  st = NC_NOERR, err = 0, ok = 1, ncid;
  char why[PETSC_MAX_PATH_LEN + 256] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(f->comm, &rank));
  /* HDF5 writes most of the file when it is closed: a full disk shows here, as "HDF error" */
  if (f->parallel || f->ncid >= 0) {
    errno = 0;
    st    = nc_close(f->ncid);
    err   = errno;
  }
  WritingRemove(f->tmp, &ncid);
  f->ncid = -1;
  if (rank == 0) {
    /* the data must be on disk before the rename makes it the file: a failed fsync (NFS, a
       quota) is a failed write */
    int fd = -1;
    if (st == NC_NOERR) {
      fd = open(f->tmp, O_RDONLY);
      if (fd < 0 || fsync(fd)) err = errno;
      if (fd >= 0) close(fd);
    }
    if (st != NC_NOERR || err) {
      NoSpace(f->tmp, err, why, sizeof(why));
      if (!why[0]) PetscCall(PetscSNPrintf(why, sizeof(why), "%s", st != NC_NOERR ? nc_strerror(st) : strerror(err)));
      ok = 0;
    }
  } else if (st != NC_NOERR) ok = 0;
  /* rank 0's verdict (and in parallel anyone's) is shared so no rank waits for a peer that failed */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, f->comm));
  if (!ok) {
    if (rank == 0) (void)unlink(f->tmp);
    PetscCallMPI(MPI_Bcast(why, sizeof(why), MPI_CHAR, 0, f->comm));
    SETERRQ(f->comm, PETSC_ERR_FILE_WRITE, "cannot write %s: %s; the temporary file was removed, the previous %s is kept", f->path, why[0] ? why : "NetCDF error on another rank", f->path);
  }
  if (rank == 0) ok = rename(f->tmp, f->path) == 0;
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, f->comm));
  PetscCheck(ok, f->comm, PETSC_ERR_FILE_WRITE, "cannot move %s onto %s", f->tmp, f->path);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ opening untrusted files */

static uint64_t LittleEndian(const unsigned char *p, int n)
{
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* The file's signature and, for HDF5, the superblock's sizes and end-of-file address against
   the file's size: damage HDF5 would meet first, said in words rather than "HDF error". */
static PetscErrorCode CheckSuperblock(const char path[], PetscBool *ok, char why[], size_t len)
{
  static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  unsigned char              sb[96];
  struct stat                st;
  FILE                      *fp;
  uint64_t                   at = 0, size;
  PetscBool                  found = PETSC_FALSE;

  PetscFunctionBegin;
  *ok    = PETSC_FALSE;
  why[0] = 0;
  if (stat(path, &st) || !(fp = fopen(path, "rb"))) {
    PetscCall(PetscSNPrintf(why, len, "cannot open: %s", strerror(errno)));
    PetscFunctionReturn(0);
  }
  size = (uint64_t)st.st_size;
  /* the superblock is at 0, 512, 1024, 2048, ... (a user block may precede it) */
  for (at = 0; at + sizeof(sig) <= size; at = at ? 2 * at : 512) {
    if (fseeko(fp, (off_t)at, SEEK_SET) || fread(sb, 1, 8, fp) != 8) break;
    if (!memcmp(sb, sig, 8)) {
      found = PETSC_TRUE;
      break;
    }
    if (at == 0 && !memcmp(sb, "CDF", 3)) {
      /* classic, 64-bit offset or CDF-5: netCDF's own reader checks the header */
      fclose(fp);
      if (sb[3] != 1 && sb[3] != 2 && sb[3] != 5) PetscCall(PetscSNPrintf(why, len, "CDF signature of unknown version %d", (int)sb[3]));
      else *ok = PETSC_TRUE;
      PetscFunctionReturn(0);
    }
  }
  if (!found) {
    fclose(fp);
    PetscCall(PetscSNPrintf(why, len, "not a NetCDF file (no HDF5 or CDF signature in its %llu bytes)", (unsigned long long)size));
    PetscFunctionReturn(0);
  }
  {
    size_t   n = fread(sb + 8, 1, sizeof(sb) - 8, fp) + 8;
    int      ver = sb[8], so, sl, addr;
    uint64_t base, eof;
    fclose(fp);
    if (ver <= 1) {
      so   = sb[13];
      sl   = sb[14];
      addr = ver == 0 ? 24 : 28;
    } else if (ver <= 3) {
      so   = sb[9];
      sl   = sb[10];
      addr = 12;
    } else {
      PetscCall(PetscSNPrintf(why, len, "HDF5 superblock version %d", ver));
      PetscFunctionReturn(0);
    }
    if ((so != 2 && so != 4 && so != 8) || (sl != 2 && sl != 4 && sl != 8)) {
      PetscCall(PetscSNPrintf(why, len, "HDF5 superblock with %d-byte addresses and %d-byte lengths", so, sl));
      PetscFunctionReturn(0);
    }
    /* base address, then (v0/1: free space, v2/3: extension), then the end-of-file address */
    if ((size_t)addr + 3 * (size_t)so > n) {
      PetscCall(PetscSNPrintf(why, len, "truncated in the HDF5 superblock (%llu bytes)", (unsigned long long)size));
      PetscFunctionReturn(0);
    }
    base = LittleEndian(sb + addr, so);
    eof  = LittleEndian(sb + addr + 2 * so, so);
    if (base != at && base != 0) {
      PetscCall(PetscSNPrintf(why, len, "HDF5 base address %llu where the superblock is at %llu", (unsigned long long)base, (unsigned long long)at));
      PetscFunctionReturn(0);
    }
    if (base + eof > size || eof < (uint64_t)addr + 4 * so) {
      PetscCall(PetscSNPrintf(why, len, "truncated: the HDF5 superblock says %llu bytes, the file has %llu", (unsigned long long)(base + eof), (unsigned long long)size));
      PetscFunctionReturn(0);
    }
  }
  *ok = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* The probe's reads, in the child: every attribute, every variable's metadata and (data) its
   values. Returns a NetCDF status, with what failed in msg. */
static int ProbeAtts(int ncid, int varid, int natts, char msg[], size_t len)
{
  for (int a = 0; a < natts; a++) {
    char    name[NC_MAX_NAME + 1];
    nc_type t;
    size_t  n, tsize;
    int     st;
    void   *buf;
    if ((st = nc_inq_attname(ncid, varid, a, name)) || (st = nc_inq_att(ncid, varid, name, &t, &n)) || (st = nc_inq_type(ncid, t, NULL, &tsize))) {
      snprintf(msg, len, "attribute %d: %s", a, nc_strerror(st));
      return st;
    }
    if (t > NC_MAX_ATOMIC_TYPE) continue;
    if (!(buf = malloc(n * tsize + 1))) return NC_ENOMEM;
    st = nc_get_att(ncid, varid, name, buf);
    if (st == NC_NOERR && t == NC_STRING) nc_free_string(n, (char **)buf);
    free(buf);
    if (st) {
      snprintf(msg, len, "attribute %s: %s", name, nc_strerror(st));
      return st;
    }
  }
  return NC_NOERR;
}

static int ProbeGroup(int ncid, int data, size_t fsize, char msg[], size_t len)
{
  int st, ndims, nvars, natts, unlim, ngrps, *grps;

  if ((st = nc_inq(ncid, &ndims, &nvars, &natts, &unlim))) return st;
  if ((st = ProbeAtts(ncid, NC_GLOBAL, natts, msg, len))) return st;
  for (int v = 0; v < nvars; v++) {
    char    name[NC_MAX_NAME + 1];
    nc_type t;
    int     nd, dimids[NC_MAX_VAR_DIMS], na;
    size_t  n = 1, tsize, dl;
    void   *buf;
    if ((st = nc_inq_var(ncid, v, name, &t, &nd, dimids, &na)) || (st = nc_inq_type(ncid, t, NULL, &tsize))) {
      snprintf(msg, len, "variable %d: %s", v, nc_strerror(st));
      return st;
    }
    if ((st = ProbeAtts(ncid, v, na, msg, len))) return st;
    for (int d = 0; d < nd; d++) {
      if ((st = nc_inq_dimlen(ncid, dimids[d], &dl))) return st;
      n *= dl;
    }
    if (!data || t > NC_MAX_ATOMIC_TYPE || n == 0) continue;
    /* teann's files are dense: a variable far larger than the file is a damaged dimension */
    if (n * tsize > 16 * fsize + (1 << 20)) {
      snprintf(msg, len, "variable %s claims %zu bytes in a file of %zu", name, n * tsize, fsize);
      return NC_EDIMSIZE;
    }
    if (!(buf = malloc(n * tsize))) return NC_ENOMEM;
    st = nc_get_var(ncid, v, buf);
    if (st == NC_NOERR && t == NC_STRING) nc_free_string(n, (char **)buf);
    free(buf);
    if (st) {
      snprintf(msg, len, "variable %s: %s", name, nc_strerror(st));
      return st;
    }
  }
  if ((st = nc_inq_grps(ncid, &ngrps, NULL))) return st;
  if (ngrps > 0) {
    if (!(grps = malloc(sizeof(int) * ngrps))) return NC_ENOMEM;
    st = nc_inq_grps(ncid, NULL, grps);
    for (int g = 0; st == NC_NOERR && g < ngrps; g++) st = ProbeGroup(grps[g], data, fsize, msg, len);
    free(grps);
  }
  return st;
}

/* In a forked child: a file whose damage makes HDF5 crash (free() of a wild pointer, SIGBUS,
   SIGSEGV: seen for 5 of 160 one-byte mutations of a checkpoint) kills the child, not teann. */
static PetscErrorCode ForkProbe(const char path[], PetscBool data, PetscReal timeout, PetscBool *ok, char why[], size_t len)
{
  int         fds[2], status = 0;
  pid_t       pid;
  char        msg[512] = "";
  struct stat st;
  size_t      got = 0;

  PetscFunctionBegin;
  *ok = PETSC_FALSE;
  PetscCheck(pipe(fds) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "%s: cannot make a pipe for the file probe: %s", path, strerror(errno));
  fflush(NULL); /* or the child's copy of unwritten output could be written twice */
  pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SYS, "%s: cannot fork the file probe: %s (-teann_nc_probe false skips it)", path, strerror(errno));
  }
  if (pid == 0) {
    /* the default actions: PETSc's handlers would MPI_Abort the parent's job, teann's would
       swallow the parent's job signals; HDF5's messages would only repeat the verdict */
    const int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTERM, SIGINT, SIGUSR1};
    int       ncid, rc, dn = open("/dev/null", O_WRONLY);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) signal(sigs[i], SIG_DFL);
    if (dn >= 0) dup2(dn, 2);
    close(fds[0]);
    rc = nc_open(path, NC_NOWRITE, &ncid);
    if (rc) snprintf(msg, sizeof(msg), "%s", nc_strerror(rc));
    else {
      rc = ProbeGroup(ncid, data, stat(path, &st) ? 0 : (size_t)st.st_size, msg, sizeof(msg));
      if (rc && !msg[0]) snprintf(msg, sizeof(msg), "%s", nc_strerror(rc));
      if (!rc && (rc = nc_close(ncid))) snprintf(msg, sizeof(msg), "%s", nc_strerror(rc));
    }
    if (write(fds[1], msg, strlen(msg))) { }
    /* _exit: no atexit handlers, which would close the parent's open HDF5 files from here */
    _exit(rc ? 1 : 0);
  }
  close(fds[1]);
  {
    double t0 = MPI_Wtime();
    for (;;) {
      struct pollfd p = {fds[0], POLLIN, 0};
      int           r = poll(&p, 1, 100);
      if (r > 0) {
        ssize_t k = read(fds[0], msg + got, sizeof(msg) - 1 - got);
        if (k > 0) got += (size_t)k;
        else if (k == 0 || errno != EINTR) break; /* end of file: the child is gone */
      } else if (r < 0 && errno != EINTR) break;
      if (MPI_Wtime() - t0 > timeout) {
        kill(pid, SIGKILL);
        PetscCall(PetscSNPrintf(why, len, "reading it did not end in %g s (a probe process)", (double)timeout));
        break;
      }
    }
  }
  msg[got] = 0;
  close(fds[0]);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
  if (why[0]) PetscFunctionReturn(0);
  if (WIFSIGNALED(status)) PetscCall(PetscSNPrintf(why, len, "reading its HDF5 structure crashes the library (%s, in a probe process)", strsignal(WTERMSIG(status))));
  else if (!WIFEXITED(status) || WEXITSTATUS(status)) PetscCall(PetscSNPrintf(why, len, "%s", msg[0] ? msg : "the probe process failed"));
  else *ok = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannNCCheckFile(const char path[], PetscBool data, PetscBool *ok, char why[], size_t len)
{
  PetscBool probe = PETSC_TRUE;
  PetscReal timeout = 60;

  PetscFunctionBegin;
  PetscCall(CheckSuperblock(path, ok, why, len));
  if (!*ok) PetscFunctionReturn(0);
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-teann_nc_probe", &probe, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-teann_nc_probe_timeout", &timeout, NULL));
  if (probe) PetscCall(ForkProbe(path, data, timeout, ok, why, len));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannNCOpen(MPI_Comm comm, const char path[], PetscBool parallel, int *ncid)
{
  PetscMPIInt rank;
  char        why[600] = "";
  int         ok = 1;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* one rank looks; the rest take its word (the file is the same for all) */
  if (rank == 0) {
    PetscBool good;
    struct stat st;
    /* the values too when that is cheap: data blocks can be damaged as well as headers */
    PetscBool data = (PetscBool)(stat(path, &st) == 0 && st.st_size <= TEANN_NC_PROBE_DATA_MAX);
    PetscCall(TeannNCCheckFile(path, data, &good, why, sizeof(why)));
    ok = good;
  }
  /* every caller of comm opens the file, in parallel or each for itself */
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(why, sizeof(why), MPI_CHAR, 0, comm));
  PetscCheck(ok, comm, PETSC_ERR_FILE_READ, "%s: NetCDF error: unreadable file: %s", path, why);
  if (parallel) PetscCallNC(path, nc_open_par(path, NC_NOWRITE, comm, MPI_INFO_NULL, ncid));
  else PetscCallNC(path, nc_open(path, NC_NOWRITE, ncid));
  PetscFunctionReturn(0);
}
