/* Dataset and partition tests.
 *   test-dataset roundtrip IN OUT.nc   text file -> dataset -> frames, bitwise equal
 *   test-dataset xyzroundtrip IN OUT.xyz  any input -> extended XYZ (TeannFramesWriteXYZ) -> frames,
 *                                      bitwise equal (inputs without quadrupoles: re-projecting a
 *                                      traceless tensor moves its last bits)
 *   test-dataset parallel FILE.nc      each rank reads its partition slab, overlapping and
 *                                      disjoint sparse subsets, and (rank 0) nothing, compared
 *                                      with a serial read
 *   test-dataset badids FILE.nc        invalid ids on one rank fail on all ranks, no hang
 *   test-dataset partition FILE        ranges over 1, 2, 3 and 7 ranks; imbalance at cutoff 4
 *   test-dataset optimal               bottleneck equals brute force on random small cases
 * Each mode prints what it checked and fails with an error on any mismatch. */
#include "dataset.h"

static PetscErrorCode CompareBits(const char what[], const void *a, const void *b, size_t bytes, PetscInt frame)
{
  PetscFunctionBegin;
  PetscCheck(!bytes || !memcmp(a, b, bytes), PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s differs (frame %" PetscInt_FMT ")", what, frame);
  PetscFunctionReturn(0);
}

/* Frames must be identical, every bit of every field a dataset stores. */
static PetscErrorCode CompareFrames(TeannFrames a, TeannFrames b)
{
  PetscFunctionBegin;
  PetscCheck(a->nframes == b->nframes && a->natoms == b->natoms, PETSC_COMM_SELF, PETSC_ERR_PLIB, "sizes differ: %" PetscInt_FMT " frames %" PetscInt_FMT " atoms vs %" PetscInt_FMT " frames %" PetscInt_FMT " atoms", a->nframes, a->natoms, b->nframes, b->natoms);
  PetscCall(CompareBits("atom_start", a->atom_start, b->atom_start, sizeof(PetscInt) * (a->nframes + 1), -1));
  PetscCall(CompareBits("species", a->Z, b->Z, sizeof(PetscInt) * a->natoms, -1));
  for (PetscInt f = 0; f < a->nframes; f++) {
    PetscInt a0 = a->atom_start[f], na = a->atom_start[f + 1] - a0;

    PetscCall(CompareBits("positions", a->x + 3 * a0, b->x + 3 * a0, sizeof(PetscReal) * 3 * na, f));
    PetscCall(CompareBits("frame_id", a->frame_id + f, b->frame_id + f, sizeof(PetscInt), f));
    PetscCall(CompareBits("properties", a->fprops + f, b->fprops + f, sizeof(PetscInt), f));
    PetscCall(CompareBits("pbc", a->pbc + f, b->pbc + f, sizeof(PetscInt), f));
    PetscCall(CompareBits("cell", a->cell + 9 * f, b->cell + 9 * f, sizeof(PetscReal) * 9, f));
    for (PetscInt k = 0; k < TEANN_NPROP; k++) { /* every property of the table; a per-atom one: the frame's rows */
      const PetscInt nc = TeannProperties[k].ncomp, r0 = TeannProperties[k].peratom ? a0 : f, nr = TeannProperties[k].peratom ? na : 1;
      PetscCall(CompareBits(TeannProperties[k].name, a->y[k] + nc * r0, b->y[k] + nc * r0, sizeof(PetscReal) * nc * nr, f));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RoundTrip(const char in[], const char out[])
{
  TeannFrames text, viaread, viadataset;
  PetscInt    nframes, *natoms, present = 0;

  PetscFunctionBegin;
  PetscCall(TeannFramesCreate(&text));
  PetscCall(TeannFramesCreate(&viaread));
  PetscCall(TeannFramesCreate(&viadataset));
  PetscCall(TeannFramesRead(in, text));
  PetscCall(TeannDatasetWrite(PETSC_COMM_WORLD, text, out));
  PetscCall(TeannFramesRead(out, viaread));
  PetscCall(TeannDatasetRead(PETSC_COMM_SELF, out, -1, NULL, viadataset));
  PetscCall(CompareFrames(text, viaread));
  PetscCall(CompareFrames(text, viadataset));
  PetscCall(TeannDatasetGetSizes(out, &nframes, &natoms));
  PetscCheck(nframes == text->nframes, PETSC_COMM_SELF, PETSC_ERR_PLIB, "GetSizes: %" PetscInt_FMT " frames, expected %" PetscInt_FMT, nframes, text->nframes);
  for (PetscInt f = 0; f < nframes; f++) PetscCheck(natoms[f] == text->atom_start[f + 1] - text->atom_start[f], PETSC_COMM_SELF, PETSC_ERR_PLIB, "GetSizes: frame %" PetscInt_FMT " natoms differs", f);
  for (PetscInt f = 0; f < nframes; f++) present |= text->fprops[f];
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "roundtrip %s: %" PetscInt_FMT " frames %" PetscInt_FMT " atoms properties %" PetscInt_FMT " identical\n", in, text->nframes, text->natoms, present));
  PetscCall(PetscFree(natoms));
  PetscCall(TeannFramesDestroy(&text));
  PetscCall(TeannFramesDestroy(&viaread));
  PetscCall(TeannFramesDestroy(&viadataset));
  PetscFunctionReturn(0);
}

static PetscErrorCode XYZRoundTrip(const char in[], const char out[])
{
  TeannFrames a, b;
  PetscInt    nper = 0;

  PetscFunctionBegin;
  PetscCall(TeannFramesCreate(&a));
  PetscCall(TeannFramesCreate(&b));
  PetscCall(TeannFramesRead(in, a));
  PetscCall(TeannFramesWriteXYZ(a, out));
  PetscCall(TeannFramesReadXYZ(out, b));
  PetscCall(CompareFrames(a, b));
  for (PetscInt f = 0; f < a->nframes; f++) nper += a->pbc[f] ? 1 : 0;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "xyzroundtrip %s: %" PetscInt_FMT " frames (%" PetscInt_FMT " periodic) %" PetscInt_FMT " atoms identical\n", in, a->nframes, nper, a->natoms));
  PetscCall(TeannFramesDestroy(&a));
  PetscCall(TeannFramesDestroy(&b));
  PetscFunctionReturn(0);
}

