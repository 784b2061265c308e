/* teann-convert: turn any input teann reads (extended XYZ, EANN configuration
 * format, NetCDF dataset) into the NetCDF dataset teann-train reads fastest
 * (or, for an output named *.xyz, into extended XYZ), or describe a file. Runs
 * on rank 0 only; an existing output survives any failure because the new one
 * is renamed into place only when complete. */
#include "property.h"
#include "dataset.h"
#include <petscviewer.h>
#include <unistd.h>

static const char help[] = "teann-convert: write molecular configurations as a teann NetCDF dataset, or describe a file.\n\n"
                           "Usage: teann-convert IN OUT.nc [options]\n"
                           "         reads IN (extended XYZ, EANN configuration format or a teann dataset)\n"
                           "         and writes the dataset OUT.nc; prints a one-line summary.\n"
                           "       teann-convert IN OUT.xyz\n"
                           "         writes extended XYZ instead (every property, Lattice= and pbc= of periodic frames).\n"
                           "       teann-convert -info FILE\n"
                           "         prints frames, atoms, elements and properties (mean and spread) of FILE.\n\n";

typedef struct {
  PetscBool      show;
  PetscBool      lines;   /* whole lines (not on a terminal) instead of rewriting one */
  PetscLogDouble t0, w0, last; /* program start, write start, last report */
  PetscBool      printed, forced;
} Progress;

/* At most one report a second. */
static PetscErrorCode ConvertProgress(PetscInt done, PetscInt total, void *ctx)
{
  Progress      *p = (Progress *)ctx;
  PetscLogDouble now;

  PetscFunctionBegin;
  if (!p->show) PetscFunctionReturn(0);
  PetscCall(PetscTime(&now));
  if (now - p->last < 1.0 && done < total) PetscFunctionReturn(0);
  if (now - p->t0 < 1.0 && !p->printed && !(p->forced && done == total)) PetscFunctionReturn(0);
  p->last    = now;
  p->printed = PETSC_TRUE;
  PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "%steann-convert: %" PetscInt_FMT "/%" PetscInt_FMT " frames written (%.0f frames/s)%s", p->lines ? "" : "\r", done, total, done / PetscMax(now - p->w0, 1e-9), p->lines ? "\n" : ""));
  if (!p->lines && done == total) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "\n"));
  PetscFunctionReturn(0);
}

/* An output named *.xyz (any case) is written as extended XYZ, anything else as a dataset. */
static PetscBool IsXYZName(const char path[])
{
  size_t n = strlen(path);

  return (PetscBool)(n > 4 && !strcasecmp(path + n - 4, ".xyz"));
}

