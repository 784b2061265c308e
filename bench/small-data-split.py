#!/usr/bin/env python3
"""Write the split of a teann fit as extended XYZ files (bench/accuracy-small-data.md).

    small-data-split.py predictions.nc source.xyz OUTDIR [N1,N2,...]

predictions.nc is a fit's output (its `subset` says train 0, validation 1,
test 2 per source frame); OUTDIR receives valid.xyz, test.xyz, train<N>.xyz
with all training frames and, for each N given, train<N>.xyz with N of them
(the first N of one fixed permutation, so smaller sets are subsets of larger
ones). Frames are copied verbatim, in source order."""
import sys
import netCDF4
import numpy as np

pred, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
sizes = [int(x) for x in sys.argv[4].split(',')] if len(sys.argv) > 4 else []
with netCDF4.Dataset(pred) as d:
    fid = np.array(d.variables['frame_id'][:])
    sub = np.array(d.variables['subset'][:])
with open(src) as f:
    lines = f.readlines()
frames, i = [], 0
while i < len(lines):
    n = int(lines[i])
    frames.append(lines[i:i + n + 2])
    i += n + 2


def write(name, ids):
    with open(f"{out}/{name}.xyz", "w") as f:
        for k in sorted(ids):
            f.writelines(frames[k])


train = sorted(fid[sub == 0])
write("valid", fid[sub == 1])
write("test", fid[sub == 2])
write(f"train{len(train)}", train)
perm = np.random.default_rng(7).permutation(train)
for n in sizes:
    write(f"train{n}", perm[:n])
print(f"{len(train)} train, {(sub == 1).sum()} validation, {(sub == 2).sum()} test frames")