/* Read ids collectively and compare with the same frames of the serial read. */
static PetscErrorCode ReadAndCompare(const char path[], TeannFrames all, PetscInt n, const PetscInt ids[], const char what[])
{
  TeannFrames    mine, ref;
  PetscMPIInt    rank;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(TeannFramesCreate(&mine));
  PetscCall(PetscTime(&t0));
  PetscCall(TeannDatasetRead(PETSC_COMM_WORLD, path, n, ids, mine));
  PetscCall(PetscTime(&t1));
  PetscCall(TeannFramesSubset(all, n, ids, &ref));
  PetscCall(CompareFrames(ref, mine));
  PetscCall(PetscSynchronizedPrintf(PETSC_COMM_WORLD, "rank %d %s: %" PetscInt_FMT " frames %" PetscInt_FMT " atoms identical (read in %.3f s)\n", (int)rank, what, mine->nframes, mine->natoms, t1 - t0));
  PetscCall(PetscSynchronizedFlush(PETSC_COMM_WORLD, PETSC_STDOUT));
  PetscCall(TeannFramesDestroy(&mine));
  PetscCall(TeannFramesDestroy(&ref));
  PetscFunctionReturn(0);
}

static PetscErrorCode Parallel(const char path[])
{
  TeannFrames all;
  PetscMPIInt rank, size;
  PetscInt   *count, *start, *ids, n = 0;
  PetscReal  *work;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(TeannFramesCreate(&all));
  PetscCall(TeannDatasetRead(PETSC_COMM_SELF, path, -1, NULL, all));
  PetscCall(PetscMalloc4(all->nframes, &count, all->nframes, &work, size + 1, &start, all->nframes, &ids));
  PetscCall(TeannFramesPairCount(all, 4.0, count));
  for (PetscInt f = 0; f < all->nframes; f++) work[f] = count[f];
  PetscCall(TeannPartition(all->nframes, work, size, start));
  for (PetscInt f = start[rank]; f < start[rank + 1]; f++) ids[n++] = f;
  PetscCall(ReadAndCompare(path, all, n, ids, "partition slab"));

  /* Runs with small and large gaps, a different number of blocks on each rank. */
  n = 0;
  for (PetscInt f = rank; f < all->nframes; f += (f % 100 < 50) ? size + 1 : 67 + 13 * rank) ids[n++] = f;
  PetscCall(ReadAndCompare(path, all, n, ids, "overlapping strided subset"));

  /* Disjoint, sparse: gaps of frames nobody reads (joined) and of other ranks' frames (not joined). */
  n = 0;
  for (PetscInt f = 0; f < all->nframes; f++)
    if ((f / 7) % size == rank && f % 3) ids[n++] = f;
  PetscCall(ReadAndCompare(path, all, n, ids, "disjoint sparse"));

  /* Rank 0 reads nothing while the others read everything. */
  n = 0;
  if (rank || size == 1)
    for (PetscInt f = 0; f < all->nframes; f++) ids[n++] = f;
  PetscCall(ReadAndCompare(path, all, n, ids, "zero on rank 0"));
  PetscCall(PetscFree4(count, work, start, ids));
  PetscCall(TeannFramesDestroy(&all));
  PetscFunctionReturn(0);
}

