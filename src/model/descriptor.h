/* descriptor.h — embedded atom densities (design eq. 1-4) and their derivatives.
 * Contract: TeannDescSetUp() fixes r_c, K, Lmax and the table of the unique
 * monomials of degree 0..Lmax with their multinomial weights. The kernels
 * below work on one atom i of one frame (element index el[] of its atoms, pair
 * lists pl of neighbours.h with the cutoff r_c: every sum over neighbours j of
 * eq. 3 is a sum over atom i's pairs, images of a periodic cell included;
 * position adjoints dx[3n] go to the atoms, an image's to its atom); O[M*K] holds the orbitals (eq. 3, index a*K+k), rho[F] the densities
 * (eq. 4, index L*K+k). The parameters c, eta, s are [nel*K] arrays indexed by
 * the neighbour's element. The "cached" kernels use P[nel*M*K] = sum over the
 * neighbours of each element of R_k f_c m_a, valid while eta and s are fixed.
 * Kernels are plain C without the PETSc call stack because they run inside
 * OpenMP regions; they never fail. */
#ifndef TEANN_DESCRIPTOR_H
#define TEANN_DESCRIPTOR_H
#include "teann.h"
#include "neighbours.h"

/* A displacement of the pair vectors for the tangents of design 2.5: pair (i, j) of atom i's list
   moves by vd = (V_j - V_i) + C_i + S^T v. V displaces atoms (the adjoint of a per-atom field g_i),
   C displaces atom i's own pair vectors (the adjoint of a per-atom sum p_i = sum_j dE/dv_ij), S strains
   every pair vector (the adjoint of a virial W = sum over pairs of v dE/dv^T, W[3a+b] = v_a g_b).
   Each may be NULL. */
typedef struct {
  const PetscReal *V, *C, *S;
} TeannTangent;

#define TEANN_MAX_LMAX  3
#define TEANN_MAX_MONO  20 /* 1 + 3 + 6 + 10 */
#define TEANN_MAX_WAVE  64

typedef struct {
  PetscReal rc;
  PetscInt  K, lmax, M, F, nel;
  PetscInt  L[TEANN_MAX_MONO], p[TEANN_MAX_MONO][3]; /* degree and exponents of monomial a */
  PetscReal w[TEANN_MAX_MONO];                       /* multinomial weight L!/(px! py! pz!) */
} TeannDesc;

PETSC_EXTERN PetscErrorCode TeannDescSetUp(TeannDesc *, PetscReal rc, PetscInt K, PetscInt lmax, PetscInt nel);

/* Orbitals and densities of atom i (general path, eta and s from the arguments; PF, when not NULL,
   R f_c of atom i's pairs from TeannDescPairRadials with the same eta and s). */
PETSC_EXTERN void TeannDescAtom(const TeannDesc *, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const PetscReal PF[], const TeannPairList *pl, const PetscInt el[], PetscInt i, PetscReal O[], PetscReal rho[]);
/* Reverse mode of TeannDescAtom given drho[F]: accumulates into gc, geta, gs ([nel*K], any may be NULL)
   and dx[3n] (NULL: skip). dO is scratch [M*K]. PF as for TeannDescAtom (NULL: computed). */
PETSC_EXTERN void TeannDescAtomBackward(const TeannDesc *, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const PetscReal PF[], const TeannPairList *pl, const PetscInt el[], PetscInt i, const PetscReal O[], const PetscReal drho[], PetscReal dO[], PetscReal gc[], PetscReal geta[], PetscReal gs[], PetscReal dx[]);
/* P[nel*M*K] of atom i for the pair cache of -teann_fix_radial (design 2.1). */
PETSC_EXTERN void TeannDescCacheAtom(const TeannDesc *, const PetscReal eta[], const PetscReal s[], const TeannPairList *pl, const PetscInt el[], PetscInt i, PetscReal P[]);
PETSC_EXTERN void TeannDescCachedForward(const TeannDesc *, const PetscReal c[], const PetscReal P[], PetscReal O[], PetscReal rho[]);
PETSC_EXTERN void TeannDescCachedBackward(const TeannDesc *, const PetscReal P[], const PetscReal O[], const PetscReal drho[], PetscReal dO[], PetscReal gc[]);
/* Reverse mode of the tangent: given rhodbar[F], the adjoint of rhod, accumulates the gradient of
   rhodbar . rhod with respect to c, eta, s (any may be NULL) and x (dx, NULL: skip), V held fixed.
   dO, dOd: scratch [M*K]. */
