#!/bin/bash
# pbs-restart-chain.sh — a teann-train fit longer than the walltime, as a chain of jobs
# that each resume from the previous one's checkpoint (PBS Pro, Open MPI's mpiexec).
#
# How it works: MARGIN seconds before the walltime (read with qstat -f) a timer sends
# SIGUSR1 to this script; a SIGTERM (qdel, or PBS at the walltime) is treated the same.
# The script runs teann-train in the background and waits, so bash acts on the signal
# at once: it sends SIGUSR1 to mpiexec, which passes it to every rank; teann-train
# writes OUTPUT_DIR/checkpoint.nc, sets OUTPUT_DIR/teann-train.status to "interrupted"
# and exits 0. The script then reads the status: "interrupted" -> it submits itself
# again (qsub -v TEANN_LINK=next) and the next job runs teann-train ... -teann_restart
# OUTPUT_DIR/checkpoint.nc; "finished" -> the chain ends; anything else -> it stops with
# an error. At most MAX_LINKS jobs. (doc/restart.md: checkpoints and the status file.)
# Rely on the margin rather than on PBS's own SIGTERM: PBS signals every process of the
# job at once and kills them kill_delay seconds later, often too soon for a checkpoint.
#
# Edit:  the select and walltime lines, OPTIONS, OUTPUT_DIR, MAX_LINKS, MARGIN, and
#        CHAIN_SCRIPT if you submit the script from another directory or under another name.
# Submit: qsub pbs-restart-chain.sh        (from the directory holding it and the options)
# Resume a broken chain by submitting it again: a job that finds
# OUTPUT_DIR/teann-train.status = "interrupted" resumes from the checkpoint.
# Stop a chain: qdel the queued job, or touch OUTPUT_DIR/STOP (no further link).
#
#PBS -N teann-chain
#PBS -l select=2:ncpus=32:mpiprocs=8:ompthreads=4
#PBS -l walltime=04:00:00
##PBS -q workq

OPTIONS=${OPTIONS:-fit.opts}
OUTPUT_DIR=${OUTPUT_DIR:-fit-output}
MAX_LINKS=${MAX_LINKS:-20}
MARGIN=${MARGIN:-300}                  # seconds before the walltime to checkpoint
TEANN_TRAIN=${TEANN_TRAIN:-teann-train}
LINK=${TEANN_LINK:-1}
cd "${PBS_O_WORKDIR:-.}" || exit 1
CHAIN_SCRIPT=${CHAIN_SCRIPT:-$PWD/pbs-restart-chain.sh}

[ -f "$OPTIONS" ] || { echo "chain: no options file $OPTIONS" >&2; exit 1; }
STATUS=$OUTPUT_DIR/teann-train.status
CHECKPOINT=$OUTPUT_DIR/checkpoint.nc

NP=$(wc -l < "$PBS_NODEFILE")
NODES=$(sort -u "$PBS_NODEFILE" | wc -l)
RANKS=$((NP / NODES))
THREADS=${OMP_NUM_THREADS:-1}
export OMP_NUM_THREADS=$THREADS OMP_PLACES=cores OMP_PROC_BIND=close
export OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

restart=()
previous=$(cat "$STATUS" 2> /dev/null)
if [ "$LINK" -gt 1 ] || [ "$previous" = interrupted ]; then
  [ -f "$CHECKPOINT" ] || { echo "chain link $LINK: no checkpoint $CHECKPOINT to resume from" >&2; exit 1; }
  restart=(-teann_restart "$CHECKPOINT")
fi
# a status left by an earlier job must not be taken for this one's
rm -f "$STATUS"
started=$(date +%s)
echo "chain link $LINK of at most $MAX_LINKS (job $PBS_JOBID): ${restart[*]:-fresh start}"

# walltime in seconds: from PBS, else from this script's own #PBS line
walltime=$(qstat -f "$PBS_JOBID" 2> /dev/null | sed -n 's/^ *Resource_List.walltime = //p')
[ -n "$walltime" ] || walltime=$(sed -n 's/^#PBS *-l *walltime=\([^ ]*\).*/\1/p' "$0" 2> /dev/null | tail -1)
seconds=$(echo "${walltime:-0}" | awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s}')
timer=
if [ "$seconds" -gt "$MARGIN" ]; then
  # sleep in the background and wait on it, so that this timer dies as soon as it is killed
  ( trap 'kill $s 2> /dev/null; exit 0' TERM; sleep $((seconds - MARGIN)) & s=$!; wait $s && kill -USR1 $$ ) &
  timer=$!
