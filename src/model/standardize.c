/* The standardised first layer of every atomic network (design 2.4, eq. 9c). The fit's optimizer
 * moves phi, in which each network sees its element's density features shifted by their training
 * mean and divided by their training spread; the model (theta) keeps the plain features. One
 * linear map T (theta = T phi) touches only the first layer's weights and biases:
 *   W[i][o] = s_i Wphi[i][o],  b[o] = bphi[o] - sum_i m_i s_i Wphi[i][o],
 * with shift m_i and inverse spread s_i per element and feature. */
#include "modelimpl.h"

static void Forward(const TeannNet *net, const PetscReal m[], const PetscReal s[], PetscReal v[])
{
  const PetscInt F = net->size[0], H = net->size[1];
  PetscReal     *W = v + net->w[0], *b = v + net->b[0];

  for (PetscInt i = 0; i < F; i++)
    for (PetscInt o = 0; o < H; o++) {
      W[i * H + o] *= s[i];
      b[o] -= m[i] * W[i * H + o];
    }
}

/* the gradient with respect to phi from the gradient with respect to theta: T^T g */
static void Adjoint(const TeannNet *net, const PetscReal m[], const PetscReal s[], PetscReal g[])
{
  const PetscInt   F = net->size[0], H = net->size[1];
  PetscReal       *gW = g + net->w[0];
  const PetscReal *gb = g + net->b[0];

  for (PetscInt i = 0; i < F; i++)
    for (PetscInt o = 0; o < H; o++) gW[i * H + o] = s[i] * (gW[i * H + o] - m[i] * gb[o]);
}

PetscErrorCode TeannModelStandardize(TeannModel model, const PetscReal shift[], const PetscReal scale[], TeannStdMode mode, PetscReal v[])
{
  TeannModelImpl *im;
  PetscInt        F;

  PetscFunctionBegin;
  PetscCheck(model->setup, model->comm, PETSC_ERR_ORDER, "call TeannModelSetUp() first");
  im = (TeannModelImpl *)model->impl;
  F  = im->desc.F;
  for (PetscInt ch = 0; ch < im->nchan; ch++)
    for (PetscInt e = 0; e < model->nel; e++) {
      const TeannNet *net = &im->net[ch][e];
      if (mode == TEANN_STD_FORWARD) Forward(net, shift + e * F, scale + e * F, v);
      else Adjoint(net, shift + e * F, scale + e * F, v);
      PetscCall(PetscLogFlops(2.0 * F * net->size[1]));
    }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelGetNumFeatures(TeannModel model, PetscInt *F)
{
  PetscFunctionBegin;
  PetscCheck(model->setup, model->comm, PETSC_ERR_ORDER, "call TeannModelSetUp() first");
  *F = ((TeannModelImpl *)model->impl)->desc.F;
  PetscFunctionReturn(0);
}
