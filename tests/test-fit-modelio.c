static const char help[] = "model.nc round trip: write a model, read it back, compare hyperparameters, parameters and predictions bit for bit.\n"
                           "  test-fit-modelio -data water.xyz -out model.nc [model options]   or   test-fit-modelio -read model.nc\n";
#include "modelio.h"

int main(int argc, char **argv)
{
  char        data[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "model.nc", rd[PETSC_MAX_PATH_LEN];
  PetscBool   hasread;
  TeannModel  m, m2;
  TeannFrames fr;
  TeannEval   ev, ev2;
  TeannStats  st, st2;
  PetscInt    nel, *Z, np, np2, nc, n, *idx;
  PetscReal  *th, *th2, *p1, *p2;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-read", rd, sizeof(rd), &hasread));
  if (hasread) {
    PetscCall(TeannModelRead(PETSC_COMM_WORLD, rd, &m, &th, &st));
    PetscCall(TeannModelGetNumParameters(m, &np));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "parameters %" PetscInt_FMT "\n", np));
    PetscCall(PetscFree(th));
    PetscCall(TeannModelDestroy(&m));
    PetscCall(PetscFinalize());
    return 0;
  }
  PetscCall(PetscOptionsGetString(NULL, NULL, "-data", data, sizeof(data), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-out", out, sizeof(out), NULL));
  PetscCall(TeannFramesCreate(&fr));
  PetscCall(TeannFramesRead(data, fr));
  PetscCall(TeannFramesGetElements(fr, &nel, &Z));
  PetscCall(TeannModelCreate(PETSC_COMM_WORLD, &m));
  PetscCall(TeannModelSetFromOptions(m));
  PetscCall(TeannModelSetElements(m, nel, Z));
  PetscCall(TeannModelSetUp(m));
  PetscCall(TeannModelGetNumParameters(m, &np));
  PetscCall(TeannModelGetNumComponents(m, &nc));
  PetscCall(PetscMalloc1(np, &th));
  PetscCall(TeannModelInitialParameters(m, 7, th));
  /* nonzero last layers and irrational-looking values, so every bit of every block matters */
  for (PetscInt i = 0; i < np; i++) th[i] += 0.01 * PetscSinReal(0.7 * i + 0.2);
  PetscCall(PetscMemzero(&st, sizeof(st)));
  st.ntrain = 640;
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    st.std[k] = 0.1 + k;
    for (PetscInt c = 0; c < 9; c++) st.mean[k][c] = PetscSinReal(k + 0.1 * c);
  }
  PetscCall(TeannModelWrite(m, th, &st, out));
  PetscCall(TeannModelRead(PETSC_COMM_WORLD, out, &m2, &th2, &st2));

  PetscCall(TeannModelGetNumParameters(m2, &np2));
  PetscCheck(np2 == np, PETSC_COMM_SELF, PETSC_ERR_PLIB, "parameters %" PetscInt_FMT " != %" PetscInt_FMT, np2, np);
  PetscCheck(!memcmp(th, th2, np * sizeof(PetscReal)), PETSC_COMM_SELF, PETSC_ERR_PLIB, "parameters differ after the round trip");
  PetscCheck(m2->cutoff == m->cutoff && m2->nwave == m->nwave && m2->lmax == m->lmax && m2->neigh_atoms == m->neigh_atoms && m2->nlayers == m->nlayers && m2->act == m->act && m2->props == m->props && m2->fix_radial == m->fix_radial && m2->charge_neutral == m->charge_neutral && m2->nel == m->nel, PETSC_COMM_SELF, PETSC_ERR_PLIB, "hyperparameters differ");
  for (PetscInt l = 0; l < m->nlayers; l++) PetscCheck(m2->hidden[l] == m->hidden[l], PETSC_COMM_SELF, PETSC_ERR_PLIB, "hidden sizes differ");
  for (PetscInt e = 0; e < m->nel; e++) PetscCheck(m2->Z[e] == m->Z[e], PETSC_COMM_SELF, PETSC_ERR_PLIB, "elements differ");
  PetscCheck(st2.ntrain == st.ntrain, PETSC_COMM_SELF, PETSC_ERR_PLIB, "ntrain differs");
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    if (!(m->props & TeannProperties[k].bit)) continue;
    PetscCheck(st2.std[k] == st.std[k] && !memcmp(st2.mean[k], st.mean[k], TeannProperties[k].ncomp * sizeof(PetscReal)), PETSC_COMM_SELF, PETSC_ERR_PLIB, "statistics of %s differ", TeannProperties[k].name);
  }

  n = PetscMin(fr->nframes, 64);
  PetscCall(PetscMalloc3(n, &idx, n * nc, &p1, n * nc, &p2));
  for (PetscInt i = 0; i < n; i++) idx[i] = i;
  PetscCall(TeannEvalCreate(m, fr, &ev));
  PetscCall(TeannEvalCreate(m2, fr, &ev2));
  PetscCall(TeannEvalPredict(ev, th, n, idx, p1));
  PetscCall(TeannEvalPredict(ev2, th2, n, idx, p2));
  PetscCheck(!memcmp(p1, p2, n * nc * sizeof(PetscReal)), PETSC_COMM_SELF, PETSC_ERR_PLIB, "predictions of the model read back differ");
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "round trip ok: %" PetscInt_FMT " parameters in %" PetscInt_FMT " blocks, %" PetscInt_FMT " frames x %" PetscInt_FMT " components identical (first %.17g)\n", np, m->nblocks, n, nc, (double)p1[0]));
  PetscCall(TeannEvalDestroy(&ev));
  PetscCall(TeannEvalDestroy(&ev2));
  PetscCall(PetscFree3(idx, p1, p2));
  PetscCall(PetscFree(th));
  PetscCall(PetscFree(th2));
  PetscCall(PetscFree(Z));
  PetscCall(TeannModelDestroy(&m));
  PetscCall(TeannModelDestroy(&m2));
  PetscCall(TeannFramesDestroy(&fr));
  PetscCall(PetscFinalize());
  return 0;
}
