/* head.h — the equivariant output of one property (design eq. 6-8, 10-11).
 * Contract: a head declares the network channels it needs, in theta order.
 * A scalar channel is one network per element with nout outputs per atom
 * (atomic charges, weights). A field channel is one network per element with
 * one output whose sum E = sum_i N(rho_i) enters only through its position
 * gradient g_i = dE/dr_i, an equivariant vector (design 2.3); the engine
 * (eval.c) computes the fields and differentiates through them with the
 * tangent identity of design 2.5. forward() builds the frame's components
 * from the centred positions, the scalar outputs and the fields (a per-atom
 * property, TeannProperty.peratom: ncomp per atom of the frame); backward()
 * is its exact reverse mode: given the adjoint gout of the components it
 * writes the adjoints of the scalar outputs (dY) and of the fields (V) and
 * adds those of the centred positions (drt, when asked). Heads are plain C
 * called inside OpenMP regions: no allocation, no PETSc calls, no failure.
 * refsign, if set, gives the sign of the reference that the residual uses
 * (a sign-free property); it is the only place that rule lives.
 * A field channel may be read in a pair form instead (mode): its virial
 * W = sum over pairs v dE/dv^T, whose adjoint is a strain S of the pair vectors
 * (TEANN_FIELD_VIRIAL), or per atom the sum over its own pairs p_i = sum_j
 * dE/dv_ij, whose adjoint C_i moves atom i's pair vectors (TEANN_FIELD_OWN);
 * such a head writes S or C, not V (the engine leaves V zero). Only these forms
 * are defined in a periodic cell, where the positions r~ are not: a head with
 * periodic set uses no rt but for drt (design 2.6). */
#ifndef TEANN_HEAD_H
#define TEANN_HEAD_H
#include "property.h"
#include "neighbours.h"

#define TEANN_HEAD_MAXCH 5

typedef struct {
  PetscInt         n;                      /* atoms of the frame                                 */
  const PetscInt  *row;                    /* [n] row of atom i in the scalar outputs             */
  const PetscReal *rt;                     /* [3n] positions relative to the mass centre          */
  const PetscReal *Y[TEANN_HEAD_MAXCH];    /* scalar channel c: outputs, Y[c][row[i]*nout + o]    */
  const PetscReal *G[TEANN_HEAD_MAXCH];    /* field channel c: g_i = G[c][3i..3i+2]               */
  const PetscReal *W[TEANN_HEAD_MAXCH];    /* TEANN_FIELD_VIRIAL channel c: W[c][3a+b] = sum v_a g_b */
  const PetscReal *P[TEANN_HEAD_MAXCH];    /* TEANN_FIELD_OWN channel c: p_i = P[c][3i..3i+2]       */
  PetscReal        charge;                 /* total charge of the frame, e                        */
  PetscBool        charge_neutral;         /* -teann_charge_neutral                               */
  PetscReal        rc;                     /* the cutoff radius (Angstrom)                         */
  TeannPairList    pl;                     /* the frame's pairs within rc (frame-local atoms)      */
} TeannHeadFrame;

typedef struct {
  PetscReal *dY[TEANN_HEAD_MAXCH]; /* scalar channel c: adjoints of Y, same layout (written)     */
  PetscReal *V[TEANN_HEAD_MAXCH];  /* field channel c: adjoints of g_i, [3n] (written)            */
  PetscReal *S[TEANN_HEAD_MAXCH];  /* TEANN_FIELD_VIRIAL channel c: adjoint of W, [9] (written)   */
  PetscReal *C[TEANN_HEAD_MAXCH];  /* TEANN_FIELD_OWN channel c: adjoints of p_i, [3n] (written)  */
  PetscReal *drt;                  /* [3n] adjoints of rt (added to); NULL: not wanted           */
} TeannHeadAdjoint;

typedef struct {
  PetscBool   field;     /* a field channel (one output, used through its gradient)          */
  PetscInt    nout;      /* outputs per atom (1 for a field)                                 */
  const char *suffix;    /* the channel's name is the property's name + suffix (model.nc)    */
  PetscReal   init_last; /* last layer's initial scale (0: zero), see model.c                */
  PetscInt    mode;      /* field channel: 0 (g_i, adjoint V) or one TEANN_FIELD_* form      */
} TeannHeadChannel;

#define TEANN_FIELD_VIRIAL 1
#define TEANN_FIELD_OWN    2

struct _n_TeannHead {
  PetscInt         nch;
  TeannHeadChannel ch[TEANN_HEAD_MAXCH];
  void (*forward)(const TeannHeadFrame *, PetscReal out[]);
  void (*backward)(const TeannHeadFrame *, const PetscReal gout[], TeannHeadAdjoint *);
  PetscReal (*refsign)(const PetscReal pred[], const PetscReal ref[]);
  PetscLogDouble flops;    /* per atom of forward + backward, for -log_view */
  PetscBool      periodic; /* defined for a periodic cell (reads no rt)      */
};

typedef struct _n_TeannHead TeannHead;
PETSC_EXTERN const TeannHead TeannHeadDipole, TeannHeadDipoleAtomic, TeannHeadPolarizability, TeannHeadPolarizabilityAtomic, TeannHeadPolarizabilityPairs, TeannHeadTransitionDipole, TeannHeadQuadrupole, TeannHeadHyperpolarizability, TeannHeadAtomicDipole;
/* The head of fitted property k of the table (heads.c), NULL for a label. A model may use a
   variant instead (TeannHeadDipoleAtomic under -teann_dipole_form charges_dipoles,
   TeannHeadPolarizabilityAtomic under -teann_polarizability_form fields_atomic,
   TeannHeadPolarizabilityPairs under -teann_polarizability_form pairs, model.c);
   the variants of one property share its refsign. */
PETSC_EXTERN const TeannHead *TeannHeadOf(PetscInt k);
/* Form 1 or 2 of property k (the dipole's eq. 6b, the polarizability's eq. 7b and eq. 7c); form 0
   or a property without variants: TeannHeadOf(k). */
PETSC_EXTERN const TeannHead *TeannHeadVariant(PetscInt k, PetscInt form);
#endif
