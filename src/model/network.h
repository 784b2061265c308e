/* network.h — the atomic networks of design eq. 5, batched over atoms.
 * Contract: a TeannNet is the layout of one fully connected network
 * size[0] -> size[1] -> ... -> size[nl] inside theta (offsets of the row-major
 * [in][out] weights, the biases and, for relu_like hidden layers, the
 * per-neuron a and b; -1 where absent). The kernels evaluate it for n atoms
 * at once (rows of X, row-major [n][size[0]]) with BLAS dgemm, keep what the
 * reverse pass needs (pre-activations Z, sigmoids S, activations A of every
 * hidden layer, row stride size[l+1]) and differentiate in reverse mode.
 * They run inside OpenMP regions, hence plain C without the PETSc stack.
 * The products go to libxsmm's kernels where teann was built with it (configure
 * --with-libxsmm) and TeannNetUseLibxsmm did not turn it off, else to BLAS. */
#ifndef TEANN_NETWORK_H
#define TEANN_NETWORK_H
#include "model.h"

typedef struct {
  PetscInt nl;                          /* weight layers: hidden layers + 1     */
  PetscInt size[TEANN_MAX_LAYERS + 2];  /* neurons per layer, size[0] = F       */
  PetscInt w[TEANN_MAX_LAYERS + 1];     /* offset of weights of layer l in theta */
  PetscInt b[TEANN_MAX_LAYERS + 1];     /* biases                                */
  PetscInt a[TEANN_MAX_LAYERS + 1];     /* relu_like a (hidden layers), else -1  */
  PetscInt bb[TEANN_MAX_LAYERS + 1];    /* relu_like b (hidden layers), else -1  */
} TeannNet;

/* -teann_libxsmm (TeannInitializePackage): 0 sends every product to BLAS. Set before any evaluation.
   TeannNetLibxsmmTarget: the kernels libxsmm generates ("hsw", "cpx", ...), NULL if it is not used. */
PETSC_EXTERN void        TeannNetUseLibxsmm(PetscBool);
PETSC_EXTERN const char *TeannNetLibxsmmTarget(void);

/* Y[n][size[nl]] = network(X); Z[l], S[l], A[l] receive hidden layer l (l < nl-1). */
PETSC_EXTERN void TeannNetForward(const TeannNet *, TeannActivation, const PetscReal theta[], PetscInt n, const PetscReal X[], PetscReal *const Z[], PetscReal *const S[], PetscReal *const A[], PetscReal Y[]);
/* Reverse mode from dY: parameter gradient accumulated into g (theta layout; NULL: skip) and
   input gradient accumulated into dX[n][size[0]] (NULL: skip). w1, w2: scratch [n*max size]. */
PETSC_EXTERN void TeannNetBackward(const TeannNet *, TeannActivation, const PetscReal theta[], PetscInt n, const PetscReal X[], PetscReal *const Z[], PetscReal *const S[], PetscReal *const A[], const PetscReal dY[], PetscReal w1[], PetscReal w2[], PetscReal g[], PetscReal dX[]);
/* Reverse mode of sum(omega .* Y) to the input only (no parameter gradient): the adjoint of every
   hidden layer's output A[l] kept in Da[l] ([n][size[l+1]], for TeannNetTangentBackward), the input
   adjoint added to dX. w1: scratch [n*max size]. */
PETSC_EXTERN void TeannNetInputGradient(const TeannNet *, TeannActivation, const PetscReal theta[], PetscInt n, PetscReal *const Z[], PetscReal *const S[], const PetscReal omega[], PetscReal *const Da[], PetscReal w1[], PetscReal dX[]);
/* Tangent along input tangent Xd[n][size[0]] (forward mode, kept in Zd[l], Ad[l] per hidden layer),
   then reverse mode of sum(omega .* Yd) (omega: [n][size[nl]]): gradient accumulated into g (NULL: skip),
   adjoint of X into dX (NULL: skip). The adjoint of Xd is the input adjoint of TeannNetInputGradient
   with the same omega, whose Da this pass reuses. w1..w4: scratch [n*max size].
   Needs the second derivative of the activation (design 2.5). */
PETSC_EXTERN void TeannNetTangentBackward(const TeannNet *, TeannActivation, const PetscReal theta[], PetscInt n, const PetscReal X[], PetscReal *const Z[], PetscReal *const S[], PetscReal *const A[], const PetscReal Xd[], PetscReal *const Zd[], PetscReal *const Ad[], const PetscReal omega[], PetscReal *const Da[], PetscReal w1[], PetscReal w2[], PetscReal w3[], PetscReal w4[], PetscReal g[], PetscReal dX[]);
/* Multiply-adds of one forward pass per atom (for PetscLogFlops). */
PETSC_EXTERN PetscLogDouble TeannNetFlops(const TeannNet *);
#endif
