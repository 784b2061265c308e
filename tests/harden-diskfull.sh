#!/bin/bash
# A full disk during a checkpoint: teann said "NetCDF: HDF error" and left checkpoint.new.nc.tmp
# behind. Now it says "no space left on device", removes the temporary file and keeps
# checkpoint.nc and checkpoint.prev.nc as they were. The disk is a 1 MiB tmpfs (root only:
# skipped otherwise), filled after a first fit up to 40 KiB, so that the restarted fit can
# write its status and history.txt but not its next checkpoint.
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"
T=$WORK/tmpfs
mkdir -p "$T"
mount -t tmpfs -o size=1m tmpfs "$T" 2> "$WORK/mount.err" || { echo "skipped: cannot mount a tmpfs ($(cat "$WORK/mount.err")): needs root"; exit 77; }
trap 'umount "$T" 2> /dev/null; rm -rf "$WORK"' EXIT
OPTS="-teann_data input/data/water_hf_800.xyz -teann_properties dipole -teann_hidden 16,16 -tao_type bqnls"
mpirun_np 2 "$BIN/teann-train" $OPTS -tao_max_it 4 -teann_checkpoint_every 2 -teann_output_dir "$T/o" > "$WORK/c.log" 2>&1 || { cat "$WORK/c.log"; fail "first fit"; }
cp "$T/o/checkpoint.nc" "$T/o/checkpoint.prev.nc" "$WORK/"
avail=$(df -k --output=avail "$T" | tail -n 1)
[ "$avail" -gt 60 ] || fail "the tmpfs is too small for the first fit ($avail KiB free)"
dd if=/dev/zero of="$T/filler" bs=1k count=$((avail - 40)) 2> /dev/null
rc=0
mpirun_np 2 "$BIN/teann-train" -teann_restart "$T/o/checkpoint.nc" -tao_max_it 8 -teann_output_dir "$T/o" > "$WORK/full.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "the fit did not notice the full disk"
[ "$rc" -lt 128 ] || fail "killed by a signal ($rc)"
grep -q "checkpoint.new.nc.tmp: no space left on device" "$WORK/full.log" || { grep -m3 'ERROR: [^-#]' "$WORK/full.log"; fail "no 'no space left on device' message"; }
grep -q "the temporary file was removed, the previous file is kept" "$WORK/full.log" || fail "the message does not say what happened to the files"
grep 'no space left' "$WORK/full.log" | head -n 1
left=$(ls "$T/o" | grep '\.tmp$')
[ -z "$left" ] || fail "temporary files left: $left"
cmp -s "$T/o/checkpoint.nc" "$WORK/checkpoint.nc" && cmp -s "$T/o/checkpoint.prev.nc" "$WORK/checkpoint.prev.nc" || fail "checkpoint.nc or checkpoint.prev.nc changed"
[ ! -e "$T/o/checkpoint.new.nc" ] || fail "a checkpoint.new.nc appeared"
echo "ok: disk full -> message, no temporary file, previous checkpoints kept"
# with room again the fit continues from the kept checkpoint
rm -f "$T/filler"
mpirun_np 2 "$BIN/teann-train" -teann_restart "$T/o/checkpoint.nc" -tao_max_it 8 -teann_output_dir "$T/o" > "$WORK/again.log" 2>&1 || { tail -n 20 "$WORK/again.log"; fail "restart after freeing space"; }
grep -q "restart: continuing from $T/o/checkpoint.nc at iteration 4" "$WORK/again.log" || fail "did not continue from the kept checkpoint"
echo "ok: space freed -> the fit continues from the kept checkpoint"
