/* The reader table: every input format teann reads, how it is recognised and
 * which routine reads it. -teann_format picks one; by default (auto) the
 * first whose sniffer accepts the file's first bytes wins, in table order. */
#include "dataset.h"
#include "trajectory.h"
#include "framesimpl.h"

typedef struct {
  const char *name;
  PetscErrorCode (*sniff)(const char path[], PetscBool *match);
  PetscErrorCode (*read)(const char path[], TeannFrames);
} TeannReader;

/* The PyTorch EANN configuration format: the first non-blank line starts with "point=". */
static PetscErrorCode SniffEANN(const char path[], PetscBool *match)
{
  FILE *fp;
  int   c;
  char  word[5];

  PetscFunctionBegin;
  fp = fopen(path, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open: no such file or not readable", path);
  if (fread(word, 1, 3, fp) != 3 || memcmp(word, "\xef\xbb\xbf", 3)) rewind(fp); /* past a UTF-8 byte order mark */
  do c = fgetc(fp);
  while (c == ' ' || c == '\t' || c == '\r' || c == '\n');
  *match = (PetscBool)(c == 'p' && fread(word, 1, 5, fp) == 5 && !memcmp(word, "oint=", 5));
  (void)fclose(fp);
  PetscFunctionReturn(0);
}

static PetscErrorCode SniffAny(const char path[], PetscBool *match)
{
  PetscFunctionBegin;
  (void)path;
  *match = PETSC_TRUE; /* extended XYZ is the fallback: its reader says what is wrong */
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadNetCDF(const char path[], TeannFrames frames)
{
  PetscFunctionBegin;
  PetscCall(TeannDatasetRead(PETSC_COMM_SELF, path, -1, NULL, frames));
  PetscFunctionReturn(0);
}

static const TeannReader TeannReaders[] = {
  {"amber",  TeannFileIsAmber,  TeannFramesReadAmber}, /* before netcdf: a NetCDF file with Conventions AMBER */
  {"netcdf", TeannFileIsNetCDF, ReadNetCDF         },
  {"eann",   SniffEANN,         TeannFramesReadEANN},
  {"xyz",    SniffAny,          TeannFramesReadXYZ },
};
#define TEANN_NREADERS ((PetscInt)(sizeof(TeannReaders) / sizeof(TeannReaders[0])))

/* -teann_format: 0 (auto) or 1 + the reader's index. */
static PetscErrorCode FormatOption(MPI_Comm comm, PetscInt *choice)
{
  const char *names[TEANN_NREADERS + 1] = {"auto"};

  PetscFunctionBegin;
  *choice = 0;
  for (PetscInt r = 0; r < TEANN_NREADERS; r++) names[r + 1] = TeannReaders[r].name;
  PetscOptionsBegin(comm, NULL, "Input formats", NULL);
  PetscCall(PetscOptionsEList("-teann_format", "Format of the input files (auto: recognised by content)", "TeannFramesRead", names, TEANN_NREADERS + 1, names[0], choice, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesOptionsHelp(MPI_Comm comm, PetscBool species)
{
  PetscInt  choice, abprop;
  char      elements[256], file[PETSC_MAX_PATH_LEN], symbols[256];
  PetscBool set, hasfile, haslist;

  PetscFunctionBegin;
  PetscCall(FormatOption(comm, &choice));
  PetscCall(TeannXYZAtomicElementsOption(comm, elements, sizeof(elements), &set));
  PetscCall(TeannEANNAbpropOption(comm, &abprop));
  if (species) PetscCall(TeannSpeciesOption(comm, file, sizeof(file), &hasfile, symbols, sizeof(symbols), &haslist));
  PetscFunctionReturn(0);
}

/* The reader for path: -teann_format, or the first whose sniffer matches. */
static PetscErrorCode ReaderFor(const char path[], const TeannReader **reader)
{
  PetscInt choice;

  PetscFunctionBegin;
  PetscCall(FormatOption(PETSC_COMM_SELF, &choice));
  if (choice) {
    *reader = &TeannReaders[choice - 1];
    PetscFunctionReturn(0);
  }
  for (PetscInt r = 0; r < TEANN_NREADERS; r++) {
    PetscBool match;
    PetscCall(TeannReaders[r].sniff(path, &match));
    if (match) {
      *reader = &TeannReaders[r];
      PetscFunctionReturn(0);
    }
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: no reader", path);
}

PetscErrorCode TeannFramesGetFormat(const char path[], const char **format)
{
  const TeannReader *r;

  PetscFunctionBegin;
  PetscCall(ReaderFor(path, &r));
  *format = r->name;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesRead(const char path[], TeannFrames frames)
{
  const TeannReader *r;

  PetscFunctionBegin;
  PetscCall(ReaderFor(path, &r));
  PetscCall(r->read(path, frames));
  PetscFunctionReturn(0);
}
