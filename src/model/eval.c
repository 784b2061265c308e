/* The chunk engine: evaluation of the EANN model on the frames of one rank —
 * descriptors, batched networks, the fields of the field channels, the
 * properties' heads (heads/, called per frame), the loss (eq. 9 without the
 * L2 term, residuals from property.c) and its exact reverse-mode gradient.
 *
 * Threading: the frame list is cut into chunks of ev->chunk frames. The
 * threads take the chunks in turn, each chunk computing its own partial loss
 * and gradient in its thread's workspace and adding it exactly (exactsum.h,
 * design 3.1) into the thread's sums, which are merged exactly at the end. A
 * chunk's partial depends only on its frames, and exact sums on no order, so
 * the results do not depend on the number of threads (bit for bit), nor, when
 * every rank's frames are whole chunks of a global list, on the number of
 * ranks. Each thread has a workspace allocated once, so the hot path does not
 * allocate. */
#include "modelimpl.h"
#include "loss.h"
#include "frames.h"
#include "logimpl.h"
#include "neighbours.h"
#if defined(_OPENMP)
  #include <omp.h>
#endif


typedef struct {
  PetscInt   nf, na;                       /* frames and atoms of the current chunk          */
  PetscInt  *frame, *astart;               /* [CHUNK], [CHUNK+1]                             */
  PetscInt  *row;                          /* [maxa] row of chunk atom, atoms grouped by element */
  PetscInt   erow[TEANN_MAX_ELEMENTS + 1]; /* first row of each element                     */
  PetscReal *rt;                           /* [3*maxa] positions relative to the mass centre  */
  PetscReal *g;                            /* [nparam+1] partial gradient and loss of the current chunk, zero between chunks */
  TeannXSum *xs;                           /* the thread's exact sums of g (nparam+1), NULL until needed */
  PetscReal *PF;                           /* polarizability, general path: R f_c and its r-derivative per pair of the chunk, [maxcpairs*2K] */
  PetscInt  *pfa;                          /* [maxa+1] first pair of each chunk atom in PF; NULL: no PF */
  PetscBool  pfc;                          /* PF holds the current chunk's pairs                */
  PetscReal *O;                            /* [maxa*M*K] orbitals by chunk atom              */
  PetscReal *X, *dX;                       /* [maxa*F] densities and their adjoints, by row   */
  PetscReal *Z[TEANN_MAX_CHANNELS][TEANN_MAX_LAYERS], *S[TEANN_MAX_CHANNELS][TEANN_MAX_LAYERS], *A[TEANN_MAX_CHANNELS][TEANN_MAX_LAYERS];
  PetscReal *Y[TEANN_MAX_CHANNELS], *dY[TEANN_MAX_CHANNELS]; /* [maxa*nout] network outputs, adjoints */
  PetscReal *w1, *w2;                      /* [maxa*maxwidth] reverse-pass scratch            */
  PetscReal *dO;                           /* [M*K]                                          */
  PetscReal *pred, *gcomp;                 /* [ncomp] one frame's outputs and their adjoints  */
  PetscReal *apred, *agcomp;               /* [nacomp*maxa] per-atom outputs and their adjoints, one block of
                                              ncomp*maxa per per-atom property at head_comp*maxa */
  /* field channels (design 2.5), allocated only when the model has some; index f < npad (nfield
     rounded up to even: an odd last field is paired with an empty one, all zero) */
  PetscReal *fld[TEANN_MAX_FIELDS];        /* [3*maxa] g_i = dE_f/dr_i by chunk atom               */
  PetscReal *Vfld[TEANN_MAX_FIELDS];       /* [3*maxa] adjoints of g_i: the tangents' displacement fields */
  PetscReal *Wfld[TEANN_MAX_FIELDS], *Sfld[TEANN_MAX_FIELDS]; /* [9*CHUNK] virials per frame and their adjoints (strains) */
  PetscReal *Pfld[TEANN_MAX_FIELDS], *Cfld[TEANN_MAX_FIELDS]; /* [3*maxa] sums over own pairs per atom and their adjoints */
  PetscReal *Od[TEANN_MAX_FIELDS];         /* [maxa*M*K] orbital tangents                          */
  PetscReal *Xd[TEANN_MAX_FIELDS], *dXd[TEANN_MAX_FIELDS]; /* [maxa*F] density tangents; dE_f/drho */
  PetscReal *Zd[TEANN_MAX_LAYERS], *Ad[TEANN_MAX_LAYERS]; /* network tangents                  */
  PetscReal *Da[TEANN_MAX_FIELDS][TEANN_MAX_LAYERS]; /* adjoints of the hidden outputs of N_f behind g */
  PetscReal *w3, *w4, *ones, *dOd, *dO3;   /* scratch; dO3 [3*M*K] for the fused descriptor passes */
  PetscReal *zF;                           /* [F] zeros: the density adjoint of the second and later field pairs */
  PetscReal *mem;
} TeannWork;

struct _n_TeannEval {
  TeannModel      model;
  TeannModelImpl *im;
  TeannFrames     frames;
  PetscInt       *el;        /* [natoms] element index of every atom           */
  PetscReal       mass[TEANN_MAX_ELEMENTS];
  PetscInt        maxnat;    /* largest frame                                   */
  PetscInt        chunk;     /* frames per chunk (TeannEvalSetChunkFrames)      */
  PetscInt        maxa;      /* atoms a chunk can hold                          */
  PetscInt        maxcpairs; /* pairs within the cutoff a chunk can hold (polarizability, general path), or 0 */
  PetscInt        npad;      /* field slots: nfield rounded up to even                */
  PetscInt        fmode[TEANN_MAX_FIELDS]; /* how the heads read each field (TEANN_FIELD_*, head.h) */
  TeannNeighbours *nb;       /* pair lists of every frame (neighbours.h)                */
  PetscReal      *geo;       /* [3 npairs] r, f_c, f_c' of every pair (TeannDescPairGeometry) */
  PetscReal       scale[TEANN_NKIND]; /* loss weights per property (eq. 9)          */
  PetscInt        nwork;
  TeannWork      *work;
  PetscReal      *P;         /* pair cache of -teann_fix_radial, [natoms*nel*M*K]; with the polarizability [2K per pair] */
  const size_t   *pstart;    /* polarizability: first pair of every atom in P (the pair lists' offsets); else NULL */
  PetscBool       pfon;      /* the kernels of the current call read the polarizability's pair cache */
  PetscReal      *Peta;      /* eta and s the cache was built with, [2*nel*K]  */
  PetscBool       Pvalid;
};

