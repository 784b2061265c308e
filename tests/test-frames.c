/* Unit test of the data module:
 *   tests/test-frames -data DIR -work DIR
 * reads the example sets in DIR (counts, first/last frame values against the
 * text, symmetry, elements), round-trips them through EANN configuration files
 * written here, reads a hand-made extended XYZ with every layout variant,
 * checks subsets, the element table, errors caught in-process, and times a
 * large synthetic file. */
#include <frames.h>
#include <petscviewer.h>
#include <petsctime.h>
#include <math.h>
#include <stdio.h>

static const char help[] = "Data module unit test.\n";

static int nfail = 0;

#define CHECK(cond, ...) \
  do { \
    if (!(cond)) { \
      nfail++; \
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "FAIL line %d: ", __LINE__)); \
      PetscCall(PetscPrintf(PETSC_COMM_SELF, __VA_ARGS__)); \
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "\n")); \
    } \
  } while (0)

/* Exact: the reader must give what strtod gives for the text, and C literals round the same way. */
#define CHECK_EQ(a, b) CHECK((a) == (b), "%s = %.17g, expected %s = %.17g", #a, (double)(a), #b, (double)(b))

typedef struct {
  const char *file;
  PetscInt    nframes, natoms, amin, amax, nel, Z[4];
  PetscBool   energy;
} Expect;

static PetscErrorCode CheckSet(const char dir[], const Expect *e, TeannFrames *out)
{
  TeannFrames fr;
  char        path[PETSC_MAX_PATH_LEN];
  PetscInt    nel, *Z, amin = PETSC_MAX_INT, amax = 0;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", dir, e->file));
  PetscCall(TeannFramesCreate(&fr));
  PetscCall(TeannFramesReadXYZ(path, fr));
  CHECK(fr->nframes == e->nframes, "%s: %d frames, expected %d", e->file, (int)fr->nframes, (int)e->nframes);
  CHECK(fr->natoms == e->natoms, "%s: %d atoms, expected %d", e->file, (int)fr->natoms, (int)e->natoms);
  CHECK(fr->atom_start[0] == 0 && fr->atom_start[fr->nframes] == fr->natoms, "%s: atom_start", e->file);
  for (PetscInt f = 0; f < fr->nframes; f++) {
    PetscInt   na = fr->atom_start[f + 1] - fr->atom_start[f];
    PetscInt   want = TEANN_PROP_DIPOLE | TEANN_PROP_POLAR | (e->energy ? TEANN_PROP_ENERGY : 0);
    PetscReal *a    = fr->y[TEANN_K_POLAR] + 9 * f;

    amin = PetscMin(amin, na);
    amax = PetscMax(amax, na);
    CHECK(fr->fprops[f] == want, "%s frame %d: fprops %d, expected %d", e->file, (int)f, (int)fr->fprops[f], (int)want);
    CHECK(a[1] == a[3] && a[2] == a[6] && a[5] == a[7], "%s frame %d: polarizability not symmetric", e->file, (int)f);
    CHECK(fr->frame_id[f] == f, "%s frame %d: frame_id %d", e->file, (int)f, (int)fr->frame_id[f]);
    CHECK(fr->comment[f] && strstr(fr->comment[f], "dipole=\"") == fr->comment[f], "%s frame %d: comment not kept", e->file, (int)f);
    CHECK(fr->y[TEANN_K_CHARGE][f] == 0.0, "%s frame %d: charge %g without charge=", e->file, (int)f, (double)fr->y[TEANN_K_CHARGE][f]);
    CHECK(e->energy || PetscIsNanReal(fr->y[TEANN_K_ENERGY][f]), "%s frame %d: energy %g without energy=", e->file, (int)f, (double)fr->y[TEANN_K_ENERGY][f]);
    CHECK(PetscIsNanReal(fr->y[TEANN_K_TDIPOLE][3 * f]), "%s frame %d: transition dipole without transition_dipole=", e->file, (int)f);
  }
  CHECK(amin == e->amin && amax == e->amax, "%s: %d..%d atoms per frame, expected %d..%d", e->file, (int)amin, (int)amax, (int)e->amin, (int)e->amax);
  PetscCall(TeannFramesGetElements(fr, &nel, &Z));
  CHECK(nel == e->nel, "%s: %d elements, expected %d", e->file, (int)nel, (int)e->nel);
  for (PetscInt k = 0; k < PetscMin(nel, e->nel); k++) CHECK(Z[k] == e->Z[k], "%s: element %d is Z=%d, expected %d", e->file, (int)k, (int)Z[k], (int)e->Z[k]);
  PetscCall(PetscFree(Z));
  PetscCall(TeannFramesRequire(fr, TEANN_PROP_DIPOLE | TEANN_PROP_POLAR));
  *out = fr;
  PetscFunctionReturn(0);
}