/* Invalid ids on one rank: every rank gets an error (none waits in a collective call), nothing crashes. */
static PetscErrorCode BadIds(const char path[])
{
  TeannFrames    fr;
  PetscMPIInt    rank, size;
  PetscErrorCode ierr;
  PetscInt       nframes, *natoms, nfail = 0;
  /* two ids on every rank: the call passes n = 2, so both arrays must hold two */
  const PetscInt descending[2] = {3, 1}, ascending[2] = {1, 3};
  PetscInt       outside[1], good[1] = {0};

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(TeannDatasetGetSizes(path, &nframes, &natoms));
  PetscCall(PetscFree(natoms));
  outside[0] = nframes;
  PetscCall(TeannFramesCreate(&fr));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TeannDatasetRead(PETSC_COMM_WORLD, path, 2, rank == size - 1 ? descending : ascending, fr);
  nfail += ierr != 0;
  ierr = TeannDatasetRead(PETSC_COMM_WORLD, path, 1, rank == 0 ? outside : good, fr);
  nfail += ierr != 0;
  ierr = TeannDatasetRead(PETSC_COMM_WORLD, path, nframes + 1, NULL, fr);
  nfail += ierr != 0;
  ierr = TeannDatasetRead(PETSC_COMM_WORLD, "no-such-file.nc", -1, NULL, fr);
  nfail += ierr != 0;
  PetscCall(PetscPopErrorHandler());
  PetscCheck(nfail == 4, PETSC_COMM_SELF, PETSC_ERR_PLIB, "rank %d: %" PetscInt_FMT " of 4 bad reads failed", (int)rank, nfail);
  /* The reader still works afterwards. */
  PetscCall(TeannDatasetRead(PETSC_COMM_WORLD, path, 1, good, fr));
  PetscCheck(fr->nframes == 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "read after errors failed");
  PetscCall(PetscSynchronizedPrintf(PETSC_COMM_WORLD, "rank %d: bad ids rejected on every rank\n", (int)rank));
  PetscCall(PetscSynchronizedFlush(PETSC_COMM_WORLD, PETSC_STDOUT));
  PetscCall(TeannFramesDestroy(&fr));
  PetscFunctionReturn(0);
}

/* Every item in exactly one range, ranges in order. */
static PetscErrorCode CheckRanges(PetscInt n, PetscMPIInt size, const PetscInt start[])
{
  PetscFunctionBegin;
  PetscCheck(start[0] == 0 && start[size] == n, PETSC_COMM_SELF, PETSC_ERR_PLIB, "ranges do not span 0..%" PetscInt_FMT " on %d ranks", n, (int)size);
  for (PetscMPIInt r = 0; r < size; r++) PetscCheck(start[r] <= start[r + 1], PETSC_COMM_SELF, PETSC_ERR_PLIB, "range of rank %d is reversed", (int)r);
  PetscFunctionReturn(0);
}

