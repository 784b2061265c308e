/* model.h — the EANN model: hyperparameters, parameter layout, evaluation.
 * Contract: a TeannModel describes the function (design eq. 1-8); the
 * trainable parameters theta live outside it in one flat array of
 * TeannModelGetNumParameters() reals, cut into named blocks (TeannParamBlock)
 * that model.nc stores one variable each. A TeannEval binds a model to the
 * frames one rank owns and evaluates predictions, the eq. 9 loss and its
 * exact gradient with OpenMP threads; results do not depend on the thread
 * count (fixed chunks of frames, partial sums added in chunk order: bitwise
 * identical). The descriptors enter the networks as they are (as in the
 * PyTorch EANN; a fit may standardise them in its own coordinates, eq. 9c, and
 * hands the model the equivalent theta), so theta and the hyperparameters
 * are the whole model. Details: doc/model.md. */
#ifndef TEANN_MODEL_H
#define TEANN_MODEL_H
#include "frames.h"
#include "exactsum.h"

#define TEANN_MAX_ELEMENTS 16
#define TEANN_MAX_LAYERS   8
#ifndef TEANN_CHUNK
  #define TEANN_CHUNK 64 /* frames per chunk of the evaluation engine; larger chunks make larger dgemm calls */
#endif

typedef enum { TEANN_ACT_RELU_LIKE, TEANN_ACT_SILU, TEANN_ACT_TANH } TeannActivation;
PETSC_EXTERN const char *const TeannActivations[]; /* "relu_like","silu","tanh", PETSc enum list form */
#define TEANN_DIPOLE_CHARGES 0 /* eq. 6: point charges                      */
#define TEANN_DIPOLE_DIPOLES 1 /* eq. 6b: point charges and atomic dipoles */
PETSC_EXTERN const char *const TeannDipoleForms[]; /* "charges","charges_dipoles" */
#define TEANN_POLAR_FIELDS 0 /* eq. 7                                      */
#define TEANN_POLAR_ATOMIC 1 /* eq. 7b: eq. 7 and an anisotropic tensor per atom */
#define TEANN_POLAR_PAIRS  2 /* eq. 7c: learned bond polarizabilities (molecules) */
PETSC_EXTERN const char *const TeannPolarForms[]; /* "fields","fields_atomic" */

typedef struct {
  char     name[96];        /* NetCDF variable name, e.g. "orbital_coeff", "dipole_O_layer1_weight"   */
  PetscInt offset;          /* first entry in theta                                                    */
  PetscInt ndim;            /* 1 or 2                                                                  */
  PetscInt dims[2];         /* row-major shape                                                         */
  char     dimnames[2][96]; /* NetCDF dimension names; equal names always have equal sizes             */
} TeannParamBlock;

typedef struct _n_TeannModel *TeannModel;
struct _n_TeannModel {
  MPI_Comm        comm;
  /* hyperparameters: set by SetFromOptions or by the model reader, then SetUp */
  PetscReal       cutoff;                  /* r_c, Angstrom (default 4.0)            */
  PetscInt        nwave;                   /* K (default 8)                          */
  PetscInt        lmax;                    /* 0..3 (default 2)                       */
  PetscInt        neigh_atoms;             /* initial c = 1/neigh_atoms (default 12)  */
  PetscReal       radial_width;            /* initial eta, Angstrom^-2 (default 0.4)  */
  PetscInt        nel, Z[TEANN_MAX_ELEMENTS]; /* elements, ascending Z                */
  PetscInt        nlayers, hidden[TEANN_MAX_LAYERS]; /* hidden sizes (default 64,64)   */
  TeannActivation act;                     /* default relu_like                       */
  PetscInt        props;                   /* fitted TEANN_PROP_* bits                */
  PetscBool       fix_radial;              /* eta, s not trained; pair cache on       */
  PetscBool       charge_neutral;          /* eq. 6 note                              */
  PetscInt        dipole_form;             /* TEANN_DIPOLE_CHARGES (eq. 6) or _DIPOLES (eq. 6b) */
  PetscInt        polar_form;              /* TEANN_POLAR_FIELDS (eq. 7) or _ATOMIC (eq. 7b)    */
  /* layout: filled by SetUp */
  PetscBool       setup;
  PetscInt        nparam;
  PetscInt        nblocks;
  TeannParamBlock *blocks;
  void           *impl;                    /* private layout data of the model module */
};

