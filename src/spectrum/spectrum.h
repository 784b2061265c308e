/* spectrum.h — vibrational spectra from time series of predicted tensors (doc/spectra.md).
 * Contract: a TeannSeries is one trajectory's dipole mu(t) and/or polarizability alpha(t),
 * read from a predictions.nc (teann-predict) or an extended XYZ file with dipole=,
 * polarizability= (or teann-predict's dipole_pred=, polarizability_pred=) and optionally
 * time= per frame; or, for a periodic liquid, the cell dipole built from per-atom dipoles
 * (atomic_dipole_pred or atomic_dipole columns of extended XYZ), the positions and the
 * charges of a TeannAtomCharges, each atom unwrapped by the minimum image from frame to
 * frame; its uniform time step comes from the
 * file's times or from the caller, and every defect (NaN, missing or non-uniform times,
 * too few frames) is an error naming the file and the 1-based frame. A TeannCorr holds
 * autocorrelation sums of the time derivatives (4th-order central differences) of the
 * IR and Raman channels, lag by lag with the number of pairs behind each lag, so that
 * sums over files and ranks (TeannCorrReduce) pool every trajectory. TeannSpectrumCompute
 * windows the pooled functions, transforms them (FFTW, DCT-I), divides out the
 * difference stencil's transfer function and applies the quantum correction factor.
 * Spectra are one-sided spectral densities per wavenumber: the integral over all
 * wavenumbers of the windowed spectrum is the window-weighted zero-lag value. */
#ifndef TEANN_SPECTRUM_H
#define TEANN_SPECTRUM_H
#include "teann.h"
#include <stdio.h>

/* Charges that turn per-atom dipoles d_i and positions r_i into the dipole of a cell,
   M = sum_i q_i r_i + sum_i w_i d_i (DeePMD's Wannier-centroid model: the ion and its Wannier
   centres' charge sit at the atom, q_i = Z_ion + q_wannier, and w_i = q_wannier carries the
   centroid's displacement d_i). Per element (atomic number); an element without q is an
   error when a file has it, one without w has its atomic dipoles ignored. */
typedef struct {
  PetscReal q[TEANN_MAX_Z + 1], w[TEANN_MAX_Z + 1]; /* e                                       */
  PetscBool hasq[TEANN_MAX_Z + 1], hasw[TEANN_MAX_Z + 1];
} TeannAtomCharges;

/* Liquid water's defaults: q O -2, H +1 (ionic cores +6 and +1, four Wannier centres of
   charge -2 on each O) and w O -8. */
PETSC_EXTERN PetscErrorCode TeannAtomChargesSetWater(TeannAtomCharges *ch);
/* "El:value,El:value" (opt names the option in messages) into v[Z], has[Z]: the elements
   listed replace their earlier values; the others are cleared when clear is true. */
PETSC_EXTERN PetscErrorCode TeannAtomChargesParse(const char opt[], const char list[], PetscBool clear, PetscReal v[], PetscBool has[]);
/* "O:-2,H:1" of v[], has[] (for messages and the output's attributes). */
PETSC_EXTERN PetscErrorCode TeannAtomChargesFormat(const PetscReal v[], const PetscBool has[], char buf[], size_t len);

/* What a series carries (bits). */
#define TEANN_SERIES_DIPOLE 1
#define TEANN_SERIES_POLAR  2

