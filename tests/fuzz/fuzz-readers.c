/* fuzz-readers.c — fuzz targets of the input readers (doc/fuzzing.md).
 * Each input is written to a temporary file and read as the programs read it:
 * TeannFramesReadXYZ, TeannFramesReadEANN, TeannDatasetRead on PETSC_COMM_SELF, or
 * TeannFramesReadAmber (AMBER NetCDF trajectories, trajectory.h).
 * Reader errors return (PetscReturnErrorHandler): a reader that refuses the bytes
 * is the expected outcome; a crash, a sanitizer report or a hang is a bug.
 *
 * Built two ways from this one file:
 *  - with -DTEANN_LIBFUZZER and -DTEANN_FUZZ_TARGET=0|1|2|3 (xyz|eann|netcdf|amber) by `make fuzz`
 *    with clang -fsanitize=fuzzer,address,undefined: LLVMFuzzerTestOneInput, libFuzzer's main;
 *  - plain (tests/fuzz/fuzz-readers, make check): a main() that runs the same entry over
 *    files and directories, optionally with deterministic mutations of each:
 *      fuzz-readers [-mutate N] [-seed S] [-v] TARGET PATH...   TARGET: xyz eann netcdf amber auto
 *    auto picks the target from the name (.xyz: xyz, .data: eann, .nc: netcdf, a
 *    regressions/ file named TARGET-...: TARGET). */
#include <frames.h>
#include <dataset.h>
#include <trajectory.h>
#include <petscsys.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEANN_FUZZ_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TEANN_FUZZ_LSAN 1
#endif
#if defined(TEANN_FUZZ_LSAN)
#include <sanitizer/lsan_interface.h>
#endif

enum { FUZZ_XYZ, FUZZ_EANN, FUZZ_NETCDF, FUZZ_AMBER, FUZZ_NTARGETS };
static const char *const fuzz_names[FUZZ_NTARGETS] = {"xyz", "eann", "netcdf", "amber"};
static char               fuzz_path[PETSC_MAX_PATH_LEN];
static int                fuzz_ready, fuzz_verbose;
static long               fuzz_accepted;

/* PETSc once per process, without its signal handler (a crash must reach the sanitizer,
   not become a PETSc error), errors returned to the caller. */
static int FuzzInit(void)
{
  static char *args[] = {"teann-fuzz", "-no_signal_handler", "-teann_nc_probe_timeout", "20", NULL};
  int          argc   = 4, fd;
  char       **argv   = args;
  const char  *tmp    = getenv("TMPDIR");

  if (fuzz_ready) return 0;
#if defined(TEANN_FUZZ_LSAN)
  /* what MPI and PETSc allocate to set themselves up is theirs until exit, not a leak of a reader */
  __lsan_disable();
#endif
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (TeannInitialize()) return 1;
  if (PetscPushErrorHandler(PetscReturnErrorHandler, NULL)) return 1;
#if defined(TEANN_FUZZ_LSAN)
  __lsan_enable();
#endif
  snprintf(fuzz_path, sizeof(fuzz_path), "%s/teann-fuzz.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  fd = mkstemp(fuzz_path);
  if (fd < 0) return 1;
  close(fd);
  fuzz_ready = 1;
  return 0;
}

static void FuzzCleanup(void)
{
  if (fuzz_path[0]) unlink(fuzz_path);
}

/* One input: 0 whether the reader accepted or refused it. */
static int FuzzOne(int target, const uint8_t *data, size_t size)
{
  FILE          *fp;
  TeannFrames    frames = NULL;
  PetscErrorCode ierr;

  if (!fuzz_ready && FuzzInit()) abort();
  fp = fopen(fuzz_path, "wb");
  if (!fp) abort();
  if (size && fwrite(data, 1, size, fp) != size) abort();
  if (fclose(fp)) abort();
  if (TeannFramesCreate(&frames)) abort();
  switch (target) {
  case FUZZ_XYZ:
    ierr = TeannFramesReadXYZ(fuzz_path, frames);
    break;
  case FUZZ_EANN:
    ierr = TeannFramesReadEANN(fuzz_path, frames);
    break;
  case FUZZ_AMBER:
    ierr = TeannFramesReadAmber(fuzz_path, frames);
    break;
  default:
    ierr = TeannDatasetRead(PETSC_COMM_SELF, fuzz_path, -1, NULL, frames);
    break;
  }
  if (fuzz_verbose) {
    const char *text;
    char       *specific = NULL;
    if (ierr) (void)PetscErrorMessage(ierr, &text, &specific);
    fprintf(stderr, "    %s%s\n", ierr ? "refused: " : "accepted", ierr && specific ? specific : "");
  }
  /* what a program does next with frames it was given */
  if (!ierr) {
    fuzz_accepted++;
    PetscInt nel, *Z;
    if (TeannFramesGetElements(frames, &nel, &Z)) abort();
    if (PetscFree(Z)) abort();
  }
  if (TeannFramesDestroy(&frames)) abort();
  return 0;
}

#if defined(TEANN_LIBFUZZER)
#ifndef TEANN_FUZZ_TARGET
#error define TEANN_FUZZ_TARGET 0 (xyz), 1 (eann), 2 (netcdf) or 3 (amber)
#endif
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  if (FuzzInit()) abort();
  atexit(FuzzCleanup);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return FuzzOne(TEANN_FUZZ_TARGET, data, size);
}
#else
/* ------------------------------------------------------------------ plain driver */
static uint64_t rng_state;

