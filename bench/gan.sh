#!/usr/bin/env bash
# bench/gan.sh - the C DCGAN against PyTorch on Fashion-MNIST, run by `bench/run gan`.
#
# 1. Installs Debian's dataset-fashion-mnist if missing (70,000 28x28 images,
#    MIT licence, Zalando SE) and unpacks its IDX files; images are padded to 32x32.
# 2. Speed probe: images/s of a short run for C at 1 and 2 threads and for
#    PyTorch at 1 and 2 threads, each with OpenBLAS's own threads left alone and
#    with OPENBLAS_NUM_THREADS=1 (they fight torch's OpenMP threads otherwise).
# 3. Head to head: C and PyTorch's fastest configuration at the same thread count,
#    alternating for several rounds (the load of a shared machine drifts); medians.
# 4. Full runs, one after the other: PyTorch in its fastest configuration and C
#    with the same thread count, batch 64, the same architecture, initialisation
#    and optimiser; SWD (x1e3, generator/swd.c for both) of 2048 samples against
#    2048 held-out test images at each evaluation step; SWD of training images
#    (the floor) and of noise; sample grids as PNG.
#
# Environment: GAN_STEPS (2000), GAN_EVAL (250,500,1000,2000), GAN_PROBE_STEPS (20),
# GAN_HEAD_STEPS (200) and GAN_ROUNDS (5) for the head-to-head speed rounds,
# GAN_EVAL_IMAGES (2048), GAN_THREADS (skip the probe and use this count; PyTorch then
# runs with OPENBLAS_NUM_THREADS=1), GAN_STEPS=0 (speed only),
# GAN_D_NORM (batch|spectral). Output lands in bench/out/gan/.
# Slow on two shared cores: run it as `nice -n 19 bench/run gan`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${CLEARSET_BUILD:-$here/build-bench}
bench=$build/bench/bench_gan
python=/usr/bin/python3 # Debian's, with python3-torch
steps=${GAN_STEPS:-2000}
evals=${GAN_EVAL:-250,500,1000,2000}
probe=${GAN_PROBE_STEPS:-20}
head=${GAN_HEAD_STEPS:-200}
eval_images=${GAN_EVAL_IMAGES:-2048}
d_norm=${GAN_D_NORM:-batch}
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

# Head to head: the load of a shared machine drifts, so C and PyTorch's
# fastest configuration alternate, and each side's median counts.
rounds=${GAN_ROUNDS:-5}
echo "## head to head: $rounds alternating rounds of $head steps, threads=$best_threads (images/s)"
c_rates=() t_rates=()
for ((i = 1; i <= rounds; i++)); do
  c=$("$bench" train "$data" --steps "$head" --eval "" --threads "$best_threads" \
    --d-norm "$d_norm" 2>/dev/null | rate)
  t=$("${torch_env[@]}" "$python" "$here/bench/gan_torch.py" "$data" --steps "$head" \
    --threads "$best_threads" --d-norm "$d_norm" 2>/dev/null | rate)
  echo "round $i: C $c  PyTorch $t"
  c_rates+=("$c") t_rates+=("$t")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
c_med=$(median "${c_rates[@]}") t_med=$(median "${t_rates[@]}")
echo "median: C $c_med  PyTorch $t_med  C/PyTorch $(awk -v a="$c_med" -v b="$t_med" 'BEGIN{printf "%.2f", a / b}')"

[ "$steps" -gt 0 ] || exit 0 # GAN_STEPS=0: speed only

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
