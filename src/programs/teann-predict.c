/* teann-predict: the tensors of a fitted model for every frame of a file.
 * Trajectories (AMBER NetCDF, extended XYZ) are streamed: in each round every rank reads,
 * predicts and checks its own block of frames (blocks of a multiple of 64 frames, so that
 * the model's 64-frame chunks, and so the numbers, do not depend on the rank count), then
 * rank 0 writes the round's blocks in rank order; memory follows the block, not the file.
 * Other inputs (a NetCDF dataset, an EANN configuration file) are read whole and dealt to
 * the ranks as contiguous, work-balanced ranges, predicted in the same number of steps so
 * that rank 0 can report the frames done over all ranks. Errors of one rank's block are
 * made every rank's before anything collective (a rank that failed alone would leave the
 * others waiting and the temporary output behind). */
static const char help[] = "teann-predict: predict dipoles, polarizabilities and the other fitted tensors with a fitted model.\n"
                           "  mpiexec -n NP teann-predict -teann_model model.nc -teann_data traj.nc|traj.xyz|frames.nc -teann_output out.xyz|out.nc\n";

#include "property.h"
#include "fit.h"
#include "ensemble.h"
#include "trajectory.h"
#include <sys/resource.h>
#include <unistd.h>
#if defined(_OPENMP)
  #include <omp.h>
#endif

typedef struct {
  PetscBool      show;  /* report at all                                          */
  PetscBool      lines; /* whole lines (not a terminal) instead of rewriting one   */
  PetscLogDouble t0, last;
  PetscBool      printed;
  PetscBool      forced; /* -teann_progress given: the final count is always printed */
} Progress;

/* Frames done of total, their rate and the time left, on rank 0, at most once a second,
   and at the end if anything was printed before or -teann_progress was given. */
static PetscErrorCode PredictProgress(MPI_Comm comm, Progress *p, PetscInt done, PetscInt total)
{
  PetscLogDouble now, rate;
  PetscMPIInt    rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!p->show || rank) PetscFunctionReturn(0);
  PetscCall(PetscTime(&now));
  if (done < total && now - p->last < 1.0) PetscFunctionReturn(0);
  if (done == total && !p->printed && !p->forced && now - p->t0 < 1.0) PetscFunctionReturn(0);
  p->last    = now;
  p->printed = PETSC_TRUE;
  rate       = done / PetscMax(now - p->t0, 1e-9);
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "%steann-predict: %" PetscInt_FMT "/%" PetscInt_FMT " frames (%.0f frames/s, %.0f s left)%s", p->lines ? "" : "\r", done, total, rate, done ? (total - done) / rate : 0.0, p->lines || done == total ? "\n" : ""));
  PetscFunctionReturn(0);
}

/* Predict the n local frames in the same number of slices on every rank; the slices are big
   enough for the model's OpenMP chunks (64 frames a thread) to keep the threads busy. */