static uint64_t Rand(void) /* xorshift64*: the same mutations on every machine */
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ULL;
}

/* One mutation of buf[0..*n) in place (cap >= *n + 64): flip a bit, set a byte to an
   interesting value, insert or delete a run, truncate, splice a token a reader knows. */
static void Mutate(uint8_t *buf, size_t *n, size_t cap)
{
  static const char *const tokens[] = {"0", "-1", "1e308", "nan", "inf", "999999999", "2147483648", "\"", "'", "=", " ", "\n", "\n\n", "point=", "abprop:", "pbc", "Properties=species:S:1:pos:R:3:", "dipole=\"", "polarizability=", "Lattice=", "\r", "\t", "\0", "Xx", "H", "1.0D-3", "-0", "0x10"};
  size_t                   len = *n, pos = len ? (size_t)(Rand() % len) : 0;

  switch (Rand() % 7) {
  case 0:
    if (len) buf[pos] ^= (uint8_t)(1u << (Rand() % 8));
    break;
  case 1: {
    static const uint8_t vals[] = {0, 0xff, 0x7f, 0x80, '\n', ' ', '-', '.', 'e', '9'};
    if (len) buf[pos] = vals[Rand() % sizeof(vals)];
  } break;
  case 2: { /* delete a run */
    size_t k = len ? 1 + (size_t)(Rand() % (len - pos < 16 ? len - pos : 16)) : 0;
    memmove(buf + pos, buf + pos + k, len - pos - k);
    *n = len - k;
  } break;
  case 3: /* truncate */
    *n = pos;
    break;
  case 4: { /* duplicate a run */
    size_t k = len ? 1 + (size_t)(Rand() % (len - pos < 32 ? len - pos : 32)) : 0;
    if (len + k <= cap) {
      memmove(buf + pos + k, buf + pos, len - pos);
      *n = len + k;
    }
  } break;
  default: { /* insert a token */
    const char *t = tokens[Rand() % (sizeof(tokens) / sizeof(tokens[0]))];
    size_t      k = t[0] ? strlen(t) : 1;
    if (len + k <= cap) {
      memmove(buf + pos + k, buf + pos, len - pos);
      memcpy(buf + pos, t, k);
      *n = len + k;
    }
  } break;
  }
}

