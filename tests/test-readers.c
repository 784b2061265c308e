/* Reads one file with the data module's readers, as teann-convert will:
 *   tests/test-readers FILE [-format xyz|eann] [-require dipole,polarizability] [-view]
 * The format is guessed from the content when not given: a first non-blank
 * line starting with "point=" is an EANN configuration file. Exits non-zero
 * with the reader's error message on bad input. */
#include <frames.h>
#include <petscviewer.h>
#include <stdio.h>

static const char help[] = "Read an extended XYZ or EANN configuration file and check it.\n";

static PetscErrorCode GuessFormat(const char path[], PetscBool *eann)
{
  FILE *fp;
  char  line[256];

  PetscFunctionBegin;
  *eann = PETSC_FALSE;
  fp    = fopen(path, "r");
  if (!fp) PetscFunctionReturn(0); /* the reader reports it */
  while (fgets(line, sizeof(line), fp)) {
    const char *p = line + strspn(line, " \t\r\n");

    if (!*p) continue;
    *eann = (PetscBool)!strncmp(p, "point=", 6);
    break;
  }
  fclose(fp);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  TeannFrames frames;
  char        path[PETSC_MAX_PATH_LEN], format[16] = "", require[256] = "";
  PetscBool   view = PETSC_FALSE, eann;
  PetscInt    mask;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(TeannInitialize());
  PetscCheck(argc >= 2 && argv[1][0] != '-', PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "usage: %s FILE [-format xyz|eann] [-require LIST] [-view]", argv[0]);
  PetscCall(PetscStrncpy(path, argv[1], sizeof(path)));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Reader check", NULL);
  PetscCall(PetscOptionsString("-format", "xyz or eann (default: from the content)", NULL, format, format, sizeof(format), NULL));
  PetscCall(PetscOptionsString("-require", "Properties every frame must have", NULL, require, require, sizeof(require), NULL));
  PetscCall(PetscOptionsBool("-view", "Print the summary", NULL, view, &view, NULL));
  PetscOptionsEnd();
  if (format[0]) {
    PetscCall(PetscStrcmp(format, "eann", &eann));
  } else PetscCall(GuessFormat(path, &eann));
  PetscCall(TeannFramesCreate(&frames));
  if (eann) PetscCall(TeannFramesReadEANN(path, frames));
  else PetscCall(TeannFramesReadXYZ(path, frames));
  if (require[0]) {
    PetscCall(TeannPropParse(require, &mask));
    PetscCall(TeannFramesRequire(frames, mask));
  }
  if (view) PetscCall(TeannFramesView(frames, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "read %" PetscInt_FMT " frames, %" PetscInt_FMT " atoms\n", frames->nframes, frames->natoms));
  PetscCall(TeannFramesDestroy(&frames));
  PetscCall(PetscFinalize());
  return 0;
}
