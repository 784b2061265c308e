static const char help[] = "Checks a predictions.nc of teann-train against a later prediction (.nc or .xyz) and reports errors.\n"
                           "  test-fit-compare -train predictions.nc -other OUT.{nc,xyz} -subset 2 -tol 1e-10\n"
                           "  test-fit-compare -train predictions.nc -rmse dipole -subset 2   (prints the RMSE of that subset)\n";
/* Reads NetCDF directly (not through teann's writers) so a writer bug cannot hide itself;
   from an .xyz output the prediction is the value of <kind>_pred= on each comment line. */
#include "frames.h"
#include "ncutil.h"
#include <stdio.h>

/* The nc numbers of key="..." on a comment line into v; an error when the key is missing. */
static PetscErrorCode CommentNumbers(const char path[], PetscInt frame, const char *comment, const char key[], PetscInt nc, double v[])
{
  char        pat[96];
  const char *p;
  char       *end;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(pat, sizeof(pat), "%s=\"", key));
  p = comment ? strstr(comment, pat) : NULL;
  while (p && p != comment && p[-1] != ' ') p = strstr(p + 1, pat); /* a whole key, not the end of another */
  PetscCheck(p, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: frame %" PetscInt_FMT ": no %s=", path, frame + 1, key);
  p += strlen(pat);
  for (PetscInt c = 0; c < nc; c++, p = end) {
    v[c] = strtod(p, &end);
    PetscCheck(end != p, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: frame %" PetscInt_FMT ": %s= has fewer than %" PetscInt_FMT " numbers", path, frame + 1, key, nc);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadVar(const char path[], int ncid, const char name[], size_t n, double *v)
{
  int varid;

  PetscFunctionBegin;
  PetscCheck(nc_inq_varid(ncid, name, &varid) == NC_NOERR, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no variable %s", path, name);
  PetscCallNC(path, nc_get_var_double(ncid, varid, v));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char      train[PETSC_MAX_PATH_LEN] = "", other[PETSC_MAX_PATH_LEN] = "", kind[64] = "dipole", name[128];
  PetscInt  subset = 2, nc = 3, compared = 0;
  PetscReal tol = 1e-10, maxdiff = 0;
  PetscBool rmse = PETSC_FALSE, isxyz;
  int       ncid, dimid;
  size_t    nf;
  double   *fid, *sub, *pred, *ref;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-train", train, sizeof(train), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-other", other, sizeof(other), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-rmse", kind, sizeof(kind), &rmse));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-kind", kind, sizeof(kind), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-subset", &subset, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-tol", &tol, NULL));
  if (!strcmp(kind, "polarizability")) nc = 9;
  PetscCall(TeannNCOpen(PETSC_COMM_SELF, train, PETSC_FALSE, &ncid));
  PetscCallNC(train, nc_inq_dimid(ncid, "frame", &dimid));
  PetscCallNC(train, nc_inq_dimlen(ncid, dimid, &nf));
  PetscCall(PetscMalloc4(nf, &fid, nf, &sub, nf * nc, &pred, nf * nc, &ref));
  PetscCall(ReadVar(train, ncid, "frame_id", nf, fid));
  PetscCall(ReadVar(train, ncid, "subset", nf, sub));
  PetscCall(ReadVar(train, ncid, kind, nf * nc, ref));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s_predicted", kind));
  PetscCall(ReadVar(train, ncid, name, nf * nc, pred));
  PetscCallNC(train, nc_close(ncid));
  if (rmse) {
    double se = 0;
    for (size_t f = 0; f < nf; f++)
      if (sub[f] == subset) {
        for (PetscInt c = 0; c < nc; c++) se += PetscSqr(ref[f * nc + c] - pred[f * nc + c]);
        compared++;
      }
    PetscCheck(compared > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "no frames of subset %" PetscInt_FMT, subset);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "frames %" PetscInt_FMT " rmse %.10e\n", compared, se / (compared * nc) > 0 ? sqrt(se / (compared * nc)) : 0.0));
  } else {
    PetscInt n;
    double  *ofid = NULL, *opred = NULL;
    PetscCall(PetscStrendswith(other, ".xyz", &isxyz));
    if (isxyz) {
      TeannFrames fr;
      PetscCall(TeannFramesCreate(&fr));
      PetscCall(TeannFramesRead(other, fr));
      n = fr->nframes;
      PetscCall(PetscMalloc2(n, &ofid, n * nc, &opred));
      for (PetscInt f = 0; f < n; f++) {
        char key[96];
        ofid[f] = (double)fr->frame_id[f];
        PetscCall(PetscSNPrintf(key, sizeof(key), "%s_pred", kind));
        PetscCall(CommentNumbers(other, f, fr->comment[f], key, nc, opred + f * nc));
      }
      PetscCall(TeannFramesDestroy(&fr));
    } else {
      size_t on;
      PetscCall(TeannNCOpen(PETSC_COMM_SELF, other, PETSC_FALSE, &ncid));
      PetscCallNC(other, nc_inq_dimid(ncid, "frame", &dimid));
      PetscCallNC(other, nc_inq_dimlen(ncid, dimid, &on));
      n = (PetscInt)on;
      PetscCall(PetscMalloc2(n, &ofid, n * nc, &opred));
      PetscCall(ReadVar(other, ncid, "frame_id", on, ofid));
      PetscCall(ReadVar(other, ncid, name, on * nc, opred));
      PetscCallNC(other, nc_close(ncid));
    }
    for (size_t f = 0; f < nf; f++) {
      if (sub[f] != subset) continue;
      for (PetscInt g = 0; g < n; g++)
        if (ofid[g] == fid[f]) {
          for (PetscInt c = 0; c < nc; c++) {
            double d = PetscAbsReal(opred[g * nc + c] - pred[f * nc + c]);
            if (d > maxdiff) maxdiff = d;
          }
          compared++;
        }
    }
    PetscCall(PetscFree2(ofid, opred));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "compared %" PetscInt_FMT " frames, max |difference| %.3e\n", compared, (double)maxdiff));
    PetscCheck(compared > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "no frame of subset %" PetscInt_FMT " found in %s", subset, other);
    PetscCheck(maxdiff <= tol, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "predictions differ by %g > %g", (double)maxdiff, (double)tol);
  }
  PetscCall(PetscFree4(fid, sub, pred, ref));
  PetscCall(PetscFinalize());
  return 0;
}