static PetscInt MaxThreads(void)
{
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/* The next n reals of the workspace at *off (base NULL: only count them). */
static inline PetscReal *Take(PetscReal *base, size_t *off, size_t n)
{
  PetscReal *q = base ? base + *off : NULL;
  *off += n;
  return q;
}

/* Lay out a slot's arrays in one block: with base NULL only its length, *len; then for real. */
static void WorkCarve(TeannEval ev, TeannWork *w, PetscReal *base, size_t *len)
{
  TeannModelImpl *im = ev->im;
  const size_t    maxa = (size_t)ev->maxa, MK = (size_t)im->desc.M * im->desc.K, F = (size_t)im->desc.F, hw = maxa * im->maxwidth;

  *len    = 0;
  w->rt   = Take(base, len, 3 * maxa);
  w->O    = Take(base, len, maxa * MK);
  w->X    = Take(base, len, maxa * F);
  w->dX   = Take(base, len, maxa * F);
  w->w1   = Take(base, len, hw);
  w->w2   = Take(base, len, hw);
  w->dO   = Take(base, len, MK);
  w->pred = Take(base, len, im->ncomp);
  w->gcomp = Take(base, len, im->ncomp);
  w->apred  = Take(base, len, (size_t)im->nacomp * maxa);
  w->agcomp = Take(base, len, (size_t)im->nacomp * maxa);
  for (PetscInt ch = 0; ch < im->nchan; ch++) {
    const TeannNet *net = &im->net[ch][0];
    for (PetscInt l = 0; l < net->nl - 1; l++) {
      w->Z[ch][l] = Take(base, len, maxa * net->size[l + 1]);
      w->S[ch][l] = Take(base, len, maxa * net->size[l + 1]);
      w->A[ch][l] = Take(base, len, maxa * net->size[l + 1]);
    }
    w->Y[ch]  = Take(base, len, maxa * im->chan_nout[ch]);
    w->dY[ch] = Take(base, len, maxa * im->chan_nout[ch]);
  }
  if (im->nfield) {
    const TeannNet *net = &im->net[im->field_ch[0]][0]; /* every network has the same hidden layers */
    for (PetscInt f = 0; f < ev->npad; f++) {
      w->fld[f]  = Take(base, len, 3 * maxa);
      w->Vfld[f] = Take(base, len, 3 * maxa);
      w->Wfld[f] = Take(base, len, 9 * TEANN_CHUNK);
      w->Sfld[f] = Take(base, len, 9 * TEANN_CHUNK);
      w->Pfld[f] = Take(base, len, 3 * maxa);
      w->Cfld[f] = Take(base, len, 3 * maxa);
      w->Od[f]   = Take(base, len, maxa * MK);
      w->Xd[f]   = Take(base, len, maxa * F);
      w->dXd[f]  = Take(base, len, maxa * F);
    }
    w->w3   = Take(base, len, hw);
    w->w4   = Take(base, len, hw);
    w->ones = Take(base, len, maxa);
    w->dOd  = Take(base, len, MK);
    w->dO3  = Take(base, len, 3 * MK);
    w->zF   = Take(base, len, F);
    for (PetscInt l = 0; l < net->nl - 1; l++) {
      w->Zd[l] = Take(base, len, maxa * net->size[l + 1]);
      w->Ad[l] = Take(base, len, maxa * net->size[l + 1]);
      for (PetscInt f = 0; f < im->nfield; f++) w->Da[f][l] = Take(base, len, maxa * net->size[l + 1]);
    }
  }
}

static PetscErrorCode WorkCreate(TeannEval ev, TeannWork *w)
{
  TeannModelImpl *im   = ev->im;
  const PetscInt  maxa = ev->maxa;
  size_t          len;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(w, sizeof(*w)));
  PetscCall(PetscMalloc4(TEANN_CHUNK, &w->frame, TEANN_CHUNK + 1, &w->astart, maxa, &w->row, ev->model->nparam + 1, &w->g));
  PetscCall(PetscArrayzero(w->g, ev->model->nparam + 1)); /* kept zero between chunks (Evaluate) */
  if (ev->maxcpairs) PetscCall(PetscMalloc2((size_t)2 * im->desc.K * ev->maxcpairs, &w->PF, maxa + 1, &w->pfa));
  WorkCarve(ev, w, NULL, &len);
  PetscCall(PetscCalloc1(len, &w->mem));
  WorkCarve(ev, w, w->mem, &len);
  if (im->nfield)
    for (PetscInt q = 0; q < maxa; q++) w->ones[q] = 1.0;
  PetscFunctionReturn(0);
}

static PetscErrorCode WorkDestroy(TeannWork *w)
{
  PetscFunctionBegin;
  PetscCall(PetscFree4(w->frame, w->astart, w->row, w->g));
  PetscCall(TeannXSumDestroy(&w->xs));
  PetscCall(PetscFree2(w->PF, w->pfa));
  PetscCall(PetscFree(w->mem));
  PetscFunctionReturn(0);
}

/* One slot per thread; grows if the thread count grew since the last call (never in the hot path). */
static PetscErrorCode EnsureWork(TeannEval ev)
{
  const PetscInt nt = MaxThreads();

  PetscFunctionBegin;
  if (nt <= ev->nwork) PetscFunctionReturn(0);
  {
    TeannWork *w;
    PetscCall(PetscMalloc1(nt, &w));
    for (PetscInt t = 0; t < ev->nwork; t++) w[t] = ev->work[t];
    for (PetscInt t = ev->nwork; t < nt; t++) PetscCall(WorkCreate(ev, &w[t]));
    PetscCall(PetscFree(ev->work));
    ev->work  = w;
    ev->nwork = nt;
  }
  PetscFunctionReturn(0);
}