static int ReadWhole(const char path[], uint8_t **buf, size_t *n)
{
  FILE *fp = fopen(path, "rb");
  long  sz;

  if (!fp) return 1;
  if (fseek(fp, 0, SEEK_END) || (sz = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) {
    fclose(fp);
    return 1;
  }
  *buf = (uint8_t *)malloc((size_t)sz + 1);
  if (!*buf || fread(*buf, 1, (size_t)sz, fp) != (size_t)sz) {
    free(*buf);
    fclose(fp);
    return 1;
  }
  fclose(fp);
  *n = (size_t)sz;
  return 0;
}

static int TargetOf(const char arg[], const char path[])
{
  const char *base = strrchr(path, '/'), *dot;

  for (int t = 0; t < FUZZ_NTARGETS; t++)
    if (!strcmp(arg, fuzz_names[t])) return t;
  if (strcmp(arg, "auto")) return -1;
  base = base ? base + 1 : path;
  for (int t = 0; t < FUZZ_NTARGETS; t++) {
    size_t k = strlen(fuzz_names[t]);
    if (!strncmp(base, fuzz_names[t], k) && base[k] == '-') return t;
  }
  dot = strrchr(base, '.');
  if (dot && !strcmp(dot, ".xyz")) return FUZZ_XYZ;
  if (dot && !strcmp(dot, ".data")) return FUZZ_EANN;
  if (dot && !strcmp(dot, ".nc")) return FUZZ_NETCDF;
  return -2; /* not an input of any target (a README): skipped */
}

static long nrun, nfiles;

static int RunFile(const char arg[], const char path[], long nmut, uint64_t seed, int verbose)
{
  int      t = TargetOf(arg, path);
  uint8_t *orig, *buf;
  size_t   n, cap;

  if (t == -1) {
    fprintf(stderr, "fuzz-readers: unknown target '%s' (xyz, eann, netcdf or auto)\n", arg);
    return 1;
  }
  if (t == -2) return 0;
  if (ReadWhole(path, &orig, &n)) {
    fprintf(stderr, "fuzz-readers: cannot read %s\n", path);
    return 1;
  }
  if (verbose) fprintf(stderr, "%s %s\n", fuzz_names[t], path);
  FuzzOne(t, orig, n);
  nrun++;
  nfiles++;
  cap = n + 64 * 8 + 64;
  buf = (uint8_t *)malloc(cap);
  if (!buf) abort();
  /* the seed of a file's mutations depends on its name, not on the order of the files */
  for (const char *c = path + (strrchr(path, '/') ? strrchr(path, '/') - path + 1 : 0); *c; c++) seed = seed * 131 + (uint8_t)*c;
  for (long m = 0; m < nmut; m++) {
    size_t k = n, nm;
    rng_state = seed + 0x9E3779B97F4A7C15ULL * (uint64_t)(m + 1);
    if (!rng_state) rng_state = 1;
    memcpy(buf, orig, n);
    nm = 1 + (size_t)(Rand() % 8);
    for (size_t i = 0; i < nm; i++) Mutate(buf, &k, cap - 64);
    if (verbose > 1) fprintf(stderr, "  mutation %ld (%zu bytes)\n", m, k);
    FuzzOne(t, buf, k);
    nrun++;
  }
  free(buf);
  free(orig);
  return 0;
}

static int Compare(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int RunPath(const char arg[], const char path[], long nmut, uint64_t seed, int verbose)
{
  struct stat st;

  if (stat(path, &st)) {
    fprintf(stderr, "fuzz-readers: no such file or directory: %s\n", path);
    return 1;
  }
  if (S_ISDIR(st.st_mode)) { /* its files in name order, not recursively */
    DIR           *d = opendir(path);
    struct dirent *e;
    char         **names = NULL;
    size_t         nn = 0, cn = 0;
    int            rc = 0;

    if (!d) return 1;
    while ((e = readdir(d))) {
      char full[PETSC_MAX_PATH_LEN];
      if (e->d_name[0] == '.') continue;
      snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
      if (stat(full, &st) || !S_ISREG(st.st_mode)) continue;
      if (nn == cn) {
        cn    = cn ? 2 * cn : 64;
        names = (char **)realloc(names, cn * sizeof(*names));
        if (!names) abort();
      }
      names[nn++] = strdup(full);
    }
    closedir(d);
    if (nn) qsort(names, nn, sizeof(*names), Compare);
    for (size_t i = 0; i < nn; i++) {
      if (RunFile(arg, names[i], nmut, seed, verbose)) rc = 1;
      free(names[i]);
    }
    free(names);
    return rc;
  }
  return RunFile(arg, path, nmut, seed, verbose);
}

int main(int argc, char **argv)
{
  long     nmut = 0;
  uint64_t seed = 1;
  int      verbose = 0, i = 1, rc = 0;

  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "-mutate") && i + 1 < argc) nmut = atol(argv[++i]);
    else if (!strcmp(argv[i], "-seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "-v")) verbose = ++fuzz_verbose;
    else break;
  }
  if (i + 1 >= argc) {
    fprintf(stderr, "usage: %s [-mutate N] [-seed S] [-v] xyz|eann|netcdf|auto PATH...\n", argv[0]);
    return 2;
  }
  if (FuzzInit()) return 1;
  for (int j = i + 1; j < argc; j++)
    if (RunPath(argv[i], argv[j], nmut, seed, verbose)) rc = 1;
  FuzzCleanup();
  printf("fuzz-readers: %ld inputs (%ld files, %ld mutations each), %ld accepted, no crash\n", nrun, nfiles, nmut, fuzz_accepted);
  if (PetscPopErrorHandler() || PetscFinalize()) return 1;
  return rc;
}
#endif
