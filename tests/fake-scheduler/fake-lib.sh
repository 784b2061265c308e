# Sourced by the fake sbatch and qsub: job ids, logging, running a job in the background.
: "${FAKE_SCHED_DIR:?set FAKE_SCHED_DIR to a scratch directory}"
mkdir -p "$FAKE_SCHED_DIR"

fake_log() { echo "$*" >> "$FAKE_SCHED_DIR/log"; }

# next job id, race-free enough for one test at a time (flock serialises submissions)
fake_new_id() {
  (
    flock 9
    n=$(cat "$FAKE_SCHED_DIR/last-id" 2>/dev/null || echo 1000)
    n=$((n + 1)); echo "$n" > "$FAKE_SCHED_DIR/last-id"; echo "$n"
  ) 9> "$FAKE_SCHED_DIR/lock"
}

# "HH:MM:SS", "MM:SS", "D-HH:MM:SS" or minutes -> seconds
fake_seconds() {
  local t=$1 d=0 s=0 f
  case $t in *-*) d=${t%%-*}; t=${t#*-} ;; esac
  case $t in *:*) ;; *) echo $((d * 86400 + t * 60)); return ;; esac
  IFS=: read -r -a f <<< "$t"
  for x in "${f[@]}"; do s=$((s * 60 + 10#$x)); done
  echo $((d * 86400 + s))
}

# fake_run ID OUTFILE SIGNAME SIGAFTER SCRIPT ARGS... : run the job in the background in its own
# process group; send SIGNAME to the batch shell after SIGAFTER s (if both set) — counted from
# the moment the file FAKE_SIGNAL_WHEN is newer than the job's start (or, with
# FAKE_SIGNAL_LINES=N, has grown by N lines in this job), if that is set, so that a test can
# signal a program once it is under way, whatever the machine's speed; SIGKILL the whole job after
# FAKE_TIME_LIMIT s (if set); write ID.done with the exit status.
fake_run() {
  local id=$1 out=$2 sig=$3 after=$4; shift 4
  (
    touch "$FAKE_SCHED_DIR/$id.start"
    lines0=$(wc -l < "${FAKE_SIGNAL_WHEN:-/dev/null}" 2> /dev/null || echo 0)
    setsid bash "$@" > "$out" 2>&1 < /dev/null &
    job=$!
    t=0 t0=0 armed=1
    [ -n "${FAKE_SIGNAL_WHEN:-}" ] && armed=0
    while kill -0 "$job" 2> /dev/null; do
      sleep 0.1; t=$((t + 1))
      if [ "$armed" = 0 ]; then
        if [ -n "${FAKE_SIGNAL_LINES:-}" ]; then
          # the file has grown by that many lines in this job (a log with a line per step)
          [ $(($(wc -l < "$FAKE_SIGNAL_WHEN" 2> /dev/null || echo 0) - lines0)) -ge "$FAKE_SIGNAL_LINES" ] && armed=1 t0=$t
        elif [ "$FAKE_SIGNAL_WHEN" -nt "$FAKE_SCHED_DIR/$id.start" ]; then
          armed=1 t0=$t
        fi
      fi
      if [ -n "$sig" ] && [ -n "$after" ] && [ "$armed" = 1 ] && [ $((t - t0)) -eq "$(awk -v a="$after" 'BEGIN{printf "%d", a * 10}')" ]; then
        fake_log "job $id: signal $sig to the batch shell after ${after}s"; kill -s "$sig" "$job" 2> /dev/null
      fi
      if [ -n "${FAKE_TIME_LIMIT:-}" ] && [ "$t" -eq "$(awk -v a="$FAKE_TIME_LIMIT" 'BEGIN{printf "%d", a * 10}')" ]; then
        fake_log "job $id: time limit ${FAKE_TIME_LIMIT}s, killed"; kill -KILL -- "-$job" 2> /dev/null
      fi
    done
    wait "$job"; rc=$?
    fake_log "job $id: exit $rc"
    # Slurm's spooled copy of the script goes with the job
    rm -rf "$FAKE_SCHED_DIR/job$id"
    echo "$rc" > "$FAKE_SCHED_DIR/$id.done"
  ) > /dev/null 2>&1 < /dev/null &
}