/* Write frames in EANN configuration format, abprop = the property selected by kind (3, 9 or 6 values). */
static PetscErrorCode WriteEANN(TeannFrames fr, const char path[], PetscInt kind)
{
  FILE *fp;

  PetscFunctionBegin;
  fp = fopen(path, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
  for (PetscInt f = 0; f < fr->nframes; f++) {
    const PetscReal *a = fr->y[TEANN_K_POLAR] + 9 * f, *d = fr->y[TEANN_K_DIPOLE] + 3 * f;

    fprintf(fp, "point=%6d\n", (int)(f + 1));
    fprintf(fp, "  100.0 0.0 0.0\n  0.0 100.0 0.0\n  0.0 0.0 100.0\npbc 0 0 0\n");
    for (PetscInt i = fr->atom_start[f]; i < fr->atom_start[f + 1]; i++)
      fprintf(fp, "%-2s %10.5f %24.17g %24.17g %24.17g\n", TeannElementSymbol(fr->Z[i]), (double)TeannElementMass(fr->Z[i]), (double)fr->x[3 * i], (double)fr->x[3 * i + 1], (double)fr->x[3 * i + 2]);
    if (kind == 3) fprintf(fp, "abprop: %.17g %.17g %.17g\n", (double)d[0], (double)d[1], (double)d[2]);
    else if (kind == 9) {
      fprintf(fp, "abprop:");
      for (int k = 0; k < 9; k++) fprintf(fp, " %.17g", (double)a[k]);
      fprintf(fp, "\n");
    } else fprintf(fp, "abprop: %.17g %.17g %.17g %.17g %.17g %.17g\n", (double)a[0], (double)a[4], (double)a[8], (double)a[5], (double)a[2], (double)a[1]);
    if (f % 2) fprintf(fp, "\n"); /* blank lines between configurations are allowed */
  }
  fclose(fp);
  PetscFunctionReturn(0);
}

static PetscErrorCode RoundTrip(TeannFrames fr, const char work[], const char name[])
{
  const PetscInt kinds[3] = {3, 9, 6};

  PetscFunctionBegin;
  for (int k = 0; k < 3; k++) {
    TeannFrames back;
    char        path[PETSC_MAX_PATH_LEN];
    PetscInt    bad = 0;

    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s-%d.data", work, name, (int)kinds[k]));
    PetscCall(WriteEANN(fr, path, kinds[k]));
    PetscCall(TeannFramesCreate(&back));
    PetscCall(TeannFramesReadEANN(path, back));
    CHECK(back->nframes == fr->nframes && back->natoms == fr->natoms, "%s: round trip size", path);
    if (back->nframes == fr->nframes && back->natoms == fr->natoms) {
      for (PetscInt i = 0; i < fr->natoms; i++) bad += back->Z[i] != fr->Z[i] || memcmp(back->x + 3 * i, fr->x + 3 * i, 3 * sizeof(PetscReal));
      for (PetscInt f = 0; f < fr->nframes; f++) {
        bad += back->atom_start[f + 1] != fr->atom_start[f + 1];
        bad += back->comment[f] != NULL;
        if (kinds[k] == 3) bad += back->fprops[f] != TEANN_PROP_DIPOLE || memcmp(back->y[TEANN_K_DIPOLE] + 3 * f, fr->y[TEANN_K_DIPOLE] + 3 * f, 3 * sizeof(PetscReal)) || !PetscIsNanReal(back->y[TEANN_K_POLAR][9 * f]);
        else bad += back->fprops[f] != TEANN_PROP_POLAR || memcmp(back->y[TEANN_K_POLAR] + 9 * f, fr->y[TEANN_K_POLAR] + 9 * f, 9 * sizeof(PetscReal)) || !PetscIsNanReal(back->y[TEANN_K_DIPOLE][3 * f]);
        bad += back->line[f] != 1 + 6 * f + f / 2 + (fr->atom_start[f] - fr->atom_start[0]); /* 6 lines + atoms per configuration, a blank after every second */
      }
    }
    CHECK(bad == 0, "%s: %d differences after the round trip", path, (int)bad);
    PetscCall(TeannFramesDestroy(&back));
  }
  PetscFunctionReturn(0);
}

/* Every layout variant in one file, checked value by value. */
static PetscErrorCode CheckVariants(const char work[])
{
  TeannFrames fr;
  char        path[PETSC_MAX_PATH_LEN];
  FILE       *fp;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/variants.xyz", work));
  fp = fopen(path, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
  /* frame 1: pos before species, extra columns, single quotes, a flag, Voigt polarizability, CRLF */
  fprintf(fp, "2\r\nProperties=forces:R:3:pos:R:3:tag:I:1:species:S:1 converged polarizability='1 2 3 0.4 0.5 0.6' charge=-1 Lattice=\"9 0 0 0 9 0 0 0 9\" pbc=\"F F F\"\r\n");
  fprintf(fp, "0.1 0.2 0.3 1.5 2.5 3.5 7 Cl\r\n9 9 9 -1.5 -2.5 -3.5 8 Na\r\n");
  /* frame 2: spaces around '=', braces, transition dipole, no Properties, Fortran exponent, energy */
  fprintf(fp, "1\n  Dipole = {1e-3, 2.5E+1, -0} transition_dipole=\"[0.25, 0.5, 0.75]\" energy=-1.0D+2 title=\"a 'quoted' = text\"\n");
  fprintf(fp, "Rn 0.0 0.0 1.0D-1\n");
  /* frame 3: atomic numbers from a Z column, tabs, trailing blank lines */
  fprintf(fp, "2\nProperties=Z:I:1:pos:R:3\tpbc=\"F F F\"\n6\t0\t0\t0\n8\t0\t0\t1.2\n\n  \n");
  fclose(fp);
  PetscCall(TeannFramesCreate(&fr));
  PetscCall(TeannFramesReadXYZ(path, fr));
  CHECK(fr->nframes == 3 && fr->natoms == 5, "variants: %d frames %d atoms", (int)fr->nframes, (int)fr->natoms);
  if (fr->nframes == 3 && fr->natoms == 5) {
    const PetscReal voigt[9] = {1, 0.6, 0.5, 0.6, 2, 0.4, 0.5, 0.4, 3};

    CHECK(fr->Z[0] == 17 && fr->Z[1] == 11 && fr->Z[2] == 86 && fr->Z[3] == 6 && fr->Z[4] == 8, "variants: Z = %d %d %d %d %d", (int)fr->Z[0], (int)fr->Z[1], (int)fr->Z[2], (int)fr->Z[3], (int)fr->Z[4]);
    CHECK_EQ(fr->x[0], 1.5);
    CHECK_EQ(fr->x[5], -3.5);
    CHECK_EQ(fr->x[8], 0.1);
    CHECK_EQ(fr->x[14], 1.2);
    CHECK(fr->fprops[0] == (TEANN_PROP_POLAR | TEANN_PROP_CHARGE), "variants frame 1: fprops %d", (int)fr->fprops[0]);
    for (int k = 0; k < 9; k++) CHECK_EQ(fr->y[TEANN_K_POLAR][k], voigt[k]);
    CHECK_EQ(fr->y[TEANN_K_CHARGE][0], -1.0);
    CHECK(PetscIsNanReal(fr->y[TEANN_K_DIPOLE][0]), "variants frame 1: dipole set");
    CHECK(fr->fprops[1] == (TEANN_PROP_DIPOLE | TEANN_PROP_TDIPOLE | TEANN_PROP_ENERGY), "variants frame 2: fprops %d", (int)fr->fprops[1]);
    CHECK_EQ(fr->y[TEANN_K_DIPOLE][3], 1e-3);
    CHECK_EQ(fr->y[TEANN_K_DIPOLE][4], 25.0);
    CHECK_EQ(fr->y[TEANN_K_DIPOLE][5], 0.0);
    CHECK_EQ(fr->y[TEANN_K_TDIPOLE][5], 0.75);
    CHECK_EQ(fr->y[TEANN_K_ENERGY][1], -100.0);
    CHECK(fr->fprops[2] == 0, "variants frame 3: fprops %d", (int)fr->fprops[2]);
    CHECK(fr->line[0] == 1 && fr->line[1] == 5 && fr->line[2] == 8, "variants: lines %d %d %d", (int)fr->line[0], (int)fr->line[1], (int)fr->line[2]);
    CHECK(!strcmp(fr->comment[2], "Properties=Z:I:1:pos:R:3\tpbc=\"F F F\""), "variants: comment 3 is '%s'", fr->comment[2]);
  }
  PetscCall(TeannFramesDestroy(&fr));
  PetscFunctionReturn(0);
}

/* Errors come back as codes, not aborts, and leave the program usable. */
static PetscErrorCode CheckErrors(const char work[])
{
  TeannFrames    fr;
  char           path[PETSC_MAX_PATH_LEN];
  FILE          *fp;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  /* a large molecule takes the sorted sweep for close atoms: a 10x10x10 grid with
     spacing 0.5 passes; the same with one atom moved 0.07 from another fails */
  PetscCall(TeannFramesCreate(&fr));
  for (int pass = 0; pass < 2; pass++) {
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/grid%d.xyz", work, pass));
    fp = fopen(path, "w");
    PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
    fprintf(fp, "1000\ndipole=\"0 0 0\"\n");
    for (int i = 0; i < 1000; i++) fprintf(fp, "C %g %g %g\n", 0.5 * (i % 10), 0.5 * ((i / 10) % 10), pass && i == 734 ? 1.57 : 0.5 * (i / 100));
    fclose(fp);
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = TeannFramesReadXYZ(path, fr);
    PetscCall(PetscPopErrorHandler());
    if (pass == 0) CHECK(ierr == 0 && fr->natoms == 1000, "grid0.xyz: 1000 atoms 0.5 apart rejected (error %d)", (int)ierr);
    else CHECK(ierr == PETSC_ERR_FILE_UNEXPECTED, "grid1.xyz: close atoms in a 1000-atom frame not detected (error %d)", (int)ierr);
  }
  /* the object can be reused after a failed read */
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/ok.xyz", work));
  fp = fopen(path, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
  fprintf(fp, "1\ncharge=2\nHe 0 0 0"); /* no newline at the end */
  fclose(fp);
  PetscCall(TeannFramesReadXYZ(path, fr));
  CHECK(fr->nframes == 1 && fr->natoms == 1 && fr->Z[0] == 2 && fr->y[TEANN_K_CHARGE][0] == 2.0 && fr->fprops[0] == TEANN_PROP_CHARGE, "ok.xyz after a failed read");
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TeannFramesRequire(fr, TEANN_PROP_DIPOLE);
  PetscCall(PetscPopErrorHandler());
  CHECK(ierr == PETSC_ERR_FILE_UNEXPECTED, "Require(dipole) on ok.xyz gave %d", (int)ierr);
  PetscCall(TeannFramesDestroy(&fr));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckSubset(TeannFrames fr)
{
  TeannFrames    s;
  const PetscInt idx[3] = {fr->nframes - 1, 0, 5};

  PetscFunctionBegin;
  PetscCall(TeannFramesSubset(fr, 3, idx, &s));
  CHECK(s->nframes == 3, "subset frames %d", (int)s->nframes);
  for (PetscInt k = 0; k < 3; k++) {
    PetscInt f = idx[k], na = fr->atom_start[f + 1] - fr->atom_start[f];

    CHECK(s->atom_start[k + 1] - s->atom_start[k] == na, "subset frame %d atoms", (int)k);
    CHECK(!memcmp(s->x + 3 * s->atom_start[k], fr->x + 3 * fr->atom_start[f], 3 * na * sizeof(PetscReal)), "subset frame %d positions", (int)k);
    CHECK(!memcmp(s->Z + s->atom_start[k], fr->Z + fr->atom_start[f], na * sizeof(PetscInt)), "subset frame %d species", (int)k);
    CHECK(!memcmp(s->y[TEANN_K_POLAR] + 9 * k, fr->y[TEANN_K_POLAR] + 9 * f, 9 * sizeof(PetscReal)) && !memcmp(s->y[TEANN_K_DIPOLE] + 3 * k, fr->y[TEANN_K_DIPOLE] + 3 * f, 3 * sizeof(PetscReal)), "subset frame %d properties", (int)k);
    CHECK(s->frame_id[k] == f && s->line[k] == fr->line[f] && s->fprops[k] == fr->fprops[f], "subset frame %d id/line/props", (int)k);
    CHECK(s->comment[k] && s->comment[k] != fr->comment[f] && !strcmp(s->comment[k], fr->comment[f]), "subset frame %d comment", (int)k);
  }
  PetscCall(TeannFramesDestroy(&s));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckElements(void)
{
  PetscFunctionBegin;
  CHECK(TeannElementZ("H") == 1 && TeannElementZ("C") == 6 && TeannElementZ("Cl") == 17 && TeannElementZ("Rn") == 86, "element symbols");
  CHECK(TeannElementZ("CL") == 0 && TeannElementZ("h") == 0 && TeannElementZ("Xx") == 0 && TeannElementZ("Fr") == 0 && TeannElementZ("") == 0 && TeannElementZ("Hee") == 0, "unknown symbols must give 0");
  for (PetscInt z = 1; z <= 86; z++) {
    CHECK(TeannElementZ(TeannElementSymbol(z)) == z, "symbol of Z=%d is '%s'", (int)z, TeannElementSymbol(z));
    CHECK(TeannElementMass(z) > 0.9 * z && TeannElementMass(z) < 2.7 * z + 2, "mass of %s: %g", TeannElementSymbol(z), (double)TeannElementMass(z));
  }
  CHECK_EQ(TeannElementMass(1), 1.008);
  CHECK_EQ(TeannElementMass(6), 12.011);
  CHECK_EQ(TeannElementMass(7), 14.007);
  CHECK_EQ(TeannElementMass(8), 15.999);
  CHECK_EQ(TeannElementMass(17), 35.45);
  CHECK_EQ(TeannElementMass(79), 196.966569);
  CHECK(TeannElementMass(87) == 0 && TeannElementMass(0) == 0, "masses outside 1..86");
  PetscFunctionReturn(0);
}

/* A large synthetic file: the readers must stay linear. */
static PetscErrorCode TimeLarge(const char work[], PetscInt nframes)
{
  TeannFrames    fr;
  char           path[PETSC_MAX_PATH_LEN];
  FILE          *fp;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/large.xyz", work));
  fp = fopen(path, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
  for (PetscInt f = 0; f < nframes; f++) {
    double s = 1e-6 * (double)f;

    fprintf(fp, "3\ndipole=\"%.10f -0.2986503144 0.0691966607\" polarizability=\"1.2240089593 -0.1058551104 -0.1142642784 -0.1058551165 1.1986483285 0.0859486739 -0.1142642071 0.0859486372 1.3625501225\" energy=-2068.8860675611 index=%d Properties=species:S:1:pos:R:3\n", s, (int)f);
    fprintf(fp, "O     -3.4820255900    -1.1152904395    %.10f\nH     -2.8618256617    -1.6552756528    -4.0143846952\nH     -3.2314343373    -1.4400271570    -2.5399577057\n", -3.3570801079 + s);
  }
  fclose(fp);
  PetscCall(TeannFramesCreate(&fr));
  PetscCall(PetscTime(&t0));
  PetscCall(TeannFramesReadXYZ(path, fr));
  PetscCall(PetscTime(&t1));
  CHECK(fr->nframes == nframes && fr->natoms == 3 * nframes, "large.xyz: %d frames", (int)fr->nframes);
  {
    char   last[32];
    double want;

    snprintf(last, sizeof(last), "%.10f", 1e-6 * (double)(nframes - 1));
    want = strtod(last, NULL);
    CHECK_EQ(fr->y[TEANN_K_DIPOLE][3 * (nframes - 1)], want);
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "large.xyz: %d frames in %.3f s (%.0f frames/s)\n", (int)nframes, t1 - t0, nframes / (t1 - t0)));
  PetscCall(TeannFramesDestroy(&fr));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char         data[PETSC_MAX_PATH_LEN] = ".", work[PETSC_MAX_PATH_LEN] = ".";
  PetscInt     nlarge                   = 100000;
  TeannFrames  water, methanol, qm7x;
  const Expect ew = {"water_hf_800.xyz", 800, 2400, 3, 3, 2, {1, 8}, PETSC_TRUE};
  const Expect em = {"methanol_hf_240.xyz", 240, 1440, 6, 6, 3, {1, 6, 8}, PETSC_TRUE};
  const Expect eq = {"qm7x_chno_100.xyz", 100, 1015, 7, 11, 4, {1, 6, 7, 8}, PETSC_FALSE};

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(TeannInitialize());
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "Data module test", NULL);
  PetscCall(PetscOptionsString("-data", "Directory of the example data", NULL, data, data, sizeof(data), NULL));
  PetscCall(PetscOptionsString("-work", "Scratch directory", NULL, work, work, sizeof(work), NULL));
  PetscCall(PetscOptionsInt("-large", "Frames in the timed synthetic file (0: skip)", NULL, nlarge, &nlarge, NULL));
  PetscOptionsEnd();

  PetscCall(CheckElements());
  PetscCall(CheckSet(data, &ew, &water));
  PetscCall(CheckSet(data, &em, &methanol));
  PetscCall(CheckSet(data, &eq, &qm7x));

  /* first and last frames against the text of the files */
  CHECK_EQ(water->y[TEANN_K_DIPOLE][0], 0.2993332387);
  CHECK_EQ(water->y[TEANN_K_DIPOLE][2], 0.0691966607);
  CHECK_EQ(water->y[TEANN_K_POLAR][0], 1.2240089593);
  CHECK_EQ(water->y[TEANN_K_POLAR][1], 0.5 * (-0.1058551104 + -0.1058551165));
  CHECK_EQ(water->y[TEANN_K_POLAR][8], 1.3625501225);
  CHECK_EQ(water->y[TEANN_K_ENERGY][0], -2068.8860675611);
  CHECK(water->Z[0] == 8 && water->Z[1] == 1 && water->Z[2] == 1, "water frame 1 species");
  CHECK_EQ(water->x[0], -3.4820255900);
  CHECK_EQ(water->x[5], -4.0143846952);
  CHECK_EQ(water->y[TEANN_K_DIPOLE][3 * 799 + 1], 0.2538620847);
  CHECK_EQ(water->y[TEANN_K_POLAR][9 * 799 + 4], 1.1602935783);
  CHECK_EQ(water->y[TEANN_K_POLAR][9 * 799 + 7], 0.5 * (-0.0839293172 + -0.0839293614));
  CHECK_EQ(water->y[TEANN_K_ENERGY][799], -2068.2705764065);
  CHECK_EQ(water->x[3 * 2397], -3.1615689949);
  CHECK_EQ(water->x[3 * 2399 + 2], -3.1553084984);
  CHECK(water->line[0] == 1 && water->line[799] == 3996, "water lines %d %d", (int)water->line[0], (int)water->line[799]);

  CHECK_EQ(methanol->y[TEANN_K_DIPOLE][1], -0.2186418359);
  CHECK_EQ(methanol->y[TEANN_K_POLAR][4], 3.1436628063);
  CHECK_EQ(methanol->y[TEANN_K_ENERGY][0], -3130.5258608721);
  CHECK(methanol->Z[0] == 6 && methanol->Z[1] == 8, "methanol species");
  CHECK_EQ(methanol->x[3 * 1 + 2], 0.3633837973);
  CHECK_EQ(methanol->y[TEANN_K_DIPOLE][3 * 239 + 2], -0.0415291899);
  CHECK_EQ(methanol->y[TEANN_K_POLAR][9 * 239 + 8], 2.5574750034);
  CHECK_EQ(methanol->x[3 * 1434], 2.3604287843);

  CHECK_EQ(qm7x->y[TEANN_K_DIPOLE][0], -0.04150000);
  CHECK_EQ(qm7x->y[TEANN_K_POLAR][0], 17.66468024);
  CHECK_EQ(qm7x->y[TEANN_K_POLAR][5], 1.25654826);
  CHECK(qm7x->Z[0] == 7 && qm7x->Z[1] == 6 && qm7x->Z[2] == 8, "qm7x frame 1 species");
  CHECK_EQ(qm7x->x[0], -2.18413100);
  CHECK_EQ(qm7x->y[TEANN_K_DIPOLE][3 * 99 + 2], 0.86185800);
  CHECK_EQ(qm7x->y[TEANN_K_POLAR][9 * 99 + 2], 2.24590749);
  CHECK(qm7x->atom_start[100] - qm7x->atom_start[99] == 11 && qm7x->Z[1004] == 6 && qm7x->Z[1014] == 1, "qm7x last frame species");
  CHECK_EQ(qm7x->x[3 * 1004 + 1], -1.20167000);
  CHECK_EQ(qm7x->x[3 * 1014 + 2], 1.27490900);

  PetscCall(RoundTrip(water, work, "water"));
  PetscCall(RoundTrip(methanol, work, "methanol"));
  PetscCall(RoundTrip(qm7x, work, "qm7x"));
  PetscCall(CheckSubset(qm7x));
  PetscCall(CheckVariants(work));
  PetscCall(CheckErrors(work));
  if (nlarge > 0) PetscCall(TimeLarge(work, nlarge));

  PetscCall(TeannFramesDestroy(&water));
  PetscCall(TeannFramesDestroy(&methanol));
  PetscCall(TeannFramesDestroy(&qm7x));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: %d failure%s\n", nfail ? "FAILED" : "passed", nfail, nfail == 1 ? "" : "s"));
  PetscCall(PetscFinalize());
  return nfail ? 1 : 0;
}