/* Periodic frames only for models whose every head is defined in a cell (head.h). */
static PetscErrorCode EvalCheckPeriodic(TeannEval ev)
{
  TeannFrames fr = ev->frames;

  PetscFunctionBegin;
  for (PetscInt f = 0; f < fr->nframes; f++) {
    if (!fr->pbc[f]) continue;
    for (PetscInt h = 0; h < ev->im->nhead; h++) {
      const PetscInt k = ev->im->head_k[h];
      char           mine[256] = "";

      if (ev->im->head[h]->periodic) continue;
      /* what to do next: the model's own properties a cell defines, which teann-predict
         -teann_properties can choose (TeannModelRestrictProperties), and the list of all */
      for (PetscInt j = 0; j < ev->im->nhead; j++) {
        const PetscInt kj = ev->im->head_k[j];
        if (TeannProperties[kj].not_periodic) continue;
        if (mine[0]) PetscCall(PetscStrlcat(mine, ",", sizeof(mine)));
        PetscCall(PetscStrlcat(mine, TeannProperties[kj].name, sizeof(mine)));
      }
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: frame %" PetscInt_FMT ": a periodic frame, and the model predicts the %s, which is not defined in a periodic cell (a cell's %s depends on where it is cut); fit or predict only properties defined in a cell (%s) for such frames%s%s%s", fr->source, fr->frame_id[f] + 1, TeannProperties[k].name, TeannProperties[k].name, TeannPropertyPeriodicNames(), mine[0] ? ": teann-predict -teann_properties " : " (this model predicts none of them)", mine, mine[0] ? " predicts only those of the model" : "");
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEvalCreate(TeannModel m, TeannFrames frames, TeannEval *eval)
{
  TeannEval ev;

  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call TeannModelSetUp() before TeannEvalCreate()");
  PetscCall(TeannInitializePackage());
  PetscCall(PetscCalloc1(1, &ev));
  ev->model  = m;
  ev->im     = (TeannModelImpl *)m->impl;
  ev->frames = frames;
  ev->chunk  = TEANN_CHUNK;
  for (PetscInt k = 0; k < TEANN_NKIND; k++) ev->scale[k] = 1.0;
  ev->npad = ev->im->nfield + (ev->im->nfield % 2);
  for (PetscInt e = 0; e < m->nel; e++) ev->mass[e] = TeannElementMass(m->Z[e]);
  PetscCall(PetscMalloc1(frames->natoms, &ev->el));
  for (PetscInt f = 0; f < frames->nframes; f++) {
    const PetscInt n = frames->atom_start[f + 1] - frames->atom_start[f];
    ev->maxnat       = PetscMax(ev->maxnat, n);
    for (PetscInt a = frames->atom_start[f]; a < frames->atom_start[f + 1]; a++) {
      PetscInt e;
      for (e = 0; e < m->nel; e++)
        if (m->Z[e] == frames->Z[a]) break;
      PetscCheck(e < m->nel, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s: frame %" PetscInt_FMT ": element %s is not one of the model's elements", frames->source, frames->frame_id[f] + 1, TeannElementSymbol(frames->Z[a]));
      ev->el[a] = e;
    }
  }
  PetscCall(EvalCheckPeriodic(ev));
  for (PetscInt h = 0; h < ev->im->nhead; h++) {
    const TeannHead *hd = ev->im->head[h];
    for (PetscInt c = 0; c < hd->nch; c++)
      if (hd->ch[c].field) ev->fmode[ev->im->chan_field[ev->im->head_ch[h] + c]] = hd->ch[c].mode;
  }
  PetscCall(TeannNeighboursCreate(frames, m->cutoff, &ev->nb));
  PetscCall(PetscMalloc1(3 * ev->nb->npairs + 1, &ev->geo));
#pragma omp parallel for schedule(dynamic, 16)
  for (PetscInt f = 0; f < frames->nframes; f++) { /* the cutoff function of every pair, once: coordinates do not change in a fit */
    const PetscInt a0 = frames->atom_start[f];
    TeannPairList  pl;
    TeannNeighboursFrame(ev->nb, a0, frames->x + 3 * a0, &pl);
    TeannDescPairGeometry(&ev->im->desc, &pl, frames->atom_start[f + 1] - a0, ev->geo);
  }
  ev->maxa = TEANN_CHUNK * PetscMax(ev->maxnat, 1);
  PetscCheck((PetscLogDouble)ev->maxa * ev->im->maxwidth < 2147483647.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frames with %" PetscInt_FMT " atoms are too large for 32-bit BLAS", ev->maxnat);
  if (m->fix_radial && ev->im->nfield) { /* R f_c and its derivative per pair (design 2.1), in the order of the pair lists */
    ev->pstart = ev->nb->start;
    PetscCall(PetscMalloc2((size_t)2 * m->nwave * ev->nb->npairs + 1, &ev->P, 2 * m->nel * m->nwave, &ev->Peta));
  } else if (m->fix_radial) {
    const PetscInt MK = ev->im->desc.M * ev->im->desc.K;
    PetscCall(PetscMalloc2((size_t)frames->natoms * m->nel * MK, &ev->P, 2 * m->nel * m->nwave, &ev->Peta));
  }
  if (!m->fix_radial) { /* room for the chunk's pair radials: the TEANN_CHUNK frames with most pairs */
    PetscInt *np;
    PetscCall(PetscCalloc1(frames->nframes, &np));
    for (PetscInt f = 0; f < frames->nframes; f++) np[f] = (PetscInt)(ev->nb->start[frames->atom_start[f + 1]] - ev->nb->start[frames->atom_start[f]]);
    PetscCall(PetscSortInt(frames->nframes, np));
    for (PetscInt f = PetscMax(0, frames->nframes - TEANN_CHUNK); f < frames->nframes; f++) ev->maxcpairs += np[f];
    ev->maxcpairs = PetscMax(ev->maxcpairs, 1);
    PetscCall(PetscFree(np));
  }
  PetscCall(EnsureWork(ev));
  *eval = ev;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEvalSetLossScale(TeannEval ev, TeannProp p, PetscReal scale)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if (TeannProperties[k].bit == p) {
      ev->scale[k] = scale;
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "no loss scale for property %s", TeannPropName(p));
}

PetscErrorCode TeannEvalSetChunkFrames(TeannEval ev, PetscInt nf)
{
  PetscFunctionBegin;
  PetscCheck(nf >= 1 && nf <= TEANN_CHUNK, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frames per chunk must be 1..%d, got %" PetscInt_FMT, TEANN_CHUNK, nf);
  ev->chunk = nf;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEvalDestroy(TeannEval *eval)
{
  TeannEval ev = *eval;

  PetscFunctionBegin;
  if (!ev) PetscFunctionReturn(0);
  for (PetscInt t = 0; t < ev->nwork; t++) PetscCall(WorkDestroy(&ev->work[t]));
  PetscCall(PetscFree(ev->work));
  PetscCall(PetscFree(ev->el));
  PetscCall(PetscFree2(ev->P, ev->Peta));
  PetscCall(TeannNeighboursDestroy(&ev->nb));
  PetscCall(PetscFree(ev->geo));
  PetscCall(PetscFree(ev));
  *eval = NULL;
  PetscFunctionReturn(0);
}

/* The pair lists of the frame whose first atom is a0, with the geometry cache. */
static inline void FramePairs(TeannEval ev, PetscInt a0, TeannPairList *pl)
{
  TeannNeighboursFrame(ev->nb, a0, ev->frames->x + 3 * a0, pl);
  pl->geo = ev->geo;
}

/* The pair cache depends on eta and s: (re)build it whenever theta holds other values than it was built with. */
static PetscErrorCode EnsureCache(TeannEval ev, const PetscReal theta[])
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  const PetscInt  nk = ev->model->nel * ev->model->nwave, MK = im->desc.M * im->desc.K, nel = ev->model->nel;
  PetscBool       same;

  PetscFunctionBegin;
  same = ev->Pvalid;
  for (PetscInt q = 0; q < nk && same; q++)
    if (theta[im->off_eta + q] != ev->Peta[q] || theta[im->off_s + q] != ev->Peta[nk + q]) same = PETSC_FALSE;
  if (same) PetscFunctionReturn(0);
  PetscCall(PetscInfo(NULL, "building the pair cache of %" PetscInt_FMT " atoms\n", fr->natoms));
  PetscCall(PetscLogEventBegin(TEANN_EVENT_Descriptor, 0, 0, 0, 0));
#pragma omp parallel for schedule(dynamic, 16)
  for (PetscInt f = 0; f < fr->nframes; f++) {
    const PetscInt a0 = fr->atom_start[f], n = fr->atom_start[f + 1] - a0;
    TeannPairList  pl;
    FramePairs(ev, a0, &pl);
    for (PetscInt i = 0; i < n; i++) {
      if (ev->pstart) (void)TeannDescPairRadials(&im->desc, theta + im->off_eta, theta + im->off_s, &pl, ev->el + a0, i, ev->P + (size_t)2 * im->desc.K * ev->pstart[a0 + i]);
      else TeannDescCacheAtom(&im->desc, theta + im->off_eta, theta + im->off_s, &pl, ev->el + a0, i, ev->P + (size_t)(a0 + i) * nel * MK);
    }
  }
  PetscCall(PetscLogEventEnd(TEANN_EVENT_Descriptor, 0, 0, 0, 0));
  for (PetscInt q = 0; q < nk; q++) {
    ev->Peta[q]      = theta[im->off_eta + q];
    ev->Peta[nk + q] = theta[im->off_s + q];
  }
  ev->Pvalid = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- per-chunk kernels (run in threads) */


/* The polarizability's radials of local atom a (chunk atom ca): from the cache of -teann_fix_radial,
   from the chunk's own table, or NULL (computed by the kernels). */
static inline const PetscReal *PairRadials(TeannEval ev, const TeannWork *w, PetscInt a, PetscInt ca)
{
  if (ev->pfon) return ev->P + (size_t)2 * ev->im->desc.K * ev->pstart[a];
  return w->pfc ? w->PF + (size_t)2 * ev->im->desc.K * w->pfa[ca] : NULL;
}

/* The general path visits every pair in several passes (the descriptor and its reverse; with
   field channels the fused position gradients, tangents, parameter gradient): R f_c and its
   r-derivative of the chunk's pairs are computed once here for all of them, with theta's eta and s. */
static void ChunkPairRadials(TeannEval ev, TeannWork *w, const PetscReal theta[])
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;

  w->pfc = PETSC_FALSE;
  if (ev->pfon || !w->pfa) return;
  w->pfa[0] = 0;
  for (PetscInt q = 0; q < w->nf; q++) {
    const PetscInt a0 = fr->atom_start[w->frame[q]], n = fr->atom_start[w->frame[q] + 1] - a0, c0 = w->astart[q];
    TeannPairList  pl;
    FramePairs(ev, a0, &pl);
    for (PetscInt i = 0; i < n; i++) w->pfa[c0 + i + 1] = w->pfa[c0 + i] + TeannDescPairRadials(&im->desc, theta + im->off_eta, theta + im->off_s, &pl, ev->el + a0, i, w->PF + (size_t)2 * im->desc.K * w->pfa[c0 + i]);
  }
  w->pfc = PETSC_TRUE;
}

/* Frames idx[0..nf-1] into the slot: atom rows grouped by element, centred positions. */
static void ChunkSetup(TeannEval ev, TeannWork *w, PetscInt nf, const PetscInt idx[])
{
  TeannFrames    fr  = ev->frames;
  const PetscInt nel = ev->model->nel;
  PetscInt       next[TEANN_MAX_ELEMENTS], na = 0;

  for (PetscInt e = 0; e <= nel; e++) w->erow[e] = 0;
  w->nf = nf;
  for (PetscInt q = 0; q < nf; q++) {
    const PetscInt f = idx[q], a0 = fr->atom_start[f], n = fr->atom_start[f + 1] - a0;
    PetscReal      c[3] = {0, 0, 0}, M = 0;
    w->frame[q]  = f;
    w->astart[q] = na;
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal mi = ev->mass[ev->el[a0 + i]];
      w->erow[ev->el[a0 + i] + 1]++;
      M += mi;
      for (PetscInt d = 0; d < 3; d++) c[d] += mi * fr->x[3 * (a0 + i) + d];
    }
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt d = 0; d < 3; d++) w->rt[3 * (na + i) + d] = fr->x[3 * (a0 + i) + d] - c[d] / M;
    na += n;
  }
  w->astart[nf] = na;
  w->na         = na;
  for (PetscInt e = 0; e < nel; e++) w->erow[e + 1] += w->erow[e];
  for (PetscInt e = 0; e < nel; e++) next[e] = w->erow[e];
  for (PetscInt q = 0; q < nf; q++) {
    const PetscInt a0 = fr->atom_start[w->frame[q]];
    for (PetscInt i = 0; i < w->astart[q + 1] - w->astart[q]; i++) w->row[w->astart[q] + i] = next[ev->el[a0 + i]]++;
  }
}

static void ChunkDescriptor(TeannEval ev, TeannWork *w, const PetscReal theta[], PetscBool cached)
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  const PetscInt  MK = im->desc.M * im->desc.K, F = im->desc.F, nel = ev->model->nel;

  for (PetscInt q = 0; q < w->nf; q++) {
    const PetscInt a0 = fr->atom_start[w->frame[q]], n = fr->atom_start[w->frame[q] + 1] - a0;
    TeannPairList  pl;
    FramePairs(ev, a0, &pl);
    for (PetscInt i = 0; i < n; i++) {
      const PetscInt ca = w->astart[q] + i;
      if (cached) TeannDescCachedForward(&im->desc, theta + im->off_c, ev->P + (size_t)(a0 + i) * nel * MK, w->O + ca * MK, w->X + w->row[ca] * F);
      else TeannDescAtom(&im->desc, theta + im->off_c, theta + im->off_eta, theta + im->off_s, PairRadials(ev, w, a0 + i, ca), &pl, ev->el + a0, i, w->O + ca * MK, w->X + w->row[ca] * F);
    }
  }
}

/* Pointers to hidden-layer storage of channel ch starting at row r0. */
static void LayerPointers(TeannWork *w, const TeannNet *net, PetscInt ch, PetscInt r0, PetscReal *Z[], PetscReal *S[], PetscReal *A[])
{
  for (PetscInt l = 0; l < net->nl - 1; l++) {
    Z[l] = w->Z[ch][l] + r0 * net->size[l + 1];
    S[l] = w->S[ch][l] + r0 * net->size[l + 1];
    A[l] = w->A[ch][l] + r0 * net->size[l + 1];
  }
}

static void ChunkForward(TeannEval ev, TeannWork *w, const PetscReal theta[])
{
  TeannModelImpl *im = ev->im;
  const PetscInt  F  = im->desc.F;

  for (PetscInt ch = 0; ch < im->nchan; ch++) {
    for (PetscInt e = 0; e < ev->model->nel; e++) {
      const TeannNet *net = &im->net[ch][e];
      const PetscInt  r0 = w->erow[e], ne = w->erow[e + 1] - r0;
      PetscReal      *Z[TEANN_MAX_LAYERS], *S[TEANN_MAX_LAYERS], *A[TEANN_MAX_LAYERS];
      if (!ne) continue;
      LayerPointers(w, net, ch, r0, Z, S, A);
      TeannNetForward(net, ev->model->act, theta, ne, w->X + r0 * F, Z, S, A, w->Y[ch] + r0 * im->chan_nout[ch]);
    }
  }
}

/* The head of the h-th fitted property seen from frame q of the chunk: its channels' outputs and
   fields, and (adj not NULL) where its adjoints go. */
static void HeadFrame(TeannEval ev, TeannWork *w, PetscInt h, PetscInt q, TeannHeadFrame *hf, TeannHeadAdjoint *adj, PetscReal drt[])
{
  TeannModelImpl  *im = ev->im;
  const TeannHead *hd = im->head[h];
  const PetscInt   ca0 = w->astart[q];

  hf->n              = w->astart[q + 1] - ca0;
  hf->row            = w->row + ca0;
  hf->rt             = w->rt + 3 * ca0;
  hf->charge         = ev->frames->y[TEANN_K_CHARGE][w->frame[q]];
  hf->charge_neutral = ev->model->charge_neutral;
  hf->rc             = ev->model->cutoff;
  FramePairs(ev, ev->frames->atom_start[w->frame[q]], &hf->pl);
  if (adj) adj->drt = drt;
  for (PetscInt c = 0; c < hd->nch; c++) {
    const PetscInt ch = im->head_ch[h] + c, f = im->chan_field[ch];
    hf->Y[c] = f < 0 ? w->Y[ch] : NULL;
    hf->G[c] = f < 0 ? NULL : w->fld[f] + 3 * ca0;
    hf->W[c] = f < 0 ? NULL : w->Wfld[f] + 9 * q;
    hf->P[c] = f < 0 ? NULL : w->Pfld[f] + 3 * ca0;
    if (adj) {
      adj->dY[c] = f < 0 ? w->dY[ch] : NULL;
      adj->V[c]  = f < 0 ? NULL : w->Vfld[f] + 3 * ca0;
      adj->S[c]  = f < 0 ? NULL : w->Sfld[f] + 9 * q;
      adj->C[c]  = f < 0 ? NULL : w->Cfld[f] + 3 * ca0;
    }
  }
}

/* The displacement of the pair vectors along the adjoint of field f of frame q (descriptor.h): V, C or S
   as the field's heads read it (an empty pad field: its V, which stays zero). */
static inline void FieldTangent(TeannEval ev, TeannWork *w, PetscInt f, PetscInt q, TeannTangent *T)
{
  const PetscInt mode = f < ev->im->nfield ? ev->fmode[f] : 0, c0 = w->astart[q];

  T->V = mode ? NULL : w->Vfld[f] + 3 * c0;
  T->C = (mode & TEANN_FIELD_OWN) ? w->Cfld[f] + 3 * c0 : NULL;
  T->S = (mode & TEANN_FIELD_VIRIAL) ? w->Sfld[f] + 9 * q : NULL;
}

/* Where head h writes the outputs of frame q (per-atom: its block of w->apred), and their adjoints. */
static inline PetscReal *HeadOut(TeannEval ev, TeannWork *w, PetscInt h, PetscInt q, PetscBool adjoint)
{
  const PetscInt k = ev->im->head_k[h];

  if (!TeannProperties[k].peratom) return (adjoint ? w->gcomp : w->pred) + ev->im->head_comp[h];
  return (adjoint ? w->agcomp : w->apred) + (size_t)ev->im->head_comp[h] * ev->maxa + (size_t)TeannProperties[k].ncomp * w->astart[q];
}

/* Outputs of frame q of the chunk into w->pred (and w->apred): every head in turn. */
static void FrameOutputs(TeannEval ev, TeannWork *w, PetscInt q)
{
  TeannModelImpl *im = ev->im;

  for (PetscInt h = 0; h < im->nhead; h++) {
    TeannHeadFrame hf;
    HeadFrame(ev, w, h, q, &hf, NULL, NULL);
    im->head[h]->forward(&hf, HeadOut(ev, w, h, q, PETSC_FALSE));
  }
}

/* Reverse mode of FrameOutputs from w->gcomp: writes the output adjoints dY and the field adjoints
   of frame q's atoms and, if drt is not NULL, accumulates the adjoints of the centred positions drt[3n]. */
static void FrameBackward(TeannEval ev, TeannWork *w, PetscInt q, PetscReal drt[])
{
  TeannModelImpl *im = ev->im;

  for (PetscInt h = 0; h < im->nhead; h++) {
    TeannHeadFrame   hf;
    TeannHeadAdjoint adj;
    HeadFrame(ev, w, h, q, &hf, &adj, drt);
    im->head[h]->backward(&hf, HeadOut(ev, w, h, q, PETSC_TRUE), &adj);
  }
}

/* Per-atom outputs of frame q into a[i*nacomp + head_comp + c]. */
static void AtomOutputs(TeannEval ev, TeannWork *w, PetscInt q, PetscReal a[])
{
  TeannModelImpl *im = ev->im;
  const PetscInt  n  = w->astart[q + 1] - w->astart[q];

  for (PetscInt h = 0; h < im->nhead; h++) {
    const PetscInt   k = im->head_k[h], nc = TeannProperties[k].ncomp;
    const PetscReal *p = HeadOut(ev, w, h, q, PETSC_FALSE);
    if (!TeannProperties[k].peratom) continue;
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt c = 0; c < nc; c++) a[i * im->nacomp + im->head_comp[h] + c] = p[nc * i + c];
  }
}

/* Loss of frame q from w->pred (the residuals of property.c); sets w->gcomp to its gradient with respect to the outputs. */
static PetscReal FrameLoss(TeannEval ev, TeannWork *w, PetscInt q)
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  const PetscInt  f  = w->frame[q];
  PetscReal       loss = 0;

  for (PetscInt c = 0; c < im->ncomp; c++) w->gcomp[c] = 0;
  for (PetscInt h = 0; h < im->nhead; h++) {
    const PetscInt k = im->head_k[h], nc = TeannProperties[k].ncomp;
    if (TeannProperties[k].peratom) { /* every labelled atom (a NaN row: none) */
      const PetscInt   a0 = fr->atom_start[f], n = fr->atom_start[f + 1] - a0;
      const PetscReal *p = HeadOut(ev, w, h, q, PETSC_FALSE);
      PetscReal       *gp = HeadOut(ev, w, h, q, PETSC_TRUE);
      for (PetscInt i = 0; i < n; i++) {
        const PetscReal *y = fr->y[k] + (size_t)nc * (a0 + i);
        if (!(fr->fprops[f] & TeannProperties[k].bit) || PetscIsNanReal(y[0])) {
          for (PetscInt c = 0; c < nc; c++) gp[nc * i + c] = 0;
          continue;
        }
        TeannPropertyLoss(k, ev->scale[k], p + nc * i, y, &loss, gp + nc * i);
      }
      continue;
    }
    if (!(fr->fprops[f] & TeannProperties[k].bit)) continue;
    TeannPropertyLoss(k, ev->scale[k], w->pred + im->head_comp[h], fr->y[k] + nc * f, &loss, w->gcomp + im->head_comp[h]);
  }
  return loss;
}

static void ChunkNetBackward(TeannEval ev, TeannWork *w, const PetscReal theta[], PetscReal g[])
{
  TeannModelImpl *im = ev->im;
  const PetscInt  F  = im->desc.F;

  for (PetscInt q = 0; q < w->na * F; q++) w->dX[q] = 0;
  for (PetscInt ch = 0; ch < im->nchan; ch++) {
    if (im->chan_field[ch] >= 0) continue; /* a field's E enters through its gradient only */
    for (PetscInt e = 0; e < ev->model->nel; e++) {
      const TeannNet *net = &im->net[ch][e];
      const PetscInt  r0 = w->erow[e], ne = w->erow[e + 1] - r0, no = im->chan_nout[ch];
      PetscReal      *Z[TEANN_MAX_LAYERS], *S[TEANN_MAX_LAYERS], *A[TEANN_MAX_LAYERS];
      if (!ne) continue;
      LayerPointers(w, net, ch, r0, Z, S, A);
      TeannNetBackward(net, ev->model->act, theta, ne, w->X + r0 * F, Z, S, A, w->dY[ch] + r0 * no, w->w1, w->w2, g, w->dX + r0 * F);
    }
  }
}

/* Reverse mode through the descriptors from w->dX (and, with field channels, the tangent adjoints
   w->dXd[f]): parameter gradient into g (NULL: skip), positions into dx (single-frame chunk; NULL: skip). */
static void ChunkDescriptorBackward(TeannEval ev, TeannWork *w, const PetscReal theta[], PetscBool cached, PetscReal g[], PetscReal dx[])
{
  TeannModelImpl  *im = ev->im;
  TeannFrames      fr = ev->frames;
  const PetscInt   MK = im->desc.M * im->desc.K, F = im->desc.F, nel = ev->model->nel;
  const PetscReal *c = theta + im->off_c, *eta = theta + im->off_eta, *s = theta + im->off_s;
  PetscReal       *gc = g ? g + im->off_c : NULL, *ge = g ? g + im->off_eta : NULL, *gs = g ? g + im->off_s : NULL;

  for (PetscInt q = 0; q < w->nf; q++) {
    const PetscInt a0 = fr->atom_start[w->frame[q]], n = fr->atom_start[w->frame[q] + 1] - a0, c0 = w->astart[q];
    TeannPairList  pl;
    TeannTangent   T[TEANN_MAX_FIELDS];
    FramePairs(ev, a0, &pl);
    for (PetscInt f = 0; f < ev->npad; f++) FieldTangent(ev, w, f, q, &T[f]);
    for (PetscInt i = 0; i < n; i++) {
      const PetscInt ca = c0 + i;
      if (im->nfield && gc && !dx) { /* the loss gradient and Jacobian rows: one pass over the pairs per two fields */
        for (PetscInt p = 0; p < ev->npad; p += 2) TeannDescAtomFieldPairBackward(&im->desc, c, eta, s, PairRadials(ev, w, a0 + i, ca), &pl, ev->el + a0, i, &T[p], &T[p + 1], w->O + ca * MK, w->Od[p] + ca * MK, w->Od[p + 1] + ca * MK, p ? w->zF : w->dX + w->row[ca] * F, w->dXd[p] + w->row[ca] * F, w->dXd[p + 1] + w->row[ca] * F, w->dO3, gc, ev->model->fix_radial ? NULL : ge, ev->model->fix_radial ? NULL : gs);
        continue;
      }
      if (cached) TeannDescCachedBackward(&im->desc, ev->P + (size_t)(a0 + i) * nel * MK, w->O + ca * MK, w->dX + w->row[ca] * F, w->dO, gc);
      else TeannDescAtomBackward(&im->desc, c, eta, s, PairRadials(ev, w, a0 + i, ca), &pl, ev->el + a0, i, w->O + ca * MK, w->dX + w->row[ca] * F, w->dO, gc, ge, gs, dx);
      for (PetscInt f = 0; f < im->nfield; f++) TeannDescAtomTangentBackward(&im->desc, c, eta, s, &pl, ev->el + a0, i, &T[f], w->O + ca * MK, w->Od[f] + ca * MK, w->dXd[f] + w->row[ca] * F, w->dO, w->dOd, gc, ge, gs, dx);
    }
  }
}

/* The fields g_i = dE_f/dr_i of every field channel for every atom of the chunk (reverse mode to
   positions, two fields per visit of the pairs). */
static void ChunkFields(TeannEval ev, TeannWork *w, const PetscReal theta[])
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  const PetscInt  MK = im->desc.M * im->desc.K, F = im->desc.F;

  /* dE_f/drho is also the adjoint of the density tangent in ChunkFieldTangent: keep it in dXd[f] */
  for (PetscInt f = 0; f < im->nfield; f++) {
    const PetscInt ch  = im->field_ch[f];
    PetscReal     *pos = w->fld[f], *dX = w->dXd[f];
    for (PetscInt q = 0; q < w->na * F; q++) dX[q] = 0;
    for (PetscInt q = 0; q < 3 * w->na; q++) pos[q] = 0;
    for (PetscInt e = 0; e < ev->model->nel; e++) {
      const TeannNet *net = &im->net[ch][e];
      const PetscInt  r0 = w->erow[e], ne = w->erow[e + 1] - r0;
      PetscReal      *Z[TEANN_MAX_LAYERS], *S[TEANN_MAX_LAYERS], *A[TEANN_MAX_LAYERS], *Da[TEANN_MAX_LAYERS];
      if (!ne) continue;
      LayerPointers(w, net, ch, r0, Z, S, A);
      for (PetscInt l = 0; l < net->nl - 1; l++) Da[l] = w->Da[f][l] + r0 * net->size[l + 1];
      TeannNetInputGradient(net, ev->model->act, theta, ne, Z, S, w->ones, Da, w->w1, dX + r0 * F);
    }
  }
  for (PetscInt p = 0; p < ev->npad; p += 2) {
    const PetscInt modes = (p < im->nfield ? ev->fmode[p] : 0) | (p + 1 < im->nfield ? ev->fmode[p + 1] : 0);
    for (PetscInt q = 0; q < w->nf; q++) {
      const PetscInt a0 = fr->atom_start[w->frame[q]], n = fr->atom_start[w->frame[q] + 1] - a0, c0 = w->astart[q];
      PetscReal     *W1 = (modes & TEANN_FIELD_VIRIAL) ? w->Wfld[p] + 9 * q : NULL, *W2 = W1 ? w->Wfld[p + 1] + 9 * q : NULL;
      TeannPairList  pl;
      FramePairs(ev, a0, &pl);
      if (W1)
        for (PetscInt k = 0; k < 9; k++) W1[k] = W2[k] = 0;
      for (PetscInt i = 0; i < n; i++) {
        const PetscInt ca = c0 + i;
        PetscReal     *p1 = (modes & TEANN_FIELD_OWN) ? w->Pfld[p] + 3 * ca : NULL, *p2 = p1 ? w->Pfld[p + 1] + 3 * ca : NULL;
        if (p1)
          for (PetscInt k = 0; k < 3; k++) p1[k] = p2[k] = 0;
        TeannDescAtomPositionGradient2(&im->desc, theta + im->off_c, theta + im->off_eta, theta + im->off_s, PairRadials(ev, w, a0 + i, ca), &pl, ev->el + a0, i, w->O + ca * MK, w->dXd[p] + w->row[ca] * F, w->dXd[p + 1] + w->row[ca] * F, w->dO3, w->fld[p] + 3 * c0, w->fld[p + 1] + 3 * c0, W1, W2, p1, p2);
      }
    }
  }
}

/* Design 2.5: tangents of the densities along the fields' adjoints Vfld[f], then the reverse pass over
   the tangents of every E_f through its networks: parameter gradient into g (NULL: skip), density
   adjoints added to w->dX; the tangent adjoints are dE_f/drho, left in w->dXd[f] by ChunkFields.
   Call after ChunkNetBackward (which clears dX). */
static void ChunkFieldTangent(TeannEval ev, TeannWork *w, const PetscReal theta[], PetscReal g[])
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  const PetscInt  MK = im->desc.M * im->desc.K, F = im->desc.F;

  for (PetscInt p = 0; p < ev->npad; p += 2)
    for (PetscInt q = 0; q < w->nf; q++) {
      const PetscInt a0 = fr->atom_start[w->frame[q]], n = fr->atom_start[w->frame[q] + 1] - a0, c0 = w->astart[q];
      TeannPairList  pl;
      TeannTangent   T1, T2;
      FramePairs(ev, a0, &pl);
      FieldTangent(ev, w, p, q, &T1);
      FieldTangent(ev, w, p + 1, q, &T2);
      for (PetscInt i = 0; i < n; i++) {
        const PetscInt ca = c0 + i;
        TeannDescAtomTangent2(&im->desc, theta + im->off_c, theta + im->off_eta, theta + im->off_s, PairRadials(ev, w, a0 + i, ca), &pl, ev->el + a0, i, &T1, &T2, w->O + ca * MK, w->Od[p] + ca * MK, w->Od[p + 1] + ca * MK, w->Xd[p] + w->row[ca] * F, w->Xd[p + 1] + w->row[ca] * F);
      }
    }
  for (PetscInt f = 0; f < im->nfield; f++) {
    const PetscInt ch = im->field_ch[f];
    for (PetscInt e = 0; e < ev->model->nel; e++) {
      const TeannNet *net = &im->net[ch][e];
      const PetscInt  r0 = w->erow[e], ne = w->erow[e + 1] - r0;
      PetscReal      *Z[TEANN_MAX_LAYERS], *S[TEANN_MAX_LAYERS], *A[TEANN_MAX_LAYERS], *Zd[TEANN_MAX_LAYERS], *Ad[TEANN_MAX_LAYERS], *Da[TEANN_MAX_LAYERS];
      if (!ne) continue;
      LayerPointers(w, net, ch, r0, Z, S, A);
      for (PetscInt l = 0; l < net->nl - 1; l++) {
        Zd[l] = w->Zd[l] + r0 * net->size[l + 1];
        Ad[l] = w->Ad[l] + r0 * net->size[l + 1];
        Da[l] = w->Da[f][l] + r0 * net->size[l + 1];
      }
      TeannNetTangentBackward(net, ev->model->act, theta, ne, w->X + r0 * F, Z, S, A, w->Xd[f] + r0 * F, Zd, Ad, w->ones, Da, w->w1, w->w2, w->w3, w->w4, g, w->dX + r0 * F);
    }
  }
}

