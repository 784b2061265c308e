#!/bin/bash
# A checkpoint whose size attributes (nparam, qn_points, history_rows) are smaller than its
# variables, or whose numeric attributes hold more values than they should, once overflowed the
# heap while being read, before the checksum was looked at: the fallback to checkpoint.prev.nc
# never ran. Now each is rejected with the reason and the fit goes on from checkpoint.prev.nc.
# The files are rewritten through ncdump/ncgen (netcdf-bin), as a damaged or edited file would be.
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"
command -v ncgen > /dev/null && command -v ncdump > /dev/null || { echo "ncgen/ncdump (netcdf-bin) not installed"; exit 77; }
OPTS="-teann_data input/data/water_hf_800.xyz -teann_properties dipole -teann_hidden 16,16 -tao_type bqnls"
mpirun_np 2 "$BIN/teann-train" $OPTS -tao_max_it 12 -teann_checkpoint_every 6 -teann_output_dir "$WORK/c" > "$WORK/c.log" 2>&1 || { cat "$WORK/c.log"; fail "first fit"; }
ncdump "$WORK/c/checkpoint.nc" > "$WORK/good.cdl" || fail "ncdump"

# edit SED: checkpoint.nc := the good one edited by the sed expression, checkpoint.prev.nc the good previous one
edit() {
  rm -rf "$WORK/d"; mkdir -p "$WORK/d"
  cp "$WORK/c/checkpoint.prev.nc" "$WORK/d/checkpoint.prev.nc"
  sed "$1" "$WORK/good.cdl" > "$WORK/bad.cdl"
  cmp -s "$WORK/good.cdl" "$WORK/bad.cdl" && fail "the edit '$1' changed nothing"
  ncgen -k nc4 -o "$WORK/d/checkpoint.nc" "$WORK/bad.cdl" || fail "ncgen"
}
# check NAME 'REASON': the restart falls back to checkpoint.prev.nc, saying why
check() {
  local log=$WORK/$1.log rc=0
  mpirun_np 2 "$BIN/teann-train" -teann_restart "$WORK/d/checkpoint.nc" -tao_max_it 8 -teann_output_dir "$WORK/r" > "$log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || { tail -n 30 "$log"; fail "$1: restart exit $rc (>= 128: killed by a signal)"; }
  grep -qF "WARNING: checkpoint $WORK/d/checkpoint.nc is damaged ($2" "$log" || { grep -i 'warning\|error\|restart' "$log" | head; fail "$1: message '$2' missing"; }
  grep -qF "restart: continuing from $WORK/d/checkpoint.prev.nc at iteration 6" "$log" || fail "$1: did not continue from checkpoint.prev.nc"
  echo "ok: $1 -> $2"
}
edit 's/:nparam = 1554LL ;/:nparam = 100LL ;/'
grep -q ':nparam = 100LL' "$WORK/bad.cdl" || fail "the checkpoint no longer has 1554 parameters: adapt the test"
check nparam "attribute nparam = 100 does not match the dimension parameter = 1554"
edit 's/:qn_points = 9LL ;/:qn_points = 2LL ;/'
check qn_points "attribute qn_points = 2 does not match the dimension qn_point = 9"
edit 's/:history_rows = 13LL ;/:history_rows = 3LL ;/'
check history_rows "attribute history_rows = 3 does not match the dimension iteration = 13"
# a size attribute of several values, and a double attribute longer than its buffer
edit 's/:qn_points = 9LL ;/:qn_points = 9LL, 9LL, 9LL ;/'
check qn_points-array "attribute qn_points: 3 values of type 10 where 1 number belong"
edit 's/:training_statistics = \(.*\) ;/:training_statistics = \1, \1 ;/'
check training_statistics "attribute training_statistics: 24 values"