typedef struct {
  char       path[PETSC_MAX_PATH_LEN];
  PetscInt   n;         /* frames                                                          */
  PetscInt   has;       /* TEANN_SERIES_* bits                                             */
  PetscReal *mu;        /* [3n] e*Angstrom (NULL without dipole)                           */
  PetscReal *alpha;     /* [9n] Angstrom^3, row-major (NULL without polarizability)        */
  PetscReal *t;         /* [n] fs, or NULL when the file has no times                      */
  PetscInt  *line;      /* [n] 1-based line of the frame's comment (XYZ) or NULL           */
  PetscReal  dt;        /* fs, set by TeannSeriesSetTimeStep                               */
  PetscReal  tprec;     /* relative precision of the stored times (32-bit floats, as AMBER
                           writes them: FLT_EPSILON; 0 for doubles): widens the uniformity check */
  PetscBool  isnc;      /* read as NetCDF (else extended XYZ)                                 */
  PetscBool  atomic;    /* mu is the cell dipole built from per-atom dipoles and positions    */
  PetscInt   periodic;  /* atomic: frames with a periodic cell (unwrapped by the minimum image) */
  PetscReal  maxjump;   /* atomic, periodic: the largest frame-to-frame displacement of an atom,
                           in fractions of the cell (near 0.5 the minimum image is ambiguous)  */
  PetscInt   maxjump_frame; /* its 0-based frame                                                */
  PetscReal  netcharge; /* atomic: the largest |sum_i q_i| of a frame, e                        */
} TeannSeries;

/* Read path as predictions.nc (recognised by its NetCDF/HDF5 signature) or extended XYZ.
   want: the TEANN_SERIES_* bits needed (an error names the file when one is missing; 0:
   whatever the file has, s->has says what);
   reference: read NAME rather than NAME_predicted from a predictions.nc, and NAME= rather
   than NAME_pred= from extended XYZ (which otherwise takes teann-predict's NAME_pred= when
   the first frame has it, else NAME=); xyz_time_fs:
   the length in fs of one unit of the XYZ time= values; ch: the charges of the cell dipole
   of an extended XYZ file whose frames carry no dipole= but per-atom atomic_dipole[_pred]
   columns (NULL: such a file has no dipole). Values must be finite. */
PETSC_EXTERN PetscErrorCode TeannSeriesRead(const char path[], PetscInt want, PetscBool reference, PetscReal xyz_time_fs, const TeannAtomCharges *ch, TeannSeries *s);
/* The time step: from the file's times (uniform to rtol relative, plus the rounding of times
   stored as 32-bit floats; increasing), else dt_opt
   (fs, > 0); both given: they must agree to rtol. An error when neither exists. */
PETSC_EXTERN PetscErrorCode TeannSeriesSetTimeStep(TeannSeries *s, PetscReal dt_opt, PetscReal rtol);
PETSC_EXTERN PetscErrorCode TeannSeriesDestroy(TeannSeries *s);

/* Window of the correlation functions over lags |t| <= correlation time. */
typedef enum { TEANN_WINDOW_HANN, TEANN_WINDOW_BLACKMAN, TEANN_WINDOW_GAUSSIAN } TeannWindow;
PETSC_EXTERN const char *const TeannWindows[];
/* Quantum correction factor Q(omega) multiplying the classical spectral density. */
typedef enum { TEANN_QCF_NONE, TEANN_QCF_HARMONIC, TEANN_QCF_STANDARD } TeannQCF;
PETSC_EXTERN const char *const TeannQCFs[];

/* Spectra and channels of a TeannCorr (index order of sums[] and of the output). */
enum { TEANN_SPEC_IR, TEANN_SPEC_ISO, TEANN_SPEC_ANISO, TEANN_NSPEC };

typedef struct {
  PetscInt   which;           /* TEANN_SERIES_* bits: IR needs the dipole, Raman the polarizability */
  PetscReal  dt;              /* fs                                                             */
  PetscInt   maxlag;          /* M: lags 0..M                                                   */
  PetscReal *sum[TEANN_NSPEC]; /* [M+1] sums over pairs of the derivative products              */
  PetscReal *count;           /* [M+1] pairs per lag (equal for every spectrum)                 */
  PetscInt   nfiles, nframes; /* files and frames accumulated                                   */
} TeannCorr;

PETSC_EXTERN PetscErrorCode TeannCorrCreate(PetscInt which, PetscReal dt, PetscInt maxlag, TeannCorr *c);
/* Add the autocorrelation sums of s's derivative channels (FFT, Wiener-Khinchin). The series
   needs at least 2*maxlag + 5 frames (an error naming the file otherwise). */
