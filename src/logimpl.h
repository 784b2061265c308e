/* logimpl.h — teann's log events and stages, private to libteann.
 * Contract: TeannInitializePackage() (teann.c) registers every one of them
 * once, as TaoInitializePackage() does for TAO, so -log_view lists them all
 * under the class "teann" whichever modules a program uses; the modules
 * only begin and end them. */
#ifndef TEANN_LOGIMPL_H
#define TEANN_LOGIMPL_H
#include "teann.h"

PETSC_INTERN PetscLogEvent TEANN_EVENT_ReadXYZ, TEANN_EVENT_ReadEANN;        /* readers (data)        */
PETSC_INTERN PetscLogEvent TEANN_EVENT_DatasetWrite, TEANN_EVENT_DatasetRead; /* NetCDF dataset        */
PETSC_INTERN PetscLogEvent TEANN_EVENT_PairCount;                             /* partition weights     */
PETSC_INTERN PetscLogEvent TEANN_EVENT_Descriptor, TEANN_EVENT_NetForward, TEANN_EVENT_NetBackward; /* model */
PETSC_INTERN PetscLogEvent TEANN_EVENT_Reduce, TEANN_EVENT_LSQJacobian, TEANN_EVENT_LSQFactor; /* fit */
PETSC_INTERN PetscLogStage TEANN_STAGE_Fit, TEANN_STAGE_Valid;
#endif
