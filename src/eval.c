/* Evaluation of the EANN model on the frames of one rank: descriptors,
 * batched networks, the equivariant heads (eq. 6, 8), the loss (eq. 9
 * without the L2 term) and its exact reverse-mode gradient.
 *
 * Threading: the frame list is cut into chunks of TEANN_CHUNK frames. The
 * threads take the chunks in turn, each chunk computing its own partial loss
 * and gradient in its thread's workspace; an ordered section then adds the
 * partial to the totals, in chunk order. The chunks and the order of addition
 * do not depend on the number of threads, so neither do the results (bit for
 * bit). Each thread has a workspace allocated once, so the hot path does not
 * allocate, and a thread's partial gradient stays in its cache between the
 * chunk that writes it and the addition that reads it. */
#include "modelimpl.h"
#if defined(_OPENMP)
  #include <omp.h>
#endif

#ifndef TEANN_CHUNK
  #define TEANN_CHUNK 64 /* frames; larger chunks make larger dgemm calls */
#endif

typedef struct {
  PetscInt   nf, na;                       /* frames and atoms of the current chunk          */
  PetscInt  *frame, *astart;               /* [CHUNK], [CHUNK+1]                             */
  PetscInt  *row;                          /* [maxa] row of chunk atom, atoms grouped by element */
  PetscInt   erow[TEANN_MAX_ELEMENTS + 1]; /* first row of each element                     */
  PetscReal *rt;                           /* [3*maxa] positions relative to the mass centre  */
  PetscReal *g;                            /* [nparam] partial gradient of the current chunk, zero between chunks */
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
  /* polarizability (eq. 7, design 2.5), allocated only when it is fitted */
  PetscReal *gpos, *hpos;                  /* [3*maxa] g_i = dE1/dr_i, h_i = dE2/dr_i by chunk atom */
  PetscReal *Vf, *Uf;                      /* [3*maxa] displacement fields of the two tangents */
  PetscReal *OdV, *OdU;                    /* [maxa*M*K] orbital tangents                      */
  PetscReal *XdV, *XdU, *dXdV, *dXdU;      /* [maxa*F] density tangents and their adjoints      */
  PetscReal *Zd[TEANN_MAX_LAYERS], *Ad[TEANN_MAX_LAYERS]; /* network tangents                  */
  PetscReal *Da[2][TEANN_MAX_LAYERS];      /* adjoints of the hidden outputs of N_1, N_2 behind g, h */
  PetscReal *w3, *w4, *ones, *dOd, *dO3;   /* scratch; dO3 [3*M*K] for the fused descriptor passes */
  PetscReal *mem;
} TeannWork;

struct _n_TeannEval {
  TeannModel      model;
  TeannModelImpl *im;
  TeannFrames     frames;
  PetscInt       *el;        /* [natoms] element index of every atom           */
  PetscReal       mass[TEANN_MAX_ELEMENTS];
  PetscInt        maxnat;    /* largest frame                                   */
  PetscInt        maxa;      /* atoms a chunk can hold                          */
  PetscInt        maxcpairs; /* pairs within the cutoff a chunk can hold (polarizability, general path), or 0 */
  PetscReal       scale[3];  /* loss weights: dipole, polarizability, transition dipole */
  PetscInt        nwork;
  TeannWork      *work;
  PetscReal      *P;         /* pair cache of -teann_fix_radial, [natoms*nel*M*K]; with the polarizability [2K per pair] */
  PetscInt       *pstart;    /* polarizability: first pair of every atom in P, [natoms+1]; else NULL */
  PetscBool       pfon;      /* the kernels of the current call read the polarizability's pair cache */
  PetscReal      *Peta;      /* eta and s the cache was built with, [2*nel*K]  */
  PetscBool       Pvalid;
};

static PetscLogEvent TEANN_Descriptor, TEANN_NetForward, TEANN_NetBackward;