PETSC_EXTERN PetscErrorCode TeannCorrAccumulate(TeannCorr *c, const TeannSeries *s);
/* Sum the accumulations of all ranks of comm (collective). */
PETSC_EXTERN PetscErrorCode TeannCorrReduce(MPI_Comm comm, TeannCorr *c);
PETSC_EXTERN PetscErrorCode TeannCorrDestroy(TeannCorr *c);

typedef struct {
  TeannWindow window;
  PetscReal   width;       /* fs: hann/blackman reach zero at +-width, gaussian's standard deviation */
  PetscInt    padding;     /* zero padding factor >= 1 of the transform                           */
  TeannQCF    qcf;
  PetscReal   temperature; /* K                                                                    */
  PetscReal   fmin, fmax;  /* cm^-1, output range                                                  */
  char        dipole_source[1024]; /* where the IR dipole came from (an attribute of the output)    */
} TeannSpectrumOptions;

typedef struct {
  PetscInt   nfreq;                 /* output points (the range fmin..fmax of the grid)         */
  PetscReal  dnu;                   /* grid spacing, cm^-1                                      */
  PetscReal  fwhm;                  /* full width at half maximum of the window's line, cm^-1   */
  PetscReal *nu;                    /* [nfreq] cm^-1                                            */
  PetscReal *spec[TEANN_NSPEC];     /* [nfreq] spectral densities (NULL when not computed)      */
  PetscInt   nlag;                  /* M + 1                                                    */
  PetscReal *lag;                   /* [nlag] fs                                                */
  PetscReal *corr[TEANN_NSPEC];     /* [nlag] pooled correlation functions, before the window   */
  PetscReal *win;                   /* [nlag] the window                                        */
} TeannSpectrum;

/* Spectra from the pooled correlation sums c (every rank holds the same c after Reduce). */
PETSC_EXTERN PetscErrorCode TeannSpectrumCompute(const TeannCorr *c, const TeannSpectrumOptions *o, TeannSpectrum *sp);
PETSC_EXTERN PetscErrorCode TeannSpectrumDestroy(TeannSpectrum *sp);
/* The quantum correction factor Q at wavenumber nu (cm^-1) and temperature T (K). */
PETSC_EXTERN PetscReal TeannQCFValue(TeannQCF q, PetscReal nu, PetscReal T);

/* spectrum.nc (CF-1.8, every option as an attribute) and the CSV beside it (same name,
   .csv), written by rank 0 of comm under temporary names and renamed when complete. */
PETSC_EXTERN PetscErrorCode TeannSpectrumWrite(MPI_Comm comm, const char path[], const TeannSpectrum *sp, const TeannCorr *c, const TeannSpectrumOptions *o, PetscInt nfiles, const char *const files[]);
/* The CSV name beside an output path (".nc" replaced by ".csv", else ".csv" appended). */
PETSC_EXTERN PetscErrorCode TeannSpectrumCSVName(const char path[], char csv[], size_t len);

/* PetscCheck with the message formatted by the C library, so that %g prints as printf has it
   (PETSc's own formatting writes 1 as "1."), as the readers' messages do. */
#define TeannCheckFmt(cond, comm, code, ...) \
  do { \
    if (PetscUnlikely(!(cond))) { \
      char _teann_m[8192]; \
      (void)snprintf(_teann_m, sizeof(_teann_m), __VA_ARGS__); \
      SETERRQ((comm), (code), "%s", _teann_m); \
    } \
  } while (0)

/* Physical constants (CODATA 2018) used for the unit conversions (doc/spectra.md). */
#define TEANN_C_CM_PER_FS   2.99792458e-5      /* speed of light, cm/fs          */
#define TEANN_HC_OVER_K     1.438776877        /* second radiation constant hc/k_B, cm K */
#define TEANN_BOHR_ANGSTROM 0.529177210903     /* Bohr radius, Angstrom          */
#endif
