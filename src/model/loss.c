/* The residual of eq. 9, defined once for every property (design 2.4): the
 * prediction minus the reference projected onto the property's symmetry (the
 * sign-free head chooses the reference's sign), over the independent
 * components weighted by their multiplicities. FrameLoss and the residual rows
 * of the Jacobian (eval.c) both build on TeannPropertyTarget and the weights. */
#include "loss.h"
#include "heads/head.h"

void TeannPropertyTarget(PetscInt k, const PetscReal pred[], const PetscReal ref[], PetscReal y[])
{
  const TeannProperty *P  = &TeannProperties[k];
  const TeannHead     *hd = TeannHeadOf(k);
  const PetscReal      sg = hd->refsign ? hd->refsign(pred, ref) : 1.0;

  if (P->sym == TEANN_SYM_SYMMETRIC) { /* as the polarizability always had it: diagonal as read, (a_ab + a_ba)/2 */
    for (PetscInt a = 0; a < 3; a++) {
      y[4 * a] = ref[4 * a];
      for (PetscInt b = a + 1; b < 3; b++) y[3 * a + b] = y[3 * b + a] = 0.5 * (ref[3 * a + b] + ref[3 * b + a]);
    }
    return;
  }
  for (PetscInt c = 0; c < P->ncomp; c++) y[c] = sg * ref[c];
  TeannPropertySymmetrize(k, y);
}

void TeannPropertyLoss(PetscInt k, PetscReal scale, const PetscReal pred[], const PetscReal ref[], PetscReal *loss, PetscReal gout[])
{
  const PetscInt   nc = TeannProperties[k].ncomp;
  const PetscReal *w2 = TeannPropertyWeights(k);
  PetscReal        y[TEANN_MAX_COMP], l = *loss;

  TeannPropertyTarget(k, pred, ref, y);
  for (PetscInt c = 0; c < nc; c++) {
    const PetscReal u = pred[c] - y[c], sw = scale * w2[c];
    if (w2[c] == 0) {
      gout[c] = 0;
      continue;
    }
    l += sw * u * u;
    gout[c] = 2 * sw * u;
  }
  *loss = l;
}
