/* trajectory.h — molecular dynamics trajectories read block by block: AMBER NetCDF and
 * extended XYZ (doc/input-formats.md "Trajectories").
 * Contract: a TeannTrajectory is one file opened on every rank of a communicator (a NetCDF
 * file is checked by rank 0 first, as TeannNCOpen does). TeannTrajectoryGetSizes is
 * collective (an extended XYZ file is counted once, by rank 0, reading only its count lines).
 * TeannTrajectoryRead is this process alone: it replaces a TeannFrames by the frames
 * [start, start + n), so that memory follows n and never the length of the file. Extended
 * XYZ is read forwards (start at or after the end of the previous read; the frames between
 * are passed over), AMBER NetCDF anywhere (hyperslabs). Every frame is checked as the readers
 * check theirs (frames.h), errors naming the file and the frame (1-based).
 * Elements: -teann_species FILE (the first frame of an extended XYZ file) or
 * -teann_species_list O,H,H (one symbol per atom), else an AMBER file's atom_types, Z or type
 * variable (ASE writes atom_types(frame, atom)); an AMBER file with neither is an error.
 * Times: AMBER time(frame) with its units (fs, ps or ns; picosecond when it has none, as the
 * convention says); extended XYZ time= and step= comment keys, in units the caller knows:
 * every frame has them if the first frame does, and none otherwise. */
#ifndef TEANN_TRAJECTORY_H
#define TEANN_TRAJECTORY_H
#include "frames.h"

typedef struct _n_TeannTrajectory *TeannTrajectory;

/* Open path, whose format TeannFramesGetFormat names "amber" or "xyz". Collective on comm. */
PETSC_EXTERN PetscErrorCode TeannTrajectoryOpen(MPI_Comm comm, const char path[], TeannTrajectory *t);
/* Frames, atoms over all frames and the most atoms of a frame. Collective on comm. */
PETSC_EXTERN PetscErrorCode TeannTrajectoryGetSizes(TeannTrajectory t, PetscInt *nframes, PetscInt64 *natoms, PetscInt *maxatoms);
/* Keep each frame's atom lines as read (extended XYZ only), for TeannTrajectoryGetText. */
PETSC_EXTERN PetscErrorCode TeannTrajectorySetKeepText(TeannTrajectory t, PetscBool keep);
/* Frames start .. start+n-1 (0-based, within the file) into fr, frame_id their numbers. */
PETSC_EXTERN PetscErrorCode TeannTrajectoryRead(TeannTrajectory t, PetscInt start, PetscInt n, TeannFrames fr);
/* Of the frames last read: their times (NULL without), steps (NULL without), the units of
   the times ("fs", "ps" or "ns" for AMBER; NULL for extended XYZ, whose units the caller
   knows) and whether the file holds them as 32-bit floats (AMBER's usual time). Valid until
   the next read; any output argument may be NULL. */
PETSC_EXTERN PetscErrorCode TeannTrajectoryGetTimes(TeannTrajectory t, const PetscReal **time, const PetscInt64 **step, const char **units, PetscBool *single);
/* Of the frames last read with SetKeepText: text[f], frame f's atom lines ending in newlines (NULL otherwise). */
PETSC_EXTERN PetscErrorCode TeannTrajectoryGetText(TeannTrajectory t, char *const **text);
PETSC_EXTERN PetscErrorCode TeannTrajectoryDestroy(TeannTrajectory *t);

/* The reader table's entries (readers.c): a NetCDF file with the global attribute
   Conventions naming AMBER, and all of its frames. */
PETSC_EXTERN PetscErrorCode TeannFileIsAmber(const char path[], PetscBool *match);
PETSC_EXTERN PetscErrorCode TeannFramesReadAmber(const char path[], TeannFrames fr);

/* Length of one unit of time in fs from a units string (fs, ps, ns, and their long names,
   singular or plural, any case); an error naming what (a file and variable) otherwise. */
PETSC_EXTERN PetscErrorCode TeannTimeUnitFs(const char what[], const char units[], PetscReal *fs);
#endif