PETSC_EXTERN PetscErrorCode TeannModelCreate(MPI_Comm, TeannModel *);
/* -teann_cutoff -teann_nwave -teann_lmax -teann_neigh_atoms -teann_radial_width -teann_hidden -teann_activation
   -teann_properties -teann_fix_radial -teann_charge_neutral -teann_dipole_form
   -teann_polarizability_form */
PETSC_EXTERN PetscErrorCode TeannModelSetFromOptions(TeannModel);
PETSC_EXTERN PetscErrorCode TeannModelSetElements(TeannModel, PetscInt nel, const PetscInt Z[]);
PETSC_EXTERN PetscErrorCode TeannModelSetUp(TeannModel);
PETSC_EXTERN PetscErrorCode TeannModelGetNumParameters(TeannModel, PetscInt *);
/* Number of predicted components per frame: those of the fitted properties in table order (dipole 3,
   polarizability 9, transition_dipole 3, quadrupole 9, hyperpolarizability 27), per-atom ones excluded. */
PETSC_EXTERN PetscErrorCode TeannModelGetNumComponents(TeannModel, PetscInt *);
/* Number of predicted components per atom: the per-atom properties' (atomic_dipole 3), 0 without them. */
PETSC_EXTERN PetscErrorCode TeannModelGetNumAtomComponents(TeannModel, PetscInt *);
/* Predict only props, some of the model's fitted properties (teann-predict -teann_properties): the
   other heads and their networks are no longer evaluated nor checked against the frames, and the
   components (above) are those of props alone. The parameters are unchanged; a restricted model is
   for prediction, not to be fitted, standardised or written. */
PETSC_EXTERN PetscErrorCode TeannModelRestrictProperties(TeannModel, PetscInt props);
/* The same from a comma-separated list of names (teann-predict -teann_properties, the API's
   teann_model_select): every name must be one of the model's properties; errors start with who
   (the option or function) and name the model as what (its file, or "the model"). Collective. */
PETSC_EXTERN PetscErrorCode TeannModelSelectProperties(TeannModel, const char list[], const char who[], const char what[]);
/* EANN initial values (s = linspace(0, r_c, K) with both endpoints, eta = radial_width, c = 1/neigh_atoms, Xavier-uniform hidden weights, zero last layer) from seed. */
PETSC_EXTERN PetscErrorCode TeannModelInitialParameters(TeannModel, PetscInt seed, PetscReal theta[]);
/* Mask (1.0 trainable, 0.0 fixed) per parameter: eta and s are fixed under -teann_fix_radial. */
PETSC_EXTERN PetscErrorCode TeannModelGetTrainableMask(TeannModel, PetscReal mask[]);
/* The block called name (NULL if there is none). */
PETSC_EXTERN PetscErrorCode TeannModelGetBlock(TeannModel, const char name[], const TeannParamBlock **);
/* Density features per atom (F = K (Lmax+1), eq. 4): the input width of every atomic network. */
PETSC_EXTERN PetscErrorCode TeannModelGetNumFeatures(TeannModel, PetscInt *F);
/* Eq. 9c (standardize.c): the first layers of all networks between the parameters phi of standardised
   features and theta of plain ones, with shift[e*F+i] and inverse spread scale[e*F+i] per element and
   feature. In place on a full parameter vector v: FORWARD theta = T phi, ADJOINT g_phi = T^T g_theta
   (gradients, Jacobian rows). */
typedef enum {
  TEANN_STD_FORWARD,
  TEANN_STD_ADJOINT
} TeannStdMode;
PETSC_EXTERN PetscErrorCode TeannModelStandardize(TeannModel, const PetscReal shift[], const PetscReal scale[], TeannStdMode, PetscReal v[]);
PETSC_EXTERN PetscErrorCode TeannModelView(TeannModel, PetscViewer);
PETSC_EXTERN PetscErrorCode TeannModelDestroy(TeannModel *);

