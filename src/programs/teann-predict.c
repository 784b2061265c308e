/* teann-predict: the tensors of a fitted model for every frame of a file.
 * Ranks take contiguous, work-balanced frame ranges and predict them in the
 * same number of steps, so that rank 0 can report the frames done over all
 * ranks (one MPI_Reduce of a count per step, only when reporting). */
static const char help[] = "teann-predict: predict dipoles, polarizabilities and transition dipoles with a fitted model.\n"
                           "  mpiexec -n NP teann-predict -teann_model model.nc -teann_data frames.xyz -teann_output out.xyz|out.nc\n";

#include "property.h"
#include "fit.h"
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

int main(int argc, char **argv)
{
  char        mpath[PETSC_MAX_PATH_LEN] = "model.nc", data[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "";
  PetscBool   hasdata = PETSC_FALSE, hasout = PETSC_FALSE, help_only, isxyz, isnc;
  MPI_Comm    comm;
  TeannModel  model;
  PetscReal  *theta, *pred, *ref = NULL, *apred = NULL, *aref = NULL;
  TeannSource src;
  TeannFrames fr;
  PetscInt    N, *ids, nel, Z[TEANN_MAX_Z + 1], ncomp, nacomp, *fid, *nat = NULL, hasref = 0;
  char        missing[512] = "";
  Progress    prog;
  PetscBool   set;

  if (TeannProgramArgs(&argc, &argv, "teann-predict")) return 0;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(TeannProgramBegin());
  comm = PETSC_COMM_WORLD;
  PetscCall(PetscMemzero(&prog, sizeof(prog)));
  prog.show = (PetscBool)isatty(2);
  PetscOptionsBegin(comm, NULL, "teann-predict options", "TeannPredict");
  PetscCall(PetscOptionsString("-teann_model", "Fitted model (model.nc from teann-train)", "teann-predict", mpath, mpath, sizeof(mpath), NULL));
  PetscCall(PetscOptionsString("-teann_data", "Frames to predict: extended XYZ, EANN configuration or NetCDF dataset (.nc)", "teann-predict", data, data, sizeof(data), &hasdata));
  PetscCall(PetscOptionsString("-teann_output", "Output: .xyz (extended XYZ with predicted tensors) or .nc (predictions NetCDF)", "teann-predict", out, out, sizeof(out), &hasout));
  PetscCall(PetscOptionsBool("-teann_progress", "Report frames done, rate and time left at most once a second (default: when stderr is a terminal)", "teann-predict", prog.show, &prog.show, &set));
  PetscOptionsEnd();
  /* every rank must agree, since the report needs a reduction: rank 0's terminal decides */
  PetscCallMPI(MPI_Bcast(&prog.show, 1, MPIU_BOOL, 0, comm));
  prog.lines  = (PetscBool)!isatty(2);
  prog.forced = (PetscBool)(set && prog.show);
  PetscCall(PetscOptionsHasHelp(NULL, &help_only));
  if (help_only) {
    PetscCall(PetscFinalize());
    return 0;
  }
  /* before the checks of what is missing: "-teann_ouput" should be named as a typo, not as a
     missing -teann_output (the readers' own options count as used, see TeannOptionsCheckUnused) */
  PetscCall(TeannOptionsCheckUnused(comm));
  PetscCheck(hasdata && data[0], comm, PETSC_ERR_USER_INPUT, "give the frames to predict with -teann_data FILE");
  PetscCheck(hasout && out[0], comm, PETSC_ERR_USER_INPUT, "give the output file with -teann_output FILE.xyz or FILE.nc");
  PetscCall(PetscStrendswith(out, ".xyz", &isxyz));
  PetscCall(PetscStrendswith(out, ".nc", &isnc));
  PetscCheck(isxyz || isnc, comm, PETSC_ERR_USER_INPUT, "-teann_output %s: the name must end in .xyz or .nc", out);
  {
    /* the output replaces its file only at the end, but an input replaced is lost: compare
       the files themselves, so that ./name, a symlink or a hard link is caught too */
    PetscBool same[2];
    PetscCall(TeannSameFile(out, data, &same[0]));
    PetscCall(TeannSameFile(out, mpath, &same[1]));
    PetscCheck(!same[0], comm, PETSC_ERR_USER_INPUT, "-teann_output %s is the input file %s (-teann_data); choose another output name", out, data);
    PetscCheck(!same[1], comm, PETSC_ERR_USER_INPUT, "-teann_output %s is the model file %s (-teann_model); choose another output name", out, mpath);
  }

  PetscCall(TeannModelRead(comm, mpath, &model, &theta, NULL));
  PetscCall(TeannModelGetNumComponents(model, &ncomp));
  PetscCall(TeannSourceCreate(comm, data, model->cutoff, &src));
  PetscCall(TeannSourceGetNumFrames(src, &N));
  PetscCall(PetscMalloc1(N, &ids));
  for (PetscInt i = 0; i < N; i++) ids[i] = i;
  PetscCall(TeannSourceDistribute(src, N, ids, &fr));
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
  PetscCheck(!missing[0], comm, PETSC_ERR_ARG_INCOMP, "%s: elements not in the model %s:%s", data, mpath, missing);

  PetscCall(TeannModelGetNumAtomComponents(model, &nacomp));
  PetscCall(PetscMalloc2(fr->nframes * ncomp + 1, &pred, fr->nframes + 1, &fid));
  PetscCall(PetscMalloc1((size_t)fr->natoms * nacomp + 1, &apred));
  PetscCall(PetscTime(&prog.t0));
  prog.last = prog.t0;
  PetscCall(PredictFrames(comm, model, theta, fr, N, &prog, pred, apred));
  /* a NaN is never a result: stop before anything is written */
  PetscCall(TeannPredictionsCheckFinite(comm, data, model->props, fr->nframes, fr->frame_id, pred));
  if (isxyz) PetscCall(TeannPredictionsWriteXYZ(comm, out, model->props, fr, pred, apred));
  else {
    for (PetscInt f = 0; f < fr->nframes; f++) {
      fid[f] = fr->frame_id[f];
      if (fr->fprops[f] & model->props) hasref = 1;
    }
    /* the references go in when the data carry any: then the file compares model and data */
    if (hasref) {
      PetscCall(PetscMalloc1(fr->nframes * ncomp + 1, &ref));
      for (PetscInt k = 0; k < TEANN_NKIND; k++) {
        PetscInt         off, nc = TeannProperties[k].ncomp;
        const PetscReal *y;
        off = TeannPropertyOffset(model->props, k);
        if (off < 0) continue;
        y = fr->y[k];
        for (PetscInt f = 0; f < fr->nframes; f++)
          for (PetscInt c = 0; c < nc; c++) ref[f * ncomp + off + c] = y[f * nc + c];
      }
    }
    if (nacomp) { /* per-atom properties: their references (NaN rows where an atom has none) */
      TeannAtomPredictions at;
      PetscCall(PetscMalloc2(fr->nframes + 1, &nat, (size_t)fr->natoms * nacomp + 1, &aref));
      for (PetscInt f = 0; f < fr->nframes; f++) nat[f] = fr->atom_start[f + 1] - fr->atom_start[f];
      PetscCall(TeannAtomReferences(model->props, fr, aref));
      at.nacomp = nacomp;
      at.natoms = nat;
      at.ref    = aref;
      at.pred   = apred;
      PetscCall(TeannPredictionsWriteNC(comm, out, model->props, fr->nframes, fid, fid, NULL, ref, pred, &at));
      PetscCall(PetscFree2(nat, aref));
    } else PetscCall(TeannPredictionsWriteNC(comm, out, model->props, fr->nframes, fid, fid, NULL, ref, pred, NULL));
    PetscCall(PetscFree(ref));
  }
  PetscCall(PetscPrintf(comm, "teann-predict: %" PetscInt_FMT " frames of %s -> %s\n", N, data, out));
  PetscCall(PetscFree2(pred, fid));
  PetscCall(PetscFree(apred));
  PetscCall(PetscFree(theta));
  PetscCall(TeannFramesDestroy(&fr));
  PetscCall(TeannModelDestroy(&model));
  PetscCall(PetscFinalize());
  return 0;
}
