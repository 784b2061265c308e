/* Package-level registration: one class id so -log_view groups teann's events,
 * and every event and stage of the library registered in one place. */
#include "property.h"
#include "logimpl.h"

PetscClassId  TEANN_CLASSID = 0;
PetscLogEvent TEANN_EVENT_ReadXYZ, TEANN_EVENT_ReadEANN, TEANN_EVENT_DatasetWrite, TEANN_EVENT_DatasetRead, TEANN_EVENT_PairCount;
PetscLogEvent TEANN_EVENT_Descriptor, TEANN_EVENT_NetForward, TEANN_EVENT_NetBackward, TEANN_EVENT_Reduce, TEANN_EVENT_LSQJacobian, TEANN_EVENT_LSQFactor;
PetscLogStage TEANN_STAGE_Fit, TEANN_STAGE_Valid;

PetscErrorCode TeannInitializePackage(void)
{
  PetscFunctionBegin;
  if (TEANN_CLASSID) PetscFunctionReturn(0);
  PetscCall(PetscClassIdRegister("teann", &TEANN_CLASSID));
  PetscCall(PetscLogEventRegister("TeannReadXYZ", TEANN_CLASSID, &TEANN_EVENT_ReadXYZ));
  PetscCall(PetscLogEventRegister("TeannReadEANN", TEANN_CLASSID, &TEANN_EVENT_ReadEANN));
  PetscCall(PetscLogEventRegister("TeannDatasetWrite", TEANN_CLASSID, &TEANN_EVENT_DatasetWrite));
  PetscCall(PetscLogEventRegister("TeannDatasetRead", TEANN_CLASSID, &TEANN_EVENT_DatasetRead));
  PetscCall(PetscLogEventRegister("TeannPairCount", TEANN_CLASSID, &TEANN_EVENT_PairCount));
  PetscCall(PetscLogEventRegister("TeannDescriptor", TEANN_CLASSID, &TEANN_EVENT_Descriptor));
  PetscCall(PetscLogEventRegister("TeannNetForward", TEANN_CLASSID, &TEANN_EVENT_NetForward));
  PetscCall(PetscLogEventRegister("TeannNetBackward", TEANN_CLASSID, &TEANN_EVENT_NetBackward));
  PetscCall(PetscLogEventRegister("TeannReduce", TEANN_CLASSID, &TEANN_EVENT_Reduce));
  PetscCall(PetscLogEventRegister("TeannLSQJacobian", TEANN_CLASSID, &TEANN_EVENT_LSQJacobian));
  PetscCall(PetscLogEventRegister("TeannLSQFactor", TEANN_CLASSID, &TEANN_EVENT_LSQFactor));
  PetscCall(PetscLogStageRegister("Fit", &TEANN_STAGE_Fit));
  PetscCall(PetscLogStageRegister("Validation", &TEANN_STAGE_Valid));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannInitialize(void)
{
  PetscFunctionBegin;
  PetscCall(TeannInitializePackage());
  PetscFunctionReturn(0);
}

const char *TeannPropName(TeannProp p)
{
  for (PetscInt k = 0; k < TEANN_NPROP; k++)
    if (TeannProperties[k].bit == p) return TeannProperties[k].name;
  return "unknown";
}

/* Comma-separated property names into a bit mask; unknown names are errors (TeannModelSetUp refuses the labels). */
PetscErrorCode TeannPropParse(const char list[], PetscInt *mask)
{
  char  buf[256], *tok, *save = NULL;

  PetscFunctionBegin;
  *mask = 0;
  PetscCall(PetscStrncpy(buf, list, sizeof(buf)));
  for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    const PetscInt k = TeannPropertyIndex(tok);
    PetscCheck(k >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown property '%s' (known: %s)", tok, TeannPropertyFittedNames());
    *mask |= TeannProperties[k].bit;
  }
  PetscFunctionReturn(0);
}
