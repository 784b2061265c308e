/* The TeannFrames container: life cycle, subsets, element list, the check
 * that required properties are present, and the summary teann-convert -info
 * prints. Readers live in xyz.c and eannconfig.c. */
#include "framesimpl.h"
#include "property.h"

PetscErrorCode TeannFramesCreate(TeannFrames *frames)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(frames));
  PetscFunctionReturn(0);
}

/* Release the arrays, keep the object (and its source name). */
static PetscErrorCode TeannFramesReset(TeannFrames fr)
{
  PetscFunctionBegin;
  if (fr->comment) {
    for (PetscInt f = 0; f < fr->nframes; f++) PetscCall(PetscFree(fr->comment[f]));
  }
  PetscCall(PetscFree(fr->comment));
  PetscCall(PetscFree(fr->atom_start));
  PetscCall(PetscFree(fr->Z));
  PetscCall(PetscFree(fr->x));
  PetscCall(PetscFree(fr->cell));
  PetscCall(PetscFree(fr->pbc));
  PetscCall(PetscFree(fr->frame_id));
  PetscCall(PetscFree(fr->line));
  PetscCall(PetscFree(fr->fprops));
  for (PetscInt k = 0; k < TEANN_NPROP; k++) PetscCall(PetscFree(fr->y[k]));
  fr->nframes = 0;
  fr->natoms  = 0;
  for (PetscInt k = 0; k < TEANN_NPROP; k++) {
    fr->asym[k]       = 0;
    fr->asym_frame[k] = 0;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesAllocate(TeannFrames fr, PetscInt nframes, PetscInt natoms)
{
  PetscFunctionBegin;
  PetscCheck(nframes >= 0 && natoms >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "negative size: %" PetscInt_FMT " frames, %" PetscInt_FMT " atoms", nframes, natoms);
  PetscCall(TeannFramesReset(fr));
  fr->nframes = nframes;
  fr->natoms  = natoms;
  PetscCall(PetscCalloc1(nframes + 1, &fr->atom_start));
  PetscCall(PetscCalloc1(natoms, &fr->Z));
  PetscCall(PetscCalloc1(3 * natoms, &fr->x));
  PetscCall(PetscCalloc1(9 * nframes + 1, &fr->cell));
  PetscCall(PetscCalloc1(nframes + 1, &fr->pbc));
  PetscCall(PetscMalloc1(nframes, &fr->frame_id));
  PetscCall(PetscCalloc1(nframes, &fr->line));
  PetscCall(PetscCalloc1(nframes, &fr->fprops));
  for (PetscInt k = 0; k < TEANN_NPROP; k++) { /* NaN where absent; the charge 0 (neutral) */
    const size_t len = (size_t)TeannProperties[k].ncomp * (TeannProperties[k].peratom ? natoms : nframes);
    PetscCall(PetscMalloc1(len + 1, &fr->y[k]));
    for (size_t i = 0; i < len; i++) fr->y[k][i] = k == TEANN_K_CHARGE ? 0.0 : NAN;
  }
  PetscCall(PetscCalloc1(nframes, &fr->comment));
  for (PetscInt f = 0; f < nframes; f++) fr->frame_id[f] = f;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesDestroy(TeannFrames *frames)
{
  PetscFunctionBegin;
  if (!*frames) PetscFunctionReturn(0);
  PetscCall(TeannFramesReset(*frames));
  PetscCall(PetscFree(*frames));
  PetscFunctionReturn(0);
}

/* The names of the bits in mask, comma separated, as -teann_properties takes them. */
static void TeannPropMaskNames(PetscInt mask, char buf[], size_t len)
{
  size_t n = 0;

  buf[0] = 0;
  for (PetscInt k = 0; k < TEANN_NPROP; k++) {
    if (!(mask & TeannProperties[k].bit)) continue;
    n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "", TeannProperties[k].name);
    if (n >= len) break;
  }
}

PetscErrorCode TeannFramesRequire(TeannFrames fr, PetscInt mask)
{
  PetscFunctionBegin;
  for (PetscInt f = 0; f < fr->nframes; f++) {
    PetscInt missing = mask & ~fr->fprops[f];
    char     what[64], all[128], where[PETSC_MAX_PATH_LEN + 32];
    PetscInt b;

    if (!missing) continue;
    for (b = 1; !(missing & b); b <<= 1) { }
    TeannPropMaskNames(b, what, sizeof(what));
    TeannPropMaskNames(mask, all, sizeof(all));
    if (fr->line[f] > 0) PetscCall(PetscSNPrintf(where, sizeof(where), "%s:%" PetscInt_FMT, fr->source, fr->line[f]));
    else PetscCall(PetscSNPrintf(where, sizeof(where), "%s", fr->source));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: frame %" PetscInt_FMT ": no %s given (required by -teann_properties %s)", where, fr->frame_id[f] + 1, what, all);
  }
  PetscFunctionReturn(0);
}

/* Whether frame f of fr offends mask, and the message saying how: with periodic set, a periodic
   frame and a property of mask a cell does not define; else a property of mask the frame lacks. */
static PetscErrorCode RequireFrame(TeannFrames fr, PetscInt f, PetscInt mask, PetscBool periodic, PetscBool *bad, char msg[], size_t len)
{
  char     what[64], all[128], where[PETSC_MAX_PATH_LEN + 32];
  PetscInt b, missing;

  PetscFunctionBegin;
  *bad = PETSC_FALSE;
  if (periodic) {
    PetscInt k;
    if (!fr->pbc[f]) PetscFunctionReturn(0);
    for (k = 0; k < TEANN_NKIND; k++)
      if ((mask & TeannProperties[k].bit) && TeannProperties[k].not_periodic) break;
    if (k == TEANN_NKIND) PetscFunctionReturn(0);
    *bad = PETSC_TRUE;
    if (!msg) PetscFunctionReturn(0);
    TeannPropMaskNames(mask, all, sizeof(all));
    if (fr->line[f] > 0) PetscCall(PetscSNPrintf(where, sizeof(where), "%s:%" PetscInt_FMT, fr->source, fr->line[f]));
    else PetscCall(PetscSNPrintf(where, sizeof(where), "%s", fr->source));
    PetscCall(PetscSNPrintf(msg, len, "%s: frame %" PetscInt_FMT ": a periodic frame, and -teann_properties %s asks for the %s, which is not defined for a periodic frame (%s); fit only properties defined in a cell (%s) on periodic frames", where, fr->frame_id[f] + 1, all, TeannProperties[k].name, TeannProperties[k].not_periodic, TeannPropertyPeriodicNames()));
    PetscFunctionReturn(0);
  }
  missing = mask & ~fr->fprops[f];
  if (!missing) PetscFunctionReturn(0);
  *bad = PETSC_TRUE;
  if (!msg) PetscFunctionReturn(0);
  for (b = 1; !(missing & b); b <<= 1) { }
  TeannPropMaskNames(b, what, sizeof(what));
  TeannPropMaskNames(mask, all, sizeof(all));
  if (fr->line[f] > 0) PetscCall(PetscSNPrintf(where, sizeof(where), "%s:%" PetscInt_FMT, fr->source, fr->line[f]));
  else PetscCall(PetscSNPrintf(where, sizeof(where), "%s", fr->source));
  PetscCall(PetscSNPrintf(msg, len, "%s: frame %" PetscInt_FMT ": no %s given (required by -teann_properties %s)", where, fr->frame_id[f] + 1, what, all));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesRequireAll(MPI_Comm comm, PetscInt n, TeannFrames fr[], const PetscInt file[], PetscInt mask)
{
  PetscMPIInt rank, size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  /* a periodic frame first: labels added for it would be refused too ("not defined for a periodic
     frame"), so that is what to say. Then the first frame of the file without a label: the lowest
     (file, frame) over the subsets and the ranks, not whichever the split put first. */
  for (int pass = 0; pass < 2; pass++) {
    PetscInt64  mine = INT64_MAX, first;
    PetscInt    ms = -1, mf = -1;
    PetscMPIInt owner, cand;
    char        msg[PETSC_MAX_PATH_LEN + 512] = "";

    for (PetscInt s = 0; s < n; s++) {
      if (!fr[s]) continue;
      for (PetscInt f = 0; f < fr[s]->nframes; f++) {
        const PetscInt64 key = ((PetscInt64)file[s] << 40) + fr[s]->frame_id[f];
        PetscBool        bad;
        if (key >= mine) continue;
        PetscCall(RequireFrame(fr[s], f, mask, (PetscBool)(pass == 0), &bad, NULL, 0));
        if (bad) {
          mine = key;
          ms   = s;
          mf   = f;
        }
      }
    }
    PetscCallMPI(MPI_Allreduce(&mine, &first, 1, MPIU_INT64, MPI_MIN, comm));
    if (first == INT64_MAX) continue;
    cand = mine == first ? rank : size;
    PetscCallMPI(MPI_Allreduce(&cand, &owner, 1, MPI_INT, MPI_MIN, comm));
    if (rank == owner) {
      PetscBool bad;
      PetscCall(RequireFrame(fr[ms], mf, mask, (PetscBool)(pass == 0), &bad, msg, sizeof(msg)));
    }
    PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, owner, comm));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesSubset(TeannFrames fr, PetscInt n, const PetscInt idx[], TeannFrames *sub)
{
  TeannFrames s;
  PetscInt    natoms = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < n; k++) {
    PetscCheck(idx[k] >= 0 && idx[k] < fr->nframes, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "frame index %" PetscInt_FMT " not in [0, %" PetscInt_FMT ")", idx[k], fr->nframes);
    natoms += fr->atom_start[idx[k] + 1] - fr->atom_start[idx[k]];
  }
  PetscCall(TeannFramesCreate(&s));
  PetscCall(PetscStrncpy(s->source, fr->source, sizeof(s->source)));
  PetscCall(TeannFramesAllocate(s, n, natoms));
  PetscCall(PetscArraycpy(s->asym, fr->asym, TEANN_NPROP)); /* a statistic of the source, frames numbered in it */
  PetscCall(PetscArraycpy(s->asym_frame, fr->asym_frame, TEANN_NPROP));
  for (PetscInt k = 0; k < n; k++) {
    PetscInt f = idx[k], a0 = fr->atom_start[f], na = fr->atom_start[f + 1] - a0, b0 = s->atom_start[k];

    s->atom_start[k + 1] = b0 + na;
    PetscCall(PetscArraycpy(s->Z + b0, fr->Z + a0, na));
    PetscCall(PetscArraycpy(s->x + 3 * b0, fr->x + 3 * a0, 3 * na));
    PetscCall(PetscArraycpy(s->cell + 9 * k, fr->cell + 9 * f, 9));
    s->pbc[k]      = fr->pbc[f];
    s->frame_id[k] = fr->frame_id[f];
    s->line[k]     = fr->line[f];
    s->fprops[k]   = fr->fprops[f];
    for (PetscInt p = 0; p < TEANN_NPROP; p++) {
      const PetscInt nc = TeannProperties[p].ncomp;
      if (TeannProperties[p].peratom) PetscCall(PetscArraycpy(s->y[p] + nc * b0, fr->y[p] + nc * a0, nc * na));
      else PetscCall(PetscArraycpy(s->y[p] + nc * k, fr->y[p] + nc * f, nc));
    }
    if (fr->comment && fr->comment[f]) PetscCall(PetscStrallocpy(fr->comment[f], &s->comment[k]));
  }
  *sub = s;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesGetElements(TeannFrames fr, PetscInt *nel, PetscInt **Z)
{
  PetscBool seen[TEANN_MAX_Z + 1] = {PETSC_FALSE};
  PetscInt  n         = 0;

  PetscFunctionBegin;
  for (PetscInt a = 0; a < fr->natoms; a++) {
    PetscCheck(fr->Z[a] >= 1 && fr->Z[a] <= TEANN_MAX_Z, PETSC_COMM_SELF, PETSC_ERR_PLIB, "atom %" PetscInt_FMT " has atomic number %" PetscInt_FMT, a, fr->Z[a]);
    seen[fr->Z[a]] = PETSC_TRUE;
  }
  for (PetscInt z = 0; z <= TEANN_MAX_Z; z++) n += seen[z];
  PetscCall(PetscMalloc1(n, Z));
  *nel = 0;
  for (PetscInt z = 0; z <= TEANN_MAX_Z; z++)
    if (seen[z]) (*Z)[(*nel)++] = z;
  PetscFunctionReturn(0);
}

/* Mean and standard deviation over the frames having property bit of ncomp components at stride ncomp in v
   (a per-atom property: over the labelled atoms of those frames). */
static PetscErrorCode TeannFramesViewProperty(TeannFrames fr, PetscViewer viewer, PetscInt k)
{
  const PetscInt   bit = TeannProperties[k].bit, ncomp = TeannProperties[k].ncomp;
  const char      *name = TeannProperties[k].name, *units = TeannPropertyUnits(k);
  const PetscReal *v = fr->y[k], *w2 = TeannPropertyWeights(k);
  PetscInt         n = 0;
  PetscReal        mean[TEANN_MAX_COMP] = {0}, m2[TEANN_MAX_COMP] = {0};
  PetscInt         nf = 0;

  PetscFunctionBegin;
  for (PetscInt f = 0; f < fr->nframes; f++) {
    const PetscBool per = TeannProperties[k].peratom;
    if (!(fr->fprops[f] & bit)) continue;
    nf++;
    for (PetscInt r = per ? fr->atom_start[f] : f; r < (per ? fr->atom_start[f + 1] : f + 1); r++) {
      if (per && PetscIsNanReal(v[ncomp * r])) continue; /* an atom without a label */
      n++;
      /* Welford: stable for a million frames with a large mean */
      for (PetscInt c = 0; c < ncomp; c++) {
        PetscReal d = v[ncomp * r + c] - mean[c];
        mean[c] += d / n;
        m2[c] += d * (v[ncomp * r + c] - mean[c]);
      }
    }
  }
  if (!n) PetscFunctionReturn(0);
  if (TeannProperties[k].peratom) PetscCall(PetscViewerASCIIPrintf(viewer, "%s (%s): %" PetscInt_FMT " of %" PetscInt_FMT " frames, %" PetscInt_FMT " atoms\n", name, units, nf, fr->nframes, n));
  else PetscCall(PetscViewerASCIIPrintf(viewer, "%s (%s): %" PetscInt_FMT " of %" PetscInt_FMT " frames\n", name, units, n, fr->nframes));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  for (PetscInt c = 0; c < ncomp; c++) { /* the independent components only, named by their indices */
    char cname[4] = "";
    if (w2[c] == 0) continue;
    for (PetscInt r = 0, d = ncomp / 3; r < TeannProperties[k].rank; r++, d /= 3) cname[r] = "xyz"[(c / (d ? d : 1)) % 3];
    PetscCall(PetscViewerASCIIPrintf(viewer, "%-3s mean %14.6g  std %14.6g\n", cname, (double)mean[c], (double)(n > 1 ? PetscSqrtReal(m2[c] / (n - 1)) : 0.0)));
  }
  if (fr->asym_frame[k] > 0) PetscCall(PetscViewerASCIIPrintf(viewer, "largest %s asymmetry accepted: %.3g (relative to the largest component; tolerance %g), frame %" PetscInt_FMT "; the symmetric part is used\n", name, (double)fr->asym[k], (double)TeannProperties[k].sym_rtol, fr->asym_frame[k]));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

/* Periodic frames: how many, with which flags, and the range of their periodic vectors' lengths and
   of the volumes of the cells periodic in all three directions. Nothing for isolated molecules. */
static PetscErrorCode TeannFramesViewCells(TeannFrames fr, PetscViewer viewer)
{
  PetscInt  nper = 0, nvol = 0, bypbc[8] = {0};
  PetscReal lmin = PETSC_MAX_REAL, lmax = 0, vmin = PETSC_MAX_REAL, vmax = 0;

  PetscFunctionBegin;
  for (PetscInt f = 0; f < fr->nframes; f++) {
    const PetscReal *H = fr->cell + 9 * f;

    if (!fr->pbc[f]) continue;
    nper++;
    bypbc[fr->pbc[f] & 7]++;
    for (PetscInt d = 0; d < 3; d++) {
      if (!(fr->pbc[f] & (1 << d))) continue;
      PetscReal l = PetscSqrtReal(H[3 * d] * H[3 * d] + H[3 * d + 1] * H[3 * d + 1] + H[3 * d + 2] * H[3 * d + 2]);
      lmin        = PetscMin(lmin, l);
      lmax        = PetscMax(lmax, l);
    }
    if (fr->pbc[f] == 7) {
      PetscReal v = PetscAbsReal(H[0] * (H[4] * H[8] - H[5] * H[7]) - H[1] * (H[3] * H[8] - H[5] * H[6]) + H[2] * (H[3] * H[7] - H[4] * H[6]));
      nvol++;
      vmin = PetscMin(vmin, v);
      vmax = PetscMax(vmax, v);
    }
  }
  if (!nper) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "periodic: %" PetscInt_FMT " of %" PetscInt_FMT " frames (pbc", nper, fr->nframes));
  PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_FALSE));
  for (PetscInt b = 7, shown = 0; b >= 1; b--) {
    if (!bypbc[b]) continue;
    PetscCall(PetscViewerASCIIPrintf(viewer, "%s %c %c %c: %" PetscInt_FMT, shown++ ? "," : "", b & 1 ? 'T' : 'F', b & 2 ? 'T' : 'F', b & 4 ? 'T' : 'F', bypbc[b]));
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, ")\n"));
  PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_TRUE));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer, "cell: periodic vectors %.6g to %.6g Angstrom long", (double)lmin, (double)lmax));
  PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_FALSE));
  if (nvol) PetscCall(PetscViewerASCIIPrintf(viewer, ", volume %.6g to %.6g Angstrom^3 (%" PetscInt_FMT " cells periodic in 3 directions)", (double)vmin, (double)vmax, nvol));
  PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
  PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_TRUE));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode TeannFramesView(TeannFrames fr, PetscViewer viewer)
{
  PetscInt          nel, *Z, count[TEANN_MAX_Z + 1] = {0}, amin = PETSC_MAX_INT, amax = 0;
  PetscBool         isascii;

  PetscFunctionBegin;
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(PETSC_COMM_SELF, &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &isascii));
  if (!isascii) PetscFunctionReturn(0);
  for (PetscInt f = 0; f < fr->nframes; f++) {
    PetscInt na = fr->atom_start[f + 1] - fr->atom_start[f];
    amin        = PetscMin(amin, na);
    amax        = PetscMax(amax, na);
  }
  if (!fr->nframes) amin = 0;
  PetscCall(TeannFramesGetElements(fr, &nel, &Z));
  for (PetscInt a = 0; a < fr->natoms; a++) count[fr->Z[a]]++;
  PetscCall(PetscViewerASCIIPrintf(viewer, "%s: %" PetscInt_FMT " frames, %" PetscInt_FMT " atoms (%" PetscInt_FMT " to %" PetscInt_FMT " per frame)\n", fr->source, fr->nframes, fr->natoms, amin, amax));
  PetscCall(PetscViewerASCIIPrintf(viewer, "elements:"));
  PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_FALSE));
  for (PetscInt e = 0; e < nel; e++) PetscCall(PetscViewerASCIIPrintf(viewer, " %s %" PetscInt_FMT, TeannElementSymbol(Z[e]), count[Z[e]]));
  PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
  PetscCall(PetscViewerASCIIUseTabs(viewer, PETSC_TRUE));
  PetscCall(PetscFree(Z));
  PetscCall(TeannFramesViewCells(fr, viewer));
  for (PetscInt k = 0; k < TEANN_NPROP; k++) PetscCall(TeannFramesViewProperty(fr, viewer, k));
  PetscFunctionReturn(0);
}
