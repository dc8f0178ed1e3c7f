#!/usr/bin/env bash
# bench/gan.sh - `clearset train` against PyTorch on a signed export of
# Fashion-MNIST, run by `bench/run gan`. What it measures:
#
# 1. The data: Debian's dataset-fashion-mnist (70,000 28x28 grey images, MIT,
#    Zalando SE; installed here if missing). bench/gan_export.sh publishes the
#    first GAN_IMAGES training images as a website (clearset-fashion-site:
#    32x32 PNGs, the originals on a 2-pixel background border, licence in XMP),
#    serves it on 127.0.9.1 with clearset-fixture, and crawls, dedups, clears
#    (a policy accepting MIT), exports signed and verifies, printing each
#    stage's seconds and the export's image count. The export is kept in
#    BUILD/bench-data/ and reused while it verifies. Both sides train on its
#    images: `clearset train --dataset EXPORT` and bench/gan_torch.py, which
#    reads the same files with the same mapping (byte / 127.5 - 1).
# 2. Speed probe: images/s over the training steps only (train's JSON
#    images_per_s; loading and checking the export are not counted) of
#    GAN_PROBE_STEPS steps, for C at 1 and 2 threads and for PyTorch at 1 and 2
#    threads, each with OpenBLAS's own threads left alone and with
#    OPENBLAS_NUM_THREADS=1 (they fight torch's OpenMP threads otherwise).
# 3. Head to head: C and PyTorch's fastest configuration at the same thread
#    count, GAN_HEAD_STEPS steps each, alternating for GAN_ROUNDS rounds (the
#    load of a shared machine drifts); each side's median and the ratio.
# 4. Quality: SWD (x1e3, generator/swd.c for both: GAN_EVAL_IMAGES samples from
#    a fixed latent seed against as many held-out t10k test images) at each
#    step of GAN_EVAL, up to GAN_STEPS. PyTorch runs once per seed of
#    GAN_SEEDS and writes its samples; C trains with `clearset train --resume`
#    up to each evaluation step (resume is bit-identical to one run) for each
#    seed of GAN_C_SEEDS, and `bench_gan swd-model` samples the checkpoint.
#    Then each seed's SWD at the last step, PyTorch's min..max and mean +- sd
#    (the run-to-run spread) and whether every C seed lies within min..max.
#    Also the SWD of training images (the floor) and of noise; sample grids.
#
# Environment: GAN_IMAGES (10000: images published and crawled; the export takes
# about 40 s, all 60,000 about 3 minutes: a crawl of 100 s), GAN_STEPS
# (2000; 0: speed only), GAN_EVAL (250,500,1000,2000), GAN_PROBE_STEPS (20),
# GAN_HEAD_STEPS (200), GAN_ROUNDS (5), GAN_EVAL_IMAGES (2048), GAN_SEEDS
# (1,2,3: PyTorch), GAN_C_SEEDS (1,2), GAN_THREADS (skip the probe, use this
# count; PyTorch then runs with OPENBLAS_NUM_THREADS=1). Output lands in
# bench/out/gan/ (logs, checkpoints, samples, grids).
# Slow on two shared cores: run it as `nice -n 10 bench/run gan`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${CLEARSET_BUILD:-$here/build-bench}
clearset=$build/cli/clearset
bench=$build/bench/bench_gan
python=/usr/bin/python3 # Debian's, with python3-torch and python3-pil
images=${GAN_IMAGES:-10000}
steps=${GAN_STEPS:-2000}
evals=${GAN_EVAL:-250,500,1000,2000}
probe=${GAN_PROBE_STEPS:-20}
head=${GAN_HEAD_STEPS:-200}
rounds=${GAN_ROUNDS:-5}
eval_images=${GAN_EVAL_IMAGES:-2048}
torch_seeds=${GAN_SEEDS:-1,2,3}
c_seeds=${GAN_C_SEEDS:-1,2}
out=$here/bench/out/gan
data=$build/bench-data/fashion-mnist
export_dir=$build/bench-data/fashion-export-$images
tensor_cache=$build/bench-data/fashion-export-$images.torch.npz
src=/usr/share/datasets/fashion-mnist
mkdir -p "$out" "$data"

