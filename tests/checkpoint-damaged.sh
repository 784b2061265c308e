#!/bin/bash
# Damaged checkpoints and refused restarts on 2 ranks (water, 16,16 network, bqnls):
#  - a truncated checkpoint.nc is rejected with a warning and checkpoint.prev.nc is used;
#  - so is one with flipped bytes in its data (checksum mismatch);
#  - both damaged: a clear error naming both files;
#  - an option that changes the model (-teann_hidden), the split (-teann_seed) or the data
#    is refused with both values; a changed optimizer option is logged and accepted.
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"
OPTS="-teann_data input/data/water_hf_800.xyz -teann_properties dipole -teann_hidden 16,16 -tao_type bqnls"

mpirun_np 2 "$BIN/teann-train" $OPTS -tao_max_it 12 -teann_checkpoint_every 6 -teann_output_dir "$WORK/c" > "$WORK/c.log" 2>&1 || { cat "$WORK/c.log"; fail "first fit"; }
# checkpoint.nc is the final one (12), checkpoint.prev.nc the one of iteration 6
for f in checkpoint.nc checkpoint.prev.nc; do cp "$WORK/c/$f" "$WORK/$f.good"; done
it=$(ncdump -h "$WORK/c/checkpoint.prev.nc" | sed -n 's/.*:iteration = \([0-9]*\)LL ;/\1/p')
[ "$it" = 6 ] || fail "checkpoint.prev.nc is of iteration '$it', expected 6"
ncdump -h "$WORK/c/checkpoint.nc" | grep -q ':checksum = "[0-9a-f]\{16\}"' || fail "no checksum attribute"

restore() { mkdir -p "$WORK/d"; cp "$WORK/checkpoint.nc.good" "$WORK/d/checkpoint.nc"; cp "$WORK/checkpoint.prev.nc.good" "$WORK/d/checkpoint.prev.nc"; }
# restarted runs write elsewhere so the damaged files stay as they are
restart() { mpirun_np 2 "$BIN/teann-train" -teann_restart "$WORK/d/checkpoint.nc" -tao_max_it 14 -teann_output_dir "$WORK/r" "$@"; }

# truncated
restore
size=$(stat -c %s "$WORK/d/checkpoint.nc")
head -c $((size / 2)) "$WORK/checkpoint.nc.good" > "$WORK/d/checkpoint.nc"
restart > "$WORK/t.log" 2>&1 || { cat "$WORK/t.log"; fail "restart with a truncated checkpoint.nc"; }
grep -q "WARNING: checkpoint $WORK/d/checkpoint.nc is damaged" "$WORK/t.log" || { cat "$WORK/t.log"; fail "no warning for a truncated checkpoint"; }
grep -q "restart: continuing from $WORK/d/checkpoint.prev.nc at iteration 6" "$WORK/t.log" || fail "truncated: did not continue from checkpoint.prev.nc"
echo "ok: truncated checkpoint.nc -> checkpoint.prev.nc"

# flipped bytes in the middle of the data (mostly the L-BFGS points)
restore
cmp -s "$WORK/d/checkpoint.nc" "$WORK/checkpoint.nc.good" || fail "restore"
flip() { "${PYTHON3:-python3}" -c 'import sys
p = sys.argv[1]; d = bytearray(open(p, "rb").read()); o = len(d) * 3 // 5
for i in range(o, o + 16): d[i] ^= 0x5A
open(p, "wb").write(d)' "$1"; }
flip "$WORK/d/checkpoint.nc"
restart > "$WORK/f.log" 2>&1 || { cat "$WORK/f.log"; fail "restart with a corrupted checkpoint.nc"; }
grep -q "WARNING: checkpoint $WORK/d/checkpoint.nc is damaged (checksum mismatch" "$WORK/f.log" || { cat "$WORK/f.log"; fail "flipped bytes not detected by the checksum"; }
grep -q "restart: continuing from $WORK/d/checkpoint.prev.nc at iteration 6" "$WORK/f.log" || fail "flipped: did not continue from checkpoint.prev.nc"
echo "ok: flipped bytes -> checksum mismatch -> checkpoint.prev.nc"

# both damaged
flip "$WORK/d/checkpoint.prev.nc"
expect_error "cannot restart: checkpoint $WORK/d/checkpoint.nc is unusable (checksum mismatch" restart
expect_error "and so is the previous one $WORK/d/checkpoint.prev.nc (checksum mismatch" restart
rm "$WORK/d/checkpoint.prev.nc"
expect_error "and so is the previous one $WORK/d/checkpoint.prev.nc (no such file)" restart

expect_error "-teann_restart needs a checkpoint file" mpirun_np 2 "$BIN/teann-train" $OPTS -teann_restart

# settings that change the model, the split or the data are refused
restore
expect_error '-teann_hidden is "16,16" in the checkpoint but "8,8" now' restart -teann_hidden 8,8
expect_error '-teann_seed is "1" in the checkpoint but "2" now' restart -teann_seed 2
expect_error '-teann_data is "input/data/water_hf_800.xyz" in the checkpoint but "input/data/methanol_hf_240.xyz" now' restart -teann_data input/data/methanol_hf_240.xyz
expect_error '-teann_cutoff is "4" in the checkpoint but "5" now' restart -teann_cutoff 5
# an optimizer option may change
restart -teann_patience 50 > "$WORK/o.log" 2>&1 || { cat "$WORK/o.log"; fail "restart with a changed optimizer option"; }
grep -q 'restart: option -teann_patience 50 added' "$WORK/o.log" || { cat "$WORK/o.log"; fail "added optimizer option not logged"; }
grep -q 'stopped after 14 iterations' "$WORK/o.log" || fail "restart did not run to -tao_max_it 14"
echo "ok: refused and accepted option changes"
