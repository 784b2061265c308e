#!/usr/bin/env python3
"""harden-mutate.py SRC OUTDIR N SEED: N copies of SRC, each with one byte changed at an
offset drawn from a fixed-seed generator (half of them in the first 4 KiB, where HDF5 keeps
the superblock and the root group's headers, half anywhere), named mut-OFFSET.nc."""
import os, random, sys

src, out, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = open(src, "rb").read()
rng = random.Random(seed)
os.makedirs(out, exist_ok=True)
for k in range(n):
    off = rng.randrange(min(4096, len(data))) if k % 2 == 0 else rng.randrange(len(data))
    d = bytearray(data)
    d[off] ^= rng.randrange(1, 256)
    with open(os.path.join(out, "mut-%06d-%03d.nc" % (off, k)), "wb") as f:
        f.write(d)
