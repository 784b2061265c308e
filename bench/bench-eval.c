/* Speed of one loss+gradient evaluation (the work of one optimizer step) on the
 * frames of -data FILE: configurations per second, per thread. Model options
 * (-teann_*) apply; -time T seconds of repetitions (default 2), -loss_only,
 * -jacobian: residuals and Jacobian rows (TeannEvalResiduals) of the first 100 frames instead;
 * -chunk_frames B: frames per chunk (default: the fit's default block for this many frames).
 * Run with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 for the per-core figure. Also prints atoms
 * per CPU second, the pair lists' memory per frame and per pair, and the peak resident size. */
#include "model.h"
#include "neighbours.h"
#include "source.h"
#include <sys/resource.h>
#if defined(_OPENMP)
  #include <omp.h>
#endif

/* Process CPU time (user + system): less disturbed than wall time on a shared machine. */
static PetscErrorCode CpuTime(PetscLogDouble *t)
{
  struct rusage ru;

  PetscFunctionBegin;
  PetscCheck(!getrusage(RUSAGE_SELF, &ru), PETSC_COMM_SELF, PETSC_ERR_SYS, "getrusage failed");
  *t = ru.ru_utime.tv_sec + 1e-6 * ru.ru_utime.tv_usec + ru.ru_stime.tv_sec + 1e-6 * ru.ru_stime.tv_usec;
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char           path[PETSC_MAX_PATH_LEN] = "";
  TeannFrames    fr;
  TeannModel     m;
  TeannEval      ev;
  PetscInt       nel, *Z, *idx, reps = 0;
  PetscReal     *theta, *g, L, tmax = 2.0;
  PetscBool      loss_only = PETSC_FALSE, jac = PETSC_FALSE;
  PetscReal     *r = NULL, *J = NULL;
  PetscInt       nf, nc, chunk = 0;
  PetscLogDouble t0, t1, c0, c1;
  int            nthreads = 1;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-data", path, sizeof(path), NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-time", &tmax, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-loss_only", &loss_only, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-jacobian", &jac, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-chunk_frames", &chunk, NULL)); /* 0: the fit's default block */
  PetscCall(TeannFramesCreate(&fr));
  PetscCall(TeannFramesRead(path, fr));
  PetscCall(TeannModelCreate(PETSC_COMM_SELF, &m));
  PetscCall(TeannModelSetFromOptions(m));
  PetscCall(TeannFramesGetElements(fr, &nel, &Z));
  PetscCall(TeannModelSetElements(m, nel, Z));
  PetscCall(TeannModelSetUp(m));
  PetscCall(PetscMalloc3(m->nparam, &theta, m->nparam, &g, fr->nframes, &idx));
  PetscCall(TeannModelInitialParameters(m, 1, theta));
  for (PetscInt f = 0; f < fr->nframes; f++) idx[f] = f;
  PetscCall(TeannEvalCreate(m, fr, &ev));
  if (!chunk) {
    PetscInt amax = 0;
    for (PetscInt f = 0; f < fr->nframes; f++) amax = PetscMax(amax, fr->atom_start[f + 1] - fr->atom_start[f]);
    chunk = TeannSourceBlockFrames(fr->nframes, amax);
  }
  PetscCall(TeannEvalSetChunkFrames(ev, chunk));
  PetscCall(TeannModelGetNumComponents(m, &nc));
  nf = jac ? PetscMin(fr->nframes, 100) : fr->nframes;
  if (jac) PetscCall(PetscMalloc2(nf * nc, &r, (size_t)nf * nc * m->nparam, &J));
  PetscCall(TeannEvalLossGradient(ev, theta, fr->nframes, idx, &L, loss_only ? NULL : g)); /* warm-up, builds the pair cache */
  PetscCall(PetscTime(&t0));
  PetscCall(CpuTime(&c0));
  do {
    if (jac) PetscCall(TeannEvalResiduals(ev, theta, nf, idx, r, J));
    else PetscCall(TeannEvalLossGradient(ev, theta, fr->nframes, idx, &L, loss_only ? NULL : g));
    reps++;
    PetscCall(PetscTime(&t1));
  } while (t1 - t0 < tmax);
  PetscCall(CpuTime(&c1));
#if defined(_OPENMP)
  nthreads = omp_get_max_threads();
#endif
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: %" PetscInt_FMT " frames, %" PetscInt_FMT " parameters, fix_radial %s, chunks of %" PetscInt_FMT " frames, %s: %.0f configurations/s with %d thread(s), %.0f per thread, %.0f per CPU second\n", path, nf, m->nparam, PetscBools[m->fix_radial], chunk, jac ? "residuals+Jacobian" : (loss_only ? "loss" : "loss+gradient"), reps * nf / (t1 - t0), nthreads, reps * nf / (t1 - t0) / nthreads, reps * nf / (c1 - c0)));
  {
    const PetscInt   na = fr->atom_start[nf];
    TeannNeighbours *nb;
    struct rusage    ru;
    PetscCall(TeannNeighboursCreate(fr, m->cutoff, &nb));
    getrusage(RUSAGE_SELF, &ru);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %.1f atoms per frame: %.0f atoms per CPU second; pair lists (r_c %g): %.1f pairs per atom, %.0f bytes per frame, %.1f bytes per pair; peak resident %.1f MB\n", (double)na / nf, reps * (double)na / (c1 - c0), (double)m->cutoff, (double)nb->npairs / fr->natoms, (double)TeannNeighboursBytes(nb) / fr->nframes, nb->npairs ? (double)TeannNeighboursBytes(nb) / nb->npairs : 0.0, ru.ru_maxrss / 1024.0));
  {
    char blas[256];
    PetscCall(TeannBlasDescribe(blas, sizeof(blas)));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  BLAS: %s\n", blas));
  }
    PetscCall(TeannNeighboursDestroy(&nb));
  }
  PetscCall(TeannEvalDestroy(&ev));
  PetscCall(TeannModelDestroy(&m));
  PetscCall(TeannFramesDestroy(&fr));
  PetscCall(PetscFree(Z));
  PetscCall(PetscFree3(theta, g, idx));
  PetscCall(PetscFree2(r, J));
  PetscCall(PetscFinalize());
  return 0;
}