static PetscErrorCode PredictFrames(MPI_Comm comm, TeannModel model, const PetscReal theta[], TeannFrames fr, PetscInt N, Progress *prog, PetscReal pred[], PetscReal apred[])
{
  TeannEval ev = NULL;
  PetscInt  n = fr->nframes, nmax, nsteps, ncomp, nacomp, *idx, slice;

  PetscFunctionBegin;
  PetscCall(TeannModelGetNumComponents(model, &ncomp));
  PetscCall(TeannModelGetNumAtomComponents(model, &nacomp));
  PetscCallMPI(MPI_Allreduce(&n, &nmax, 1, MPIU_INT, MPI_MAX, comm));
  slice  = 4 * TEANN_CHUNK; /* a few chunks per thread between progress reports */
#if defined(_OPENMP)
  slice *= omp_get_max_threads();
#endif
  nsteps = prog->show ? PetscMax(1, (nmax + slice - 1) / slice) : 1;
  PetscCall(PetscMalloc1(n + 1, &idx));
  for (PetscInt i = 0; i < n; i++) idx[i] = i;
  if (n) PetscCall(TeannEvalCreate(model, fr, &ev));
  PetscCall(PredictProgress(comm, prog, 0, N));
  for (PetscInt s = 0; s < nsteps; s++) {
    /* boundaries on multiples of the model's 64-frame chunk (doc/model.md): the chunks, and
       so the results bit for bit, are those of a single call */
    PetscInt a = (PetscInt)(((PetscInt64)n * s) / nsteps) / 64 * 64;
    PetscInt b = s == nsteps - 1 ? n : (PetscInt)(((PetscInt64)n * (s + 1)) / nsteps) / 64 * 64, done;

    if (b > a) PetscCall(TeannEvalPredictAtoms(ev, theta, b - a, idx + a, pred + a * ncomp, nacomp ? apred + (size_t)nacomp * fr->atom_start[a] : NULL));
    if (prog->show) {
      PetscCallMPI(MPI_Reduce(&b, &done, 1, MPIU_INT, MPI_SUM, 0, comm));
      PetscCall(PredictProgress(comm, prog, done, N));
    }
  }
  if (ev) PetscCall(TeannEvalDestroy(&ev));
  PetscCall(PetscFree(idx));
  PetscFunctionReturn(0);
}

/* The error of the lowest rank that failed (the first frames: blocks are in rank order),
   raised on every rank of comm, once the output being written is given up. */
static PetscErrorCode ShareError(MPI_Comm comm, TeannHeldError *h, TeannPredictWriter *w)
{
  PetscFunctionBegin;
  PetscCall(TeannErrorHoldShare(comm, h));
  if (!h->code) PetscFunctionReturn(0);
  PetscCall(TeannPredictWriterAbandon(w));
  SETERRQ(comm, h->code, "%s", h->msg);
}

/* Every element of the frames is one of the model's: an error naming the file, the missing
   elements and the first frame and atom with one otherwise. */
static PetscErrorCode CheckElements(TeannModel model, const char mpath[], TeannFrames fr)
{
  PetscBool known[TEANN_MAX_Z + 1] = {PETSC_FALSE}, seen[TEANN_MAX_Z + 1] = {PETSC_FALSE};
  PetscInt  ff = -1, fa = -1;
  char      missing[512] = "";

  PetscFunctionBegin;
  for (PetscInt m = 0; m < model->nel; m++) known[model->Z[m]] = PETSC_TRUE;
  for (PetscInt f = 0; f < fr->nframes; f++)
    for (PetscInt a = fr->atom_start[f]; a < fr->atom_start[f + 1]; a++)
      if (!known[fr->Z[a]]) {
        seen[fr->Z[a]] = PETSC_TRUE;
        if (ff < 0) {
          ff = f;
          fa = a - fr->atom_start[f];
        }
      }
  if (ff < 0) PetscFunctionReturn(0);
  for (PetscInt z = 1; z <= TEANN_MAX_Z; z++)
    if (seen[z]) {
      PetscCall(PetscStrlcat(missing, " ", sizeof(missing)));
      PetscCall(PetscStrlcat(missing, TeannElementSymbol(z), sizeof(missing)));
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "%s: elements not in the model %s:%s (frame %" PetscInt_FMT ", atom %" PetscInt_FMT " first)", fr->source, mpath, missing, fr->frame_id[ff] + 1, fa + 1);
}

typedef struct {
  char       mpath[PETSC_MAX_PATH_LEN], data[PETSC_MAX_PATH_LEN], out[PETSC_MAX_PATH_LEN];
  PetscBool  overwrite, isxyz;
  PetscInt   block;     /* frames per rank and round (0: chosen from the frame size) */
  PetscInt   tunit;     /* index into TimeUnits: units of extended XYZ time= values */
  TeannModel model;
  PetscReal *theta;     /* K members' parameters, member after member         */
  PetscInt   K, np;     /* members (1: a single model) and parameters of one  */
  PetscBool  members;   /* -teann_ensemble_members: each member's predictions */
  PetscReal *mpred, *ampred, *std, *astd; /* an ensemble's scratch: K members' predictions, committee std */
  Progress   prog;
} Predict;