PETSC_EXTERN void TeannDescAtomTangentBackward(const TeannDesc *, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const TeannPairList *pl, const PetscInt el[], PetscInt i, const TeannTangent *V, const PetscReal O[], const PetscReal Od[], const PetscReal rhodbar[], PetscReal dO[], PetscReal dOd[], PetscReal gc[], PetscReal geta[], PetscReal gs[], PetscReal dx[]);
/* Fused passes of two field channels (design 2.5; the polarizability's g and h, or any pair), each one visit of the pairs of atom i:
   position gradients of two density adjoints drho1, drho2 added to dx1, dx2 (dO: scratch [2*M*K]), with
   their pair (virial) sums W1, W2 [9] (NULL: skip; both or neither) and the sums p1, p2 [3] of the
   gradients with respect to atom i's own pair vectors (NULL: skip; both or neither);
   the tangents along V and U (Od = dO/dx . V and rhod = drho/dx . V, given O); and the parameter gradient (gc, geta, gs;
   eta, s may be NULL) of drho . rho + bV . rhodV + bU . rhodU with V, U held fixed
   (TeannDescAtomBackward and TeannDescAtomTangentBackward twice, without dx; dO: scratch [3*M*K]).
   PF (NULL: computed) holds R f_c and its r-derivative of atom i's pairs from TeannDescPairRadials
   with the eta and s given here; TeannDescAtomFieldPairBackward derives their eta and s derivatives from
   PF (geta, gs NULL when eta and s are fixed). */
PETSC_EXTERN void TeannDescAtomPositionGradient2(const TeannDesc *, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const PetscReal PF[], const TeannPairList *pl, const PetscInt el[], PetscInt i, const PetscReal O[], const PetscReal drho1[], const PetscReal drho2[], PetscReal dO[], PetscReal dx1[], PetscReal dx2[], PetscReal W1[], PetscReal W2[], PetscReal p1[], PetscReal p2[]);
PETSC_EXTERN void TeannDescAtomTangent2(const TeannDesc *, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const PetscReal PF[], const TeannPairList *pl, const PetscInt el[], PetscInt i, const TeannTangent *V, const TeannTangent *U, const PetscReal O[], PetscReal OdV[], PetscReal OdU[], PetscReal rhodV[], PetscReal rhodU[]);
PETSC_EXTERN void TeannDescAtomFieldPairBackward(const TeannDesc *, const PetscReal c[], const PetscReal eta[], const PetscReal s[], const PetscReal PF[], const TeannPairList *pl, const PetscInt el[], PetscInt i, const TeannTangent *V, const TeannTangent *U, const PetscReal O[], const PetscReal OdV[], const PetscReal OdU[], const PetscReal drho[], const PetscReal bV[], const PetscReal bU[], PetscReal dO[], PetscReal gc[], PetscReal geta[], PetscReal gs[]);
/* The pair cache of the polarizability under -teann_fix_radial: for each neighbour j of atom i
   within the cutoff, in the order the kernels visit them, R_k f_c and d(R_k f_c)/dr into
   PF[2K per pair] (PF NULL: count only). Returns the number of pairs. */
/* The geometry cache of a frame's pairs (TeannPairList.geo): r, f_c and f_c' of every pair of its n atoms,
   at the pairs' indices. The kernels use it for a pair whose length is the cached one. */
PETSC_EXTERN void TeannDescPairGeometry(const TeannDesc *, const TeannPairList *pl, PetscInt n, PetscReal geo[]);
PETSC_EXTERN PetscInt TeannDescPairRadials(const TeannDesc *, const PetscReal eta[], const PetscReal s[], const TeannPairList *pl, const PetscInt el[], PetscInt i, PetscReal PF[]);
#endif
