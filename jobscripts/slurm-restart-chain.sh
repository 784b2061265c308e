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
# Edit:  the #SBATCH lines (nodes, ranks per node, threads per rank, time, signal
#        margin), OPTIONS, OUTPUT_DIR, MAX_LINKS.
# Submit: sbatch [-p PARTITION -A ACCOUNT --qos QOS --time T] slurm-restart-chain.sh
#        Every link is submitted with the first one's partition, account, QOS and time
#        limit (read from scontrol show job) and the script file the first one was
#        submitted from (Slurm runs a spooled copy that is deleted with the job). Without
#        scontrol, give them yourself: sbatch --export=ALL,CHAIN_SCRIPT=$PWD/slurm-restart-chain.sh,CHAIN_SBATCH_OPTS="-p P -A A" ...
# Signal margin (--signal=B:USR1@SECONDS): teann-train acts on the signal at the end of
#        the iteration under way, then writes a checkpoint and its outputs, so the margin
#        must exceed the longest iteration plus that. L-BFGS (lmvm, bqnls): one iteration is
#        a gradient and a few line-search evaluations, usually seconds; 120 s is plenty.
#        Levenberg-Marquardt (brgn): an iteration builds the whole Jacobian and solves the
#        normal equations, and with many parameters takes minutes: measure it
#        (history.txt, column wall_time) and set the margin to at least twice the longest
#        iteration plus a minute. Each link prints its longest iteration and warns when it
#        exceeds half the margin.
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

# What to resubmit: Slurm runs a spooled copy of the script ($0), deleted when the job ends,
# and the options of the first sbatch command line are not in the script. The first link
# finds both in scontrol show job (Command=, Partition=, Account=, QOS=, TimeLimit=) and
# exports them; later links inherit them through --export=ALL.
job_field() { printf '%s\n' "$JOB_INFO" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
if [ -z "${CHAIN_SCRIPT:-}" ] || [ -z "${CHAIN_SBATCH_OPTS+set}" ]; then
  JOB_INFO=$(scontrol -o show job "${SLURM_JOB_ID:-}" 2> /dev/null | head -n 1)
  if [ -z "${CHAIN_SCRIPT:-}" ]; then
    CHAIN_SCRIPT=$(job_field Command)
    if [ -z "$CHAIN_SCRIPT" ] || [ ! -f "$CHAIN_SCRIPT" ]; then
      CHAIN_SCRIPT=$0
      echo "chain link $LINK: cannot find the submitted script (scontrol); resubmitting the spooled copy $0" >&2
    fi
  fi
  if [ -z "${CHAIN_SBATCH_OPTS+set}" ]; then
    CHAIN_SBATCH_OPTS=
    v=$(job_field Partition); [ -n "$v" ] && CHAIN_SBATCH_OPTS+=" -p $v"
    v=$(job_field Account); [ -n "$v" ] && [ "$v" != "(null)" ] && CHAIN_SBATCH_OPTS+=" -A $v"
    v=$(job_field QOS); [ -n "$v" ] && [ "$v" != "(null)" ] && CHAIN_SBATCH_OPTS+=" --qos $v"
    v=$(job_field TimeLimit); [ -n "$v" ] && [ "$v" != UNLIMITED ] && CHAIN_SBATCH_OPTS+=" --time $v"
    CHAIN_SBATCH_OPTS=${CHAIN_SBATCH_OPTS# }
  fi
fi
export CHAIN_SCRIPT CHAIN_SBATCH_OPTS
read -r -a sbatch_opts <<< "$CHAIN_SBATCH_OPTS"
# the margin of this script's --signal line, for the warning about long iterations
MARGIN=$(sed -n 's/^#SBATCH *--signal=[^@]*@\([0-9]*\).*/\1/p' "$0" | tail -n 1)

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
# the longest iteration so far (history.txt: wall_time is column 5) against the margin
longest=$(awk '!/^#/ && NF >= 5 { if (n++ && $5 - t > m) m = $5 - t; t = $5 } END { if (n > 1) printf "%.0f", m }' "$OUTPUT_DIR/history.txt" 2> /dev/null)
if [ -n "$longest" ]; then
  echo "chain link $LINK: longest iteration ${longest} s, signal margin ${MARGIN:-?} s"
  if [ -n "$MARGIN" ] && [ $((2 * longest)) -gt "$MARGIN" ]; then
    echo "chain link $LINK: WARNING: an iteration took ${longest} s, more than half the signal margin of ${MARGIN} s: raise --signal=B:USR1@ (see the top of this script)" >&2
  fi
fi
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
      echo "chain link $LINK: $OUTPUT_DIR/STOP exists; not resubmitting (resume with: cd $PWD && sbatch ${CHAIN_SBATCH_OPTS:+$CHAIN_SBATCH_OPTS }$CHAIN_SCRIPT)"
      exit 0
    fi
    if [ "$LINK" -ge "$MAX_LINKS" ]; then
      echo "chain link $LINK: MAX_LINKS=$MAX_LINKS reached with the fit unfinished; resume with: cd $PWD && sbatch ${CHAIN_SBATCH_OPTS:+$CHAIN_SBATCH_OPTS }--export=ALL,TEANN_LINK=$((LINK + 1)),MAX_LINKS=$((MAX_LINKS + 10)) $CHAIN_SCRIPT" >&2
      exit 3
    fi
    sbatch "${sbatch_opts[@]}" --export="ALL,TEANN_LINK=$((LINK + 1))" "$CHAIN_SCRIPT" || { echo "chain link $LINK: resubmission failed" >&2; exit 1; }
    echo "chain link $LINK: submitted link $((LINK + 1))"
    exit 0 ;;
  *)
    echo "chain link $LINK: teann-train exited 0 but the status is '${status:-none}', not finished or interrupted; the chain stops" >&2
    exit 1 ;;
esac
