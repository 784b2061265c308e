#!/bin/bash
# slurm-restart-chain.sh — a teann-train fit longer than the time limit, as a chain of
# jobs that each resume from the previous one's checkpoint (Slurm).
#
# How it works: Slurm sends SIGUSR1 to this script 120 s before the time limit
# (--signal=B:USR1@120). The script runs teann-train in the background and waits, so
# bash can act on the signal at once: it forwards SIGUSR1 to srun, which passes it to
# every rank; teann-train writes OUTPUT_DIR/checkpoint.nc, sets
# OUTPUT_DIR/teann-train.status to "interrupted" and exits 0. The script then reads
# the status: "interrupted" -> it submits itself again with TEANN_LINK+1 and the next
# job runs teann-train ... -teann_restart OUTPUT_DIR/checkpoint.nc; "finished" -> the
# chain ends; anything else -> the chain stops with an error. At most MAX_LINKS jobs.
# (doc/restart.md describes checkpoints and the status file.)
#
# Edit:  the #SBATCH lines (nodes, ranks per node, threads per rank, time; the
#        signal margin must exceed the time teann-train needs to write a checkpoint),
#        OPTIONS, OUTPUT_DIR, MAX_LINKS.
# Submit: sbatch slurm-restart-chain.sh
# Resume a broken chain by submitting it again: a job that finds
# OUTPUT_DIR/teann-train.status = "interrupted" resumes from the checkpoint.
# Stop a chain: scancel the queued job, or touch OUTPUT_DIR/STOP (no further link).
#
#SBATCH --job-name=teann-chain
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=4
#SBATCH --time=04:00:00
#SBATCH --signal=B:USR1@120
##SBATCH --partition=compute

OPTIONS=${OPTIONS:-fit.opts}
OUTPUT_DIR=${OUTPUT_DIR:-fit-output}
MAX_LINKS=${MAX_LINKS:-20}
TEANN_TRAIN=${TEANN_TRAIN:-teann-train}
LINK=${TEANN_LINK:-1}
# The path to resubmit: Slurm runs a copy of the script, which exists while the job runs.
CHAIN_SCRIPT=${CHAIN_SCRIPT:-$0}

cd "${SLURM_SUBMIT_DIR:-.}" || exit 1
[ -f "$OPTIONS" ] || { echo "chain: no options file $OPTIONS" >&2; exit 1; }
STATUS=$OUTPUT_DIR/teann-train.status
CHECKPOINT=$OUTPUT_DIR/checkpoint.nc

export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
export OMP_PLACES=cores OMP_PROC_BIND=close
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
echo "chain link $LINK of at most $MAX_LINKS (job $SLURM_JOB_ID): ${restart[*]:-fresh start}"

child= signalled=
forward() {
  signalled=1
  echo "chain link $LINK: SIGUSR1, time is nearly up: asking teann-train to checkpoint"
  [ -n "$child" ] && kill -USR1 "$child" 2> /dev/null
}
trap forward USR1
srun --cpus-per-task="$OMP_NUM_THREADS" --cpu-bind=cores \
  "$TEANN_TRAIN" -options_file "$OPTIONS" -teann_output_dir "$OUTPUT_DIR" "${restart[@]}" &
child=$!
[ -n "$signalled" ] && kill -USR1 "$child" 2> /dev/null   # the signal came before srun started
# wait returns early (status > 128) when a trapped signal arrives: wait again until srun is gone
while :; do
  wait "$child"; rc=$?
  if [ "$rc" -gt 128 ] && kill -0 "$child" 2> /dev/null; then continue; fi
  break
done

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
      echo "chain link $LINK: $OUTPUT_DIR/STOP exists; not resubmitting (resume with: sbatch $CHAIN_SCRIPT)"
      exit 0
    fi
    if [ "$LINK" -ge "$MAX_LINKS" ]; then
      echo "chain link $LINK: MAX_LINKS=$MAX_LINKS reached with the fit unfinished; resume with: sbatch --export=ALL,TEANN_LINK=$((LINK + 1)),MAX_LINKS=$((MAX_LINKS + 10)) $CHAIN_SCRIPT" >&2
      exit 3
    fi
    sbatch --export="ALL,TEANN_LINK=$((LINK + 1))" "$CHAIN_SCRIPT" || { echo "chain link $LINK: resubmission failed" >&2; exit 1; }
    echo "chain link $LINK: submitted link $((LINK + 1))"
    exit 0 ;;
  *)
    echo "chain link $LINK: teann-train exited 0 but the status is '${status:-none}', not finished or interrupted; the chain stops" >&2
    exit 1 ;;
esac