else
  echo "chain link $LINK: walltime '${walltime:-unknown}' not above MARGIN=$MARGIN s; no checkpoint timer" >&2
fi

child= signalled=
forward() {
  signalled=1
  echo "chain link $LINK: $1, asking teann-train to checkpoint"
  [ -n "$child" ] && kill -USR1 "$child" 2> /dev/null
}
trap 'forward "walltime margin reached"' USR1
trap 'forward SIGTERM' TERM
mpiexec -n "$NP" --map-by "ppr:$RANKS:node:PE=$THREADS" --bind-to core \
  -x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND -x OPENBLAS_NUM_THREADS \
  "$TEANN_TRAIN" -options_file "$OPTIONS" -teann_output_dir "$OUTPUT_DIR" "${restart[@]}" &
child=$!
[ -n "$signalled" ] && kill -USR1 "$child" 2> /dev/null
while :; do
  wait "$child"; rc=$?
  if [ "$rc" -gt 128 ] && kill -0 "$child" 2> /dev/null; then continue; fi
  break
done
[ -n "$timer" ] && kill "$timer" 2> /dev/null

status=$(cat "$STATUS" 2> /dev/null)
echo "chain link $LINK: teann-train exit $rc, status '${status:-none}'"
# "finished" is written after the outputs are complete: a signal that arrived just after
# that (and killed the program on its way out) does not undo the fit
if [ "$rc" -ne 0 ] && [ "$status" = finished ] && [ -n "$signalled" ]; then
  echo "chain link $LINK: teann-train had finished when the signal reached it (exit $rc)"
  rc=0
fi
# killed by the signal after its handlers were gone (while writing its outputs), with a
# checkpoint from this job: the next link goes on from there and ends the fit properly
if [ "$rc" -ne 0 ] && [ -n "$signalled" ] && [ "$status" != finished ] && [ -f "$CHECKPOINT" ] &&
   [ "$(stat -c %Y "$CHECKPOINT")" -ge "$started" ]; then
  echo "chain link $LINK: teann-train was stopped by the signal before it could report (exit $rc); going on from its checkpoint"
  rc=0 status=interrupted
fi
if [ "$rc" -ne 0 ]; then
  echo "chain link $LINK: teann-train failed (exit $rc); the chain stops" >&2
  exit "$rc"
fi
case $status in
  finished)
    echo "chain link $LINK: the fit is finished; outputs in $OUTPUT_DIR"
    exit 0 ;;
  interrupted)
    if [ -e "$OUTPUT_DIR/STOP" ]; then
      echo "chain link $LINK: $OUTPUT_DIR/STOP exists; not resubmitting (resume with: qsub $CHAIN_SCRIPT)"
      exit 0
    fi
    if [ "$LINK" -ge "$MAX_LINKS" ]; then
      echo "chain link $LINK: MAX_LINKS=$MAX_LINKS reached with the fit unfinished; resume with: qsub -v TEANN_LINK=$((LINK + 1)),MAX_LINKS=$((MAX_LINKS + 10)) $CHAIN_SCRIPT" >&2
      exit 3
    fi
    # qsub passes only the variables named with -v: hand the settings on to the next link
    qsub -v "TEANN_LINK=$((LINK + 1)),MAX_LINKS=$MAX_LINKS,MARGIN=$MARGIN,OPTIONS=$OPTIONS,OUTPUT_DIR=$OUTPUT_DIR,TEANN_TRAIN=$TEANN_TRAIN,CHAIN_SCRIPT=$CHAIN_SCRIPT" "$CHAIN_SCRIPT" || { echo "chain link $LINK: resubmission failed" >&2; exit 1; }
    echo "chain link $LINK: submitted link $((LINK + 1))"
    exit 0 ;;
  *)
    echo "chain link $LINK: teann-train exited 0 but the status is '${status:-none}', not finished or interrupted; the chain stops" >&2
    exit 1 ;;
esac
