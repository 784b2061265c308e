/* predictions.h — predicted tensors next to the reference ones, on disk.
 * Contract: a model's predicted components per frame are its fitted
 * properties in the order of the property table (property.h,
 * TeannModelGetNumComponents); every file iterates that table. The writers are
 * collective on comm: every rank passes its own frames, rank 0 writes, the
 * file appears atomically. teann-train's predictions.nc is ordered by the
 * caller's sort key; teann-predict's outputs (TeannPredictWriter) are written
 * block by block in rank order (ranks hold contiguous frame ranges of a block). */
#ifndef TEANN_PREDICTIONS_H
#define TEANN_PREDICTIONS_H
#include "frames.h"
#include "property.h"
#include <petscviewer.h>

/* Rotation invariants of a polarizability a[9] (row-major; symmetrised): the isotropic part
   iso = tr/3 and the anisotropy gamma = sqrt(1/2[(axx-ayy)^2 + (ayy-azz)^2 + (azz-axx)^2]
   + 3(axy^2 + ayz^2 + axz^2)), both in the tensor's units. */
PETSC_EXTERN void TeannPolarInvariants(const PetscReal a[], PetscReal *iso, PetscReal *gamma);
/* Collective: sums over all ranks of the squared and absolute errors of iso (index 0) and
   gamma (index 1) of the frames' polarizabilities (pred laid out as for props, which must
   include the polarizability; fr NULL on ranks without frames), and the number of frames. */
PETSC_EXTERN PetscErrorCode TeannPolarInvariantErrors(MPI_Comm comm, PetscInt props, TeannFrames fr, const PetscReal pred[], PetscReal sse[2], PetscReal sae[2], PetscReal *cnt);

/* Subset codes stored in predictions.nc (flag_values 0 1 2). */
typedef enum { TEANN_SUBSET_TRAIN = 0, TEANN_SUBSET_VALID = 1, TEANN_SUBSET_TEST = 2 } TeannSubset;

/* The per-atom properties of n local frames: natoms[n] atoms each, nacomp values per atom (the model's
   per-atom properties in table order) of reference ref (NULL: none; NaN rows: no label) and pred. */
typedef struct {
  PetscInt         nacomp;
  const PetscInt  *natoms;
  const PetscReal *ref, *pred;
} TeannAtomPredictions;

/* n local frames: sort key (ascending in the file), frame id, subset (NULL: no subset
   variable), reference ref[n*ncomp] (NULL: none; NaN where a frame lacks it) and
   predictions pred[n*ncomp], ncomp the model's components for props; atoms (NULL without
   per-atom properties) adds an atom dimension with atom_frame, the per-atom vectors and, per
   frame, their sums (the reference's over its labelled atoms, the prediction's over all). */
/* An ensemble's additions to predictions.nc (doc/fit.md "Ensembles"): the committee standard
   deviation std[n*ncomp] of the members' predictions (the pred passed is their mean), written
   as <property>_std(frame, ...), and optionally every member's predictions members[K][n*ncomp]
   (member-major, NULL: not written) as <property>_predicted_members(member, frame, ...). */
typedef struct {
  PetscInt         nmembers;
  const PetscReal *std, *members;
} TeannEnsemblePredictions;

PETSC_EXTERN PetscErrorCode TeannPredictionsWriteNC(MPI_Comm comm, const char path[], PetscInt props, PetscInt n, const PetscInt key[], const PetscInt frame_id[], const PetscInt subset[], const PetscReal ref[], const PetscReal pred[], const TeannAtomPredictions *atoms);
/* The same with an ensemble's committee standard deviation and members (ens NULL: none). */
PETSC_EXTERN PetscErrorCode TeannPredictionsWriteNCEnsemble(MPI_Comm comm, const char path[], PetscInt props, PetscInt n, const PetscInt key[], const PetscInt frame_id[], const PetscInt subset[], const PetscReal ref[], const PetscReal pred[], const TeannAtomPredictions *atoms, const TeannEnsemblePredictions *ens);
/* What a trajectory adds to its frames (trajectory.h), per local frame: time[n] in units
   (fs, ps or ns; NULL: no times), single when the times were stored as 32-bit floats (then
   written so: their precision is all they have), step[n] (NULL: none), text[n] the atom
   lines as read (extended XYZ; NULL: written from the frames). */
