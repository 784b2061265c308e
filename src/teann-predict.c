static const char help[] = "teann-predict: predict dipoles, polarizabilities and transition dipoles with a fitted model.\n"
                           "  mpiexec -n NP teann-predict -teann_model model.nc -teann_data frames.xyz -teann_output out.xyz|out.nc\n";

#include "fit.h"

int main(int argc, char **argv)
{
  char        mpath[PETSC_MAX_PATH_LEN] = "model.nc", data[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "";
  PetscBool   hasdata = PETSC_FALSE, hasout = PETSC_FALSE, help_only, isxyz, isnc;
  MPI_Comm    comm;
  TeannModel  model;
  PetscReal  *theta, *pred, *ref = NULL;
  TeannSource src;
  TeannFrames fr;
  TeannEval   ev = NULL;
  PetscInt    N, *ids, nel, Z[119], ncomp, *fid, hasref = 0;
  char        missing[512] = "";

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(TeannInitialize());
  comm = PETSC_COMM_WORLD;
  PetscOptionsBegin(comm, NULL, "teann-predict options", "TeannPredict");
  PetscCall(PetscOptionsString("-teann_model", "Fitted model (model.nc from teann-train)", "teann-predict", mpath, mpath, sizeof(mpath), NULL));
  PetscCall(PetscOptionsString("-teann_data", "Frames to predict: extended XYZ, EANN configuration or NetCDF dataset (.nc)", "teann-predict", data, data, sizeof(data), &hasdata));
  PetscCall(PetscOptionsString("-teann_output", "Output: .xyz (extended XYZ with predicted tensors) or .nc (predictions NetCDF)", "teann-predict", out, out, sizeof(out), &hasout));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasName(NULL, NULL, "-help", &help_only));
  if (help_only && !hasdata) {
    PetscCall(PetscFinalize());
    return 0;
  }
  PetscCheck(hasdata && data[0], comm, PETSC_ERR_USER_INPUT, "give the frames to predict with -teann_data FILE");
  PetscCheck(hasout && out[0], comm, PETSC_ERR_USER_INPUT, "give the output file with -teann_output FILE.xyz or FILE.nc");
  PetscCall(PetscStrendswith(out, ".xyz", &isxyz));
  PetscCall(PetscStrendswith(out, ".nc", &isnc));
  PetscCheck(isxyz || isnc, comm, PETSC_ERR_USER_INPUT, "-teann_output %s: the name must end in .xyz or .nc", out);

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

  PetscCall(PetscMalloc2(fr->nframes * ncomp + 1, &pred, fr->nframes + 1, &fid));
  if (fr->nframes) {
    PetscInt *idx;
    PetscCall(PetscMalloc1(fr->nframes, &idx));
    for (PetscInt i = 0; i < fr->nframes; i++) idx[i] = i;
    PetscCall(TeannEvalCreate(model, fr, &ev));
    PetscCall(TeannEvalPredict(ev, theta, fr->nframes, idx, pred));
    PetscCall(PetscFree(idx));
  }
  if (isxyz) PetscCall(TeannPredictionsWriteXYZ(comm, out, model->props, fr, pred));
  else {
    for (PetscInt f = 0; f < fr->nframes; f++) {
      fid[f] = fr->frame_id[f];
      if (fr->fprops[f] & model->props) hasref = 1;
    }
    /* the references go in when the data carry any: then the file compares model and data */
    if (hasref) {
      PetscCall(PetscMalloc1(fr->nframes * ncomp + 1, &ref));
      for (PetscInt k = 0; k < TEANN_NKIND; k++) {
        PetscInt         off, nc = TeannKinds[k].ncomp;
        const PetscReal *y;
        PetscCall(TeannKindOffset(model->props, k, &off));
        if (off < 0) continue;
        PetscCall(TeannKindReference(fr, k, &y));
        for (PetscInt f = 0; f < fr->nframes; f++)
          for (PetscInt c = 0; c < nc; c++) ref[f * ncomp + off + c] = y[f * nc + c];
      }
    }
    PetscCall(TeannPredictionsWriteNC(comm, out, model->props, fr->nframes, fid, fid, NULL, ref, pred));
    PetscCall(PetscFree(ref));
  }
  PetscCall(PetscPrintf(comm, "teann-predict: %" PetscInt_FMT " frames of %s -> %s\n", N, data, out));
  if (ev) PetscCall(TeannEvalDestroy(&ev));
  PetscCall(PetscFree2(pred, fid));
  PetscCall(PetscFree(theta));
  PetscCall(TeannFramesDestroy(&fr));
  PetscCall(TeannModelDestroy(&model));
  PetscCall(PetscFinalize());
  return 0;
}
