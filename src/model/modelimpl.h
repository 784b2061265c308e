/* modelimpl.h — private layout of a TeannModel (model->impl), shared by
 * model.c and eval.c only.
 * Contract: after TeannModelSetUp the descriptor tables, the offsets of the
 * descriptor blocks and one TeannNet per (output channel, element) are fixed.
 * Channels, in theta order: the channels of each fitted property's head
 * (heads/head.h), the properties in table order (property.h). Field channels
 * are also numbered among themselves (0..nfield-1); the engine visits them in
 * pairs with the fused descriptor kernels, the last pair of an odd count
 * completed by an empty field. */
#ifndef TEANN_MODELIMPL_H
#define TEANN_MODELIMPL_H
#include "model.h"
#include "descriptor.h"
#include "network.h"
#include "heads/head.h"

#define TEANN_MAX_CHANNELS 16
#define TEANN_MAX_FIELDS   8 /* even */

typedef struct {
  TeannDesc desc;
  PetscInt  off_c, off_eta, off_s;                    /* [nel][K] blocks in theta              */
  PetscInt  nchan;
  PetscInt  chan_nout[TEANN_MAX_CHANNELS];
  PetscInt  chan_field[TEANN_MAX_CHANNELS];           /* field number of a field channel, or -1 */
  PetscReal chan_init[TEANN_MAX_CHANNELS];            /* initial scale of the last layer        */
  char      chan_name[TEANN_MAX_CHANNELS][48];
  TeannNet  net[TEANN_MAX_CHANNELS][TEANN_MAX_ELEMENTS];
  PetscInt  nhead;                                    /* fitted properties                      */
  PetscInt  head_k[TEANN_NKIND];                      /* their table index                      */
  const TeannHead *head[TEANN_NKIND];                 /* their heads (a property may have variants) */
  PetscInt  head_ch[TEANN_NKIND];                     /* their first channel                    */
  PetscInt  head_comp[TEANN_NKIND];                   /* their first component (per atom for a per-atom property) */
  PetscInt  nacomp;                                   /* components per atom of the per-atom properties */
  PetscInt  nfield, field_ch[TEANN_MAX_FIELDS];       /* field channels                         */
  PetscInt  ncomp;
  PetscInt  maxwidth;                                 /* largest layer, F included              */
} TeannModelImpl;
#endif