if [ ! -f "$src/train-images-idx3-ubyte.gz" ]; then
  echo "bench/gan: installing dataset-fashion-mnist" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    dataset-fashion-mnist >&2 || {
    apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends dataset-fashion-mnist >&2; }
fi
# The held-out test images (SWD) and the training set (the floor), as IDX files.
for f in train-images-idx3-ubyte t10k-images-idx3-ubyte; do
  [ -f "$data/$f" ] || gunzip -c "$src/$f.gz" >"$data/$f"
done

echo "# bench/gan: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "## export of Fashion-MNIST ($images training images published)"
bash "$here/bench/gan_export.sh" "$build" "$export_dir" "$images"
exported=$(($(wc -l <"$export_dir/metadata.jsonl")))
echo "# DCGAN 32x32 grey, z 100, widths 32/32, batch 64, Adam 2e-4/0.5, D batch norm;" \
  "both sides train on the $exported images of $export_dir"

# c_train MODEL STEPS THREADS SEED [--resume]: `clearset train`; prints its images/s.
c_train() {
  local model=$1 n=$2 threads=$3 seed=$4
  shift 4
  [ "${1:-}" = --resume ] || rm -f "$model" "$model".*
  "$clearset" train --dataset "$export_dir" --out "$model" --steps "$n" \
    --threads "$threads" --batch 64 --seed "$seed" --checkpoint-every 0 "$@" \
    2>>"$out/c.log" | jq -r '.images_per_s * 10 | round / 10'
}
# torch_rate ENV THREADS STEPS: PyTorch's images/s.
torch_rate() {
  local ob=$1 threads=$2 n=$3 envs
  if [ "$ob" = default ]; then envs=(env -u OPENBLAS_NUM_THREADS); else envs=(env OPENBLAS_NUM_THREADS=1); fi
  "${envs[@]}" "$python" "$here/bench/gan_torch.py" "$export_dir" --steps "$n" \
    --threads "$threads" --cache "$tensor_cache" 2>>"$out/torch.log" |
    grep 'images/s' | awk '{print $3}'
}
speed_model=$out/speed.ckpt
: >"$out/c.log"
: >"$out/torch.log"

if [ -z "${GAN_THREADS:-}" ]; then
  echo "## speed probe ($probe steps each; images/s)"
  best_rate=0 best_threads=1 best_env=""
  for threads in 1 2; do
    echo "C        threads=$threads                          $(c_train "$speed_model" "$probe" "$threads" 1)"
    for ob in default 1; do
      r=$(torch_rate "$ob" "$threads" "$probe")
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

echo "## head to head: $rounds alternating rounds of $head steps, threads=$best_threads (images/s)"
c_rates=() t_rates=()
for ((i = 1; i <= rounds; i++)); do
  c=$(c_train "$speed_model" "$head" "$best_threads" 1)
  t=$(torch_rate "$best_env" "$best_threads" "$head")
  echo "round $i: C $c  PyTorch $t"
  c_rates+=("$c") t_rates+=("$t")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
c_med=$(median "${c_rates[@]}") t_med=$(median "${t_rates[@]}")
echo "median: C $c_med  PyTorch $t_med  C/PyTorch $(awk -v a="$c_med" -v b="$t_med" 'BEGIN{printf "%.2f", a / b}') (goal >= 1.2)"
rm -f "$speed_model" "$speed_model".*

[ "$steps" -gt 0 ] || exit 0 # GAN_STEPS=0: speed only

echo "## SWD references ($eval_images images against $eval_images held-out test images)"
"$bench" floor "$data" --eval-images "$eval_images"