static PetscErrorCode Imbalance(PetscInt n, const PetscReal work[], PetscMPIInt size, const PetscInt start[], PetscReal *imb)
{
  PetscReal total = 0, mx = 0;

  PetscFunctionBegin;
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscReal w = 0;
    for (PetscInt k = start[r]; k < start[r + 1]; k++) w += work ? work[k] : 1;
    total += w;
    mx = PetscMax(mx, w);
  }
  *imb = total > 0 ? mx / (total / size) - 1 : 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode Partition(const char path[])
{
  TeannFrames       fr;
  PetscInt         *count, start[8];
  PetscReal        *work, imb;
  const PetscMPIInt sizes[] = {1, 2, 3, 7};

  PetscFunctionBegin;
  PetscCall(TeannFramesCreate(&fr));
  PetscCall(TeannFramesRead(path, fr));
  PetscCall(PetscMalloc2(fr->nframes, &count, fr->nframes, &work));
  PetscCall(TeannFramesPairCount(fr, 4.0, count));
  for (PetscInt f = 0; f < fr->nframes; f++) {
    PetscInt na = fr->atom_start[f + 1] - fr->atom_start[f];
    PetscCheck(count[f] >= 0 && count[f] <= na * (na - 1) && count[f] % 2 == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "frame %" PetscInt_FMT ": %" PetscInt_FMT " pairs for %" PetscInt_FMT " atoms", f, count[f], na);
    work[f] = count[f];
  }
  for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
    PetscCall(TeannPartition(fr->nframes, work, sizes[s], start));
    PetscCall(CheckRanges(fr->nframes, sizes[s], start));
    PetscCall(Imbalance(fr->nframes, work, sizes[s], start, &imb));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: %d ranks, imbalance %.4f %%\n", path, (int)sizes[s], (double)(100 * imb)));
    if (sizes[s] == 2 || sizes[s] == 3) PetscCheck(imb < 0.05, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: imbalance %g on %d ranks exceeds 5 %%", path, (double)imb, (int)sizes[s]);
  }
  PetscCall(PetscFree2(count, work));
  PetscCall(TeannFramesDestroy(&fr));
  PetscFunctionReturn(0);
}

/* Smallest bottleneck over all contiguous cuts, by dynamic programming. */
static PetscReal BruteBottleneck(PetscInt n, const PetscReal w[], PetscMPIInt size)
{
  PetscReal best[16][17]; /* best[r][k]: first k items on r+1 ranks */

  for (PetscInt k = 0; k <= n; k++) {
    best[0][k] = 0;
    for (PetscInt j = 0; j < k; j++) best[0][k] += w[j];
  }
  for (PetscMPIInt r = 1; r < size; r++)
    for (PetscInt k = 0; k <= n; k++) {
      PetscReal b = PETSC_MAX_REAL, tail = 0;
      for (PetscInt j = k; j >= 0; j--) {
        b = PetscMin(b, PetscMax(best[r - 1][j], tail));
        if (j) tail += w[j - 1];
      }
      best[r][k] = b;
    }
  return best[size - 1][n];
}