typedef struct _n_TeannEval *TeannEval;
/* Bind model (SetUp done) to the local frames (neighbour lists, pair cache). */
PETSC_EXTERN PetscErrorCode TeannEvalCreate(TeannModel, TeannFrames, TeannEval *);
/* Weight of property p in eq. 9: w_p / (N_p sigma_p^2). Default 1. */
PETSC_EXTERN PetscErrorCode TeannEvalSetLossScale(TeannEval, TeannProp p, PetscReal scale);
/* Sum over local frames idx[0..n-1] of scale_p * ||y - yhat||^2 (transition dipole sign-free),
   and its gradient with respect to theta (grad overwritten; NULL: loss only). No L2 term. */
PETSC_EXTERN PetscErrorCode TeannEvalLossGradient(TeannEval, const PetscReal theta[], PetscInt n, const PetscInt idx[], PetscReal *loss, PetscReal grad[]);
/* The same sums, added exactly into acc (nparam + 1 sums: the gradient, then the loss; exactsum.h):
   chunk by chunk, so that with chunks fixed by the caller (TeannEvalSetChunkFrames and frame lists
   that are whole chunks) the sums over all ranks do not depend on the rank or thread count (design 3.1). */
PETSC_EXTERN PetscErrorCode TeannEvalLossGradientSum(TeannEval, const PetscReal theta[], PetscInt n, const PetscInt idx[], TeannXSum *acc);
/* Frames per chunk (1..TEANN_CHUNK, default TEANN_CHUNK): a call's frame list is cut into chunks of this many. */
PETSC_EXTERN PetscErrorCode TeannEvalSetChunkFrames(TeannEval, PetscInt);
/* Predictions of frames idx[]: out[k*ncomp + c] with ncomp from TeannModelGetNumComponents. */
/* ... and (aout not NULL) the per-atom properties' predictions: the atoms of frames idx[0], idx[1], ... in
   turn, nacomp (TeannModelGetNumAtomComponents) per atom; out may be NULL. */
PETSC_EXTERN PetscErrorCode TeannEvalPredictAtoms(TeannEval, const PetscReal theta[], PetscInt n, const PetscInt idx[], PetscReal out[], PetscReal aout[]);
PETSC_EXTERN PetscErrorCode TeannEvalPredict(TeannEval, const PetscReal theta[], PetscInt n, const PetscInt idx[], PetscReal out[]);
/* Scaled residuals of frames idx[]: r[k*ncomp + c] = sqrt(scale_p) (yhat_c - y_c), 0 where frame k lacks
   property p, the transition dipole against the sign of the reference that fits better; so that
   sum r^2 is TeannEvalLossGradient's loss. If J is not NULL, also the Jacobian
   J[(k*ncomp + c)*nparam + p] = d r_{k,c} / d theta_p (0 for fixed parameters), one reverse pass per row
   (design 2.5). Rows are independent of the thread count. */
PETSC_EXTERN PetscErrorCode TeannEvalResiduals(TeannEval, const PetscReal theta[], PetscInt n, const PetscInt idx[], PetscReal r[], PetscReal J[]);
/* Per element e, the atom count and the sums of every density feature and of its square over the
   frames idx[], added exactly into acc (nel*(2F+1) sums, element-major) chunk by chunk. */
PETSC_EXTERN PetscErrorCode TeannEvalFeatureMoments(TeannEval, const PetscReal theta[], PetscInt n, const PetscInt idx[], TeannXSum *acc);
/* d out_c / d x for local frame f: dout[c*3*natoms_f + 3*a + d]. Not thread-safe (uses one workspace). */
PETSC_EXTERN PetscErrorCode TeannEvalPositionGradient(TeannEval, const PetscReal theta[], PetscInt f, PetscReal dout[]);
/* d aout_(i,c) / d x for local frame f, the per-atom outputs (TeannEvalPredictAtoms) of its atoms:
   adout[(i*nacomp + c)*3*natoms_f + 3*a + d]; one reverse pass per atom and component, so a cost of
   natoms_f times TeannEvalPositionGradient's per component. Not thread-safe (uses one workspace). */
PETSC_EXTERN PetscErrorCode TeannEvalAtomPositionGradient(TeannEval, const PetscReal theta[], PetscInt f, PetscReal adout[]);
PETSC_EXTERN PetscErrorCode TeannEvalDestroy(TeannEval *);
#endif
