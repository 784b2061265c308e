#!/bin/bash
# Restart equivalence on 2 ranks (water, 16,16 network, bqnls):
#  - 30 iterations in one run and 15 + restart + 15 end with bitwise equal parameters
#    (model.nc and the checkpoint's theta printed with 17 digits) and the same history rows;
#  - the driver's line-search restarts are counted across a restart;
#  - early stopping survives a restart: -teann_patience 4 stops at the same iteration with
#    the same best-validation model whether or not the fit was restarted in between;
#  - checkpoints on the clock: with -teann_checkpoint_seconds tiny one is written at every
#    iteration (checkpoint.prev.nc exists), with both intervals off only the final one;
#  - history.nc and history.txt hold every iteration once, across the restart.
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"
OPTS="-teann_data input/data/water_hf_800.xyz -teann_properties dipole -teann_hidden 16,16 -tao_type bqnls"

run() { local log=$1; shift; mpirun_np 2 "$BIN/teann-train" "$@" > "$log" 2>&1 || { cat "$log"; fail "teann-train $*"; }; }
# the data part of a NetCDF file, doubles with 17 digits
data17() { ncdump -p 9,17 "$@" | sed -n '/^data:/,$p'; }
# history.txt rows without the wall-time column
rows() { grep -v '^#' "$1" | awk '{$5=""; print}'; }

# --- 30 iterations straight vs 15 + 15
run "$WORK/a.log" $OPTS -tao_max_it 30 -teann_output_dir "$WORK/a"
run "$WORK/b1.log" $OPTS -tao_max_it 15 -teann_output_dir "$WORK/b"
[ "$(cat "$WORK/b/teann-train.status")" = finished ] || fail "status after the first part"
run "$WORK/b2.log" -teann_restart "$WORK/b/checkpoint.nc" -tao_max_it 30
grep -q 'restart: continuing from .*/b/checkpoint.nc at iteration 15' "$WORK/b2.log" || { cat "$WORK/b2.log"; fail "no restart message"; }
grep -q 'restart: option -tao_max_it changed from 15 to 30' "$WORK/b2.log" || fail "changed optimizer option not logged"
data17 "$WORK/a/model.nc" > "$WORK/a.model"
data17 "$WORK/b/model.nc" > "$WORK/b.model"
[ "$(wc -l < "$WORK/a.model")" -gt 20 ] || fail "model.nc dump too short"
cmp -s "$WORK/a.model" "$WORK/b.model" || { diff "$WORK/a.model" "$WORK/b.model" | head; fail "model.nc differs after restart"; }
data17 -v theta "$WORK/a/checkpoint.nc" > "$WORK/a.theta"
data17 -v theta "$WORK/b/checkpoint.nc" > "$WORK/b.theta"
cmp -s "$WORK/a.theta" "$WORK/b.theta" || fail "final theta differs after restart"
rows "$WORK/a/history.txt" > "$WORK/a.rows"
rows "$WORK/b/history.txt" > "$WORK/b.rows"
[ "$(wc -l < "$WORK/a.rows")" -eq 31 ] || fail "history.txt: $(wc -l < "$WORK/a.rows") rows, expected 31 (iterations 0..30)"
cmp -s "$WORK/a.rows" "$WORK/b.rows" || { diff "$WORK/a.rows" "$WORK/b.rows" | head; fail "history rows differ after restart"; }
nit=$(ncdump -h "$WORK/b/history.nc" | sed -n 's/^[[:space:]]*iteration = \([0-9]*\) ;/\1/p')
[ "$nit" = 31 ] || fail "history.nc after restart has $nit records, expected 31"
[ "$(ncdump -v iteration "$WORK/b/history.nc" | tr -d ' ,;\n' | sed 's/.*iteration=//; s/}//')" = 0123456789101112131415161718192021222324252627282930 ] || fail "history.nc iteration numbers"
[ "$(cat "$WORK/b/teann-train.status")" = finished ] || fail "status after the restart"
echo "ok: 30 iterations = 15 + restart + 15, bitwise"
# brgn restart equivalence: added with the least-squares driver (tests/lsq*.sh)

# --- across the driver's line-search restarts (-tao_ls_max_funcs 1 makes most line searches
# fail; the driver restarts TAO at most 20 times): the restart count is part of the state
run "$WORK/l.log" $OPTS -tao_ls_max_funcs 1 -tao_max_it 30 -teann_output_dir "$WORK/l"
grep -q 'line search failed at iteration' "$WORK/l.log" || fail "no line-search restarts to test"
lstop=$(grep 'stopped after' "$WORK/l.log")
run "$WORK/k1.log" $OPTS -tao_ls_max_funcs 1 -tao_max_it 8 -teann_output_dir "$WORK/k"
run "$WORK/k2.log" -teann_restart "$WORK/k/checkpoint.nc" -tao_max_it 30
grep -qF "$lstop" "$WORK/k2.log" || { grep 'stopped after' "$WORK/k2.log"; fail "with line-search restarts: expected '$lstop'"; }
cmp -s <(rows "$WORK/l/history.txt") <(rows "$WORK/k/history.txt") || fail "history rows differ across line-search restarts"
echo "ok: line-search restarts across a checkpoint ($lstop)"

# --- early stopping across a restart
run "$WORK/p.log" $OPTS -tao_max_it 60 -teann_patience 4 -teann_output_dir "$WORK/p"
stop=$(sed -n 's/.*stopped after \([0-9]*\) iterations: CONVERGED_USER; best validation at iteration \([0-9]*\).*/\1 \2/p' "$WORK/p.log")
[ -n "$stop" ] || { cat "$WORK/p.log"; fail "patience did not stop the reference fit"; }
set -- $stop
[ "$1" -gt 5 ] || fail "the reference fit stops too early ($1) to restart before it"
run "$WORK/q1.log" $OPTS -tao_max_it $(($1 - 2)) -teann_patience 4 -teann_output_dir "$WORK/q"
run "$WORK/q2.log" -teann_restart "$WORK/q/checkpoint.nc" -tao_max_it 60
grep -q "stopped after $1 iterations: CONVERGED_USER; best validation at iteration $2" "$WORK/q2.log" || { tail -5 "$WORK/q2.log"; fail "restarted fit does not stop at $1 with best $2"; }
cmp -s <(data17 "$WORK/p/model.nc") <(data17 "$WORK/q/model.nc") || fail "best-validation model differs after restart"
echo "ok: patience and the best model survive a restart (stop at $1, best $2)"

# --- checkpoints on rank 0's clock
run "$WORK/t.log" $OPTS -tao_max_it 4 -teann_checkpoint_every 0 -teann_checkpoint_seconds 1e-9 -teann_output_dir "$WORK/t"
[ -s "$WORK/t/checkpoint.prev.nc" ] || fail "no checkpoint.prev.nc with -teann_checkpoint_seconds 1e-9"
run "$WORK/u.log" $OPTS -tao_max_it 4 -teann_checkpoint_every 0 -teann_checkpoint_seconds 0 -teann_output_dir "$WORK/u"
[ -s "$WORK/u/checkpoint.nc" ] || fail "no final checkpoint"
[ -e "$WORK/u/checkpoint.prev.nc" ] && fail "checkpoint.prev.nc with both intervals off"
{ ls "$WORK/t"; ls "$WORK/u"; } | grep -q 'tmp\|new' && fail "temporary checkpoint left behind"
echo "ok: time-driven and final checkpoints"