typedef struct {
  const PetscReal  *time;
  const PetscInt64 *step;
  const char       *units;
  PetscBool         single;
  char *const      *text;
} TeannFrameExtras;

/* teann-predict's output, written block by block (predwriter.c): path.xyz or path.nc for the
 * predictions of a model fitting props over nframes frames of natoms atoms in all (the atoms
 * matter for per-atom properties) of the file data. Create refuses an existing path unless
 * overwrite, and writes under path.tmp. Add appends a block: every rank's local frames fr
 * (NULL or empty on ranks without frames), which follow each other in rank order, with the
 * predictions pred (TeannModelGetNumComponents per frame) and apred (per atom, NULL without
 * per-atom properties). In .xyz a prediction goes under <property>_pred= (per-atom ones as
 * <property>_pred columns and their sum as <property>_sum_pred=), beside the input's keys and
 * columns, which are kept (a frame without a comment line, from a NetCDF file, gets its
 * references, time= in fs and step= as keys); in .nc predictions.nc's variables (predictions.h
 * above) with time(frame) and step(frame) when the frames have them. Close renames the file
 * into place; with references it writes, per property, the attributes reference_frames, rmse,
 * mae, reference_std and rmse_relative (not when reference_std is 0) on <property>_predicted and
 * prints them as a table on viewer (NULL: not printed). Abandon removes the temporary file. All collective. */
typedef struct _n_TeannPredictWriter *TeannPredictWriter;
PETSC_EXTERN PetscErrorCode TeannPredictWriterCreate(MPI_Comm comm, const char path[], const char data[], PetscInt props, PetscInt nframes, PetscInt64 natoms, PetscBool overwrite, TeannPredictWriter *w);
PETSC_EXTERN PetscErrorCode TeannPredictWriterAdd(TeannPredictWriter w, TeannFrames fr, const PetscReal pred[], const PetscReal apred[], const TeannFrameExtras *ex);
/* An ensemble's committee (after Create, before the first Add): K members; AddEnsemble then
   takes, besides the committee mean as pred, the committee standard deviation std (per frame
   and component, as pred; written as <property>_std in .nc and <property>_std= in .xyz) and,
   with members (.nc only), every member's predictions members[K][n*ncomp] as
   <property>_predicted_members(member, frame, ...). The errors reported are the mean's. */
PETSC_EXTERN PetscErrorCode TeannPredictWriterSetEnsemble(TeannPredictWriter w, PetscInt K, PetscBool members);
PETSC_EXTERN PetscErrorCode TeannPredictWriterAddEnsemble(TeannPredictWriter w, TeannFrames fr, const PetscReal pred[], const PetscReal apred[], const PetscReal std[], const PetscReal members[], const TeannFrameExtras *ex);
PETSC_EXTERN PetscErrorCode TeannPredictWriterClose(TeannPredictWriter *w, PetscViewer viewer);
PETSC_EXTERN PetscErrorCode TeannPredictWriterAbandon(TeannPredictWriter *w);
/* The per-atom references of the frames, laid out as the per-atom predictions of props (nacomp per atom). */
PETSC_EXTERN PetscErrorCode TeannAtomReferences(PetscInt props, TeannFrames frames, PetscReal aref[]);
/* Collective: an error naming file and the first frame (frame_id of the n local frames) whose
   prediction is NaN or infinite, so that such a prediction is never written as a result. */
PETSC_EXTERN PetscErrorCode TeannPredictionsCheckFinite(MPI_Comm comm, const char file[], PetscInt props, PetscInt n, const PetscInt frame_id[], const PetscReal pred[]);
#endif