/* ---------------------------------------------------------------- driver */

/* All phases of one chunk (frames idx[0..nf-1], the k0-th and following of the call); the chunk's
   gradient is accumulated into g, which is zero on entry. Runs inside the
   parallel region of Evaluate(), where PetscCall cannot return: only the thread with log set (thread 0,
   the one PETSc's logging belongs to) times its phases and counts its flops, and the logging error
   code is returned. With several threads the events therefore show the work of thread 0. */
static PetscErrorCode ProcessChunk(TeannEval ev, TeannWork *w, const PetscReal theta[], PetscInt nf, const PetscInt idx[], PetscInt k0, PetscBool cached, PetscReal *loss, PetscReal g[], PetscReal out[], PetscReal aout[], const size_t aoff[], PetscBool log)
{
  TeannModel      m  = ev->model;
  TeannModelImpl *im = ev->im;
  PetscErrorCode  ierr = 0;
  PetscLogDouble  fnet = 0, fdesc = 0;

  if (log) ierr |= PetscLogEventBegin(TEANN_EVENT_Descriptor, 0, 0, 0, 0);
  ChunkSetup(ev, w, nf, idx);
  ChunkPairRadials(ev, w, theta);
  ChunkDescriptor(ev, w, theta, cached);
  if (log) {
    for (PetscInt ch = 0; ch < im->nchan; ch++) fnet += TeannNetFlops(&im->net[ch][0]);
    if (cached) fdesc = 2.0 * w->na * m->nel * im->desc.M * im->desc.K;
    else
      for (PetscInt q = 0; q < w->nf; q++) {
        const PetscInt f = w->frame[q];
        fdesc += (PetscLogDouble)(ev->nb->start[ev->frames->atom_start[f + 1]] - ev->nb->start[ev->frames->atom_start[f]]) * (m->nwave * (2.0 * im->desc.M + 8) + 40);
      }
    ierr |= PetscLogFlops(fdesc);
    ierr |= PetscLogEventEnd(TEANN_EVENT_Descriptor, 0, 0, 0, 0);
    ierr |= PetscLogEventBegin(TEANN_EVENT_NetForward, 0, 0, 0, 0);
  }
  ChunkForward(ev, w, theta);
  if (log) {
    ierr |= PetscLogFlops(2.0 * fnet * w->na);
    ierr |= PetscLogEventEnd(TEANN_EVENT_NetForward, 0, 0, 0, 0);
    ierr |= PetscLogEventBegin(TEANN_EVENT_NetBackward, 0, 0, 0, 0);
  }
  *loss = 0;
  if (im->nfield) ChunkFields(ev, w, theta);
  for (PetscInt q = 0; q < w->nf; q++) {
    FrameOutputs(ev, w, q);
    if (out)
      for (PetscInt c = 0; c < im->ncomp; c++) out[(k0 + q) * im->ncomp + c] = w->pred[c];
    if (aout) AtomOutputs(ev, w, q, aout + aoff[k0 + q] * im->nacomp);
    *loss += FrameLoss(ev, w, q);
    if (g) FrameBackward(ev, w, q, NULL);
  }
  if (g) {
    ChunkNetBackward(ev, w, theta, g);
    if (im->nfield) ChunkFieldTangent(ev, w, theta, g);
  }
  if (log) {
    if (g) {
      PetscLogDouble fhead = 0; /* the heads' forward and reverse passes, counted here with the networks' reverse pass */
      for (PetscInt h = 0; h < im->nhead; h++) fhead += im->head[h]->flops;
      ierr |= PetscLogFlops((4.0 * fnet + fhead) * w->na);
    }
    ierr |= PetscLogEventEnd(TEANN_EVENT_NetBackward, 0, 0, 0, 0);
  }
  if (g) {
    if (log) ierr |= PetscLogEventBegin(TEANN_EVENT_Descriptor, 0, 0, 0, 0);
    ChunkDescriptorBackward(ev, w, theta, cached, g, NULL);
    if (log) {
      ierr |= PetscLogFlops(2 * fdesc);
      ierr |= PetscLogEventEnd(TEANN_EVENT_Descriptor, 0, 0, 0, 0);
    }
  }
  return ierr;
}

