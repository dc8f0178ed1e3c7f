#!/usr/bin/env bash
# bench/gan.sh - the C DCGAN against PyTorch on Fashion-MNIST, run by `bench/run gan`.
#
# 1. Installs Debian's dataset-fashion-mnist if missing (70,000 28x28 images,
#    MIT licence, Zalando SE) and unpacks its IDX files; images are padded to 32x32.
# 2. Speed probe: images/s of a short run for C at 1 and 2 threads and for
#    PyTorch at 1 and 2 threads, each with OpenBLAS's own threads left alone and
#    with OPENBLAS_NUM_THREADS=1 (they fight torch's OpenMP threads otherwise).
# 3. Full runs, one after the other: PyTorch in its fastest configuration and C
#    with the same thread count, batch 64, the same architecture, initialisation
#    and optimiser; SWD (x1e3, generator/swd.c for both) of 2048 samples against
#    2048 held-out test images at each evaluation step; SWD of training images
#    (the floor) and of noise; sample grids as PNG.
#
# Environment: GAN_STEPS (2000), GAN_EVAL (250,500,1000,2000), GAN_PROBE_STEPS (30),
# GAN_EVAL_IMAGES (2048), GAN_THREADS (skip the probe and use this count),
# GAN_D_NORM (spectral|batch). Output lands in bench/out/gan/.
# Slow on two shared cores: run it as `nice -n 19 bench/run gan`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${CLEARSET_BUILD:-$here/build-bench}
bench=$build/bench/bench_gan
python=/usr/bin/python3 # Debian's, with python3-torch
steps=${GAN_STEPS:-2000}
evals=${GAN_EVAL:-250,500,1000,2000}
probe=${GAN_PROBE_STEPS:-30}
eval_images=${GAN_EVAL_IMAGES:-2048}
d_norm=${GAN_D_NORM:-spectral}
out=$here/bench/out/gan
data=$build/bench-data/fashion-mnist
src=/usr/share/datasets/fashion-mnist
mkdir -p "$out" "$data"

if [ ! -f "$src/train-images-idx3-ubyte.gz" ]; then
  echo "bench/gan: installing dataset-fashion-mnist" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    dataset-fashion-mnist >&2 || {
    apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends dataset-fashion-mnist >&2; }
fi
for f in train-images-idx3-ubyte t10k-images-idx3-ubyte; do
  [ -f "$data/$f" ] || gunzip -c "$src/$f.gz" >"$data/$f"
done

echo "# bench/gan: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "# DCGAN 32x32 grey, z 100, widths 32/32, batch 64, Adam 2e-4/0.5, D norm $d_norm"

rate() { grep 'images/s' | awk '{print $3}'; }

if [ -z "${GAN_THREADS:-}" ]; then
  echo "## speed probe ($probe steps each; images/s)"
  best_rate=0 best_threads=1 best_env=""
  for threads in 1 2; do
    r=$("$bench" train "$data" --steps "$probe" --eval "" --threads "$threads" \
      --d-norm "$d_norm" 2>/dev/null | rate)
    echo "C        threads=$threads                          $r"
    for ob in default 1; do
      if [ "$ob" = default ]; then envs=(env -u OPENBLAS_NUM_THREADS); else envs=(env OPENBLAS_NUM_THREADS=1); fi
      r=$("${envs[@]}" "$python" "$here/bench/gan_torch.py" "$data" --steps "$probe" \
        --threads "$threads" --d-norm "$d_norm" 2>/dev/null | rate)
      echo "PyTorch  threads=$threads OPENBLAS_NUM_THREADS=$ob  $r"
      if awk -v a="$r" -v b="$best_rate" 'BEGIN{exit !(a > b)}'; then
        best_rate=$r best_threads=$threads best_env=$ob
      fi
    done
  done
  echo "## PyTorch's fastest: threads=$best_threads OPENBLAS_NUM_THREADS=$best_env ($best_rate images/s)"
else
  best_threads=$GAN_THREADS best_env=1
fi
if [ "$best_env" = default ]; then torch_env=(env -u OPENBLAS_NUM_THREADS); else torch_env=(env OPENBLAS_NUM_THREADS=1); fi

echo "## SWD references ($eval_images images against $eval_images held-out test images)"
"$bench" floor "$data" --eval-images "$eval_images"

echo "## full runs: $steps steps, threads=$best_threads"
"${torch_env[@]}" "$python" "$here/bench/gan_torch.py" "$data" --steps "$steps" \
  --threads "$best_threads" --eval "$evals" --eval-images "$eval_images" --out "$out" \
  --d-norm "$d_norm" 2>"$out/torch.log" | grep -v ' samples '
IFS=, read -ra eval_steps <<<"$evals"
for s in "${eval_steps[@]}"; do
  [ "$s" -le "$steps" ] || continue
  "$bench" swd "$data" "$out/torch_step$s.f32" --eval-images "$eval_images" --label "step $s"
done
last=$(for s in "${eval_steps[@]}"; do [ "$s" -le "$steps" ] && echo "$s"; done | tail -n 1)
[ -n "$last" ] && "$bench" grid "$out/torch_step$last.f32" "$out/torch_grid.png" &&
  echo "PyTorch  grid $out/torch_grid.png (step $last)"

"$bench" train "$data" --steps "$steps" --threads "$best_threads" --eval "$evals" \
  --eval-images "$eval_images" --d-norm "$d_norm" --grid "$out/c_grid.png" 2>"$out/c.log"
