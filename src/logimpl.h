/* logimpl.h — teann's log events and stages, private to libteann.
 * Contract: TeannInitializePackage() (teann.c) registers every one of them
 * once, as TaoInitializePackage() does for TAO, so -log_view lists them all
 * under the class "teann" whichever modules a program uses; the modules
 * only begin and end them. Exported (not hidden) because some tests compile
 * a module into the test program itself (tests/harden.am). */
#ifndef TEANN_LOGIMPL_H
#define TEANN_LOGIMPL_H
#include "teann.h"

PETSC_EXTERN PetscLogEvent TEANN_EVENT_ReadXYZ, TEANN_EVENT_ReadEANN;        /* readers (data)        */
PETSC_EXTERN PetscLogEvent TEANN_EVENT_ReadTrajectory, TEANN_EVENT_PredictWrite; /* trajectory blocks, predictions out */
PETSC_EXTERN PetscLogEvent TEANN_EVENT_DatasetWrite, TEANN_EVENT_DatasetRead; /* NetCDF dataset        */
PETSC_EXTERN PetscLogEvent TEANN_EVENT_PairCount;                             /* partition weights     */
PETSC_EXTERN PetscLogEvent TEANN_EVENT_Neighbours;                            /* pair lists            */
PETSC_EXTERN PetscLogEvent TEANN_EVENT_Descriptor, TEANN_EVENT_NetForward, TEANN_EVENT_NetBackward; /* model */
PETSC_EXTERN PetscLogEvent TEANN_EVENT_Reduce, TEANN_EVENT_LSQJacobian, TEANN_EVENT_LSQFactor; /* fit */
PETSC_EXTERN PetscLogEvent TEANN_EVENT_SpectrumCorr, TEANN_EVENT_SpectrumFFT, TEANN_EVENT_ModesGradient; /* spectrum */
PETSC_EXTERN PetscLogStage TEANN_STAGE_Fit, TEANN_STAGE_Valid;
#endif