/* One parallel region: the threads share out the chunks (thread t takes chunks t, t+nt, ... with its
   own workspace) and add each chunk's partial gradient and loss into their own exact sums, which are
   then merged into acc (not NULL: loss and gradient; design 3.1). */
static PetscErrorCode Evaluate(TeannEval ev, const PetscReal theta[], PetscInt n, const PetscInt idx[], TeannXSum *acc, PetscReal out[], PetscReal aout[])
{
  TeannModel      m  = ev->model;
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  const PetscBool cached = (PetscBool)(m->fix_radial && !im->nfield); /* fields need position derivatives: general path */
  const PetscInt  B = ev->chunk, nchunk = (n + B - 1) / B, nparam = m->nparam;
  PetscErrorCode  lerr = 0;
  size_t         *aoff = NULL;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < n; k++) PetscCheck(idx[k] >= 0 && idx[k] < fr->nframes, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame index %" PetscInt_FMT " out of range 0..%" PetscInt_FMT, idx[k], fr->nframes - 1);
  if (aout) { /* first atom of each listed frame in aout */
    PetscCall(PetscMalloc1(n + 1, &aoff));
    aoff[0] = 0;
    for (PetscInt k = 0; k < n; k++) aoff[k + 1] = aoff[k] + (size_t)(fr->atom_start[idx[k] + 1] - fr->atom_start[idx[k]]);
  }
  PetscCall(EnsureWork(ev));
  if (m->fix_radial) PetscCall(EnsureCache(ev, theta));
  ev->pfon = (PetscBool)(m->fix_radial && im->nfield);
  if (acc) {
    PetscCheck(acc->n == nparam + 1, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "exact sums of %" PetscInt_FMT " values for %" PetscInt_FMT " parameters and the loss", acc->n, nparam + 1);
    for (PetscInt t = 1; t < ev->nwork; t++) { /* thread 0 adds into acc itself */
      if (!ev->work[t].xs) PetscCall(TeannXSumCreate(nparam + 1, &ev->work[t].xs));
      TeannXSumZero(ev->work[t].xs);
    }
  }
#pragma omp parallel
  {
    TeannWork *w = &ev->work[0];
#if defined(_OPENMP)
    w = &ev->work[omp_get_thread_num()];
#endif
#pragma omp for schedule(static, 1)
    for (PetscInt s = 0; s < nchunk; s++) {
      const PetscInt k0 = s * B;
      PetscErrorCode e  = ProcessChunk(ev, w, theta, PetscMin(B, n - k0), idx + k0, k0, cached, &w->g[nparam], acc ? w->g : NULL, out, aout, aoff, (PetscBool)(w == &ev->work[0]));
      if (e) lerr = e; /* only thread 0 logs, so only it can set lerr */
      if (acc) {
        if (m->fix_radial) /* the general path differentiates eta and s too; they are fixed */
          for (PetscInt q = 0; q < m->nel * m->nwave; q++) w->g[im->off_eta + q] = w->g[im->off_s + q] = 0;
        TeannXSumAddClear(w == &ev->work[0] ? acc : w->xs, w->g);
      }
    }
  }
  PetscCall(PetscFree(aoff));
  PetscCall(lerr);
  if (acc)
    for (PetscInt t = 1; t < ev->nwork; t++) TeannXSumMerge(acc, ev->work[t].xs);
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEvalLossGradientSum(TeannEval ev, const PetscReal theta[], PetscInt n, const PetscInt idx[], TeannXSum *acc)
{
  PetscFunctionBegin;
  PetscCall(Evaluate(ev, theta, n, idx, acc, NULL, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEvalLossGradient(TeannEval ev, const PetscReal theta[], PetscInt n, const PetscInt idx[], PetscReal *loss, PetscReal grad[])
{
  TeannXSum *acc;
  PetscReal *v;

  PetscFunctionBegin;
  PetscCall(TeannXSumCreate(ev->model->nparam + 1, &acc));
  PetscCall(Evaluate(ev, theta, n, idx, acc, NULL, NULL));
  PetscCall(PetscMalloc1(ev->model->nparam + 1, &v));
  TeannXSumGet(acc, v);
  if (grad) PetscCall(PetscArraycpy(grad, v, ev->model->nparam));
  if (loss) *loss = v[ev->model->nparam];
  PetscCall(PetscFree(v));
  PetscCall(TeannXSumDestroy(&acc));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEvalPredict(TeannEval ev, const PetscReal theta[], PetscInt n, const PetscInt idx[], PetscReal out[])
{
  PetscFunctionBegin;
  PetscCall(Evaluate(ev, theta, n, idx, NULL, out, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEvalPredictAtoms(TeannEval ev, const PetscReal theta[], PetscInt n, const PetscInt idx[], PetscReal out[], PetscReal aout[])
{
  PetscFunctionBegin;
  PetscCall(Evaluate(ev, theta, n, idx, NULL, out, aout));
  PetscFunctionReturn(0);
}

/* Moments of the density features (eq. 4) per element, for the fit's standardisation (design 2.4,
   eq. 9c): acc (nel*(2F+1) sums) receives, per element e, the atom count and the sums of X and X^2
   of every feature, one chunk's partial at a time, so that with the caller's fixed chunks the sums
   over all ranks do not depend on the rank count. Serial: it runs once per fit. */
PetscErrorCode TeannEvalFeatureMoments(TeannEval ev, const PetscReal theta[], PetscInt n, const PetscInt idx[], TeannXSum *acc)
{
  TeannModel      m  = ev->model;
  TeannModelImpl *im = ev->im;
  const PetscInt  F = im->desc.F, nel = m->nel, nv = nel * (2 * F + 1), B = ev->chunk;
  const PetscBool cached = (PetscBool)(m->fix_radial && !im->nfield);
  TeannWork      *w;
  PetscReal      *part;

  PetscFunctionBegin;
  PetscCheck(acc->n == nv, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "exact sums of %" PetscInt_FMT " values for %" PetscInt_FMT " feature moments", acc->n, nv);
  for (PetscInt k = 0; k < n; k++) PetscCheck(idx[k] >= 0 && idx[k] < ev->frames->nframes, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame index %" PetscInt_FMT " out of range", idx[k]);
  PetscCall(EnsureWork(ev));
  if (m->fix_radial) PetscCall(EnsureCache(ev, theta));
  ev->pfon = (PetscBool)(m->fix_radial && im->nfield);
  w        = &ev->work[0];
  PetscCall(PetscCalloc1(nv, &part));
  for (PetscInt k0 = 0; k0 < n; k0 += B) {
    ChunkSetup(ev, w, PetscMin(B, n - k0), idx + k0);
    ChunkPairRadials(ev, w, theta);
    ChunkDescriptor(ev, w, theta, cached);
    for (PetscInt e = 0; e < nel; e++) {
      PetscReal *pe = part + e * (2 * F + 1);
      pe[0] = (PetscReal)(w->erow[e + 1] - w->erow[e]);
      for (PetscInt r = w->erow[e]; r < w->erow[e + 1]; r++)
        for (PetscInt i = 0; i < F; i++) {
          const PetscReal x = w->X[r * F + i];
          pe[1 + i] += x;
          pe[1 + F + i] += x * x;
        }
    }
    TeannXSumAddClear(acc, part);
  }
  PetscCall(PetscFree(part));
  PetscFunctionReturn(0);
}

/* The forward pass of local frame f alone, in work slot 0, for the reverse passes of the position
   derivatives: the general (uncached) descriptor path, which has them. n: the frame's atoms; drt: the
   reverse passes' scratch [3n], which the caller frees. */
static PetscErrorCode PositionForward(TeannEval ev, const PetscReal theta[], PetscInt f, TeannWork **w, PetscInt *n, PetscReal **drt)
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;

  PetscFunctionBegin;
  PetscCheck(f >= 0 && f < fr->nframes, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame index %" PetscInt_FMT " out of range 0..%" PetscInt_FMT, f, fr->nframes - 1);
  *n = fr->atom_start[f + 1] - fr->atom_start[f];
  PetscCall(PetscMalloc1(3 * *n, drt));
  PetscCall(EnsureWork(ev));
  *w       = &ev->work[0];
  ev->pfon = PETSC_FALSE; /* theta's eta and s need not be those of the cache */
  ChunkSetup(ev, *w, 1, &f);
  ChunkPairRadials(ev, *w, theta);
  ChunkDescriptor(ev, *w, theta, PETSC_FALSE);
  ChunkForward(ev, *w, theta);
  if (im->nfield) ChunkFields(ev, *w, theta);
  FrameOutputs(ev, *w, 0);
  PetscFunctionReturn(0);
}

/* One reverse pass of frame f (after PositionForward) from the output adjoints in w->gcomp and
   w->agcomp: dx[3n] = d (adjoints . outputs) / d x; drt[3n] is scratch. The mass centre adds
   -m_a/M sum_i dr~_i. */
static void PositionBackward(TeannEval ev, TeannWork *w, const PetscReal theta[], PetscInt f, PetscReal drt[], PetscReal dx[])
{
  TeannModelImpl *im = ev->im;
  const PetscInt  a0 = ev->frames->atom_start[f], n = ev->frames->atom_start[f + 1] - a0;
  PetscReal       sum[3] = {0, 0, 0}, M = 0;

  for (PetscInt i = 0; i < n; i++) M += ev->mass[ev->el[a0 + i]];
  for (PetscInt i = 0; i < 3 * n; i++) drt[i] = dx[i] = 0;
  FrameBackward(ev, w, 0, drt);
  ChunkNetBackward(ev, w, theta, NULL);
  if (im->nfield) ChunkFieldTangent(ev, w, theta, NULL);
  ChunkDescriptorBackward(ev, w, theta, PETSC_FALSE, NULL, dx);
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt d = 0; d < 3; d++) sum[d] += drt[3 * i + d];
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt d = 0; d < 3; d++) dx[3 * i + d] += drt[3 * i + d] - ev->mass[ev->el[a0 + i]] / M * sum[d];
}

/* Reverse mode once per output component c with seed e_c. The per-atom outputs' adjoints are
   zeroed: FrameBackward runs every head, and a model with per-atom properties would otherwise
   add whatever a previous call left in w->agcomp. */
PetscErrorCode TeannEvalPositionGradient(TeannEval ev, const PetscReal theta[], PetscInt f, PetscReal dout[])
{
  TeannModelImpl *im = ev->im;
  TeannWork      *w;
  PetscInt        n;
  PetscReal      *drt;

  PetscFunctionBegin;
  PetscCall(PositionForward(ev, theta, f, &w, &n, &drt));
  PetscCall(PetscArrayzero(w->agcomp, (size_t)im->nacomp * ev->maxa));
  for (PetscInt c = 0; c < im->ncomp; c++) {
    for (PetscInt k = 0; k < im->ncomp; k++) w->gcomp[k] = (k == c) ? 1.0 : 0.0;
    PositionBackward(ev, w, theta, f, drt, dout + c * 3 * n);
  }
  PetscCall(PetscFree(drt));
  PetscFunctionReturn(0);
}

/* Reverse mode once per atom i and per-atom component c, seeded with e_(i,c) in w->agcomp (laid
   out by HeadOut: the block of head h at head_comp*maxa, nc per atom) and the frame outputs' zero. */
PetscErrorCode TeannEvalAtomPositionGradient(TeannEval ev, const PetscReal theta[], PetscInt f, PetscReal adout[])
{
  TeannModelImpl *im = ev->im;
  TeannWork      *w;
  PetscInt        n;
  PetscReal      *drt;

  PetscFunctionBegin;
  PetscCall(PositionForward(ev, theta, f, &w, &n, &drt));
  PetscCall(PetscArrayzero(w->gcomp, im->ncomp));
  PetscCall(PetscArrayzero(w->agcomp, (size_t)im->nacomp * ev->maxa));
  for (PetscInt h = 0; h < im->nhead; h++) {
    const PetscInt k = im->head_k[h], nc = TeannProperties[k].ncomp;
    PetscReal     *seed = w->agcomp + (size_t)im->head_comp[h] * ev->maxa;
    if (!TeannProperties[k].peratom) continue;
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt c = 0; c < nc; c++) {
        seed[nc * i + c] = 1.0;
        PositionBackward(ev, w, theta, f, drt, adout + ((size_t)i * im->nacomp + im->head_comp[h] + c) * 3 * n);
        seed[nc * i + c] = 0.0;
      }
  }
  PetscCall(PetscFree(drt));
  PetscFunctionReturn(0);
}

/* Per frame: residuals from the outputs and, per row, one reverse pass seeded with sqrt(scale_p) e_c. */
PetscErrorCode TeannEvalResiduals(TeannEval ev, const PetscReal theta[], PetscInt n, const PetscInt idx[], PetscReal r[], PetscReal J[])
{
  TeannModel      m  = ev->model;
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  const PetscBool cached = (PetscBool)(m->fix_radial && !im->nfield);
  const PetscInt  nc = im->ncomp, np = m->nparam, nk = m->nel * m->nwave;

  PetscFunctionBegin;
  PetscCheck(!im->nacomp, PETSC_COMM_SELF, PETSC_ERR_SUP, "residuals and Jacobian rows are per frame: a per-atom property (atomic_dipole) is fitted with -tao_type lmvm or bqnls, not with Levenberg-Marquardt");
  for (PetscInt k = 0; k < n; k++) PetscCheck(idx[k] >= 0 && idx[k] < fr->nframes, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame index %" PetscInt_FMT " out of range 0..%" PetscInt_FMT, idx[k], fr->nframes - 1);
  PetscCall(EnsureWork(ev));
  if (m->fix_radial) PetscCall(EnsureCache(ev, theta));
  ev->pfon = (PetscBool)(m->fix_radial && im->nfield);
#pragma omp parallel for schedule(dynamic, 4)
  for (PetscInt k = 0; k < n; k++) {
  #if defined(_OPENMP)
    TeannWork *w = &ev->work[omp_get_thread_num()];
  #else
    TeannWork *w = &ev->work[0];
  #endif
    const PetscInt f  = idx[k];
    PetscReal     *rk = r + k * nc;

    ChunkSetup(ev, w, 1, &idx[k]);
    ChunkPairRadials(ev, w, theta);
    ChunkDescriptor(ev, w, theta, cached);
    ChunkForward(ev, w, theta);
    if (im->nfield) ChunkFields(ev, w, theta);
    FrameOutputs(ev, w, 0);
    for (PetscInt h = 0; h < im->nhead; h++) { /* the residuals of property.c: sum r^2 is FrameLoss's loss */
      const PetscInt   kp = im->head_k[h], c0 = im->head_comp[h], ncp = TeannProperties[kp].ncomp;
      const PetscReal *w2 = TeannPropertyWeights(kp), s = (fr->fprops[f] & TeannProperties[kp].bit) ? ev->scale[kp] : 0;
      PetscReal        y[TEANN_MAX_COMP];
      if (s > 0) TeannPropertyTarget(kp, w->pred + c0, fr->y[kp] + ncp * f, y);
      for (PetscInt c = 0; c < ncp; c++) rk[c0 + c] = (s > 0 && w2[c] > 0) ? PetscSqrtReal(s * w2[c]) * (w->pred[c0 + c] - y[c]) : 0.0;
    }
    if (!J) continue;
    for (PetscInt h = 0; h < im->nhead; h++) {
      const PetscInt   kp = im->head_k[h], c0 = im->head_comp[h], ncp = TeannProperties[kp].ncomp;
      const PetscReal *w2 = TeannPropertyWeights(kp), s = (fr->fprops[f] & TeannProperties[kp].bit) ? ev->scale[kp] : 0;
      for (PetscInt c = 0; c < ncp; c++) {
        PetscReal *row = J + (size_t)(k * nc + c0 + c) * np;
        for (PetscInt q = 0; q < np; q++) row[q] = 0;
        if (!(s > 0 && w2[c] > 0)) continue; /* a repeated component of a symmetric tensor: a zero row */
        for (PetscInt q = 0; q < nc; q++) w->gcomp[q] = 0;
        w->gcomp[c0 + c] = PetscSqrtReal(s * w2[c]);
        FrameBackward(ev, w, 0, NULL);
        ChunkNetBackward(ev, w, theta, row);
        if (im->nfield) ChunkFieldTangent(ev, w, theta, row);
        ChunkDescriptorBackward(ev, w, theta, cached, row, NULL);
        if (m->fix_radial)
          for (PetscInt q = 0; q < nk; q++) row[im->off_eta + q] = row[im->off_s + q] = 0;
      }
    }
  }
  PetscFunctionReturn(0);
}
