#!/bin/bash
# Ensembles interrupted and restarted, and the output directories of ensembles (doc/fit.md
# "Ensembles", doc/restart.md), water dipole, tiny networks, bqnls:
#  - 4 members one after another on 1 rank, SIGUSR1 while member 1 fits: the ensemble stops
#    (status interrupted, no model.nc, no checkpoint of members 2 and 3) and prints the
#    command to continue, which names teann-train itself (not libtool's .libs binary);
#    a single fit into that directory is refused; the printed command resumes members 0 and 1
#    and starts members 2 and 3 fresh: model.nc bitwise that of the uninterrupted run;
#  - 4 members on 2 ranks (2 groups), SIGUSR1 to one rank only, and again while that rank
#    waits for the other group: the signalled member stops, the other group's member runs to
#    its end, no member after them starts, every rank exits 0; the restart on 2 ranks gives
#    the same model.nc again;
#  - the progress lines of a member are tagged with it;
#  - restart options: a bootstrap ensemble restarted with -teann_ensemble K keeps its
#    bootstrap; another member count or bootstrap flag than the checkpoint's is refused,
#    and so is -teann_ensemble on a single fit's checkpoint or on no checkpoint;
#  - an ensemble with -teann_overwrite in a single fit's directory removes its checkpoint.nc
#    (DIR/checkpoint.nc then restarts the ensemble); without, a directory holding a single
#    fit's checkpoint.nc alone is refused.
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"
PY=${PYTHON3:-python3}
"$PY" -c 'import netCDF4, numpy' 2>/dev/null || { echo "SKIP: python3 with netCDF4 and numpy needed"; exit 77; }
OPTS="-teann_data $DATA/water_hf_800.xyz -teann_properties dipole -teann_hidden 8 -teann_nwave 4 -tao_type bqnls -teann_patience 0"
# long enough members (about 1 s each) to signal one of them while it fits
LONG="$OPTS -tao_max_it 800 -teann_ensemble 4"

run() { local np=$1 log=$2; shift 2; mpirun_np "$np" "$BIN/teann-train" "$@" > "$log" 2>&1 || { cat "$log"; fail "teann-train $*"; }; }
# waitfor DESCRIPTION MPIEXEC_PID TEST...: poll until the command TEST succeeds
waitfor() {
  local what=$1 mp=$2 n=0; shift 2
  until "$@"; do
    n=$((n + 1))
    [ $n -lt $(tscale 1200) ] || { kill -KILL "$mp"; fail "$what: timed out"; }
    kill -0 "$mp" 2> /dev/null || fail "$what: teann-train ended first"
    sleep 0.05
  done
}
rows_over() { [ "$(grep -vc '^#' "$1" 2> /dev/null || echo 0)" -gt "$2" ]; }
status_is() { [ "$(cat "$1" 2> /dev/null)" = "$2" ]; }
# the command printed to continue, run as printed (mpiexec as the tests start it)
continue_as_printed() {
  local log=$1 out=$2 cmd
  cmd=$(sed -n 's/^to continue (from this directory): //p' "$log")
  [ -n "$cmd" ] || { cat "$log"; fail "$log: no command to continue"; }
  set -- $cmd
  [ "$1" = mpiexec ] || fail "the command to continue does not start with mpiexec: $cmd"
  case "$4" in */.libs/* | */lt-* | lt-*) fail "the command to continue names libtool's binary: $cmd" ;; esac
  [ -x "$4" ] || fail "the command to continue names no program: $cmd"
  shift
  "$MPIEXEC" "$@" > "$out" 2>&1 || { cat "$out"; fail "$cmd"; }
}

# --- the uninterrupted ensemble; its members' progress lines are tagged
run 1 "$WORK/ref.log" $LONG -teann_output_dir "$WORK/ref"
grep -q '^\[member 3\] *800 ' "$WORK/ref.log" || fail "no progress line of member 3 tagged [member 3]"
echo "ok: progress lines tagged with their member"

# --- one after another on 1 rank: SIGUSR1 while member 1 fits
"$MPIEXEC" -n 1 "$BIN/teann-train" $LONG -teann_output_dir "$WORK/er" > "$WORK/er.log" 2>&1 &
mp=$!
waitfor "member 1 iterating" $mp rows_over "$WORK/er/history-member1.txt" 20
kill -USR1 $mp
rc=0; wait $mp || rc=$?
[ $rc -eq 0 ] || { cat "$WORK/er.log"; fail "exit code $rc after SIGUSR1"; }
grep -q 'the ensemble was interrupted' "$WORK/er.log" || { cat "$WORK/er.log"; fail "not interrupted"; }
status_is "$WORK/er/teann-train.status" interrupted || fail "status after SIGUSR1"
[ ! -e "$WORK/er/model.nc" ] && [ ! -e "$WORK/er/checkpoint-member2.nc" ] || fail "an interrupted ensemble wrote model.nc or began member 2"
echo "ok: SIGUSR1 stopped the ensemble in member 1"
# a single fit does not take over the directory of an interrupted ensemble
expect_error 'already holds checkpoint-member0.nc of an earlier fit' mpirun_np 1 "$BIN/teann-train" $OPTS -tao_max_it 2 -teann_output_dir "$WORK/er"
status_is "$WORK/er/teann-train.status" interrupted || fail "the refused single fit changed the status"
continue_as_printed "$WORK/er.log" "$WORK/er2.log"
grep -q "restarting from $WORK/er/checkpoint-member1.nc" "$WORK/er2.log" || fail "member 1 not resumed"
grep -q "restarting from $WORK/er/checkpoint-member2.nc" "$WORK/er2.log" && fail "member 2 restarted from a checkpoint it cannot have"
status_is "$WORK/er/teann-train.status" finished || fail "status after the restart"
cmp -s <(model_params "$WORK/ref/model.nc") <(model_params "$WORK/er/model.nc") || fail "the restarted ensemble differs from the uninterrupted one"
echo "ok: the restart resumed members 0 and 1, started 2 and 3: bitwise the uninterrupted ensemble"

