static const char help[] = "teann-train: fit an EANN model of dipoles, polarizabilities and transition dipoles.\n"
                           "  mpiexec -n NP teann-train -teann_data data.xyz [-teann_properties dipole,polarizability] [-options_file fit.opts]\n"
                           "Writes <output_dir>/model.nc and <output_dir>/predictions.nc. TAO options (-tao_type, -tao_max_it, -tao_monitor ...) apply.\n";

#include "fit.h"
#include "signals.h"

int main(int argc, char **argv)
{
  TeannFit  fit;
  PetscBool check = PETSC_FALSE, help_only = PETSC_FALSE, hasdata;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(TeannFitCreate(PETSC_COMM_WORLD, &fit));
  PetscCall(TeannFitSetFromOptions(fit));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-teann_check_gradient", &check));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-help", &help_only));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-teann_data", &hasdata));
  if (help_only && !hasdata) {
    /* -help alone: the options are listed, there is nothing to fit */
    PetscCall(TeannFitDestroy(&fit));
    PetscCall(PetscFinalize());
    return 0;
  }
  PetscCall(TeannFitSetUp(fit));
  if (check) {
    PetscCall(TeannFitCheckGradient(fit, PETSC_VIEWER_STDOUT_WORLD));
  } else {
    PetscCall(TeannFitSolve(fit));
    PetscCall(TeannFitSummary(fit, PETSC_VIEWER_STDOUT_WORLD));
    PetscCall(TeannFitWrite(fit));
    /* results and status are on disk: a job signal from now on changes nothing */
    PetscCall(TeannSignalsIgnore());
  }
  PetscCall(TeannFitDestroy(&fit));
  PetscCall(PetscFinalize());
  return 0;
}