/* An ensemble's committee of n frames of nat atoms from the members' predictions in P->mpred
   and P->ampred: the mean into pred and apred, the standard deviation into P->std. */
static void CommitteeOf(Predict *P, PetscInt n, PetscInt nat, PetscInt ncomp, PetscInt nacomp, PetscReal pred[], PetscReal apred[])
{
  TeannCommitteeMeanStd(P->K, n * ncomp, P->mpred, pred, P->std);
  if (nacomp) TeannCommitteeMeanStd(P->K, nat * nacomp, P->ampred, apred, P->astd);
}

static const char *const TimeUnits[] = {"fs", "ps", "ns"};

/* One round's local work: read frames [start, start + n), check them, predict. */
static PetscErrorCode PredictBlock(Predict *P, TeannTrajectory traj, PetscInt start, PetscInt n, TeannFrames fr, PetscReal pred[], PetscReal apred[])
{
  TeannEval ev;
  PetscInt *idx;

  PetscFunctionBegin;
  PetscCall(TeannTrajectoryRead(traj, start, n, fr));
  if (!n) PetscFunctionReturn(0);
  PetscCall(CheckElements(P->model, P->mpath, fr));
  PetscCall(PetscMalloc1(n, &idx));
  for (PetscInt i = 0; i < n; i++) idx[i] = i;
  PetscCall(TeannEvalCreate(P->model, fr, &ev));
  if (P->K == 1) PetscCall(TeannEvalPredictAtoms(ev, P->theta, n, idx, pred, apred));
  else {
    PetscInt ncomp, nacomp;
    PetscCall(TeannModelGetNumComponents(P->model, &ncomp));
    PetscCall(TeannModelGetNumAtomComponents(P->model, &nacomp));
    for (PetscInt q = 0; q < P->K; q++) PetscCall(TeannEvalPredictAtoms(ev, P->theta + q * P->np, n, idx, P->mpred + (size_t)q * n * ncomp, nacomp ? P->ampred + (size_t)q * fr->natoms * nacomp : NULL));
    CommitteeOf(P, n, fr->natoms, ncomp, nacomp, pred, apred);
  }
  PetscCall(TeannEvalDestroy(&ev));
  PetscCall(PetscFree(idx));
  /* a NaN is never a result: stop before anything is written */
  PetscCall(TeannPredictionsCheckFinite(PETSC_COMM_SELF, P->data, P->model->props, n, fr->frame_id, pred));
  PetscFunctionReturn(0);
}

