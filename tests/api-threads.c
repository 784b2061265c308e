/* The C API (teann_api.h) as a plain C program uses it: no PETSc in sight, the library
 * starts and ends PETSc itself (or, with -host_petsc, finds it started by the program).
 *   test-api MODEL1 MODEL2 FRAMES.xyz [-host_petsc]
 * Checks: the getters; serial predictions (batch with derivatives, frame by frame) are the
 * reference; then two threads predict on two handles at the same time, repeatedly, and must
 * reproduce the reference bit for bit, while a third thread makes failing calls on a third
 * handle whose messages must stay its own; errors of bad calls name what is wrong.
 * Exit 0 when every check passed. */
#include "teann_api.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <petscsys.h> /* only for -host_petsc */

#define MAXF 48 /* frames read from the file */
#define REPS 12 /* rounds of predictions per thread */

static int failures;

#define CHECK(cond, ...) \
  do { \
    if (!(cond)) { \
      fprintf(stderr, "FAIL (%s:%d): ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__); \
      fprintf(stderr, "\n"); \
      failures++; \
    } \
  } while (0)

typedef struct {
  int     nframes, total, natoms[MAXF];
  int    *Z;
  double *x;
} Frames;

/* The first MAXF frames of an extended XYZ file (symbol x y z columns first). */
static int ReadXYZ(const char *path, Frames *fr)
{
  FILE *fp = fopen(path, "r");
  char  line[4096];
  int   cap = 0;

  memset(fr, 0, sizeof(*fr));
  if (!fp) return 1;
  while (fr->nframes < MAXF && fgets(line, sizeof(line), fp)) {
    int n = atoi(line);
    if (n <= 0 || !fgets(line, sizeof(line), fp)) break;
    if (fr->total + n > cap) {
      cap   = 2 * (fr->total + n);
      fr->Z = realloc(fr->Z, sizeof(int) * cap);
      fr->x = realloc(fr->x, sizeof(double) * 3 * cap);
    }
    for (int a = 0; a < n; a++) {
      char sym[8];
      if (!fgets(line, sizeof(line), fp) || sscanf(line, "%7s %lf %lf %lf", sym, &fr->x[3 * (fr->total + a)], &fr->x[3 * (fr->total + a) + 1], &fr->x[3 * (fr->total + a) + 2]) != 4) {
        fclose(fp);
        return 1;
      }
      fr->Z[fr->total + a] = 0;
      for (int z = 1; z <= 86; z++)
        if (!strcmp(teann_element_symbol(z), sym)) fr->Z[fr->total + a] = z;
    }
    fr->natoms[fr->nframes++] = n;
    fr->total += n;
  }
  fclose(fp);
  return fr->nframes == 0;
}

typedef struct {
  teann_model      *h;
  const Frames     *fr;
  const double     *ref, *dref, *one; /* serial results: batch out and dout, frame by frame out */
  int               ncomp;
  pthread_barrier_t *start;
  long              calls, mismatches;
} Job;

/* Rounds of a batch prediction with derivatives and frame-by-frame predictions, compared bitwise. */
static void *Predictor(void *arg)
{
  Job          *j  = arg;
  const Frames *fr = j->fr;
  const size_t  nout = (size_t)fr->nframes * j->ncomp, nd = (size_t)j->ncomp * 3 * fr->total;
  double       *out = malloc(sizeof(double) * nout), *dout = malloc(sizeof(double) * nd);

  pthread_barrier_wait(j->start);
  for (int r = 0; r < REPS; r++) {
    int a0 = 0;
    if (teann_predict(j->h, fr->nframes, fr->natoms, fr->Z, fr->x, NULL, NULL, out, dout) != TEANN_OK) j->mismatches++;
    else if (memcmp(out, j->ref, sizeof(double) * nout) || memcmp(dout, j->dref, sizeof(double) * nd)) j->mismatches++;
    j->calls++;
    for (int f = 0; f < fr->nframes; f++) {
      if (teann_predict_frame(j->h, fr->natoms[f], fr->Z + a0, fr->x + 3 * a0, NULL, NULL, out, NULL) != TEANN_OK) j->mismatches++;
      else if (memcmp(out, j->one + f * j->ncomp, sizeof(double) * j->ncomp)) j->mismatches++;
      a0 += fr->natoms[f];
      j->calls++;
    }
    if (strcmp(teann_model_error(j->h), "")) j->mismatches++; /* only this thread uses h */
  }
  free(out);
  free(dout);
  return NULL;
}

typedef struct {
  teann_model      *h;
  const Frames     *fr;
  pthread_barrier_t *start;
  long              calls, wrong;
} BadJob;

/* Failing calls at the same time: each must fail with its own message on its own handle. */
static void *BadCaller(void *arg)
{
  BadJob *j = arg;
  int     Z[3];
  double  x[9], out[64];

  pthread_barrier_wait(j->start);
  for (int r = 0; r < 4 * REPS; r++) {
    memcpy(Z, j->fr->Z, sizeof(Z));
    memcpy(x, j->fr->x, sizeof(x));
    if (r % 2) Z[1] = 6; /* carbon: not in a water model */
    else x[4] = NAN;
    if (teann_predict_frame(j->h, 3, Z, x, NULL, NULL, out, NULL) != TEANN_ERR_INPUT) j->wrong++;
    if (!strstr(teann_model_error(j->h), r % 2 ? "frame 0, atom 1: element C (Z = 6) is not one of the model's elements" : "frame 0, atom 1: position")) {
      fprintf(stderr, "unexpected message: %s\n", teann_model_error(j->h));
      j->wrong++;
    }
    j->calls++;
  }
  return NULL;
}

static void Getters(teann_model *h)
{
  int np = teann_model_num_properties(h), nc = 0;

  CHECK(teann_model_num_elements(h) == 2 && teann_model_element(h, 0) == 1 && teann_model_element(h, 1) == 8, "elements of a water model: %d (%d %d)", teann_model_num_elements(h), teann_model_element(h, 0), teann_model_element(h, 1));
  CHECK(teann_model_element(h, 2) == -1 && strstr(teann_model_error(NULL), "index 2 out of range 0..1"), "element index out of range: %s", teann_model_error(NULL));
  CHECK(teann_model_cutoff(h) > 0, "cutoff %g", teann_model_cutoff(h));
  CHECK(np >= 1, "%d properties", np);
  for (int p = 0; p < np; p++) {
    const char *name = teann_model_property_name(h, p);
    int         size = teann_model_property_size(h, p), rank = teann_model_property_rank(h, p);
    CHECK(name && teann_model_property_index(h, name) == p, "property %d: name %s", p, name ? name : "NULL");
    CHECK(teann_model_property_offset(h, p) == nc, "property %s: offset %d, expected %d", name, teann_model_property_offset(h, p), nc);
    CHECK(size == (rank == 1 ? 3 : rank == 2 ? 9 : 27), "property %s: rank %d, size %d", name, rank, size);
    CHECK(teann_model_property_units(h, p) && teann_model_property_units(h, p)[0], "property %s: no units", name);
    nc += size;
  }
  CHECK(nc == teann_model_num_components(h), "components %d, sizes add up to %d", teann_model_num_components(h), nc);
  CHECK(teann_model_property_index(h, "energy") == -1, "energy is not a predicted property");
  CHECK(teann_model_num_components(NULL) == -1 && strstr(teann_model_error(NULL), "handle is NULL"), "NULL handle: %s", teann_model_error(NULL));
}

static void BadCalls(teann_model *h, const Frames *fr)
{
  teann_model *m = (teann_model *)1;
  double       out[64], cell[9] = {0};
  int          pbc[3] = {1, 0, 0}, n0 = 0, Z[3] = {8, 1, 1};

  CHECK(teann_model_load("/nonexistent/model.nc", &m) == TEANN_ERR_FILE && m == NULL, "missing file: not TEANN_ERR_FILE or handle set");
  CHECK(strstr(teann_model_error(NULL), "/nonexistent/model.nc") && strstr(teann_model_error(NULL), "No such file"), "missing file message: %s", teann_model_error(NULL));
  CHECK(teann_model_load(NULL, &m) == TEANN_ERR_INPUT, "NULL path accepted");
  CHECK(teann_predict_frame(h, 0, fr->Z, fr->x, NULL, NULL, out, NULL) == TEANN_ERR_INPUT && strstr(teann_model_error(h), "frame 0 has 0 atoms"), "0 atoms: %s", teann_model_error(h));
  CHECK(teann_predict(h, -1, &n0, fr->Z, fr->x, NULL, NULL, out, NULL) == TEANN_ERR_INPUT && strstr(teann_model_error(h), "nframes is -1"), "negative nframes: %s", teann_model_error(h));
  CHECK(teann_predict(h, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == TEANN_OK && !strcmp(teann_model_error(h), ""), "no frames: %s", teann_model_error(h));
  CHECK(teann_predict_frame(h, 3, fr->Z, NULL, NULL, NULL, out, NULL) == TEANN_ERR_INPUT && strstr(teann_model_error(h), "positions is NULL"), "NULL positions: %s", teann_model_error(h));
  Z[2] = 0;
  CHECK(teann_predict_frame(h, 3, Z, fr->x, NULL, NULL, out, NULL) == TEANN_ERR_INPUT && strstr(teann_model_error(h), "frame 0, atom 2: 0 is not an atomic number"), "Z = 0: %s", teann_model_error(h));
  Z[2] = 1;
  CHECK(teann_predict_frame(h, 3, Z, fr->x, cell, pbc, out, NULL) == TEANN_ERR_INPUT && strstr(teann_model_error(h), "periodic along lattice vector a, which is zero"), "zero periodic vector: %s", teann_model_error(h));
  pbc[0] = 2;
  CHECK(teann_predict_frame(h, 3, Z, fr->x, cell, pbc, out, NULL) == TEANN_ERR_INPUT && strstr(teann_model_error(h), "pbc flag 2"), "pbc flag 2: %s", teann_model_error(h));
  CHECK(teann_predict_frame(NULL, 3, Z, fr->x, NULL, NULL, out, NULL) == TEANN_ERR_INPUT && strstr(teann_model_error(NULL), "handle is NULL"), "NULL handle: %s", teann_model_error(NULL));
  /* a good call clears the handle's message */
  CHECK(teann_predict_frame(h, 3, Z, fr->x, NULL, NULL, out, NULL) == TEANN_OK && !strcmp(teann_model_error(h), ""), "message not cleared: %s", teann_model_error(h));
  /* the cell is passed through: an isolated molecule with a cell given but no pbc is the same prediction */
  {
    double ref[64], box[9] = {20, 0, 0, 0, 20, 0, 0, 0, 20};
    int    nc = teann_model_num_components(h);
    CHECK(teann_predict_frame(h, 3, Z, fr->x, box, NULL, ref, NULL) == TEANN_OK && !memcmp(ref, out, sizeof(double) * nc), "a cell without pbc changed the prediction: %s", teann_model_error(h));
  }
}

int main(int argc, char **argv)
{
  Frames            fr;
  teann_model      *h[3] = {NULL, NULL, NULL};
  double           *ref[2], *dref[2], *single[2], *one;
  int               ncomp[2];
  pthread_t         th[3];
  pthread_barrier_t start;
  Job               job[2];
  BadJob            bad;
  int               host = argc > 4 && !strcmp(argv[4], "-host_petsc");

  if (argc < 4) {
    fprintf(stderr, "usage: test-api MODEL1 MODEL2 FRAMES.xyz [-host_petsc]\n");
    return 2;
  }
  /* a host that runs PETSc itself: the library must neither start nor end it */
  if (host && PetscInitializeNoArguments()) return 3;
  CHECK(teann_api_version() == TEANN_API_VERSION, "API version %d, header %d", teann_api_version(), TEANN_API_VERSION);
  if (ReadXYZ(argv[3], &fr)) {
    fprintf(stderr, "cannot read frames from %s\n", argv[3]);
    return 2;
  }
  for (int i = 0; i < 3; i++) {
    if (teann_model_load(argv[i == 1 ? 2 : 1], &h[i]) != TEANN_OK) {
      fprintf(stderr, "FAIL: load %s: %s\n", argv[i == 1 ? 2 : 1], teann_model_error(NULL));
      return 1;
    }
  }
  Getters(h[0]);
  Getters(h[1]);
  BadCalls(h[2], &fr);

  /* the serial reference of both handles */
  for (int i = 0; i < 2; i++) {
    int a0 = 0;
    ncomp[i] = teann_model_num_components(h[i]);
    ref[i]   = malloc(sizeof(double) * fr.nframes * ncomp[i]);
    dref[i]  = malloc(sizeof(double) * ncomp[i] * 3 * fr.total);
    single[i] = malloc(sizeof(double) * fr.nframes * ncomp[i]);
    one      = malloc(sizeof(double) * ncomp[i] * 3 * fr.total);
    CHECK(teann_predict(h[i], fr.nframes, fr.natoms, fr.Z, fr.x, NULL, NULL, ref[i], dref[i]) == TEANN_OK, "serial batch: %s", teann_model_error(h[i]));
    /* the derivatives do not change the predictions, and frame by frame agrees */
    {
      double *plain = malloc(sizeof(double) * fr.nframes * ncomp[i]), worst = 0;
      CHECK(teann_predict(h[i], fr.nframes, fr.natoms, fr.Z, fr.x, NULL, NULL, plain, NULL) == TEANN_OK && !memcmp(plain, ref[i], sizeof(double) * fr.nframes * ncomp[i]), "predictions with and without derivatives differ");
      for (int f = 0; f < fr.nframes; f++) {
        double *p = single[i] + f * ncomp[i];
        CHECK(teann_predict_frame(h[i], fr.natoms[f], fr.Z + a0, fr.x + 3 * a0, NULL, NULL, p, one) == TEANN_OK, "frame %d: %s", f, teann_model_error(h[i]));
        for (int c = 0; c < ncomp[i]; c++) worst = fmax(worst, fabs(p[c] - ref[i][f * ncomp[i] + c]) / (1 + fabs(ref[i][f * ncomp[i] + c])));
        CHECK(!memcmp(one, dref[i] + (size_t)ncomp[i] * 3 * a0, sizeof(double) * ncomp[i] * 3 * fr.natoms[f]), "frame %d: derivatives of the frame alone differ from the batch's", f);
        a0 += fr.natoms[f];
      }
      printf("model %d: %d components, %d frames; frame by frame vs batch: largest relative difference %.3g\n", i + 1, ncomp[i], fr.nframes, worst);
      CHECK(worst <= 1e-12, "frame by frame differs from the batch by %g", worst);
      free(plain);
    }
    free(one);
  }

  /* two predicting threads and one failing one, started together */
  pthread_barrier_init(&start, NULL, 3);
  for (int i = 0; i < 2; i++) {
    job[i] = (Job){h[i], &fr, ref[i], dref[i], single[i], ncomp[i], &start, 0, 0};
    pthread_create(&th[i], NULL, Predictor, &job[i]);
  }
  bad = (BadJob){h[2], &fr, &start, 0, 0};
  pthread_create(&th[2], NULL, BadCaller, &bad);
  for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&start);
  for (int i = 0; i < 2; i++) {
    printf("thread %d: %ld concurrent predictions (%d frames each batch), %ld differ from the serial ones\n", i + 1, job[i].calls, fr.nframes, job[i].mismatches);
    CHECK(job[i].mismatches == 0, "thread %d: %ld predictions differ from the serial ones", i + 1, job[i].mismatches);
  }
  printf("thread 3: %ld failing calls, %ld with a wrong status or message\n", bad.calls, bad.wrong);
  CHECK(bad.wrong == 0, "thread 3: %ld failing calls went wrong", bad.wrong);

  for (int i = 0; i < 3; i++) teann_model_free(h[i]);
  teann_model_free(NULL);
  for (int i = 0; i < 2; i++) {
    free(ref[i]);
    free(dref[i]);
    free(single[i]);
  }
  free(fr.Z);
  free(fr.x);
  if (host) {
    PetscBool up = PETSC_FALSE;
    (void)PetscInitialized(&up);
    CHECK(up, "the library ended the host's PETSc");
    if (PetscFinalize()) return 3;
  }
  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  else printf("ok: C API, %s\n", host ? "PETSc started by the program" : "PETSc started by the library");
  return failures ? 1 : 0;
}
