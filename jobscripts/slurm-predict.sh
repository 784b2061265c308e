#!/bin/bash
# slurm-predict.sh — predict dipoles/polarizabilities along a long trajectory with a
# fitted model (Slurm).
#
# Edit:  the #SBATCH lines (nodes, ranks per node, threads per rank, time),
#        MODEL (model.nc from teann-train), TRAJ (the frames: .xyz, EANN or a teann
#        dataset .nc) and OUT (.nc or .xyz).
# Submit: sbatch slurm-predict.sh
#         sbatch --export=ALL,TRAJ=md.xyz,OUT=md-pred.nc slurm-predict.sh
# An XYZ trajectory is first converted to a NetCDF dataset (TRAJ with .nc instead of
# .xyz, kept for later runs): every rank then reads only its own frames, instead of
# every rank parsing the whole text file. Progress (frames done, rate, time left)
# goes to the job log once a second; PROGRESS=0 turns it off.
#
#SBATCH --job-name=teann-predict
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=4
#SBATCH --time=01:00:00
##SBATCH --partition=compute

MODEL=${MODEL:-fit-output/model.nc}
TRAJ=${TRAJ:-trajectory.xyz}
OUT=${OUT:-trajectory-predictions.nc}
PROGRESS=${PROGRESS:-1}
TEANN_PREDICT=${TEANN_PREDICT:-teann-predict}
TEANN_CONVERT=${TEANN_CONVERT:-teann-convert}

cd "${SLURM_SUBMIT_DIR:-.}" || exit 1
for f in "$MODEL" "$TRAJ"; do [ -f "$f" ] || { echo "slurm-predict.sh: no file $f" >&2; exit 1; }; done
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
export OMP_PLACES=cores OMP_PROC_BIND=close
export OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

case $TRAJ in
  *.xyz)
    data=${TRAJ%.xyz}.nc
    if [ ! -f "$data" ] || [ "$TRAJ" -nt "$data" ]; then
      "$TEANN_CONVERT" "$TRAJ" "$data" || exit 1     # one process; it is I/O bound
    fi ;;
  *) data=$TRAJ ;;
esac

srun --cpus-per-task="$OMP_NUM_THREADS" --cpu-bind=cores \
  "$TEANN_PREDICT" -teann_model "$MODEL" -teann_data "$data" -teann_output "$OUT" -teann_progress "$PROGRESS"
