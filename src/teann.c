/* Package-level registration: one class id so -log_view groups teann's events. */
#include "teann.h"

PetscClassId TEANN_CLASSID = 0;

PetscErrorCode TeannInitialize(void)
{
  PetscFunctionBegin;
  if (!TEANN_CLASSID) PetscCall(PetscClassIdRegister("teann", &TEANN_CLASSID));
  PetscFunctionReturn(0);
}

const char *TeannPropName(TeannProp p)
{
  switch (p) {
  case TEANN_PROP_DIPOLE: return "dipole";
  case TEANN_PROP_POLAR: return "polarizability";
  case TEANN_PROP_TDIPOLE: return "transition_dipole";
  case TEANN_PROP_CHARGE: return "charge";
  case TEANN_PROP_ENERGY: return "energy";
  }
  return "unknown";
}

/* Comma-separated property names into a bit mask; unknown names are an error. */
PetscErrorCode TeannPropParse(const char list[], PetscInt *mask)
{
  char  buf[256], *tok, *save = NULL;
  const TeannProp all[] = {TEANN_PROP_DIPOLE, TEANN_PROP_POLAR, TEANN_PROP_TDIPOLE, TEANN_PROP_CHARGE, TEANN_PROP_ENERGY};

  PetscFunctionBegin;
  *mask = 0;
  PetscCall(PetscStrncpy(buf, list, sizeof(buf)));
  for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    PetscBool found = PETSC_FALSE;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
      PetscBool eq;
      PetscCall(PetscStrcmp(tok, TeannPropName(all[i]), &eq));
      if (eq) { *mask |= all[i]; found = PETSC_TRUE; }
    }
    PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown property '%s' (known: dipole, polarizability, transition_dipole)", tok);
  }
  PetscFunctionReturn(0);
}
