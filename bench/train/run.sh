#!/bin/sh
# Training throughput, C trainer beside PyTorch, mel_2bar at batch 64 with 1
# and 2 threads, and (a build with MPI) 2 processes of 1 thread sharing each
# batch, on this machine in one run. OPENBLAS_CORETYPE is left as the machine
# sets it. usage: bench/train/run.sh [BUILD_DIR] [STEPS] [BATCH]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
steps=${2:-20}
batch=${3:-64}
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
     "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>}; load $(cut -d' ' -f1-3 /proc/loadavg)"
for threads in 1 2; do
    "$build/bench/train/bench_train" --config mel_2bar --batch "$batch" --threads "$threads" --steps "$steps"
    # PyTorch two ways: its own threads over single-threaded OpenBLAS, and one
    # thread of its own over OpenBLAS's threads (the faster one here)
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$root/bench/train/torch_bench.py" "$root" \
        --config mel_2bar --batch "$batch" --threads "$threads" --steps "$steps"
    if [ "$threads" -gt 1 ]; then
        printf '(torch 1 thread, OpenBLAS %s threads) ' "$threads"
        OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 "$root/bench/train/torch_bench.py" \
            "$root" --config mel_2bar --batch "$batch" --threads 1 --steps "$steps"
    fi
done
# data-parallel: 2 processes x 1 thread, each on half of every batch (mpirun
# binds each to a core), against 1 process x 2 threads above
if command -v mpirun >/dev/null && ldd "$build/bench/train/bench_train" | grep -q libmpi; then
    as_root=$([ "$(id -u)" = 0 ] && echo --allow-run-as-root || true)
    mpirun $as_root -np 2 "$build/bench/train/bench_train" --config mel_2bar --batch "$batch" \
        --threads 1 --steps "$steps"
else
    echo "(no MPI in $build: 2 processes x 1 thread not measured)"
fi
