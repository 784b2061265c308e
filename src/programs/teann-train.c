static const char help[] = "teann-train: fit an EANN model of dipoles, polarizabilities and transition dipoles.\n"
                           "  mpiexec -n NP teann-train -teann_data data.xyz [-teann_properties dipole,polarizability] [-options_file fit.opts]\n"
                           "Writes <output_dir>/model.nc and <output_dir>/predictions.nc. TAO options (-tao_type, -tao_max_it, -tao_monitor ...) apply.\n";

#include "fit.h"
#include "ensemble.h"
#include "signals.h"

int main(int argc, char **argv)
{
  TeannFit  fit;
  PetscBool check = PETSC_FALSE, help_only = PETSC_FALSE, bootstrap, members;
  PetscInt  K;

  if (TeannProgramArgs(&argc, &argv, "teann-train")) return 0;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(TeannProgramBegin());
  PetscCall(PetscOptionsHasHelp(NULL, &help_only));
  PetscCall(TeannEnsembleGetOptions(PETSC_COMM_WORLD, &K, &bootstrap, &members));
  if (!help_only && (K > 1 || bootstrap)) {
    /* a committee: rank groups, one fit per member, then model.nc and predictions.nc of all */
    PetscCall(TeannEnsembleTrain(PETSC_COMM_WORLD, K, bootstrap, members));
    PetscCall(TeannSignalsIgnore());
    PetscCall(PetscFinalize());
    return 0;
  }
  PetscCall(TeannFitCreate(PETSC_COMM_WORLD, &fit));
  PetscCall(TeannFitSetFromOptions(fit));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-teann_check_gradient", &check));
  PetscCall(PetscOptionsHasHelp(NULL, &help_only));
  if (help_only) {
    /* -help lists the options; it never starts a fit, even with -teann_data */
    PetscCall(TeannFramesOptionsHelp(PETSC_COMM_WORLD, PETSC_TRUE));
    PetscCall(TeannOptionsHelp(PETSC_COMM_WORLD, PETSC_TRUE));
    PetscCall(TeannFitDestroy(&fit));
    PetscCall(PetscFinalize());
    return 0;
  }
  PetscCall(TeannFitSetUp(fit));
  /* everything is read: an option nobody asked for is a typo, not a setting */
  PetscCall(TeannOptionsCheckUnused(PETSC_COMM_WORLD));
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
