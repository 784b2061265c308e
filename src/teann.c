/* Package-level registration: one class id so -log_view groups teann's events. */
#include "property.h"

PetscClassId TEANN_CLASSID = 0;

PetscErrorCode TeannInitialize(void)
{
  PetscFunctionBegin;
  if (!TEANN_CLASSID) PetscCall(PetscClassIdRegister("teann", &TEANN_CLASSID));
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
