#!/bin/bash
# Parallel slab reads on 1, 2 and 3 ranks give the frames a serial read gives:
# the TeannPartition slab, sparse subsets (overlapping between ranks or not)
# and a rank reading nothing (the periodic cells too: their cell and pbc are compared).
. "$top_srcdir/tests/common.sh"

for name in water_hf_800 methanol_hf_240 qm7x_chno_100 water64_pbc_polarizability_80; do
  "$BIN/teann-convert" "$DATA/$name.xyz" "$WORK/$name.nc" >/dev/null || fail "cannot convert $name.xyz"
  for np in 1 2 3; do
    out=$(mpirun_np $np "$BIN/tests/test-dataset" parallel "$WORK/$name.nc" 2>&1) || { echo "$out"; fail "$name on $np ranks"; }
    n=$(printf '%s\n' "$out" | grep -c "identical")
    [ "$n" -eq $((4 * np)) ] || { echo "$out"; fail "$name on $np ranks: $n of $((4 * np)) reads compared"; }
    echo "$name: $np ranks ok"
  done
done

# Invalid frame ids on one rank: an error on every rank, not a hang.
for np in 1 2 3; do
  out=$(timeout $(tscale 60) "$MPIEXEC" -n $np "$BIN/tests/test-dataset" badids "$WORK/qm7x_chno_100.nc" 2>/dev/null) || fail "bad ids on $np ranks"
  [ "$(printf '%s\n' "$out" | grep -c "bad ids rejected")" -eq $np ] || fail "bad ids on $np ranks: $out"
done

# A classic-format file reads serially but not in parallel: a clear message.
if command -v nccopy >/dev/null; then
  nccopy -k classic "$WORK/qm7x_chno_100.nc" "$WORK/classic.nc" || fail "nccopy"
  mpirun_np 1 "$BIN/tests/test-dataset" parallel "$WORK/classic.nc" >/dev/null 2>&1 || fail "classic file not read on 1 rank"
  expect_error "classic.nc: classic-format NetCDF cannot be read in parallel" mpirun_np 2 "$BIN/tests/test-dataset" parallel "$WORK/classic.nc"
fi

# A frame that fails its checks on one rank (a singular cell in the second rank's slab): every
# rank stops with that frame's message, even when mpiexec leaves the other ranks running after
# one exits (as srun without --kill-on-bad-exit does).
"$PYTHON3" - "$WORK/water64_pbc_polarizability_80.nc" "$WORK/badcell.nc" <<'PY' || fail "cannot make badcell.nc"
import shutil, sys, netCDF4
shutil.copy(sys.argv[1], sys.argv[2])
with netCDF4.Dataset(sys.argv[2], "a") as d:
    c = d["cell"][59]
    c[1] = c[0]
    d["cell"][59] = c
PY
for np in 2 3; do
  out=$(OMPI_MCA_orte_abort_on_non_zero_status=0 timeout $(tscale 60) "$MPIEXEC" -n $np "$BIN/teann-train" -teann_data "$WORK/badcell.nc" -teann_properties polarizability -teann_hidden 4 -tao_max_it 1 -teann_output_dir "$WORK/badcell-$np" 2>&1)
  rc=$?
  [ $rc -ne 124 ] || { echo "$out"; fail "bad cell on one of $np ranks: a rank was left waiting"; } # mpiexec itself exits 0 in this mode
  printf '%s\n' "$out" | grep -q "badcell.nc: frame 60: the cell .* is singular" || { echo "$out"; fail "bad cell on one of $np ranks: no message naming frame 60"; }
  echo "a bad frame on one of $np ranks: every rank stopped"
done
