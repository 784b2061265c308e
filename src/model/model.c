/* The EANN model: hyperparameters, options, and the layout of theta into
 * named blocks (design 2.1-2.3 and the model.nc convention of section 4). */
#include "modelimpl.h"
#include <petscviewer.h>
#include <string.h>

const char *const TeannActivations[] = {"relu_like", "silu", "tanh", "TeannActivation", "TEANN_ACT_", NULL};
const char *const TeannDipoleForms[] = {"charges", "charges_dipoles", NULL};
const char *const TeannPolarForms[]  = {"fields", "fields_atomic", "pairs", NULL};

PetscErrorCode TeannModelCreate(MPI_Comm comm, TeannModel *model)
{
  TeannModel m;

  PetscFunctionBegin;
  PetscCall(TeannInitialize());
  PetscCall(PetscCalloc1(1, &m));
  m->comm        = comm;
  m->cutoff      = 4.0;
  m->nwave       = 8;
  m->lmax        = 2;
  m->neigh_atoms = 12;
  m->radial_width = 0.4;
  m->nlayers     = 2;
  m->hidden[0]   = 64;
  m->hidden[1]   = 64;
  m->act         = TEANN_ACT_RELU_LIKE;
  m->props       = TEANN_PROP_DIPOLE;
  *model         = m;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelSetFromOptions(TeannModel m)
{
  char      props[256] = "";
  PetscInt  nh         = TEANN_MAX_LAYERS + 1, hidden[TEANN_MAX_LAYERS + 1]; /* one more to detect too many */
  PetscBool set;

  PetscFunctionBegin;
  PetscCheck(!m->setup, m->comm, PETSC_ERR_ORDER, "TeannModelSetFromOptions() must come before TeannModelSetUp()");
  PetscCall(TeannPropertiesSetFromOptions());
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    if (!(m->props & TeannProperties[k].bit)) continue;
    if (props[0]) PetscCall(PetscStrlcat(props, ",", sizeof(props)));
    PetscCall(PetscStrlcat(props, TeannProperties[k].name, sizeof(props)));
  }
  PetscOptionsBegin(m->comm, NULL, "EANN model (design.md section 2)", "TeannModel");
  PetscCall(PetscOptionsReal("-teann_cutoff", "Cutoff radius r_c of the embedded atom densities (Angstrom)", "TeannModelSetFromOptions", m->cutoff, &m->cutoff, NULL));
  PetscCall(PetscOptionsInt("-teann_nwave", "Number K of Gaussian radial functions", "TeannModelSetFromOptions", m->nwave, &m->nwave, NULL));
  PetscCall(PetscOptionsInt("-teann_lmax", "Largest angular degree Lmax (0..3)", "TeannModelSetFromOptions", m->lmax, &m->lmax, NULL));
  PetscCall(PetscOptionsInt("-teann_neigh_atoms", "Typical neighbour count; initial orbital coefficients are its inverse", "TeannModelSetFromOptions", m->neigh_atoms, &m->neigh_atoms, NULL));
  PetscCall(PetscOptionsReal("-teann_radial_width", "Initial width parameter eta of the Gaussian radial functions (Angstrom^-2)", "TeannModelSetFromOptions", m->radial_width, &m->radial_width, NULL));
  for (PetscInt l = 0; l < m->nlayers; l++) hidden[l] = m->hidden[l];
  PetscCall(PetscOptionsIntArray("-teann_hidden", "Hidden layer sizes of every atomic network (default 64,64)", "TeannModelSetFromOptions", hidden, &nh, &set));
  if (set) {
    PetscCheck(nh >= 1 && nh <= TEANN_MAX_LAYERS, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_hidden needs 1 to %d layer sizes", TEANN_MAX_LAYERS);
    m->nlayers = nh;
    for (PetscInt l = 0; l < nh; l++) m->hidden[l] = hidden[l];
  }
  PetscCall(PetscOptionsEnum("-teann_activation", "Hidden-layer activation", "TeannModelSetFromOptions", TeannActivations, (PetscEnum)m->act, (PetscEnum *)&m->act, NULL));
  {
    char help[512];
    PetscCall(PetscSNPrintf(help, sizeof(help), "Fitted properties: comma list of %s", TeannPropertyFittedNames()));
    PetscCall(PetscOptionsString("-teann_properties", help, "TeannModelSetFromOptions", props, props, sizeof(props), &set));
  }
  if (set) PetscCall(TeannPropParse(props, &m->props));
  PetscCall(PetscOptionsBool("-teann_fix_radial", "Keep eta and s fixed and cache the pair functions (much faster)", "TeannModelSetFromOptions", m->fix_radial, &m->fix_radial, NULL));
  PetscCall(PetscOptionsBool("-teann_charge_neutral", "Shift the dipole charges so they sum to the total charge", "TeannModelSetFromOptions", m->charge_neutral, &m->charge_neutral, NULL));
  PetscCall(PetscOptionsEList("-teann_dipole_form", "Dipole model: charges (eq. 6) or charges_dipoles (eq. 6b: also a local dipole per atom)", "TeannModelSetFromOptions", TeannDipoleForms, 2, TeannDipoleForms[m->dipole_form], &m->dipole_form, NULL));
  PetscCall(PetscOptionsEList("-teann_polarizability_form", "Polarizability model: fields (eq. 7) or fields_atomic (eq. 7b: also an anisotropic tensor per atom) or pairs (eq. 7c: learned bond polarizabilities)", "TeannModelSetFromOptions", TeannPolarForms, 3, TeannPolarForms[m->polar_form], &m->polar_form, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelSetElements(TeannModel m, PetscInt nel, const PetscInt Z[])
{
  PetscFunctionBegin;
  PetscCheck(!m->setup, m->comm, PETSC_ERR_ORDER, "TeannModelSetElements() must come before TeannModelSetUp()");
  PetscCheck(nel >= 1 && nel <= TEANN_MAX_ELEMENTS, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "number of elements must be in 1..%d, got %" PetscInt_FMT, TEANN_MAX_ELEMENTS, nel);
  for (PetscInt e = 0; e < nel; e++) {
    PetscCheck(Z[e] >= 1 && Z[e] <= TEANN_MAX_Z, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "atomic number %" PetscInt_FMT " out of range 1..86", Z[e]);
    PetscCheck(e == 0 || Z[e] > Z[e - 1], m->comm, PETSC_ERR_ARG_WRONG, "elements must be distinct and ascending (Z %" PetscInt_FMT " after %" PetscInt_FMT ")", Z[e], Z[e - 1]);
    m->Z[e] = Z[e];
  }
  m->nel = nel;
  PetscFunctionReturn(0);
}

static PetscErrorCode AddBlock(TeannModel m, const char name[], PetscInt n0, const char d0[], PetscInt n1, const char d1[])
{
  TeannParamBlock *b = &m->blocks[m->nblocks++];

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(b->name, name, sizeof(b->name)));
  b->offset = m->nparam;
  b->ndim   = d1 ? 2 : 1;
  b->dims[0] = n0;
  b->dims[1] = d1 ? n1 : 1;
  PetscCall(PetscStrncpy(b->dimnames[0], d0, sizeof(b->dimnames[0])));
  if (d1) PetscCall(PetscStrncpy(b->dimnames[1], d1, sizeof(b->dimnames[1])));
  m->nparam += n0 * b->dims[1];
  PetscFunctionReturn(0);
}

/* Dimension name of a layer boundary of width n: "feature" for the input, "neuron<n>" hidden, "output<n>" last. */
static void DimName(char buf[], size_t len, PetscInt l, PetscInt nl, PetscInt n)
{
  if (l == 0) snprintf(buf, len, "feature");
  else if (l == nl) snprintf(buf, len, "output%d", (int)n);
  else snprintf(buf, len, "neuron%d", (int)n);
}

PetscErrorCode TeannModelSetUp(TeannModel m)
{
  TeannModelImpl *im;
  PetscInt        nbmax;

  PetscFunctionBegin;
  if (m->setup) PetscFunctionReturn(0);
  PetscCheck(m->nel >= 1, m->comm, PETSC_ERR_ORDER, "call TeannModelSetElements() before TeannModelSetUp()");
  {
    PetscInt fitted = 0;
    for (PetscInt k = 0; k < TEANN_NKIND; k++) fitted |= TeannProperties[k].bit;
    PetscCheck(m->props && !(m->props & ~fitted), m->comm, PETSC_ERR_ARG_WRONG, "a model fits one or more of: %s", TeannPropertyFittedNames());
  }
  PetscCheck(m->radial_width > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_radial_width must be positive, got %g", (double)m->radial_width);
  PetscCheck(m->neigh_atoms >= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "-teann_neigh_atoms must be positive, got %" PetscInt_FMT, m->neigh_atoms);
  PetscCheck(m->nlayers >= 1 && m->nlayers <= TEANN_MAX_LAYERS, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "number of hidden layers must be in 1..%d", TEANN_MAX_LAYERS);
  for (PetscInt l = 0; l < m->nlayers; l++) PetscCheck(m->hidden[l] >= 1 && m->hidden[l] <= 4096, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "hidden layer %" PetscInt_FMT " size %" PetscInt_FMT " out of range 1..4096", l + 1, m->hidden[l]);
  PetscCall(PetscCalloc1(1, &im));
  m->impl = im;
  PetscCall(TeannDescSetUp(&im->desc, m->cutoff, m->nwave, m->lmax, m->nel));

  for (PetscInt k = 0; k < TEANN_NKIND; k++) { /* the heads' channels, in table order */
    const TeannHead *hd = TeannHeadVariant(k, k == TEANN_K_DIPOLE ? m->dipole_form : k == TEANN_K_POLAR ? m->polar_form : 0);
    if (!(m->props & TeannProperties[k].bit)) continue;
    im->head[im->nhead]      = hd;
    im->head_k[im->nhead]    = k;
    im->head_ch[im->nhead]   = im->nchan;
    if (TeannProperties[k].peratom) { /* its components are per atom: not among the frame's */
      im->head_comp[im->nhead] = im->nacomp;
      im->nacomp += TeannProperties[k].ncomp;
    } else {
      im->head_comp[im->nhead] = im->ncomp;
      im->ncomp += TeannProperties[k].ncomp;
    }
    im->nhead++;
    for (PetscInt c = 0; c < hd->nch; c++) {
      PetscCheck(im->nchan < TEANN_MAX_CHANNELS, m->comm, PETSC_ERR_SUP, "too many output channels");
      PetscCall(PetscSNPrintf(im->chan_name[im->nchan], sizeof(im->chan_name[0]), "%s%s", TeannProperties[k].name, hd->ch[c].suffix));
      im->chan_nout[im->nchan]  = hd->ch[c].nout;
      im->chan_init[im->nchan]  = hd->ch[c].init_last;
      im->chan_field[im->nchan] = -1;
      if (hd->ch[c].field) {
        PetscCheck(im->nfield < TEANN_MAX_FIELDS, m->comm, PETSC_ERR_SUP, "too many field channels");
        im->chan_field[im->nchan]  = im->nfield;
        im->field_ch[im->nfield++] = im->nchan;
      }
      im->nchan++;
    }
  }

  nbmax = 3 + im->nchan * m->nel * 4 * (m->nlayers + 1);
  PetscCall(PetscCalloc1(nbmax, &m->blocks));
  m->nparam  = 0;
  m->nblocks = 0;
  im->off_c  = m->nparam;
  PetscCall(AddBlock(m, "orbital_coeff", m->nel, "element", m->nwave, "wave"));
  im->off_eta = m->nparam;
  PetscCall(AddBlock(m, "radial_width", m->nel, "element", m->nwave, "wave"));
  im->off_s = m->nparam;
  PetscCall(AddBlock(m, "radial_center", m->nel, "element", m->nwave, "wave"));
  im->maxwidth = im->desc.F;
  for (PetscInt ch = 0; ch < im->nchan; ch++) {
    for (PetscInt e = 0; e < m->nel; e++) {
      TeannNet  *net = &im->net[ch][e];
      const char *el = TeannElementSymbol(m->Z[e]);
      char        name[96], din[32], dout[32];

      net->nl      = m->nlayers + 1;
      net->size[0] = im->desc.F;
      for (PetscInt l = 0; l < m->nlayers; l++) net->size[l + 1] = m->hidden[l];
      net->size[net->nl] = im->chan_nout[ch];
      for (PetscInt l = 0; l < net->nl; l++) {
        const PetscInt nin = net->size[l], nout = net->size[l + 1];
        im->maxwidth = PetscMax(im->maxwidth, nout);
        DimName(din, sizeof(din), l, net->nl, nin);
        DimName(dout, sizeof(dout), l + 1, net->nl, nout);
        PetscCall(PetscSNPrintf(name, sizeof(name), "%s_%s_layer%" PetscInt_FMT "_weight", im->chan_name[ch], el, l + 1));
        net->w[l] = m->nparam;
        PetscCall(AddBlock(m, name, nin, din, nout, dout));
        PetscCall(PetscSNPrintf(name, sizeof(name), "%s_%s_layer%" PetscInt_FMT "_bias", im->chan_name[ch], el, l + 1));
        net->b[l] = m->nparam;
        PetscCall(AddBlock(m, name, nout, dout, 0, NULL));
        net->a[l] = net->bb[l] = -1;
        if (l < net->nl - 1 && m->act == TEANN_ACT_RELU_LIKE) {
          PetscCall(PetscSNPrintf(name, sizeof(name), "%s_%s_layer%" PetscInt_FMT "_act_a", im->chan_name[ch], el, l + 1));
          net->a[l] = m->nparam;
          PetscCall(AddBlock(m, name, nout, dout, 0, NULL));
          PetscCall(PetscSNPrintf(name, sizeof(name), "%s_%s_layer%" PetscInt_FMT "_act_b", im->chan_name[ch], el, l + 1));
          net->bb[l] = m->nparam;
          PetscCall(AddBlock(m, name, nout, dout, 0, NULL));
        }
      }
    }
  }
  m->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelGetNumParameters(TeannModel m, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call TeannModelSetUp() first");
  *n = m->nparam;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelGetNumComponents(TeannModel m, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call TeannModelSetUp() first");
  *n = ((TeannModelImpl *)m->impl)->ncomp;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelGetNumAtomComponents(TeannModel m, PetscInt *n)
{
  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call TeannModelSetUp() first");
  *n = ((TeannModelImpl *)m->impl)->nacomp;
  PetscFunctionReturn(0);
}

/* The channels of the heads left move down in place, in their order, so that the engine evaluates
   only their networks (a joint model's dipole alone then costs no polarizability fields). Their
   networks keep their offsets in theta, which stays laid out for all channels; a head's channels
   stay consecutive, and the fields are numbered anew in channel order, as TeannModelSetUp does. */
static PetscErrorCode DropUnusedChannels(TeannModelImpl *im)
{
  PetscBool keep[TEANN_MAX_CHANNELS] = {PETSC_FALSE};
  PetscInt  map[TEANN_MAX_CHANNELS], nc = 0;

  PetscFunctionBegin;
  for (PetscInt h = 0; h < im->nhead; h++)
    for (PetscInt c = 0; c < im->head[h]->nch; c++) keep[im->head_ch[h] + c] = PETSC_TRUE;
  im->nfield = 0;
  for (PetscInt ch = 0; ch < im->nchan; ch++) {
    const PetscBool field = (PetscBool)(im->chan_field[ch] >= 0); /* read before chan_field[nc] is set */

    if (!keep[ch]) continue;
    map[ch] = nc;
    if (nc < ch) {
      im->chan_nout[nc] = im->chan_nout[ch];
      im->chan_init[nc] = im->chan_init[ch];
      PetscCall(PetscStrncpy(im->chan_name[nc], im->chan_name[ch], sizeof(im->chan_name[0])));
      PetscCall(PetscArraycpy(im->net[nc], im->net[ch], TEANN_MAX_ELEMENTS));
    }
    im->chan_field[nc] = -1;
    if (field) {
      im->chan_field[nc]          = im->nfield;
      im->field_ch[im->nfield++] = nc;
    }
    nc++;
  }
  for (PetscInt h = 0; h < im->nhead; h++) im->head_ch[h] = map[im->head_ch[h]];
  im->nchan = nc;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelRestrictProperties(TeannModel m, PetscInt props)
{
  TeannModelImpl *im;
  PetscInt        nh = 0;

  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call TeannModelSetUp() first");
  PetscCheck(props && !(props & ~m->props), m->comm, PETSC_ERR_ARG_WRONG, "the properties to predict must be some of the model's");
  im     = (TeannModelImpl *)m->impl;
  im->ncomp = im->nacomp = 0;
  /* the heads left keep their channels (theta is laid out for all of them), only the
     components are laid out anew: the evaluation never runs a dropped head, so a property
     not defined in a periodic cell does not stop the prediction of one that is */
  for (PetscInt h = 0; h < im->nhead; h++) {
    const PetscInt k = im->head_k[h];
    if (!(props & TeannProperties[k].bit)) continue;
    im->head[nh]    = im->head[h];
    im->head_k[nh]  = k;
    im->head_ch[nh] = im->head_ch[h];
    if (TeannProperties[k].peratom) {
      im->head_comp[nh] = im->nacomp;
      im->nacomp += TeannProperties[k].ncomp;
    } else {
      im->head_comp[nh] = im->ncomp;
      im->ncomp += TeannProperties[k].ncomp;
    }
    nh++;
  }
  im->nhead = nh;
  m->props  = props;
  PetscCall(DropUnusedChannels(im));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelSelectProperties(TeannModel m, const char list[], const char who[], const char what[])
{
  char     buf[256], have[256] = "", *tok, *save = NULL;
  PetscInt mask = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < TEANN_NKIND; k++) {
    if (!(m->props & TeannProperties[k].bit)) continue;
    if (have[0]) PetscCall(PetscStrlcat(have, ",", sizeof(have)));
    PetscCall(PetscStrlcat(have, TeannProperties[k].name, sizeof(have)));
  }
  PetscCheck(strlen(list) < sizeof(buf), m->comm, PETSC_ERR_USER_INPUT, "%s: the list of properties is longer than %d characters", who, (int)sizeof(buf) - 1);
  PetscCall(PetscStrncpy(buf, list, sizeof(buf)));
  for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    const PetscInt k = TeannPropertyIndex(tok);
    PetscCheck(k >= 0 && k < TEANN_NKIND, m->comm, PETSC_ERR_USER_INPUT, "%s: unknown property '%s' (%s predicts %s)", who, tok, what, have);
    PetscCheck(m->props & TeannProperties[k].bit, m->comm, PETSC_ERR_USER_INPUT, "%s: %s does not predict the %s (it predicts %s)", who, what, tok, have);
    mask |= TeannProperties[k].bit;
  }
  PetscCheck(mask, m->comm, PETSC_ERR_USER_INPUT, "%s: give one or more of the properties %s predicts (%s)", who, what, have);
  PetscCall(TeannModelRestrictProperties(m, mask));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelGetBlock(TeannModel m, const char name[], const TeannParamBlock **block)
{
  PetscFunctionBegin;
  *block = NULL;
  for (PetscInt b = 0; b < m->nblocks; b++) {
    PetscBool eq;
    PetscCall(PetscStrcmp(m->blocks[b].name, name, &eq));
    if (eq) *block = &m->blocks[b];
  }
  PetscFunctionReturn(0);
}

/* splitmix64: a tiny deterministic generator, so initial weights do not depend on PETSc's random backend. */
static inline PetscReal Uniform01(uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z = z ^ (z >> 31);
  return (PetscReal)(z >> 11) * 0x1.0p-53;
}

PetscErrorCode TeannModelInitialParameters(TeannModel m, PetscInt seed, PetscReal theta[])
{
  TeannModelImpl *im;
  const PetscInt  K = m->nwave;
  uint64_t        state = (uint64_t)seed;

  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call TeannModelSetUp() first");
  im = (TeannModelImpl *)m->impl;
  PetscCall(PetscArrayzero(theta, m->nparam));
  for (PetscInt e = 0; e < m->nel; e++) {
    for (PetscInt k = 0; k < K; k++) {
      theta[im->off_c + e * K + k]   = 1.0 / m->neigh_atoms;
      theta[im->off_eta + e * K + k] = m->radial_width;
      /* s = linspace(0, r_c, K) with both endpoints, as torch.linspace in the PyTorch EANN */
      theta[im->off_s + e * K + k] = K > 1 ? m->cutoff * k / (K - 1) : 0.0;
    }
  }
  for (PetscInt ch = 0; ch < im->nchan; ch++) {
    for (PetscInt e = 0; e < m->nel; e++) {
      const TeannNet *net = &im->net[ch][e];
      /* the last layer stays zero unless the head asks otherwise (a field entering quadratically,
         as h_i h_i^T of eq. 7, whose gradient vanishes at zero, so zero would never leave zero) */
      const PetscInt nw = im->chan_init[ch] != 0 ? net->nl : net->nl - 1;
      for (PetscInt l = 0; l < nw; l++) {
        const PetscInt  nin = net->size[l], nout = net->size[l + 1];
        const PetscReal lim = (l < net->nl - 1 ? 1.0 : im->chan_init[ch]) * PetscSqrtReal(6.0 / (nin + nout)); /* a nonzero last layer starts small: a perturbation */
        for (PetscInt q = 0; q < nin * nout; q++) theta[net->w[l] + q] = lim * (2 * Uniform01(&state) - 1);
        if (l < net->nl - 1 && net->a[l] >= 0)
          for (PetscInt j = 0; j < nout; j++) {
            theta[net->a[l] + j]  = 1.0;
            theta[net->bb[l] + j] = 1.0; /* not 1/fan_in as in the EANN: see doc/model.md "Conditioning" */
          }
      }
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelGetTrainableMask(TeannModel m, PetscReal mask[])
{
  TeannModelImpl *im;
  const PetscInt  nk = m->nel * m->nwave;

  PetscFunctionBegin;
  PetscCheck(m->setup, m->comm, PETSC_ERR_ORDER, "call TeannModelSetUp() first");
  im = (TeannModelImpl *)m->impl;
  for (PetscInt q = 0; q < m->nparam; q++) mask[q] = 1.0;
  if (m->fix_radial)
    for (PetscInt q = 0; q < nk; q++) mask[im->off_eta + q] = mask[im->off_s + q] = 0.0;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelView(TeannModel m, PetscViewer viewer)
{
  PetscBool iascii;

  PetscFunctionBegin;
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(m->comm, &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "EANN model: cutoff %g Angstrom, nwave %" PetscInt_FMT ", lmax %" PetscInt_FMT ", neigh_atoms %" PetscInt_FMT ", features per atom %" PetscInt_FMT "\n", (double)m->cutoff, m->nwave, m->lmax, m->neigh_atoms, (m->lmax + 1) * m->nwave));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  elements:"));
  for (PetscInt e = 0; e < m->nel; e++) PetscCall(PetscViewerASCIIPrintf(viewer, " %s", TeannElementSymbol(m->Z[e])));
  PetscCall(PetscViewerASCIIPrintf(viewer, "\n  networks: F"));
  for (PetscInt l = 0; l < m->nlayers; l++) PetscCall(PetscViewerASCIIPrintf(viewer, "-%" PetscInt_FMT, m->hidden[l]));
  PetscCall(PetscViewerASCIIPrintf(viewer, "-out, activation %s\n  properties:", TeannActivations[m->act]));
  for (PetscInt k = 0; k < TEANN_NKIND; k++)
    if (m->props & TeannProperties[k].bit) PetscCall(PetscViewerASCIIPrintf(viewer, " %s", TeannProperties[k].name));
  PetscCall(PetscViewerASCIIPrintf(viewer, "\n  fix_radial %s, charge_neutral %s, dipole_form %s, polarizability_form %s\n", PetscBools[m->fix_radial], PetscBools[m->charge_neutral], TeannDipoleForms[m->dipole_form], TeannPolarForms[m->polar_form]));
  if (m->setup) PetscCall(PetscViewerASCIIPrintf(viewer, "  parameters: %" PetscInt_FMT " in %" PetscInt_FMT " blocks\n", m->nparam, m->nblocks));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannModelDestroy(TeannModel *model)
{
  PetscFunctionBegin;
  if (!*model) PetscFunctionReturn(0);
  PetscCall(PetscFree((*model)->blocks));
  PetscCall(PetscFree((*model)->impl));
  PetscCall(PetscFree(*model));
  PetscFunctionReturn(0);
}
