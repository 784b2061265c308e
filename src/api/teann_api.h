/* teann_api.h — predict with a fitted teann model from any program (C, C++, Fortran
 * through bind(c), Python through ctypes: python/teann). Installed with libteann.
 *
 * Contract: plain C types only — int, double arrays, an opaque handle, status codes.
 * The library initialises PETSc (and MPI, as a singleton when the program was not
 * started by mpiexec) on the first teann_model_load() if the program has not, and
 * finalises what it initialised at exit. Every function may be called from any
 * thread; calls that enter the engine (load, predict, free) are serialised by one
 * process-wide lock, because PETSc is built without thread safety, and each
 * prediction uses the OpenMP threads of OMP_NUM_THREADS. A failed call returns a
 * non-zero teann_status and leaves its message in teann_model_error().
 * Units: positions and cells in Angstrom; outputs in the model's units
 * (teann_model_property_units). Full description: doc/api.md. */
#ifndef TEANN_API_H
#define TEANN_API_H

#ifdef __cplusplus
extern "C" {
#endif

#define TEANN_API_VERSION 1 /* raised when a function changes; new functions keep it */

typedef struct teann_model teann_model; /* a model loaded from model.nc */

typedef enum {
  TEANN_OK           = 0,
  TEANN_ERR_INPUT    = 1, /* a wrong argument: NULL, a size, a non-finite position, an element the model lacks */
  TEANN_ERR_FILE     = 2, /* the model file is missing, unreadable or not a teann model                         */
  TEANN_ERR_MEMORY   = 3, /* out of memory                                                                      */
  TEANN_ERR_STATE    = 4, /* PETSc/MPI could not be initialised, or the library was finalised (at exit)         */
  TEANN_ERR_INTERNAL = 5  /* a defect of teann: please report it with the message                               */
} teann_status;

/* TEANN_API_VERSION of the library loaded (a program built against another header can check it). */
int         teann_api_version(void);
const char *teann_version(void); /* "0.1.0" */

/* Read model.nc (written by teann-train). On success *model is a new handle; on failure
   *model is NULL and teann_model_error(NULL) says why, naming the file. */
int  teann_model_load(const char *path, teann_model **model);
void teann_model_free(teann_model *model); /* NULL is allowed */

/* The message of the last call on model that failed ("" after a call that succeeded); valid
   until the next call on model. model NULL: the last failure of any call in this thread
   (teann_model_load's, or a call given a NULL handle). Never NULL. */
const char *teann_model_error(const teann_model *model);

/* What the model knows (fixed at the load; no lock taken). The getters return -1 (NULL for
   strings) for a NULL handle or an index out of range, with teann_model_error(NULL) saying so. */
int         teann_model_num_elements(const teann_model *model);
int         teann_model_num_members(const teann_model *model);    /* an ensemble's members; 1 for one model */
int         teann_model_element(const teann_model *model, int i); /* atomic numbers, ascending in i */
double      teann_model_cutoff(const teann_model *model);         /* Angstrom; -1 for NULL        */
/* The predicted properties, in the order of their components in a frame's output row; a property
   predicted per atom (atomic_dipole: one vector per atom, e.g. Wannier centroids) is listed too,
   in the order of an atom's row (teann_model_property_per_atom says which). */
int         teann_model_num_properties(const teann_model *model);
const char *teann_model_property_name(const teann_model *model, int p);  /* "dipole", "polarizability", ... */
int         teann_model_property_index(const teann_model *model, const char *name); /* p, or -1 if not predicted */
int         teann_model_property_rank(const teann_model *model, int p);   /* 1 vector, 2 3x3, 3 3x3x3      */
int         teann_model_property_size(const teann_model *model, int p);   /* 3^rank components             */
int         teann_model_property_offset(const teann_model *model, int p); /* its first component in a row  */
const char *teann_model_property_units(const teann_model *model, int p);  /* e.g. "e*Angstrom"           */
int         teann_model_num_components(const teann_model *model);         /* per frame: the sum of the frame properties' sizes */
/* 1 if property p is predicted per atom (its offset is in an atom's row of teann_predict_atoms' aout),
   0 if per frame (its offset is in a frame's row of out). */
int         teann_model_property_per_atom(const teann_model *model, int p);
int         teann_model_num_atom_components(const teann_model *model);    /* per atom: the sum of the per-atom properties' sizes */
const char *teann_element_symbol(int Z);                                   /* "H" for 1; NULL outside 1..86 */
/* Predict only some of the model's properties from now on: properties is a comma-separated list
   of its property names ("dipole", "polarizability,atomic_dipole"). Only their networks are
   evaluated afterwards (a joint model's dipole alone costs no polarizability fields), and the
   getters above and the output rows describe them alone, in the usual order. A name that is not
   one of the model's properties is TEANN_ERR_INPUT and changes nothing. A property left out cannot
   be chosen again (load the model anew). Call it before other threads use the handle: the
   getters take no lock. */
int teann_model_select(teann_model *model, const char *properties);

/* Predict nframes frames. Frame f has natoms[f] >= 1 atoms; the atoms of all frames follow
   each other in numbers[] (atomic numbers) and positions[] (x y z per atom, Angstrom).
   cell: NULL (isolated molecules) or 9 values per frame, the lattice vectors a, b, c as rows;
   pbc: NULL (not periodic) or 3 flags 0/1 per frame, periodic along a, b, c: every image within
   the cutoff is a neighbour; a periodic frame needs a model of properties a cell defines
   (the polarizability, atomic_dipole), others are refused (TEANN_ERR_INPUT).
   out: nframes rows of teann_model_num_components values; the tensors row-major (the
   polarizability xx xy xz yx ...; the hyperpolarizability [i][j][k]).
   dout: NULL, or the position derivatives, ncomp*3*natoms[f] values for frame f, the frames
   one after the other: for frame f, starting at ncomp*3*(atoms of the frames before f),
   dout[c*3*natoms[f] + 3*a + d] = d out[f][c] / d positions[atom a of frame f][d].
   Non-finite positions or cells, unknown elements and predictions that are not finite are
   TEANN_ERR_INPUT, naming the frame and atom (counted from 0). After a failure the contents
   of out and dout are undefined. nframes = 0 does nothing and succeeds.
   The frame properties only: a model that predicts per-atom properties only is refused
   (TEANN_ERR_INPUT; teann_predict_atoms predicts them). */
int teann_predict(teann_model *model, int nframes, const int natoms[], const int numbers[], const double positions[],
                  const double cell[], const int pbc[], double out[], double dout[]);
/* An ensemble model.nc (teann-train -teann_ensemble K) predicts its committee, as teann-predict:
   out the members' mean, dout the mean of their derivatives. teann_predict_committee also
   writes std (when not NULL, the layout of out): the members' sample standard deviation per
   component, 0 for a single model. */
int teann_predict_committee(teann_model *model, int nframes, const int natoms[], const int numbers[], const double positions[],
                            const double cell[], const int pbc[], double out[], double std[], double dout[]);
/* Every property, per-atom ones included: out, std, dout as teann_predict_committee (each may be
   NULL: not wanted), and the per-atom properties of every atom, in the order of the atoms in
   numbers[] (all frames):
   aout: teann_model_num_atom_components (nacomp) values per atom, aout[nacomp*atom + offset + c];
   the prediction of every atom, of elements without labels in the training data too (as
   teann-predict's atomic_dipole_pred; its atomic_dipole_sum_pred is the plain sum over all atoms
   of a frame). astd: an ensemble's standard deviation per component, the layout of aout.
   adout: the position derivatives, for frame f of n = natoms[f] atoms nacomp*n*3*n values, the
   frames one after the other; within frame f, adout[(i*nacomp + c)*3*n + 3*a + d] =
   d aout[atom i of frame f][c] / d positions[atom a of frame f][d]: one reverse pass per atom and
   component, so n times the cost of dout per component. out and aout must not both be NULL. */
int teann_predict_atoms(teann_model *model, int nframes, const int natoms[], const int numbers[], const double positions[],
                        const double cell[], const int pbc[], double out[], double std[], double dout[], double aout[],
                        double astd[], double adout[]);
/* One frame: teann_predict with nframes = 1 (cell, pbc, dout may be NULL). */
int teann_predict_frame(teann_model *model, int natoms, const int numbers[], const double positions[], const double cell[],
                        const int pbc[], double out[], double dout[]);

#ifdef __cplusplus
}
#endif
#endif