static PetscErrorCode ConvertSummary(TeannFrames fr, char buf[], size_t len)
{
  PetscInt nel, *Z, present = 0;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "%" PetscInt_FMT " frames, %" PetscInt_FMT " atoms, elements", fr->nframes, fr->natoms));
  PetscCall(TeannFramesGetElements(fr, &nel, &Z));
  for (PetscInt e = 0; e < nel; e++) {
    PetscCall(PetscStrlcat(buf, " ", len));
    PetscCall(PetscStrlcat(buf, TeannElementSymbol(Z[e]), len));
  }
  PetscCall(PetscFree(Z));
  {
    PetscInt nper = 0;
    char     buf2[64];

    for (PetscInt f = 0; f < fr->nframes; f++) nper += fr->pbc[f] ? 1 : 0;
    if (nper) {
      PetscCall(PetscSNPrintf(buf2, sizeof(buf2), ", %" PetscInt_FMT " periodic", nper));
      PetscCall(PetscStrlcat(buf, buf2, len));
    }
  }
  for (PetscInt f = 0; f < fr->nframes; f++) present |= fr->fprops[f];
  PetscCall(PetscStrlcat(buf, ", properties", len));
  if (!present) PetscCall(PetscStrlcat(buf, " none", len));
  for (PetscInt k = 0; k < TEANN_NPROP; k++) {
    if (!(present & TeannProperties[k].bit)) continue;
    PetscCall(PetscStrlcat(buf, " ", len));
    PetscCall(PetscStrlcat(buf, TeannProperties[k].name, len));
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char          *pos[3];
  int            npos = 0, nargs = 1;
  PetscBool      info = PETSC_FALSE, dohelp, set;
  PetscMPIInt    rank;
  Progress       prog;
  TeannFrames    fr;
  PetscLogDouble t0, t1;
  char           summary[1024];

  /* "-info FILE" is ours, not PETSc's -info logging, which would take FILE as a log file: take it out first. */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-info")) {
      info = PETSC_TRUE;
      continue;
    }
    argv[nargs++] = argv[i];
  }
  argc        = nargs;
  argv[nargs] = NULL;
  if (TeannProgramArgs(&argc, &argv, "teann-convert")) return 0;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(TeannProgramBegin());
  PetscCall(TeannPropertiesSetFromOptions());
  PetscCall(PetscMemzero(&prog, sizeof(prog)));
  prog.show  = (PetscBool)isatty(2);
  prog.lines = (PetscBool)!prog.show;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "teann-convert options", "teann");
  PetscCall(PetscOptionsBool("-teann_progress", "Report frames written and rate at most once a second (default: on a terminal)", "teann-convert", prog.show, &prog.show, &set));
  PetscOptionsEnd();
  prog.forced = (PetscBool)(set && prog.show);
  PetscCall(PetscOptionsHasHelp(NULL, &dohelp));
  if (dohelp) {
    PetscCall(TeannFramesOptionsHelp(PETSC_COMM_WORLD, PETSC_TRUE));
    PetscCall(TeannOptionsHelp(PETSC_COMM_WORLD, PETSC_FALSE));
    PetscCall(PetscFinalize());
    return 0;
  }
  /* Positional arguments come before the first option. */
  for (int i = 1; i < argc && argv[i][0] != '-'; i++) {
    if (npos < 3) pos[npos] = argv[i];
    npos++;
  }
  PetscCheck(npos == (info ? 1 : 2), PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: teann-convert IN OUT.nc (or OUT.xyz), or teann-convert -info FILE (options after the file names; see -help)");

  if (!info) {
    PetscBool same;
    /* the dataset is renamed over OUT at the end: were OUT the input, the input would be gone */
    PetscCall(TeannSameFile(pos[0], pos[1], &same));
    PetscCheck(!same, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "the output %s is the input file %s; choose another output name", pos[1], pos[0]);
  }
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank == 0) {
    PetscCall(TeannFramesCreate(&fr));
    PetscCall(PetscTime(&t0));
    /* The readers report nothing while they work: say what is being read and how fast it went. */
    if (prog.show && !info) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "teann-convert: reading %s\n", pos[0]));
    PetscCall(TeannFramesRead(pos[0], fr));
    /* only rank 0 reads, so only its options are all read by now */
    PetscCall(TeannOptionsCheckUnused(PETSC_COMM_SELF));
    PetscCall(PetscTime(&t1));
    if (prog.show && !info) PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "teann-convert: read %" PetscInt_FMT " frames in %.2f s (%.0f frames/s)\n", fr->nframes, t1 - t0, fr->nframes / PetscMax(t1 - t0, 1e-9)));
    if (info) {
      PetscCall(TeannFramesView(fr, PETSC_VIEWER_STDOUT_SELF));
    } else {
      PetscCheck(fr->nframes > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: no frames to convert", pos[0]);
      prog.t0 = prog.last = t0;
      prog.w0             = t1;
      if (IsXYZName(pos[1])) PetscCall(TeannFramesWriteXYZ(fr, pos[1]));
      else PetscCall(TeannDatasetWriteMonitor(PETSC_COMM_SELF, fr, pos[1], ConvertProgress, &prog));
      PetscCall(PetscTime(&t1));
      PetscCall(ConvertSummary(fr, summary, sizeof(summary)));
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "teann-convert: %s -> %s: %s (%.2f s)\n", pos[0], pos[1], summary, t1 - t0));
      for (PetscInt k = 0; k < TEANN_NPROP; k++) /* the symmetric part is what was written */
        if (fr->asym_frame[k] > 0) PetscCall(PetscPrintf(PETSC_COMM_SELF, "teann-convert: largest %s asymmetry accepted: %.3g (relative to the largest component; tolerance %g), frame %" PetscInt_FMT "\n", TeannProperties[k].name, (double)fr->asym[k], (double)TeannProperties[k].sym_rtol, fr->asym_frame[k]));
    }
    PetscCall(TeannFramesDestroy(&fr));
  }
  PetscCall(PetscFinalize());
  return 0;
}
