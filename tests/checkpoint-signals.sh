#!/bin/bash
# Job signals on 2 ranks (water, 16,16 network, bqnls, a fit far too long to finish):
#  - SIGUSR1 to mpiexec (which forwards it to every rank), SIGUSR1 to one rank only and
#    SIGTERM to one rank only each stop the fit at the next iteration on both ranks with
#    exit code 0, a valid checkpoint of that iteration, the restart command on stdout (naming
#    teann-train, not libtool's .libs binary) and the status file "interrupted";
#  - restarting from that checkpoint goes on from the next iteration and ends "finished".
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"
OPTS="-teann_data input/data/water_hf_800.xyz -teann_properties dipole -teann_hidden 16,16 -tao_type bqnls -teann_checkpoint_every 0 -teann_checkpoint_seconds 0"

# interrupt NAME SIGNAL WHO: WHO = all (mpiexec forwards) or rank (the last rank's process only)
interrupt() {
  local name=$1 sig=$2 who=$3 out=$WORK/$1 mp pids rc=0 n=0
  # mpiexec itself in the background (not a shell function), so that $! is its pid
  "$MPIEXEC" -n 2 "$BIN/teann-train" $OPTS -tao_max_it 100000 -teann_output_dir "$out" > "$WORK/$name.log" 2>&1 &
  mp=$!
  # wait until the fit iterates (status "running", a few history rows)
  while :; do
    if [ "$(cat "$out/teann-train.status" 2> /dev/null)" = running ] && [ "$(grep -vc '^#' "$out/history.txt" 2> /dev/null || echo 0)" -gt 5 ]; then break; fi
    n=$((n + 1))
    [ $n -lt $(tscale 1200) ] || { kill -KILL $mp; fail "$name: the fit did not start"; }
    sleep 0.1
  done
  if [ "$who" = all ]; then
    kill -"$sig" $mp
  else
    pids=$(rank_pids $mp)
    [ "$(echo $pids | wc -w)" -eq 2 ] || { kill -KILL $mp; fail "$name: expected 2 teann-train processes under mpiexec, found '$pids'"; }
    kill -"$sig" $(echo $pids | awk '{print $2}')
  fi
  ( sleep $(tscale 60); kill -KILL $mp 2> /dev/null ) & local guard=$!
  wait $mp || rc=$?
  kill $guard 2> /dev/null
  [ $rc -eq 0 ] || { cat "$WORK/$name.log"; fail "$name: exit code $rc after SIG$sig"; }
  grep -q "teann-train: stopped by SIG$sig at iteration" "$WORK/$name.log" || { cat "$WORK/$name.log"; fail "$name: no stop message"; }
  grep -q "to continue (from this directory): mpiexec -n 2 .*teann-train -teann_restart $out/checkpoint.nc" "$WORK/$name.log" || fail "$name: no restart command"
  # the program to run: teann-train as started (a build tree's libtool wrapper), not the
  # .libs binary behind it, which finds no libteann.so on its own
  grep "to continue (from this directory)" "$WORK/$name.log" | grep -q -e '/\.libs/' -e 'lt-teann' && fail "$name: the restart command names libtool's binary"
  [ "$(cat "$out/teann-train.status")" = interrupted ] || fail "$name: status '$(cat "$out/teann-train.status")'"
  local it ck
  it=$(sed -n 's/.*stopped by SIG[A-Z0-9]* at iteration \([0-9]*\);.*/\1/p' "$WORK/$name.log")
  ck=$(ncdump -h "$out/checkpoint.nc" | sed -n 's/.*:iteration = \([0-9]*\)LL ;/\1/p')
  [ -n "$it" ] && [ "$it" = "$ck" ] || fail "$name: stopped at '$it', checkpoint of iteration '$ck'"
  [ "$(grep -vc '^#' "$out/history.txt")" -eq $((it + 1)) ] || fail "$name: history.txt rows"
  echo "ok: $name: SIG$sig to $who stopped at iteration $it"
  STOPPED_AT=$it
}

interrupt usr1-all USR1 all
# the restart goes on from the next iteration and finishes
mpirun_np 2 "$BIN/teann-train" -teann_restart "$WORK/usr1-all/checkpoint.nc" -tao_max_it $((STOPPED_AT + 5)) > "$WORK/r.log" 2>&1 || { cat "$WORK/r.log"; fail "restart after SIGUSR1"; }
grep -q "^ *$((STOPPED_AT + 1)) " "$WORK/r.log" || { cat "$WORK/r.log"; fail "the restart does not continue at iteration $((STOPPED_AT + 1))"; }
grep -q "^ *$STOPPED_AT " "$WORK/r.log" && fail "the restart repeats iteration $STOPPED_AT"
[ "$(cat "$WORK/usr1-all/teann-train.status")" = finished ] || fail "status after the restart"
[ "$(grep -vc '^#' "$WORK/usr1-all/history.txt")" -eq $((STOPPED_AT + 6)) ] || fail "history.txt rows after the restart"
echo "ok: restart after SIGUSR1 finished"

interrupt usr1-rank USR1 rank
interrupt term-rank TERM rank
