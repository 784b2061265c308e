#!/bin/bash
# slurm-fit.sh — one teann-train fit on NODES nodes, RANKS ranks per node, THREADS
# OpenMP threads per rank (Slurm).
#
# Edit:  the #SBATCH lines below (nodes, ntasks-per-node = ranks per node,
#        cpus-per-task = threads per rank, time, and your site's partition/account),
#        OPTIONS (a teann-train options file) and OUTPUT_DIR (a new one: teann-train refuses
#        a directory holding an earlier fit, unless OPTIONS has -teann_overwrite).
#        Ranks per node x threads per rank should equal the cores of a node.
# Submit: sbatch slurm-fit.sh            (from the directory holding the options file)
#         sbatch --export=ALL,OPTIONS=other.opts slurm-fit.sh
# Output: OUTPUT_DIR/model.nc, predictions.nc, history.nc; the log in slurm-JOBID.out.
# For fits longer than the time limit use slurm-restart-chain.sh.
#
#SBATCH --job-name=teann-fit
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=4
#SBATCH --time=04:00:00
##SBATCH --partition=compute
##SBATCH --account=myproject

OPTIONS=${OPTIONS:-fit.opts}
OUTPUT_DIR=${OUTPUT_DIR:-fit-output}
TEANN_TRAIN=${TEANN_TRAIN:-teann-train}      # or the full path of an installed teann-train

cd "${SLURM_SUBMIT_DIR:-.}" || exit 1
[ -f "$OPTIONS" ] || { echo "slurm-fit.sh: no options file $OPTIONS" >&2; exit 1; }

# One OpenMP thread per core given to the rank, kept next to each other; the model's
# threads call BLAS themselves, so BLAS must not start threads of its own.
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
export OMP_PLACES=cores OMP_PROC_BIND=close
export OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

echo "teann fit: $SLURM_NNODES nodes x $SLURM_NTASKS_PER_NODE ranks x $OMP_NUM_THREADS threads, options $OPTIONS, output $OUTPUT_DIR"
# srun does not inherit --cpus-per-task from sbatch (Slurm >= 22.05): pass it on.
srun --cpus-per-task="$OMP_NUM_THREADS" --cpu-bind=cores \
  "$TEANN_TRAIN" -options_file "$OPTIONS" -teann_output_dir "$OUTPUT_DIR"