/* A trajectory, streamed. */
static PetscErrorCode PredictTrajectory(MPI_Comm comm, Predict *P, PetscInt *N)
{
  TeannTrajectory    traj;
  TeannPredictWriter w = NULL;
  TeannFrames        fr;
  PetscInt           maxat, c, per, nround, ncomp, nacomp;
  PetscInt64         natoms;
  PetscMPIInt        rank, size;
  PetscReal         *pred, *apred;
  const char        *units;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(TeannTrajectoryOpen(comm, P->data, &traj));
  PetscCall(TeannTrajectoryGetSizes(traj, N, &natoms, &maxat));
  PetscCall(TeannTrajectorySetKeepText(traj, P->isxyz));
  /* blocks: a multiple of 64 frames of about 2^18 atoms (at most 8192 frames), fewer when the
     file is small, so that every rank gets some */
  c   = P->block > 0 ? P->block : PetscMin(8192, PetscMax(64, (1 << 18) / PetscMax(maxat, 1)));
  c   = (c + 63) / 64 * 64;
  per = ((*N + size - 1) / size + 63) / 64 * 64;
  c   = PetscMin(c, per);
  nround = (*N + (PetscInt64)c * size - 1) / ((PetscInt64)c * size);
  PetscCall(PetscInfo(NULL, "%s: %" PetscInt_FMT " frames, blocks of %" PetscInt_FMT " frames per rank, %" PetscInt_FMT " rounds\n", P->data, *N, c, nround));
  PetscCall(TeannModelGetNumComponents(P->model, &ncomp));
  PetscCall(TeannModelGetNumAtomComponents(P->model, &nacomp));
  PetscCall(PetscMalloc2((size_t)c * ncomp + 1, &pred, (size_t)c * maxat * nacomp + 1, &apred));
  if (P->K > 1) PetscCall(PetscMalloc4((size_t)P->K * c * ncomp + 1, &P->mpred, (size_t)P->K * c * maxat * nacomp + 1, &P->ampred, (size_t)c * ncomp + 1, &P->std, (size_t)c * maxat * nacomp + 1, &P->astd));
  PetscCall(TeannFramesCreate(&fr));
  PetscCall(TeannPredictWriterCreate(comm, P->out, P->data, P->model->props, *N, natoms, P->overwrite, &w));
  if (P->K > 1) PetscCall(TeannPredictWriterSetEnsemble(w, P->K, P->members));
  PetscCall(PredictProgress(comm, &P->prog, 0, *N));
  for (PetscInt r = 0; r < nround; r++) {
    const PetscInt64 s = ((PetscInt64)r * size + rank) * c;
    const PetscInt   start = (PetscInt)PetscMin(s, (PetscInt64)*N), n = (PetscInt)PetscMin((PetscInt64)c, (PetscInt64)*N - start);
    TeannHeldError   h;
    TeannFrameExtras ex;
    const PetscReal *time;
    const PetscInt64 *step;
    char *const     *text;

    PetscCall(TeannErrorHoldBegin(&h));
    (void)PredictBlock(P, traj, start, n, fr, pred, apred);
    PetscCall(ShareError(comm, &h, &w));
    PetscCall(TeannTrajectoryGetTimes(traj, &time, &step, &units, &ex.single));
    PetscCall(TeannTrajectoryGetText(traj, &text));
    ex.time  = n ? time : NULL;
    ex.step  = n ? step : NULL;
    ex.units = units ? units : TimeUnits[P->tunit];
    ex.text  = n ? text : NULL;
    if (P->K > 1) PetscCall(TeannPredictWriterAddEnsemble(w, fr, pred, apred, P->std, P->mpred, &ex));
    else PetscCall(TeannPredictWriterAdd(w, fr, pred, apred, &ex));
    PetscCall(PredictProgress(comm, &P->prog, (PetscInt)PetscMin((PetscInt64)(r + 1) * c * size, (PetscInt64)*N), *N));
  }
  PetscCall(TeannPredictWriterClose(&w, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(PetscFree2(pred, apred));
  if (P->K > 1) PetscCall(PetscFree4(P->mpred, P->ampred, P->std, P->astd));
  PetscCall(TeannFramesDestroy(&fr));
  PetscCall(TeannTrajectoryDestroy(&traj));
  PetscFunctionReturn(0);
}

/* A dataset (NetCDF) or an EANN configuration file: read whole, frames dealt by work. */
static PetscErrorCode PredictDataset(MPI_Comm comm, Predict *P, PetscInt *N)
{
  TeannModel         model = P->model;
  TeannSource        src;
  TeannFrames        fr;
  TeannPredictWriter w;
  PetscInt          *ids, nel, Z[TEANN_MAX_Z + 1], ncomp, nacomp;
  PetscReal         *pred, *apred;
  char               missing[512] = "";

  PetscFunctionBegin;
  PetscCall(TeannModelGetNumComponents(model, &ncomp));
  PetscCall(TeannSourceCreate(comm, P->data, model->cutoff, &src));
  PetscCall(TeannSourceGetNumFrames(src, N));
  PetscCall(PetscMalloc1(*N, &ids));
  for (PetscInt i = 0; i < *N; i++) ids[i] = i;
  PetscCall(TeannSourceDistribute(src, *N, ids, &fr));
  PetscCall(PetscFree(ids));
  PetscCall(TeannSourceDestroy(&src));

  PetscCall(TeannElementsUnion(comm, 1, &fr, &nel, Z));
  for (PetscInt e = 0; e < nel; e++) {
    PetscBool known = PETSC_FALSE;
    for (PetscInt m = 0; m < model->nel; m++)
      if (model->Z[m] == Z[e]) known = PETSC_TRUE;
    if (!known) {
      PetscCall(PetscStrlcat(missing, " ", sizeof(missing)));
      PetscCall(PetscStrlcat(missing, TeannElementSymbol(Z[e]), sizeof(missing)));
    }
  }
  PetscCheck(!missing[0], comm, PETSC_ERR_ARG_INCOMP, "%s: elements not in the model %s:%s", P->data, P->mpath, missing);

  PetscCall(TeannModelGetNumAtomComponents(model, &nacomp));
  PetscCall(PetscMalloc2(fr->nframes * ncomp + 1, &pred, (size_t)fr->natoms * nacomp + 1, &apred));
  if (P->K == 1) PetscCall(PredictFrames(comm, model, P->theta, fr, *N, &P->prog, pred, apred));
  else {
    PetscCall(PetscMalloc4((size_t)P->K * fr->nframes * ncomp + 1, &P->mpred, (size_t)P->K * fr->natoms * nacomp + 1, &P->ampred, fr->nframes * ncomp + 1, &P->std, (size_t)fr->natoms * nacomp + 1, &P->astd));
    for (PetscInt q = 0; q < P->K; q++) PetscCall(PredictFrames(comm, model, P->theta + q * P->np, fr, *N, &P->prog, P->mpred + (size_t)q * fr->nframes * ncomp, P->ampred + (size_t)q * fr->natoms * nacomp));
    CommitteeOf(P, fr->nframes, fr->natoms, ncomp, nacomp, pred, apred);
  }
  PetscCall(TeannPredictionsCheckFinite(comm, P->data, model->props, fr->nframes, fr->frame_id, pred));
  {
    PetscInt64 nat = fr->natoms, tot;
    PetscCallMPI(MPI_Allreduce(&nat, &tot, 1, MPIU_INT64, MPI_SUM, comm));
    PetscCall(TeannPredictWriterCreate(comm, P->out, P->data, model->props, *N, tot, P->overwrite, &w));
  }
  if (P->K > 1) {
    PetscCall(TeannPredictWriterSetEnsemble(w, P->K, P->members));
    PetscCall(TeannPredictWriterAddEnsemble(w, fr, pred, apred, P->std, P->mpred, NULL));
    PetscCall(PetscFree4(P->mpred, P->ampred, P->std, P->astd));
  } else PetscCall(TeannPredictWriterAdd(w, fr, pred, apred, NULL));
  PetscCall(TeannPredictWriterClose(&w, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(PetscFree2(pred, apred));
  PetscCall(TeannFramesDestroy(&fr));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  Predict     P;
  PetscBool   hasdata = PETSC_FALSE, hasout = PETSC_FALSE, help_only, isnc, set, exists = PETSC_FALSE;
  MPI_Comm    comm;
  PetscInt    N = 0;
  const char *format;
  char        species[PETSC_MAX_PATH_LEN] = "", species_list[4096] = "", props[256] = "";
  PetscBool   hasprops = PETSC_FALSE;

  if (TeannProgramArgs(&argc, &argv, "teann-predict")) return 0;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(TeannProgramBegin());
  comm = PETSC_COMM_WORLD;
  PetscCall(PetscMemzero(&P, sizeof(P)));
  PetscCall(PetscStrncpy(P.mpath, "model.nc", sizeof(P.mpath)));
  P.prog.show = (PetscBool)isatty(2);
  PetscOptionsBegin(comm, NULL, "teann-predict options", "TeannPredict");
  PetscCall(PetscOptionsString("-teann_model", "Fitted model (model.nc from teann-train)", "teann-predict", P.mpath, P.mpath, sizeof(P.mpath), NULL));
  PetscCall(PetscOptionsString("-teann_data", "Frames to predict: a trajectory (AMBER NetCDF or extended XYZ, streamed), a NetCDF dataset or an EANN configuration file", "teann-predict", P.data, P.data, sizeof(P.data), &hasdata));
  PetscCall(PetscOptionsString("-teann_output", "Output: .xyz (extended XYZ, predictions as <property>_pred beside the input) or .nc (predictions NetCDF)", "teann-predict", P.out, P.out, sizeof(P.out), &hasout));
  PetscCall(PetscOptionsBool("-teann_overwrite", "Replace an existing output file", "teann-predict", P.overwrite, &P.overwrite, NULL));
  PetscCall(PetscOptionsString("-teann_species", "AMBER NetCDF without elements: an extended XYZ file whose first frame has the trajectory's atoms", "teann-predict", species, species, sizeof(species), NULL));
  PetscCall(PetscOptionsString("-teann_species_list", "AMBER NetCDF without elements: the element of each atom, comma-separated (O,H,H)", "teann-predict", species_list, species_list, sizeof(species_list), NULL));
  PetscCall(PetscOptionsEList("-teann_time_units", "Units of the time= values of extended XYZ frames (for the .nc output's time)", "teann-predict", TimeUnits, 3, TimeUnits[0], &P.tunit, NULL));
  PetscCall(PetscOptionsInt("-teann_block_frames", "Trajectories: frames per rank and round (rounded up to a multiple of 64; default from the frame size, at most 8192)", "teann-predict", P.block, &P.block, NULL));
  PetscCall(PetscOptionsBool("-teann_progress", "Report frames done, rate and time left at most once a second (default: when stderr is a terminal)", "teann-predict", P.prog.show, &P.prog.show, &set));
  PetscCall(PetscOptionsString("-teann_properties", "Properties to predict: a comma list of the model's (default: all it fitted); a periodic frame takes only properties defined in a cell", "teann-predict", props, props, sizeof(props), &hasprops));
  PetscCall(PetscOptionsBool("-teann_ensemble_members", "An ensemble model: the .nc output also holds every member's predictions (<property>_predicted_members)", "teann-predict", P.members, &P.members, NULL));
  PetscOptionsEnd();
  /* every rank must agree, since the report needs a reduction: rank 0's terminal decides */
  PetscCallMPI(MPI_Bcast(&P.prog.show, 1, MPIU_BOOL, 0, comm));
  P.prog.lines  = (PetscBool)!isatty(2);
  P.prog.forced = (PetscBool)(set && P.prog.show);
  PetscCall(PetscOptionsHasHelp(NULL, &help_only));
  if (help_only) {
    PetscCall(TeannFramesOptionsHelp(comm, PETSC_FALSE));
    PetscCall(TeannOptionsHelp(comm, PETSC_TRUE));
    PetscCall(PetscFinalize());
    return 0;
  }
  /* before the checks of what is missing: "-teann_ouput" should be named as a typo, not as a
     missing -teann_output (the readers' own options count as used, see TeannOptionsCheckUnused) */
  PetscCall(TeannOptionsCheckUnused(comm));
  PetscCheck(hasdata && P.data[0], comm, PETSC_ERR_USER_INPUT, "give the frames to predict with -teann_data FILE");
  PetscCheck(hasout && P.out[0], comm, PETSC_ERR_USER_INPUT, "give the output file with -teann_output FILE.xyz or FILE.nc");
  PetscCheck(P.block >= 0, comm, PETSC_ERR_USER_INPUT, "-teann_block_frames must be positive");
  PetscCall(PetscStrendswith(P.out, ".xyz", &P.isxyz));
  PetscCall(PetscStrendswith(P.out, ".nc", &isnc));
  PetscCheck(P.isxyz || isnc, comm, PETSC_ERR_USER_INPUT, "-teann_output %s: the name must end in .xyz or .nc", P.out);
  {
    /* the output replaces its file only at the end, but an input replaced is lost: compare
       the files themselves, so that ./name, a symlink or a hard link is caught too */
    PetscBool same[2];
    PetscCall(TeannSameFile(P.out, P.data, &same[0]));
    PetscCall(TeannSameFile(P.out, P.mpath, &same[1]));
    PetscCheck(!same[0], comm, PETSC_ERR_USER_INPUT, "-teann_output %s is the input file %s (-teann_data); choose another output name", P.out, P.data);
    PetscCheck(!same[1], comm, PETSC_ERR_USER_INPUT, "-teann_output %s is the model file %s (-teann_model); choose another output name", P.out, P.mpath);
  }
  /* before any work: an earlier output is kept unless replacing it was asked for */
  PetscCall(PetscTestFile(P.out, '\0', &exists));
  PetscCheck(!exists || P.overwrite, comm, PETSC_ERR_USER_INPUT, "-teann_output %s exists; give -teann_overwrite to replace it (nothing was done)", P.out);

  /* an ensemble predicts the committee mean, with its standard deviation beside it */
  PetscCall(TeannModelReadEnsemble(comm, P.mpath, &P.model, &P.K, &P.theta, NULL));
  PetscCall(TeannModelGetNumParameters(P.model, &P.np));
  /* -teann_properties LIST: predict only some of the model's properties, e.g. a joint dipole and
     polarizability model's polarizability on periodic frames, where the dipole is not defined. Every
     rank parses the same list, so the errors are collective. */
  if (hasprops) PetscCall(TeannModelSelectProperties(P.model, props, "-teann_properties", P.mpath));
  if (P.K > 1) PetscCall(PetscPrintf(comm, "teann-predict: %s is an ensemble of %" PetscInt_FMT " members: the predictions are their mean, <property>_std their standard deviation\n", P.mpath, P.K));
  PetscCall(PetscTime(&P.prog.t0));
  P.prog.last = P.prog.t0;
  PetscCall(TeannFramesGetFormat(P.data, &format));
  if (!strcmp(format, "amber") || !strcmp(format, "xyz")) PetscCall(PredictTrajectory(comm, &P, &N));
  else {
    PetscCheck(!species[0] && !species_list[0], comm, PETSC_ERR_USER_INPUT, "%s: -teann_species and -teann_species_list are for AMBER NetCDF trajectories; a %s file names its elements", P.data, format);
    PetscCall(PredictDataset(comm, &P, &N));
  }
  PetscCall(PetscPrintf(comm, "teann-predict: %" PetscInt_FMT " frames of %s -> %s\n", N, P.data, P.out));
  {
    /* peak memory, largest over the ranks (-info): what the streaming keeps bounded */
    struct rusage ru;
    double        mib = 0, max;
    if (!getrusage(RUSAGE_SELF, &ru)) mib = ru.ru_maxrss / 1024.0;
    PetscMPIInt   rank;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    PetscCallMPI(MPI_Reduce(&mib, &max, 1, MPI_DOUBLE, MPI_MAX, 0, comm));
    if (!rank) PetscCall(PetscInfo(NULL, "peak resident set size %.1f MiB (largest over the ranks)\n", max));
  }
  PetscCall(PetscFree(P.theta));
  PetscCall(TeannModelDestroy(&P.model));
  PetscCall(PetscFinalize());
  return 0;
}
