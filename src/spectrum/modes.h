/* modes.h — double-harmonic IR intensities and Raman activities from a fitted model.
 * Contract: TeannModesReadMolden reads the [FR-COORD] (Bohr), [FR-NORM-COORD] and [FREQ]
 * sections of a Molden file: a reference geometry and, per mode, its wavenumber and a
 * Cartesian displacement vector of any length (not mass-weighted; each program scales its
 * own). TeannModesIntensities turns the vectors into normal coordinates Q (mass-weighted
 * and normalised: Q in amu^1/2 Angstrom) and takes dmu/dQ and dalpha/dQ exactly from the
 * model's position gradient (TeannEvalPositionGradient) at the reference geometry; from
 * them the IR intensity (km/mol) and the Raman activity 45 a'^2 + 7 g'^2 (Angstrom^4/amu).
 * Errors name the file and line. doc/spectra.md "Double-harmonic intensities". */
#ifndef TEANN_MODES_H
#define TEANN_MODES_H
#include "model.h"

typedef struct {
  char       path[PETSC_MAX_PATH_LEN];
  PetscInt   natoms, nmodes;
  PetscInt  *Z;     /* [natoms]                                                   */
  PetscReal *x;     /* [3 natoms] Angstrom                                        */
  PetscReal *freq;  /* [nmodes] cm^-1 (negative: imaginary)                       */
  PetscReal *disp;  /* [nmodes * 3 natoms] as in the file                         */
  PetscReal *L;     /* [nmodes * 3 natoms] dx/dQ, amu^-1/2 (set by Intensities)   */
  PetscReal  maxoverlap; /* largest |cos| between two mass-weighted mode vectors  */
} TeannModes;

typedef struct {
  PetscInt   props;   /* TEANN_PROP_DIPOLE and/or TEANN_PROP_POLAR: what the model gave        */
  PetscReal  mu[3], alpha[9];  /* at the reference geometry                                  */
  PetscReal *dmu;     /* [nmodes*3] e amu^-1/2                                               */
  PetscReal *dalpha;  /* [nmodes*9] Angstrom^2 amu^-1/2, symmetrised                         */
  PetscReal *ir;      /* [nmodes] km/mol                                                     */
  PetscReal *raman;   /* [nmodes] Angstrom^4/amu                                             */
  PetscReal *depol;   /* [nmodes] depolarization ratio 3 g'^2 / (45 a'^2 + 4 g'^2)           */
} TeannIntensities;

/* km/mol per (e^2/amu): N_A e^2 / (12 eps_0 c^2 amu), CODATA 2018 (doc/spectra.md). */
PETSC_EXTERN PetscReal TeannIRIntensityFactor(void);

PETSC_EXTERN PetscErrorCode TeannModesReadMolden(const char path[], TeannModes *m);
PETSC_EXTERN PetscErrorCode TeannModesDestroy(TeannModes *m);
/* Intensities of every mode with model (SetUp done) and theta; the model must predict the
   dipole or the polarizability (or both) and know every element of the geometry. */
PETSC_EXTERN PetscErrorCode TeannModesIntensities(TeannModel model, const PetscReal theta[], TeannModes *m, TeannIntensities *ints);
PETSC_EXTERN PetscErrorCode TeannIntensitiesDestroy(TeannIntensities *ints);
/* modes.nc (CF-1.8) and the CSV beside it, by rank 0 of comm, atomically. */
PETSC_EXTERN PetscErrorCode TeannIntensitiesWrite(MPI_Comm comm, const char path[], const char model[], const TeannModes *m, const TeannIntensities *ints);
#endif
