#!/bin/bash
# pbs-fit.sh — one teann-train fit on NODES nodes, RANKS ranks per node, THREADS
# OpenMP threads per rank (PBS Pro, Open MPI's mpiexec).
#
# Edit:  the select line: select=NODES:ncpus=CORES:mpiprocs=RANKS:ompthreads=THREADS
#        (RANKS x THREADS = CORES), walltime, your site's queue/project;
#        OPTIONS (a teann-train options file) and OUTPUT_DIR (a new one: teann-train refuses
#        a directory holding an earlier fit, unless OPTIONS has -teann_overwrite).
# Submit: qsub pbs-fit.sh                 (from the directory holding the options file)
#         qsub -v OPTIONS=other.opts pbs-fit.sh
# Output: OUTPUT_DIR/model.nc, predictions.nc, history.nc; the log in teann-fit.oJOBID.
# MPICH (hydra) instead of Open MPI: replace the mpiexec line's mapping options by
#   -ppn "$RANKS" -bind-to core:"$THREADS" -genv OMP_NUM_THREADS "$THREADS"
# For fits longer than the walltime use pbs-restart-chain.sh.
#
#PBS -N teann-fit
#PBS -l select=2:ncpus=32:mpiprocs=8:ompthreads=4
#PBS -l walltime=04:00:00
##PBS -q workq
##PBS -P myproject

OPTIONS=${OPTIONS:-fit.opts}
OUTPUT_DIR=${OUTPUT_DIR:-fit-output}
TEANN_TRAIN=${TEANN_TRAIN:-teann-train}

cd "${PBS_O_WORKDIR:-.}" || exit 1
[ -f "$OPTIONS" ] || { echo "pbs-fit.sh: no options file $OPTIONS" >&2; exit 1; }

# PBS_NODEFILE has one line per MPI process (mpiprocs per node).
NP=$(wc -l < "$PBS_NODEFILE")
NODES=$(sort -u "$PBS_NODEFILE" | wc -l)
RANKS=$((NP / NODES))
THREADS=${OMP_NUM_THREADS:-1}          # PBS sets it from ompthreads
export OMP_NUM_THREADS=$THREADS OMP_PLACES=cores OMP_PROC_BIND=close
export OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

echo "teann fit: $NODES nodes x $RANKS ranks x $THREADS threads, options $OPTIONS, output $OUTPUT_DIR"
mpiexec -n "$NP" --map-by "ppr:$RANKS:node:PE=$THREADS" --bind-to core \
  -x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND -x OPENBLAS_NUM_THREADS \
  "$TEANN_TRAIN" -options_file "$OPTIONS" -teann_output_dir "$OUTPUT_DIR"
