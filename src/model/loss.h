/* loss.h — the residual and loss of one frame and one property (design eq. 9, 2.4).
 * Contract: component c of kind k contributes w2[c] (pred[c] - y[c])^2 to the
 * loss, where y = TeannPropertyTarget() is the reference projected onto the
 * property's symmetry (and, for a sign-free property, given the sign that fits
 * pred better) and w2 = TeannPropertyWeights(k) the multiplicity of the
 * component among the independent ones (0 for the repeated ones: an exactly
 * symmetric prediction carries them). The residual rows of Levenberg-Marquardt
 * are sqrt(scale w2[c]) (pred[c] - y[c]), so that their sum of squares is the
 * loss. Plain C: called inside OpenMP regions. */
#ifndef TEANN_LOSS_H
#define TEANN_LOSS_H
#include "property.h"

PETSC_EXTERN void TeannPropertyTarget(PetscInt k, const PetscReal pred[], const PetscReal ref[], PetscReal y[]);
/* Adds scale * sum_c w2[c] (pred - y)^2 of one frame to *loss (component by component, in order);
   its gradient with respect to pred into gout[ncomp]. */
PETSC_EXTERN void TeannPropertyLoss(PetscInt k, PetscReal scale, const PetscReal pred[], const PetscReal ref[], PetscReal *loss, PetscReal gout[]);
#endif