static PetscErrorCode Optimal(void)
{
  PetscRandom rnd;
  PetscInt    start[17], ncase = 0;

  PetscFunctionBegin;
  PetscCall(PetscRandomCreate(PETSC_COMM_SELF, &rnd));
  PetscCall(PetscRandomSetSeed(rnd, 42));
  PetscCall(PetscRandomSeed(rnd));
  for (PetscInt trial = 0; trial < 2000; trial++) {
    PetscReal   w[16], u, got = 0, want;
    PetscInt    n;
    PetscMPIInt size;

    PetscCall(PetscRandomGetValueReal(rnd, &u));
    n = (PetscInt)(u * 16);
    PetscCall(PetscRandomGetValueReal(rnd, &u));
    size = 1 + (PetscMPIInt)(u * 8);
    for (PetscInt k = 0; k < n; k++) {
      PetscCall(PetscRandomGetValueReal(rnd, &u));
      /* Integers with ties and zeros, or reals spread over decades. */
      w[k] = trial % 2 ? PetscFloorReal(4 * u) : PetscPowReal(10.0, 3 * u);
    }
    PetscCall(TeannPartition(n, w, size, start));
    PetscCall(CheckRanges(n, size, start));
    for (PetscMPIInt r = 0; r < size; r++) {
      PetscReal s = 0;
      for (PetscInt k = start[r]; k < start[r + 1]; k++) s += w[k];
      got = PetscMax(got, s);
    }
    want = BruteBottleneck(n, w, size);
    PetscCheck(got <= want * (1 + 1e-12), PETSC_COMM_SELF, PETSC_ERR_PLIB, "trial %" PetscInt_FMT ": bottleneck %g, optimum %g (n %" PetscInt_FMT ", %d ranks)", trial, (double)got, (double)want, n, (int)size);
    ncase++;
  }
  /* Fewer items than ranks, no work, no items. */
  PetscCall(TeannPartition(2, NULL, 5, start));
  PetscCall(CheckRanges(2, 5, start));
  for (PetscMPIInt r = 0; r < 5; r++) PetscCheck(start[r + 1] - start[r] <= 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "2 items on 5 ranks: rank %d got %" PetscInt_FMT, (int)r, start[r + 1] - start[r]);
  {
    const PetscReal zero[6] = {0, 0, 0, 0, 0, 0};
    PetscCall(TeannPartition(6, zero, 3, start));
    PetscCall(CheckRanges(6, 3, start));
    for (PetscMPIInt r = 0; r < 3; r++) PetscCheck(start[r + 1] - start[r] == 2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "6 items of no work on 3 ranks: rank %d got %" PetscInt_FMT, (int)r, start[r + 1] - start[r]);
  }
  PetscCall(TeannPartition(0, NULL, 4, start));
  PetscCall(CheckRanges(0, 4, start));
  /* Equal work: ranges differ by at most one item. */
  PetscCall(TeannPartition(800, NULL, 3, start));
  PetscCheck(start[1] - start[0] >= 266 && start[1] - start[0] <= 267 && start[2] - start[1] >= 266 && start[2] - start[1] <= 267, PETSC_COMM_SELF, PETSC_ERR_PLIB, "800 equal items on 3 ranks: %" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT, start[1], start[2] - start[1], 800 - start[2]);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "partition optimal in %" PetscInt_FMT " random cases; edge cases ok\n", ncase));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscBool eq, any = PETSC_FALSE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "test-dataset MODE ARGS (see the source)\n"));
  PetscCall(TeannInitialize());
  PetscCheck(argc >= 2, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: test-dataset roundtrip|parallel|partition|optimal ARGS");
  PetscCall(PetscStrcmp(argv[1], "roundtrip", &eq));
  any = (PetscBool)(any || eq);
  if (eq) {
    PetscCheck(argc >= 4, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: test-dataset roundtrip IN OUT.nc");
    PetscCall(RoundTrip(argv[2], argv[3]));
  }
  PetscCall(PetscStrcmp(argv[1], "xyzroundtrip", &eq));
  any = (PetscBool)(any || eq);
  if (eq) {
    PetscCheck(argc >= 4, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: test-dataset xyzroundtrip IN OUT.xyz");
    PetscCall(XYZRoundTrip(argv[2], argv[3]));
  }
  PetscCall(PetscStrcmp(argv[1], "parallel", &eq));
  any = (PetscBool)(any || eq);
  if (eq) {
    PetscCheck(argc >= 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: test-dataset parallel FILE.nc");
    PetscCall(Parallel(argv[2]));
  }
  PetscCall(PetscStrcmp(argv[1], "partition", &eq));
  any = (PetscBool)(any || eq);
  if (eq) {
    PetscCheck(argc >= 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: test-dataset partition FILE");
    PetscCall(Partition(argv[2]));
  }
  PetscCall(PetscStrcmp(argv[1], "badids", &eq));
  any = (PetscBool)(any || eq);
  if (eq) {
    PetscCheck(argc >= 3, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: test-dataset badids FILE.nc");
    PetscCall(BadIds(argv[2]));
  }
  PetscCall(PetscStrcmp(argv[1], "optimal", &eq));
  any = (PetscBool)(any || eq);
  if (eq) PetscCall(Optimal());
  PetscCheck(any, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "unknown mode %s", argv[1]);
  PetscCall(PetscFinalize());
  return 0;
}
