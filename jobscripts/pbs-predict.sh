#!/bin/bash
# pbs-predict.sh — predict dipoles/polarizabilities along a long trajectory with a
# fitted model (PBS Pro, Open MPI's mpiexec).
#
# Edit:  the select and walltime lines, MODEL (model.nc from teann-train), TRAJ (the
#        frames: .xyz, EANN or a teann dataset .nc) and OUT (.nc or .xyz).
# Submit: qsub pbs-predict.sh
#         qsub -v TRAJ=md.xyz,OUT=md-pred.nc pbs-predict.sh
# An XYZ trajectory is first converted to a NetCDF dataset (TRAJ with .nc instead of
# .xyz, kept for later runs) so that every rank reads only its own frames. Progress
# (frames done, rate, time left) goes to the job log once a second; PROGRESS=0 turns it off.
#
#PBS -N teann-predict
#PBS -l select=1:ncpus=32:mpiprocs=8:ompthreads=4
#PBS -l walltime=01:00:00

MODEL=${MODEL:-fit-output/model.nc}
TRAJ=${TRAJ:-trajectory.xyz}
OUT=${OUT:-trajectory-predictions.nc}
PROGRESS=${PROGRESS:-1}
TEANN_PREDICT=${TEANN_PREDICT:-teann-predict}
TEANN_CONVERT=${TEANN_CONVERT:-teann-convert}

cd "${PBS_O_WORKDIR:-.}" || exit 1
for f in "$MODEL" "$TRAJ"; do [ -f "$f" ] || { echo "pbs-predict.sh: no file $f" >&2; exit 1; }; done
NP=$(wc -l < "$PBS_NODEFILE")
NODES=$(sort -u "$PBS_NODEFILE" | wc -l)
RANKS=$((NP / NODES))
THREADS=${OMP_NUM_THREADS:-1}
export OMP_NUM_THREADS=$THREADS OMP_PLACES=cores OMP_PROC_BIND=close
export OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

case $TRAJ in
  *.xyz)
    data=${TRAJ%.xyz}.nc
    if [ ! -f "$data" ] || [ "$TRAJ" -nt "$data" ]; then
      "$TEANN_CONVERT" "$TRAJ" "$data" || exit 1
    fi ;;
  *) data=$TRAJ ;;
esac

mpiexec -n "$NP" --map-by "ppr:$RANKS:node:PE=$THREADS" --bind-to core \
  -x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND -x OPENBLAS_NUM_THREADS \
  "$TEANN_PREDICT" -teann_model "$MODEL" -teann_data "$data" -teann_output "$OUT" -teann_progress "$PROGRESS"