# --- 2 groups on 2 ranks: SIGUSR1 to one rank only, twice
"$MPIEXEC" -n 2 "$BIN/teann-train" $LONG -teann_output_dir "$WORK/g" > "$WORK/g.log" 2>&1 &
mp=$!
waitfor "members 0 and 1 iterating" $mp eval 'rows_over "$WORK/g/history-member0.txt" 20 && rows_over "$WORK/g/history-member1.txt" 20'
pids=$(rank_pids $mp)
[ "$(echo $pids | wc -w)" -eq 2 ] || { kill -KILL $mp; fail "expected 2 teann-train processes under mpiexec, found '$pids'"; }
victim=$(echo $pids | awk '{print $2}')
kill -USR1 "$victim"
waitfor "a member stopped" $mp eval 'status_is "$WORK/g/teann-train-member0.status" interrupted || status_is "$WORK/g/teann-train-member1.status" interrupted'
# that rank now waits for the other group: a second signal must not kill it
kill -USR1 "$victim" 2> /dev/null || true
rc=0; wait $mp || rc=$?
[ $rc -eq 0 ] || { cat "$WORK/g.log"; fail "exit code $rc after SIGUSR1 to one rank"; }
s0=$(cat "$WORK/g/teann-train-member0.status") s1=$(cat "$WORK/g/teann-train-member1.status")
[ "$s0$s1" = interruptedfinished ] || [ "$s0$s1" = finishedinterrupted ] || fail "member statuses $s0 and $s1: expected one interrupted, the other finished"
status_is "$WORK/g/teann-train.status" interrupted || fail "ensemble status after SIGUSR1 to one rank"
[ ! -e "$WORK/g/teann-train-member2.status" ] && [ ! -e "$WORK/g/teann-train-member3.status" ] || fail "members of the next round began after the signal"
echo "ok: SIGUSR1 to one rank stopped its member; the other group's ran to its end; no member began after them"
continue_as_printed "$WORK/g.log" "$WORK/g2.log"
cmp -s <(model_params "$WORK/ref/model.nc") <(model_params "$WORK/g/model.nc") || fail "the restarted 2-group ensemble differs from the uninterrupted one"
echo "ok: restarted on 2 groups: bitwise the uninterrupted ensemble"

# --- restart options
run 1 "$WORK/b.log" $OPTS -tao_max_it 5 -teann_ensemble 2 -teann_ensemble_bootstrap -teann_output_dir "$WORK/b"
run 1 "$WORK/b2.log" -teann_restart "$WORK/b/checkpoint.nc" -teann_ensemble 2 -tao_max_it 8
grep -q 'an ensemble of 2 members (bootstrap resamples)' "$WORK/b2.log" || { cat "$WORK/b2.log"; fail "-teann_ensemble 2 dropped the checkpoint's bootstrap"; }
echo "ok: -teann_ensemble on restart keeps the checkpoint's bootstrap"
expect_error '-teann_ensemble 4 cannot change it' mpirun_np 1 "$BIN/teann-train" -teann_restart "$WORK/b/checkpoint.nc" -teann_ensemble 4
expect_error '-teann_ensemble_bootstrap false cannot change it' mpirun_np 1 "$BIN/teann-train" -teann_restart "$WORK/b/checkpoint.nc" -teann_ensemble_bootstrap 0
run 1 "$WORK/s.log" $OPTS -tao_max_it 5 -teann_output_dir "$WORK/s"
expect_error "it is a single fit's checkpoint; -teann_ensemble cannot make it an ensemble" mpirun_np 1 "$BIN/teann-train" -teann_restart "$WORK/s/checkpoint.nc" -teann_ensemble 2
expect_error "no checkpoint $WORK/none/checkpoint.nc, nor an ensemble's" mpirun_np 1 "$BIN/teann-train" -teann_restart "$WORK/none/checkpoint.nc" -teann_ensemble 2

# --- output directories: a single fit's files and an ensemble
cp -r "$WORK/s" "$WORK/s2"
run 1 "$WORK/s2.log" $OPTS -tao_max_it 5 -teann_ensemble 2 -teann_output_dir "$WORK/s2" -teann_overwrite
[ ! -e "$WORK/s2/checkpoint.nc" ] && [ ! -e "$WORK/s2/checkpoint.prev.nc" ] || fail "-teann_overwrite left the single fit's checkpoint.nc"
run 1 "$WORK/s3.log" -teann_restart "$WORK/s2/checkpoint.nc" -tao_max_it 6
grep -q 'an ensemble of 2 members' "$WORK/s3.log" || fail "DIR/checkpoint.nc did not restart the ensemble"
echo "ok: -teann_overwrite removed the single fit's checkpoint; the ensemble's restart is its own"
cp -r "$WORK/s" "$WORK/s4"
rm "$WORK/s4/model.nc"
expect_error 'already holds checkpoint.nc of an earlier fit' mpirun_np 1 "$BIN/teann-train" $OPTS -tao_max_it 2 -teann_ensemble 2 -teann_output_dir "$WORK/s4"
exit 0