IFS=, read -ra eval_steps <<<"$evals"
IFS=, read -ra t_seeds <<<"$torch_seeds"
IFS=, read -ra cs_seeds <<<"$c_seeds"
# the evaluation steps up to GAN_STEPS, and GAN_STEPS itself (the spread is judged there)
mapfile -t eval_steps < <(for s in "${eval_steps[@]}" "$steps"; do
  [ "$s" -le "$steps" ] && echo "$s"; done | sort -nu)
last=$steps
swd_last() { awk '{print $NF}' | tail -n 1; } # the "mean" column of the last line

echo "## PyTorch: $steps steps, threads=$best_threads, seeds ${t_seeds[*]}"
t_final=()
for seed in "${t_seeds[@]}"; do
  "${torch_env[@]}" "$python" "$here/bench/gan_torch.py" "$export_dir" --steps "$steps" \
    --threads "$best_threads" --eval "$(IFS=,; echo "${eval_steps[*]}")" \
    --eval-images "$eval_images" --out "$out" --seed "$seed" --cache "$tensor_cache" \
    --label "PyTorch" 2>>"$out/torch.log" | grep -v ' samples '
  for s in "${eval_steps[@]}"; do
    line=$("$bench" swd "$data" "$out/torch_s${seed}_step$s.f32" --eval-images "$eval_images" \
      --label "s$seed step $s")
    echo "$line"
  done
  t_final+=("$(echo "$line" | swd_last)")
  "$bench" grid "$out/torch_s${seed}_step$last.f32" "$out/torch_s${seed}_grid.png"
done

echo "## C (clearset train): $steps steps, threads=$best_threads, seeds ${cs_seeds[*]}"
c_final=()
for seed in "${cs_seeds[@]}"; do
  model=$out/c_s$seed.ckpt
  resume=()
  for s in "${eval_steps[@]}"; do
    r=$(c_train "$model" "$s" "$best_threads" "$seed" "${resume[@]}")
    resume=(--resume)
    line=$("$bench" swd-model "$model" "$data" --eval-images "$eval_images" \
      --label "s$seed step $s" --grid "$out/c_s${seed}_grid.png")
    echo "$line  (${r} images/s)"
  done
  c_final+=("$(echo "$line" | swd_last)")
done

echo "## SWD x1e3 at step $last (mean over scales; lower is better)"
for i in "${!t_seeds[@]}"; do echo "PyTorch  seed ${t_seeds[$i]}  ${t_final[$i]}"; done
for i in "${!cs_seeds[@]}"; do echo "C        seed ${cs_seeds[$i]}  ${c_final[$i]}"; done
printf '%s\n' "${t_final[@]}" | awk '{v[NR] = $1; s += $1} END {
  m = s / NR; for (i = 1; i <= NR; i++) d += (v[i] - m) ^ 2; sd = NR > 1 ? sqrt(d / (NR - 1)) : 0
  min = v[1]; max = v[1]; for (i = 2; i <= NR; i++) { if (v[i] < min) min = v[i]; if (v[i] > max) max = v[i] }
  printf "PyTorch spread: %.2f..%.2f, mean %.2f +- %.2f (sd, %d seeds)\n", min, max, m, sd, NR }'
within=yes
tmin=$(printf '%s\n' "${t_final[@]}" | sort -g | head -n 1)
tmax=$(printf '%s\n' "${t_final[@]}" | sort -g | tail -n 1)
for i in "${!cs_seeds[@]}"; do
  where=$(awk -v v="${c_final[$i]}" -v a="$tmin" -v b="$tmax" \
    'BEGIN{print (v < a ? "below (better)" : (v > b ? "above (worse)" : "within"))}')
  [ "$where" = within ] || within="no: C seed ${cs_seeds[$i]} is $where"
done
echo "C within PyTorch's spread (every C seed in min..max): $within"
