# Sourced by tests/jobscript-*.sh: the fake batch system of tests/fake-scheduler on PATH,
# a run directory with copies of the job scripts, and waiting for jobs.
. "$top_srcdir/tests/common.sh" || exit 99
FAKE=$top_srcdir/tests/fake-scheduler
# the real launcher, found before the fake mpiexec shadows it
TEANN_REAL_MPIEXEC=$(command -v "$MPIEXEC") || fail "no MPI launcher $MPIEXEC"
export TEANN_REAL_MPIEXEC FAKE_NP=2 PATH="$FAKE:$PATH"
unset FAKE_SIGNAL_AFTER FAKE_TERM_AFTER FAKE_TIME_LIMIT FAKE_TRAIN_STEPS FAKE_TRAIN_FAIL

# newrun NAME: a fresh run directory (cwd) and scheduler state, with the job scripts and
# an options file in it, as a user would have them
newrun() {
  RUN=$WORK/$1
  export FAKE_SCHED_DIR=$WORK/$1/.sched
  mkdir -p "$FAKE_SCHED_DIR" && cd "$RUN" || fail "cannot make $RUN"
  cp "$top_srcdir"/jobscripts/*.sh .
  printf '%s\n' "-teann_data $DATA/water_hf_800.xyz" "-teann_hidden 8" "-tao_max_it 5" > fit.opts
}

# wait_jobs SECONDS: until every submitted job has finished (ID.done), else fail
wait_jobs() {
  local t=0 n d lim
  lim=$(tscale "$1")
  while :; do
    n=$(grep -c '^\(sbatch\|qsub\) ' "$FAKE_SCHED_DIR/log" 2> /dev/null)
    d=$(ls "$FAKE_SCHED_DIR" | grep -c '\.done$')
    [ "$n" -gt 0 ] && [ "$n" -eq "$d" ] && return 0
    [ "$t" -ge $((lim * 10)) ] && { cat "$FAKE_SCHED_DIR/log"; tail -n 20 "$RUN"/slurm-*.out "$RUN"/*.o* 2> /dev/null; fail "jobs not finished after $lim s ($d of $n)"; }
    sleep 0.1; t=$((t + 1))
  done
}

njobs() { grep -c '^\(sbatch\|qsub\) ' "$FAKE_SCHED_DIR/log"; }
# exit status of every job, in submission order
job_status() { for id in $(sed -n 's/^\(sbatch\|qsub\) \([^:]*\):.*/\2/p' "$FAKE_SCHED_DIR/log"); do cat "$FAKE_SCHED_DIR/$id.done"; done | tr '\n' ' '; }
# chain continuity: every link after the first resumes from the step the previous one stopped at
check_continuity() {
  awk '/^interrupted/{split($2, a, "="); last = a[2]; next}
       /^start/{split($2, a, "="); if (NR > 1 && a[2] != last) { print "resumed at " a[2] " after stopping at " last; bad = 1 }
                if (NR > 1 && $3 !~ /checkpoint.nc$/) { print "link without -teann_restart: " $0; bad = 1 }}
       END{exit bad}' "$1" || fail "chain does not resume where it stopped ($1)"
}
