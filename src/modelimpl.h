/* modelimpl.h — private layout of a TeannModel (model->impl), shared by
 * model.c and eval.c only.
 * Contract: after TeannModelSetUp the descriptor tables, the offsets of the
 * descriptor blocks and one TeannNet per (output channel, element) are fixed.
 * Channels, in theta and component order: dipole (1 output: q_i),
 * polarizability1..3 (1 output each: N_1, N_2, N_3 of eq. 7),
 * transition_dipole (3 outputs: a_i, b_i, s_i of eq. 8). */
#ifndef TEANN_MODELIMPL_H
#define TEANN_MODELIMPL_H
#include "model.h"
#include "descriptor.h"
#include "network.h"

#define TEANN_MAX_CHANNELS 5

typedef struct {
  TeannDesc desc;
  PetscInt  off_c, off_eta, off_s;                  /* [nel][K] blocks in theta            */
  PetscInt  nchan;
  PetscInt  chan_nout[TEANN_MAX_CHANNELS];
  char      chan_name[TEANN_MAX_CHANNELS][32];
  TeannNet  net[TEANN_MAX_CHANNELS][TEANN_MAX_ELEMENTS];
  PetscInt  ch_dipole, ch_polar, ch_tdipole;        /* first channel of each property or -1 */
  PetscInt  comp_dipole, comp_polar, comp_tdipole;  /* first component or -1               */
  PetscInt  ncomp;
  PetscInt  maxwidth;                               /* largest layer, F included           */
} TeannModelImpl;
#endif