static PetscErrorCode TeannEvalRegisterEvents(void)
{
  static PetscBool done = PETSC_FALSE;

  PetscFunctionBegin;
  if (done) PetscFunctionReturn(0);
  PetscCall(TeannInitialize());
  PetscCall(PetscLogEventRegister("TeannDescriptor", TEANN_CLASSID, &TEANN_Descriptor));
  PetscCall(PetscLogEventRegister("TeannNetForward", TEANN_CLASSID, &TEANN_NetForward));
  PetscCall(PetscLogEventRegister("TeannNetBackward", TEANN_CLASSID, &TEANN_NetBackward));
  done = PETSC_TRUE;
  PetscFunctionReturn(0);
}

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
  if (im->ch_polar >= 0) {
    const TeannNet *net = &im->net[im->ch_polar][0];
    PetscReal     **v3[]  = {&w->gpos, &w->hpos, &w->Vf, &w->Uf}, **vmk[] = {&w->OdV, &w->OdU}, **vf[] = {&w->XdV, &w->XdU, &w->dXdV, &w->dXdU};
    for (PetscInt q = 0; q < 4; q++) *v3[q] = Take(base, len, 3 * maxa);
    for (PetscInt q = 0; q < 2; q++) *vmk[q] = Take(base, len, maxa * MK);
    for (PetscInt q = 0; q < 4; q++) *vf[q] = Take(base, len, maxa * F);
    w->w3   = Take(base, len, hw);
    w->w4   = Take(base, len, hw);
    w->ones = Take(base, len, maxa);
    w->dOd  = Take(base, len, MK);
    w->dO3  = Take(base, len, 3 * MK);
    for (PetscInt l = 0; l < net->nl - 1; l++) {
      w->Zd[l] = Take(base, len, maxa * net->size[l + 1]);
      w->Ad[l] = Take(base, len, maxa * net->size[l + 1]);
      for (PetscInt k = 0; k < 2; k++) w->Da[k][l] = Take(base, len, maxa * net->size[l + 1]);
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
  PetscCall(PetscMalloc4(TEANN_CHUNK, &w->frame, TEANN_CHUNK + 1, &w->astart, maxa, &w->row, ev->model->nparam, &w->g));
  PetscCall(PetscArrayzero(w->g, ev->model->nparam)); /* kept zero between chunks (Evaluate) */
  if (ev->maxcpairs) PetscCall(PetscMalloc2((size_t)2 * im->desc.K * ev->maxcpairs, &w->PF, maxa + 1, &w->pfa));
  WorkCarve(ev, w, NULL, &len);
  PetscCall(PetscCalloc1(len, &w->mem));
  WorkCarve(ev, w, w->mem, &len);
  if (im->ch_polar >= 0)
    for (PetscInt q = 0; q < maxa; q++) w->ones[q] = 1.0;
  PetscFunctionReturn(0);
}

static PetscErrorCode WorkDestroy(TeannWork *w)
{
  PetscFunctionBegin;
  PetscCall(PetscFree4(w->frame, w->astart, w->row, w->g));
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

PetscErrorCode TeannEvalCreate(TeannModel m, TeannFrames frames, TeannEval *eval)
{
  TeannEval ev;

  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call TeannModelSetUp() before TeannEvalCreate()");
  PetscCall(TeannEvalRegisterEvents());
  PetscCall(PetscCalloc1(1, &ev));
  ev->model  = m;
  ev->im     = (TeannModelImpl *)m->impl;
  ev->frames = frames;
  for (PetscInt p = 0; p < 3; p++) ev->scale[p] = 1.0;
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
  ev->maxa = TEANN_CHUNK * PetscMax(ev->maxnat, 1);
  PetscCheck((PetscLogDouble)ev->maxa * ev->im->maxwidth < 2147483647.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frames with %" PetscInt_FMT " atoms are too large for 32-bit BLAS", ev->maxnat);
  if (m->fix_radial && ev->im->ch_polar >= 0) { /* R f_c and its derivative per pair (design 2.1) */
    PetscCall(PetscMalloc1(frames->natoms + 1, &ev->pstart));
    ev->pstart[0] = 0;
    for (PetscInt f = 0; f < frames->nframes; f++) {
      const PetscInt a0 = frames->atom_start[f], n = frames->atom_start[f + 1] - a0;
      for (PetscInt i = 0; i < n; i++) ev->pstart[a0 + i + 1] = ev->pstart[a0 + i] + TeannDescPairRadials(&ev->im->desc, NULL, NULL, n, ev->el + a0, frames->x + 3 * a0, i, NULL);
    }
    PetscCall(PetscMalloc2((size_t)2 * m->nwave * ev->pstart[frames->natoms], &ev->P, 2 * m->nel * m->nwave, &ev->Peta));
  } else if (m->fix_radial) {
    const PetscInt MK = ev->im->desc.M * ev->im->desc.K;
    PetscCall(PetscMalloc2((size_t)frames->natoms * m->nel * MK, &ev->P, 2 * m->nel * m->nwave, &ev->Peta));
  }
  if (ev->im->ch_polar >= 0 && !m->fix_radial) { /* room for the chunk's pair radials: the TEANN_CHUNK frames with most pairs */
    PetscInt *np;
    PetscCall(PetscCalloc1(frames->nframes, &np));
    for (PetscInt f = 0; f < frames->nframes; f++) {
      const PetscInt a0 = frames->atom_start[f], n = frames->atom_start[f + 1] - a0;
      for (PetscInt i = 0; i < n; i++) np[f] += TeannDescPairRadials(&ev->im->desc, NULL, NULL, n, ev->el + a0, frames->x + 3 * a0, i, NULL);
    }
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
  switch (p) {
  case TEANN_PROP_DIPOLE: ev->scale[0] = scale; break;
  case TEANN_PROP_POLAR: ev->scale[1] = scale; break;
  case TEANN_PROP_TDIPOLE: ev->scale[2] = scale; break;
  default: SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "no loss scale for property %s", TeannPropName(p));
  }
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
  PetscCall(PetscFree(ev->pstart));
  PetscCall(PetscFree(ev));
  *eval = NULL;
  PetscFunctionReturn(0);
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
  PetscCall(PetscLogEventBegin(TEANN_Descriptor, 0, 0, 0, 0));
#pragma omp parallel for schedule(dynamic, 16)
  for (PetscInt f = 0; f < fr->nframes; f++) {
    const PetscInt a0 = fr->atom_start[f], n = fr->atom_start[f + 1] - a0;
    for (PetscInt i = 0; i < n; i++) {
      if (ev->pstart) (void)TeannDescPairRadials(&im->desc, theta + im->off_eta, theta + im->off_s, n, ev->el + a0, fr->x + 3 * a0, i, ev->P + (size_t)2 * im->desc.K * ev->pstart[a0 + i]);
      else TeannDescCacheAtom(&im->desc, theta + im->off_eta, theta + im->off_s, n, ev->el + a0, fr->x + 3 * a0, i, ev->P + (size_t)(a0 + i) * nel * MK);
    }
  }
  PetscCall(PetscLogEventEnd(TEANN_Descriptor, 0, 0, 0, 0));
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

/* The general path of the polarizability visits every pair in three fused passes
   (position gradients, tangents, parameter gradient): R f_c and its r-derivative of the chunk's
   pairs are computed once here for all three, with theta's eta and s. */
static void ChunkPairRadials(TeannEval ev, TeannWork *w, const PetscReal theta[])
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;

  w->pfc = PETSC_FALSE;
  if (ev->pfon || !w->pfa) return;
  w->pfa[0] = 0;
  for (PetscInt q = 0; q < w->nf; q++) {
    const PetscInt a0 = fr->atom_start[w->frame[q]], n = fr->atom_start[w->frame[q] + 1] - a0, c0 = w->astart[q];
    for (PetscInt i = 0; i < n; i++) w->pfa[c0 + i + 1] = w->pfa[c0 + i] + TeannDescPairRadials(&im->desc, theta + im->off_eta, theta + im->off_s, n, ev->el + a0, fr->x + 3 * a0, i, w->PF + (size_t)2 * im->desc.K * w->pfa[c0 + i]);
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
    for (PetscInt i = 0; i < n; i++) {
      const PetscInt ca = w->astart[q] + i;
      if (cached) TeannDescCachedForward(&im->desc, theta + im->off_c, ev->P + (size_t)(a0 + i) * nel * MK, w->O + ca * MK, w->X + w->row[ca] * F);
      else TeannDescAtom(&im->desc, theta + im->off_c, theta + im->off_eta, theta + im->off_s, PairRadials(ev, w, a0 + i, ca), n, ev->el + a0, fr->x + 3 * a0, i, w->O + ca * MK, w->X + w->row[ca] * F);
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

static inline void Cross(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

/* d_1 = sum a_i r~_i, d_2 = sum b_i r~_i, S = sum s_i of eq. 8 over the n atoms from ca0 (Y: the 3-output network). */
static inline void TdipoleSums(const TeannWork *w, const PetscReal *Y, PetscInt ca0, PetscInt n, PetscReal d1[3], PetscReal d2[3], PetscReal *S)
{
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal *y = Y + 3 * w->row[ca0 + i], *r = w->rt + 3 * (ca0 + i);
    for (PetscInt d = 0; d < 3; d++) {
      d1[d] += y[0] * r[d];
      d2[d] += y[1] * r[d];
    }
    *S += y[2];
  }
}

/* Outputs of frame q of the chunk (eq. 6, 8) into w->pred. */
static void FrameOutputs(TeannEval ev, TeannWork *w, PetscInt q)
{
  TeannModelImpl *im = ev->im;
  const PetscInt  ca0 = w->astart[q], n = w->astart[q + 1] - ca0;

  if (im->ch_dipole >= 0) {
    const PetscReal *Y     = w->Y[im->ch_dipole];
    PetscReal       *mu    = w->pred + im->comp_dipole, shift = 0;
    if (ev->model->charge_neutral) {
      for (PetscInt i = 0; i < n; i++) shift += Y[w->row[ca0 + i]];
      shift = (shift - ev->frames->charge[w->frame[q]]) / n;
    }
    mu[0] = mu[1] = mu[2] = 0;
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal qi = Y[w->row[ca0 + i]] - shift, *r = w->rt + 3 * (ca0 + i);
      for (PetscInt d = 0; d < 3; d++) mu[d] += qi * r[d];
    }
  }
  if (im->ch_polar >= 0) { /* eq. 7 */
    const PetscReal *Y3 = w->Y[im->ch_polar + 2];
    PetscReal       *al = w->pred + im->comp_polar, tr = 0;
    for (PetscInt q = 0; q < 9; q++) al[q] = 0;
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal *r = w->rt + 3 * (ca0 + i), *g = w->gpos + 3 * (ca0 + i), *h = w->hpos + 3 * (ca0 + i);
      for (PetscInt a = 0; a < 3; a++)
        for (PetscInt b = 0; b < 3; b++) al[3 * a + b] += r[a] * g[b] + g[a] * r[b] + h[a] * h[b];
      tr += Y3[w->row[ca0 + i]];
    }
    for (PetscInt a = 0; a < 3; a++) al[4 * a] += tr;
  }
  if (im->ch_tdipole >= 0) {
    const PetscReal *Y  = w->Y[im->ch_tdipole];
    PetscReal       *mu = w->pred + im->comp_tdipole, d1[3] = {0, 0, 0}, d2[3] = {0, 0, 0}, S = 0, x[3];
    TdipoleSums(w, Y, ca0, n, d1, d2, &S);
    Cross(d1, d2, x);
    for (PetscInt d = 0; d < 3; d++) mu[d] = d1[d] + d2[d] + S * x[d];
  }
}

/* Reverse mode of FrameOutputs from w->gcomp: writes the output adjoints dY of frame q's atoms and,
   if drt is not NULL, accumulates the adjoints of the centred positions drt[3n]. */
static void FrameBackward(TeannEval ev, TeannWork *w, PetscInt q, PetscReal drt[])
{
  TeannModelImpl *im = ev->im;
  const PetscInt  ca0 = w->astart[q], n = w->astart[q + 1] - ca0;

  if (im->ch_dipole >= 0) {
    const PetscReal *Y = w->Y[im->ch_dipole], *g = w->gcomp + im->comp_dipole;
    PetscReal       *dY = w->dY[im->ch_dipole], shift = 0, mean = 0;
    if (ev->model->charge_neutral) {
      for (PetscInt i = 0; i < n; i++) shift += Y[w->row[ca0 + i]];
      shift = (shift - ev->frames->charge[w->frame[q]]) / n;
    }
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal *r = w->rt + 3 * (ca0 + i);
      dY[w->row[ca0 + i]] = g[0] * r[0] + g[1] * r[1] + g[2] * r[2];
      mean += dY[w->row[ca0 + i]];
      if (drt)
        for (PetscInt d = 0; d < 3; d++) drt[3 * i + d] += (Y[w->row[ca0 + i]] - shift) * g[d];
    }
    if (ev->model->charge_neutral)
      for (PetscInt i = 0; i < n; i++) dY[w->row[ca0 + i]] -= mean / n;
  }
  if (im->ch_polar >= 0) { /* design 2.5: the fields V, U of the two tangents */
    const PetscReal *W = w->gcomp + im->comp_polar;
    PetscReal        Ws[9], tr = W[0] + W[4] + W[8];
    for (PetscInt a = 0; a < 3; a++)
      for (PetscInt b = 0; b < 3; b++) Ws[3 * a + b] = W[3 * a + b] + W[3 * b + a];
    for (PetscInt i = 0; i < n; i++) {
      const PetscInt   ca = ca0 + i;
      const PetscReal *r = w->rt + 3 * ca, *g = w->gpos + 3 * ca, *h = w->hpos + 3 * ca;
      for (PetscInt a = 0; a < 3; a++) {
        w->Vf[3 * ca + a] = Ws[3 * a] * r[0] + Ws[3 * a + 1] * r[1] + Ws[3 * a + 2] * r[2];
        w->Uf[3 * ca + a] = Ws[3 * a] * h[0] + Ws[3 * a + 1] * h[1] + Ws[3 * a + 2] * h[2];
        if (drt) drt[3 * i + a] += Ws[3 * a] * g[0] + Ws[3 * a + 1] * g[1] + Ws[3 * a + 2] * g[2];
      }
      w->dY[im->ch_polar + 2][w->row[ca]] = tr;
    }
  }
  if (im->ch_tdipole >= 0) {
    const PetscReal *Y = w->Y[im->ch_tdipole], *g = w->gcomp + im->comp_tdipole;
    PetscReal       *dY = w->dY[im->ch_tdipole], d1[3] = {0, 0, 0}, d2[3] = {0, 0, 0}, S = 0, x[3], G1[3], G2[3], GS, t[3];
    TdipoleSums(w, Y, ca0, n, d1, d2, &S);
    /* mu = d1 + d2 + S d1 x d2: g.(d1 x d2) = d1.(d2 x g) = d2.(g x d1) */
    Cross(d1, d2, x);
    GS = g[0] * x[0] + g[1] * x[1] + g[2] * x[2];
    Cross(d2, g, t);
    for (PetscInt d = 0; d < 3; d++) G1[d] = g[d] + S * t[d];
    Cross(g, d1, t);
    for (PetscInt d = 0; d < 3; d++) G2[d] = g[d] + S * t[d];
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal *r  = w->rt + 3 * (ca0 + i), *y = Y + 3 * w->row[ca0 + i];
      PetscReal       *dy = dY + 3 * w->row[ca0 + i];
      dy[0]               = G1[0] * r[0] + G1[1] * r[1] + G1[2] * r[2];
      dy[1]               = G2[0] * r[0] + G2[1] * r[1] + G2[2] * r[2];
      dy[2]               = GS;
      if (drt)
        for (PetscInt d = 0; d < 3; d++) drt[3 * i + d] += y[0] * G1[d] + y[1] * G2[d];
    }
  }
}

/* Loss of frame q from w->pred; sets w->gcomp to its gradient with respect to the outputs. */
static PetscReal FrameLoss(TeannEval ev, TeannWork *w, PetscInt q)
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  const PetscInt  f  = w->frame[q];
  PetscReal       loss = 0;

  for (PetscInt c = 0; c < im->ncomp; c++) w->gcomp[c] = 0;
  if (im->ch_dipole >= 0 && (fr->fprops[f] & TEANN_PROP_DIPOLE)) {
    const PetscReal *y = w->pred + im->comp_dipole, *ref = fr->dipole + 3 * f, s = ev->scale[0];
    for (PetscInt d = 0; d < 3; d++) {
      const PetscReal r = y[d] - ref[d];
      loss += s * r * r;
      w->gcomp[im->comp_dipole + d] = 2 * s * r;
    }
  }
  if (im->ch_polar >= 0 && (fr->fprops[f] & TEANN_PROP_POLAR)) {
    /* the 6 independent components, off-diagonals weighted by 2 (sqrt 2 on the residual), against the
       symmetrised reference: ||alpha - ref_sym||_F^2 (design 2.4) */
    const PetscReal *y = w->pred + im->comp_polar, *ref = fr->polar + 9 * f, s = ev->scale[1];
    PetscReal       *gp = w->gcomp + im->comp_polar;
    for (PetscInt a = 0; a < 3; a++) {
      const PetscReal r = y[4 * a] - ref[4 * a];
      loss += s * r * r;
      gp[4 * a] = 2 * s * r;
      for (PetscInt b = a + 1; b < 3; b++) {
        const PetscReal u = y[3 * a + b] - 0.5 * (ref[3 * a + b] + ref[3 * b + a]);
        loss += 2 * s * u * u;
        gp[3 * a + b] = 4 * s * u; /* alpha is symmetric by construction: the (b,a) slot carries nothing */
        gp[3 * b + a] = 0;
      }
    }
  }
  if (im->ch_tdipole >= 0 && (fr->fprops[f] & TEANN_PROP_TDIPOLE)) {
    const PetscReal *y = w->pred + im->comp_tdipole, *ref = fr->tdipole + 3 * f, s = ev->scale[2];
    PetscReal        lp = 0, lm = 0, sg;
    for (PetscInt d = 0; d < 3; d++) {
      lp += (y[d] - ref[d]) * (y[d] - ref[d]);
      lm += (y[d] + ref[d]) * (y[d] + ref[d]);
    }
    sg = lp <= lm ? 1.0 : -1.0; /* the sign of a transition dipole is arbitrary */
    loss += s * PetscMin(lp, lm);
    for (PetscInt d = 0; d < 3; d++) w->gcomp[im->comp_tdipole + d] = 2 * s * (y[d] - sg * ref[d]);
  }
  return loss;
}

static void ChunkNetBackward(TeannEval ev, TeannWork *w, const PetscReal theta[], PetscReal g[])
{
  TeannModelImpl *im = ev->im;
  const PetscInt  F  = im->desc.F;

  for (PetscInt q = 0; q < w->na * F; q++) w->dX[q] = 0;
  for (PetscInt ch = 0; ch < im->nchan; ch++) {
    if (im->ch_polar >= 0 && (ch == im->ch_polar || ch == im->ch_polar + 1)) continue; /* E1, E2 enter through their gradients only */
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

/* Reverse mode through the descriptors from w->dX (and, with the polarizability, the tangent adjoints
   w->dXdV, w->dXdU): parameter gradient into g (NULL: skip), positions into dx (single-frame chunk; NULL: skip). */
static void ChunkDescriptorBackward(TeannEval ev, TeannWork *w, const PetscReal theta[], PetscBool cached, PetscReal g[], PetscReal dx[])
{
  TeannModelImpl  *im = ev->im;
  TeannFrames      fr = ev->frames;
  const PetscInt   MK = im->desc.M * im->desc.K, F = im->desc.F, nel = ev->model->nel;
  const PetscReal *c = theta + im->off_c, *eta = theta + im->off_eta, *s = theta + im->off_s;
  PetscReal       *gc = g ? g + im->off_c : NULL, *ge = g ? g + im->off_eta : NULL, *gs = g ? g + im->off_s : NULL;

  for (PetscInt q = 0; q < w->nf; q++) {
    const PetscInt a0 = fr->atom_start[w->frame[q]], n = fr->atom_start[w->frame[q] + 1] - a0, c0 = w->astart[q];
    for (PetscInt i = 0; i < n; i++) {
      const PetscInt ca = c0 + i;
      if (im->ch_polar >= 0 && gc && !dx) { /* the loss gradient and Jacobian rows: one pass over the pairs */
        TeannDescAtomPolarBackward(&im->desc, c, eta, s, PairRadials(ev, w, a0 + i, ca), n, ev->el + a0, fr->x + 3 * a0, i, w->Vf + 3 * c0, w->Uf + 3 * c0, w->O + ca * MK, w->OdV + ca * MK, w->OdU + ca * MK, w->dX + w->row[ca] * F, w->dXdV + w->row[ca] * F, w->dXdU + w->row[ca] * F, w->dO3, gc, ev->model->fix_radial ? NULL : ge, ev->model->fix_radial ? NULL : gs);
        continue;
      }
      if (cached) TeannDescCachedBackward(&im->desc, ev->P + (size_t)(a0 + i) * nel * MK, w->O + ca * MK, w->dX + w->row[ca] * F, w->dO, gc);
      else TeannDescAtomBackward(&im->desc, c, eta, s, n, ev->el + a0, fr->x + 3 * a0, i, w->O + ca * MK, w->dX + w->row[ca] * F, w->dO, gc, ge, gs, dx);
      if (im->ch_polar >= 0) {
        TeannDescAtomTangentBackward(&im->desc, c, eta, s, n, ev->el + a0, fr->x + 3 * a0, i, w->Vf + 3 * c0, w->O + ca * MK, w->OdV + ca * MK, w->dXdV + w->row[ca] * F, w->dO, w->dOd, gc, ge, gs, dx);
        TeannDescAtomTangentBackward(&im->desc, c, eta, s, n, ev->el + a0, fr->x + 3 * a0, i, w->Uf + 3 * c0, w->O + ca * MK, w->OdU + ca * MK, w->dXdU + w->row[ca] * F, w->dO, w->dOd, gc, ge, gs, dx);
      }
    }
  }
}

/* g_i = dE1/dr_i and h_i = dE2/dr_i of eq. 7 for every atom of the chunk (reverse mode to positions). */
static void ChunkPolarFields(TeannEval ev, TeannWork *w, const PetscReal theta[])
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  const PetscInt  MK = im->desc.M * im->desc.K, F = im->desc.F;

  /* dE_k/drho is also the adjoint of the density tangent in ChunkPolarTangent: keep it in dXdV, dXdU */
  for (PetscInt k = 0; k < 2; k++) {
    const PetscInt ch  = im->ch_polar + k;
    PetscReal     *pos = k ? w->hpos : w->gpos, *dX = k ? w->dXdU : w->dXdV;
    for (PetscInt q = 0; q < w->na * F; q++) dX[q] = 0;
    for (PetscInt q = 0; q < 3 * w->na; q++) pos[q] = 0;
    for (PetscInt e = 0; e < ev->model->nel; e++) {
      const TeannNet *net = &im->net[ch][e];
      const PetscInt  r0 = w->erow[e], ne = w->erow[e + 1] - r0;
      PetscReal      *Z[TEANN_MAX_LAYERS], *S[TEANN_MAX_LAYERS], *A[TEANN_MAX_LAYERS], *Da[TEANN_MAX_LAYERS];
      if (!ne) continue;
      LayerPointers(w, net, ch, r0, Z, S, A);
      for (PetscInt l = 0; l < net->nl - 1; l++) Da[l] = w->Da[k][l] + r0 * net->size[l + 1];
      TeannNetInputGradient(net, ev->model->act, theta, ne, Z, S, w->ones, Da, w->w1, dX + r0 * F);
    }
  }
  for (PetscInt q = 0; q < w->nf; q++) {
    const PetscInt a0 = fr->atom_start[w->frame[q]], n = fr->atom_start[w->frame[q] + 1] - a0, c0 = w->astart[q];
    for (PetscInt i = 0; i < n; i++) TeannDescAtomPositionGradient2(&im->desc, theta + im->off_c, theta + im->off_eta, theta + im->off_s, PairRadials(ev, w, a0 + i, c0 + i), n, ev->el + a0, fr->x + 3 * a0, i, w->O + (c0 + i) * MK, w->dXdV + w->row[c0 + i] * F, w->dXdU + w->row[c0 + i] * F, w->dO3, w->gpos + 3 * c0, w->hpos + 3 * c0);
  }
}

/* Design 2.5: tangents of the densities along V and U, then the reverse pass over the tangents of
   E1 and E2 through the networks: parameter gradient into g (NULL: skip), density adjoints added to
   w->dX; the tangent adjoints are dE1/drho, dE2/drho, left in w->dXdV, w->dXdU by ChunkPolarFields.
   Call after ChunkNetBackward (which clears dX). */
static void ChunkPolarTangent(TeannEval ev, TeannWork *w, const PetscReal theta[], PetscReal g[])
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  const PetscInt  MK = im->desc.M * im->desc.K, F = im->desc.F;

  for (PetscInt q = 0; q < w->nf; q++) {
    const PetscInt a0 = fr->atom_start[w->frame[q]], n = fr->atom_start[w->frame[q] + 1] - a0, c0 = w->astart[q];
    for (PetscInt i = 0; i < n; i++) {
      const PetscInt ca = c0 + i;
      TeannDescAtomTangent2(&im->desc, theta + im->off_c, theta + im->off_eta, theta + im->off_s, PairRadials(ev, w, a0 + i, ca), n, ev->el + a0, fr->x + 3 * a0, i, w->Vf + 3 * c0, w->Uf + 3 * c0, w->O + ca * MK, w->OdV + ca * MK, w->OdU + ca * MK, w->XdV + w->row[ca] * F, w->XdU + w->row[ca] * F);
    }
  }
  for (PetscInt k = 0; k < 2; k++) {
    const PetscInt ch = im->ch_polar + k;
    for (PetscInt e = 0; e < ev->model->nel; e++) {
      const TeannNet *net = &im->net[ch][e];
      const PetscInt  r0 = w->erow[e], ne = w->erow[e + 1] - r0;
      PetscReal      *Z[TEANN_MAX_LAYERS], *S[TEANN_MAX_LAYERS], *A[TEANN_MAX_LAYERS], *Zd[TEANN_MAX_LAYERS], *Ad[TEANN_MAX_LAYERS], *Da[TEANN_MAX_LAYERS];
      if (!ne) continue;
      LayerPointers(w, net, ch, r0, Z, S, A);
      for (PetscInt l = 0; l < net->nl - 1; l++) {
        Zd[l] = w->Zd[l] + r0 * net->size[l + 1];
        Ad[l] = w->Ad[l] + r0 * net->size[l + 1];
        Da[l] = w->Da[k][l] + r0 * net->size[l + 1];
      }
      TeannNetTangentBackward(net, ev->model->act, theta, ne, w->X + r0 * F, Z, S, A, (k ? w->XdU : w->XdV) + r0 * F, Zd, Ad, w->ones, Da, w->w1, w->w2, w->w3, w->w4, g, w->dX + r0 * F);
    }
  }
}

/* ---------------------------------------------------------------- driver */

/* All phases of one chunk (frames idx[0..nf-1], the k0-th and following of the call); the chunk's
   gradient is accumulated into g, which is zero on entry. Runs inside the
   parallel region of Evaluate(), where PetscCall cannot return: only the thread with log set (thread 0,
   the one PETSc's logging belongs to) times its phases and counts its flops, and the logging error
   code is returned. With several threads the events therefore show the work of thread 0. */
static PetscErrorCode ProcessChunk(TeannEval ev, TeannWork *w, const PetscReal theta[], PetscInt nf, const PetscInt idx[], PetscInt k0, PetscBool cached, PetscReal *loss, PetscReal g[], PetscReal out[], PetscBool log)
{
  TeannModel      m  = ev->model;
  TeannModelImpl *im = ev->im;
  PetscErrorCode  ierr = 0;
  PetscLogDouble  fnet = 0, fdesc = 0;

  if (log) ierr |= PetscLogEventBegin(TEANN_Descriptor, 0, 0, 0, 0);
  ChunkSetup(ev, w, nf, idx);
  if (im->ch_polar >= 0) ChunkPairRadials(ev, w, theta);
  ChunkDescriptor(ev, w, theta, cached);
  if (log) {
    for (PetscInt ch = 0; ch < im->nchan; ch++) fnet += TeannNetFlops(&im->net[ch][0]);
    if (cached) fdesc = 2.0 * w->na * m->nel * im->desc.M * im->desc.K;
    else
      for (PetscInt q = 0; q < w->nf; q++) {
        const PetscInt nq = w->astart[q + 1] - w->astart[q];
        fdesc += (PetscLogDouble)nq * (nq - 1) * (m->nwave * (2.0 * im->desc.M + 8) + 40);
      }
    ierr |= PetscLogFlops(fdesc);
    ierr |= PetscLogEventEnd(TEANN_Descriptor, 0, 0, 0, 0);
    ierr |= PetscLogEventBegin(TEANN_NetForward, 0, 0, 0, 0);
  }
  ChunkForward(ev, w, theta);
  if (log) {
    ierr |= PetscLogFlops(2.0 * fnet * w->na);
    ierr |= PetscLogEventEnd(TEANN_NetForward, 0, 0, 0, 0);
    ierr |= PetscLogEventBegin(TEANN_NetBackward, 0, 0, 0, 0);
  }
  *loss = 0;
  if (im->ch_polar >= 0) ChunkPolarFields(ev, w, theta);
  for (PetscInt q = 0; q < w->nf; q++) {
    FrameOutputs(ev, w, q);
    if (out)
      for (PetscInt c = 0; c < im->ncomp; c++) out[(k0 + q) * im->ncomp + c] = w->pred[c];
    *loss += FrameLoss(ev, w, q);
    if (g) FrameBackward(ev, w, q, NULL);
  }
  if (g) {
    ChunkNetBackward(ev, w, theta, g);
    if (im->ch_polar >= 0) ChunkPolarTangent(ev, w, theta, g);
  }
  if (log) {
    if (g) ierr |= PetscLogFlops(4.0 * fnet * w->na);
    ierr |= PetscLogEventEnd(TEANN_NetBackward, 0, 0, 0, 0);
  }
  if (g) {
    if (log) ierr |= PetscLogEventBegin(TEANN_Descriptor, 0, 0, 0, 0);
    ChunkDescriptorBackward(ev, w, theta, cached, g, NULL);
    if (log) {
      ierr |= PetscLogFlops(2 * fdesc);
      ierr |= PetscLogEventEnd(TEANN_Descriptor, 0, 0, 0, 0);
    }
  }
  return ierr;
}

/* One parallel region: the threads share out the chunks of a group (thread t takes chunks t, t+nt, ...
   with its own workspace), then the chunks' partial gradients are added in chunk order (in parallel
   over the parameters) and the losses likewise. */
static PetscErrorCode Evaluate(TeannEval ev, const PetscReal theta[], PetscInt n, const PetscInt idx[], PetscReal *loss, PetscReal grad[], PetscReal out[])
{
  TeannModel      m  = ev->model;
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  const PetscBool cached = (PetscBool)(m->fix_radial && im->ch_polar < 0); /* eq. 7 needs position derivatives: general path */
  const PetscInt  nchunk = (n + TEANN_CHUNK - 1) / TEANN_CHUNK, nparam = m->nparam;
  PetscReal       total = 0;
  PetscErrorCode  lerr  = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < n; k++) PetscCheck(idx[k] >= 0 && idx[k] < fr->nframes, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame index %" PetscInt_FMT " out of range 0..%" PetscInt_FMT, idx[k], fr->nframes - 1);
  PetscCall(EnsureWork(ev));
  if (m->fix_radial) PetscCall(EnsureCache(ev, theta));
  ev->pfon = (PetscBool)(m->fix_radial && im->ch_polar >= 0);
  if (grad) PetscCall(PetscArrayzero(grad, nparam));
#pragma omp parallel
  {
    TeannWork *w = &ev->work[0];
#if defined(_OPENMP)
    w = &ev->work[omp_get_thread_num()];
#endif
#pragma omp for ordered schedule(static, 1)
    for (PetscInt s = 0; s < nchunk; s++) {
      const PetscInt k0 = s * TEANN_CHUNK;
      PetscReal      lp;
      PetscErrorCode e = ProcessChunk(ev, w, theta, PetscMin(TEANN_CHUNK, n - k0), idx + k0, k0, cached, &lp, grad ? w->g : NULL, out, (PetscBool)(w == &ev->work[0]));
      if (e) lerr = e; /* only thread 0 logs, so only it can set lerr */
#pragma omp ordered
      {
        total += lp;
        if (grad)
          for (PetscInt p = 0; p < nparam; p++) { /* and cleared for the thread's next chunk: one pass, no memset */
            grad[p] += w->g[p];
            w->g[p] = 0;
          }
      }
    }
  }
  PetscCall(lerr);
  if (grad && m->fix_radial) /* the general path differentiates eta and s too; they are fixed */
    for (PetscInt q = 0; q < m->nel * m->nwave; q++) grad[im->off_eta + q] = grad[im->off_s + q] = 0;
  if (loss) *loss = total;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEvalLossGradient(TeannEval ev, const PetscReal theta[], PetscInt n, const PetscInt idx[], PetscReal *loss, PetscReal grad[])
{
  PetscFunctionBegin;
  PetscCall(Evaluate(ev, theta, n, idx, loss, grad, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannEvalPredict(TeannEval ev, const PetscReal theta[], PetscInt n, const PetscInt idx[], PetscReal out[])
{
  PetscFunctionBegin;
  PetscCall(Evaluate(ev, theta, n, idx, NULL, NULL, out));
  PetscFunctionReturn(0);
}

/* Reverse mode once per output component c with seed e_c; the general (uncached)
   descriptor path gives the position derivatives, the mass centre adds -m_a/M sum_i dr~_i. */
PetscErrorCode TeannEvalPositionGradient(TeannEval ev, const PetscReal theta[], PetscInt f, PetscReal dout[])
{
  TeannModelImpl *im = ev->im;
  TeannFrames     fr = ev->frames;
  TeannWork      *w;
  PetscInt        a0, n;
  PetscReal      *drt, M = 0;

  PetscFunctionBegin;
  PetscCheck(f >= 0 && f < fr->nframes, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame index %" PetscInt_FMT " out of range 0..%" PetscInt_FMT, f, fr->nframes - 1);
  PetscCall(EnsureWork(ev));
  w  = &ev->work[0];
  a0 = fr->atom_start[f];
  n  = fr->atom_start[f + 1] - a0;
  PetscCall(PetscMalloc1(3 * n, &drt));
  ev->pfon = PETSC_FALSE; /* theta's eta and s need not be those of the cache */
  ChunkSetup(ev, w, 1, &f);
  if (im->ch_polar >= 0) ChunkPairRadials(ev, w, theta);
  ChunkDescriptor(ev, w, theta, PETSC_FALSE);
  ChunkForward(ev, w, theta);
  if (im->ch_polar >= 0) ChunkPolarFields(ev, w, theta);
  FrameOutputs(ev, w, 0);
  for (PetscInt i = 0; i < n; i++) M += ev->mass[ev->el[a0 + i]];
  for (PetscInt c = 0; c < im->ncomp; c++) {
    PetscReal *dx = dout + c * 3 * n, sum[3] = {0, 0, 0};
    for (PetscInt k = 0; k < im->ncomp; k++) w->gcomp[k] = (k == c) ? 1.0 : 0.0;
    PetscCall(PetscArrayzero(drt, 3 * n));
    PetscCall(PetscArrayzero(dx, 3 * n));
    FrameBackward(ev, w, 0, drt);
    ChunkNetBackward(ev, w, theta, NULL);
    if (im->ch_polar >= 0) ChunkPolarTangent(ev, w, theta, NULL);
    ChunkDescriptorBackward(ev, w, theta, PETSC_FALSE, NULL, dx);
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt d = 0; d < 3; d++) sum[d] += drt[3 * i + d];
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt d = 0; d < 3; d++) dx[3 * i + d] += drt[3 * i + d] - ev->mass[ev->el[a0 + i]] / M * sum[d];
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
  const PetscBool cached = (PetscBool)(m->fix_radial && im->ch_polar < 0);
  const PetscInt  nc = im->ncomp, np = m->nparam, nk = m->nel * m->nwave;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < n; k++) PetscCheck(idx[k] >= 0 && idx[k] < fr->nframes, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame index %" PetscInt_FMT " out of range 0..%" PetscInt_FMT, idx[k], fr->nframes - 1);
  PetscCall(EnsureWork(ev));
  if (m->fix_radial) PetscCall(EnsureCache(ev, theta));
  ev->pfon = (PetscBool)(m->fix_radial && im->ch_polar >= 0);
#pragma omp parallel for schedule(dynamic, 4)
  for (PetscInt k = 0; k < n; k++) {
  #if defined(_OPENMP)
    TeannWork *w = &ev->work[omp_get_thread_num()];
  #else
    TeannWork *w = &ev->work[0];
  #endif
    const PetscInt f = idx[k];
    PetscReal      sq[3], sg = 1, *rk = r + k * nc;
    PetscInt       comp[3] = {im->comp_dipole, im->comp_polar, im->comp_tdipole}, len[3] = {3, 9, 3};
    const PetscInt bit[3] = {TEANN_PROP_DIPOLE, TEANN_PROP_POLAR, TEANN_PROP_TDIPOLE};
    const PetscReal *ref[3] = {fr->dipole + 3 * f, fr->polar + 9 * f, fr->tdipole + 3 * f};

    ChunkSetup(ev, w, 1, &idx[k]);
    if (im->ch_polar >= 0) ChunkPairRadials(ev, w, theta);
    ChunkDescriptor(ev, w, theta, cached);
    ChunkForward(ev, w, theta);
    if (im->ch_polar >= 0) ChunkPolarFields(ev, w, theta);
    FrameOutputs(ev, w, 0);
    if (im->ch_tdipole >= 0 && (fr->fprops[f] & TEANN_PROP_TDIPOLE)) {
      const PetscReal *y = w->pred + im->comp_tdipole;
      PetscReal        lp = 0, lm = 0;
      for (PetscInt d = 0; d < 3; d++) {
        lp += (y[d] - ref[2][d]) * (y[d] - ref[2][d]);
        lm += (y[d] + ref[2][d]) * (y[d] + ref[2][d]);
      }
      sg = lp <= lm ? 1.0 : -1.0;
    }
    for (PetscInt p = 0; p < 3; p++) {
      sq[p] = (comp[p] >= 0 && (fr->fprops[f] & bit[p])) ? PetscSqrtReal(ev->scale[p]) : 0.0;
      if (comp[p] < 0) continue;
      for (PetscInt c = 0; c < len[p]; c++) rk[comp[p] + c] = sq[p] ? sq[p] * (w->pred[comp[p] + c] - (p == 2 ? sg : 1.0) * ref[p][c]) : 0.0;
      if (p == 1 && sq[p]) /* polarizability: 6 independent components, as in FrameLoss */
        for (PetscInt a = 0; a < 3; a++)
          for (PetscInt b = a + 1; b < 3; b++) {
            rk[comp[p] + 3 * a + b] = PetscSqrtReal(2.0) * sq[p] * (w->pred[comp[p] + 3 * a + b] - 0.5 * (ref[p][3 * a + b] + ref[p][3 * b + a]));
            rk[comp[p] + 3 * b + a] = 0;
          }
    }
    if (!J) continue;
    for (PetscInt p = 0; p < 3; p++) {
      if (comp[p] < 0) continue;
      for (PetscInt c = 0; c < len[p]; c++) {
        PetscReal *row = J + (size_t)(k * nc + comp[p] + c) * np;
        for (PetscInt q = 0; q < np; q++) row[q] = 0;
        if (!sq[p] || (p == 1 && c % 3 < c / 3)) continue; /* below the diagonal: a zero row */
        for (PetscInt q = 0; q < nc; q++) w->gcomp[q] = 0;
        w->gcomp[comp[p] + c] = (p == 1 && c % 3 != c / 3) ? PetscSqrtReal(2.0) * sq[p] : sq[p];
        FrameBackward(ev, w, 0, NULL);
        ChunkNetBackward(ev, w, theta, row);
        if (im->ch_polar >= 0) ChunkPolarTangent(ev, w, theta, row);
        ChunkDescriptorBackward(ev, w, theta, cached, row, NULL);
        if (m->fix_radial)
          for (PetscInt q = 0; q < nk; q++) row[im->off_eta + q] = row[im->off_s + q] = 0;
      }
    }
  }
  PetscFunctionReturn(0);
}
