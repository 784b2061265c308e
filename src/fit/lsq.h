/* lsq.h — Gauss-Newton / Levenberg-Marquardt fits through TAO's brgn (design 2.4, 3).
 * Contract: TeannFitLSQSetUp() turns a TeannFit whose Tao is TAOBRGN into a
 * least-squares problem: residuals r = sqrt(2) x (eq. 9 scaled residuals of
 * the training frames this rank owns), followed, when -teann_l2 > 0, by one
 * row sqrt(2 lambda) theta_i per trainable parameter this rank owns, so that
 * brgn's 1/2 ||r||^2 is exactly the eq. 9 loss of the other optimizers. The
 * Jacobian is MATMPIDENSE with the rows of r and theta's column layout; fixed
 * parameters have zero columns. -teann_lm_solver matfree|scalapack chooses the
 * subproblem solve: CG on TAO's matrix-free J^T J with a Jacobi preconditioner
 * from J's column norms, or a ScaLAPACK Cholesky factorisation of the
 * assembled damped J^T J. Details: doc/optimizers.md. */
#ifndef TEANN_LSQ_H
#define TEANN_LSQ_H
#include "fit.h"

typedef enum { TEANN_LM_MATFREE, TEANN_LM_SCALAPACK } TeannLMSolver;
PETSC_EXTERN const char *const TeannLMSolvers[];
/* -teann_lm_damping: Nielsen's gain-ratio rule, or the older rule from the line search's step */
typedef enum { TEANN_LM_DAMPING_GAIN, TEANN_LM_DAMPING_STEP } TeannLMDamping;
PETSC_EXTERN const char *const TeannLMDampings[];

/* PETSC_TRUE when the fit's Tao is TAOBRGN (the residual path). */
PETSC_EXTERN PetscErrorCode TeannFitIsLeastSquares(TeannFit, PetscBool *);
/* Residual and Jacobian routines, the solver of the subproblem (-teann_lm_solver,
   -teann_lm_ksp_rtol), the damping bookkeeping and the early-stopping test on brgn's
   subsolver. Call after TaoSetFromOptions() on a brgn Tao, before TaoSolve(). */
PETSC_EXTERN PetscErrorCode TeannFitLSQSetUp(TeannFit);
/* The residual Vec and Jacobian Mat handed to TAO (borrowed references). */
PETSC_EXTERN PetscErrorCode TeannFitLSQGetResidualJacobian(TeannFit, Vec *, Mat *);
/* r(X) and J(X) as TAO sees them (tests, checks). */
PETSC_EXTERN PetscErrorCode TeannFitLSQComputeResidual(TeannFit, Vec X, Vec R);
PETSC_EXTERN PetscErrorCode TeannFitLSQComputeJacobian(TeannFit, Vec X, Mat J);
/* The eq. 9 loss at X given brgn's objective f there: f itself for lm, 1/2 ||r(X)||^2 for
   l2prox and l2pure, whose objectives add lambda/2 ||X - X_prev||^2 or lambda/2 ||X||^2. */
PETSC_EXTERN PetscErrorCode TeannFitLSQLoss(TeannFit, Vec X, PetscReal f, PetscReal *loss);
/* The brgn lm damping factor of the next step (fit->lm_lambda). */
PETSC_EXTERN PetscErrorCode TeannFitGetLMDamping(TeannFit, PetscReal *);
/* The whole damping state: lambda and the gain rule's next increase factor nu (fit->lm_nu,
   2 after an accepted step; Set with nu < 2 puts 2). A restart needs both. */
PETSC_EXTERN PetscErrorCode TeannFitGetLMDampingState(TeannFit, PetscReal *lambda, PetscReal *nu);
PETSC_EXTERN PetscErrorCode TeannFitSetLMDampingState(TeannFit, PetscReal lambda, PetscReal nu);
#endif
