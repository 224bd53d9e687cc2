#!/usr/bin/env bash
# Data-parallel scaling on this machine (docs/PERFORMANCE.md, "Data-parallel training"):
#  1. steps/s of `freelunch train` on COPY with configs/copy-mamba.toml (batch 16 packed into
#     128-token sequences, 60 steps) at five model sizes: 1 process --threads 1, 1 process
#     --threads 2, 2 processes --threads 1 each (data-parallel), and 1 process --threads 1 on half
#     the batch (what each of the 2 processes computes);
#  2. the time of one all-reduce of that many float32 numbers between 2 processes, through the
#     same c10d ProcessGroupGloo (torch.distributed from Debian's python3-torch, under torchrun).
# Usage: scripts/data-parallel-scaling.sh [BINARY]   (default build/freelunch; run on an idle machine)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/freelunch}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
steps=60
common=(--config configs/copy-mamba.toml --set train.steps=$steps --set train.warmup=5 --set train.log_every=$steps
        --set eval.samples=4 --set eval.generate=false)
steps_per_s() { python3 -c "import json, sys; print(f\"{$steps / json.load(open(sys.argv[1]))['train_seconds']:.1f}\")" "$1/summary.json"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "| d_model × n_layer | parameters | 1 × 1 thread | 1 × 2 threads | 2 × 1 thread | 1 × 1 thread, half batch |"
echo "|---|---:|---:|---:|---:|---:|"
sizes=()
for size in "32 2" "64 2" "128 2" "128 4" "256 2"; do
  read -r d n <<<"$size"
  run=$work/d${d}n${n}
  model=(--set model.d_model=$d --set model.n_layer=$n)
  "$bin" --threads 1 train --quiet "${common[@]}" "${model[@]}" --out "$run/t1" >/dev/null
  "$bin" --threads 2 train --quiet "${common[@]}" "${model[@]}" --out "$run/t2" >/dev/null
  "$bin" --threads 1 train --quiet "${common[@]}" "${model[@]}" --set train.batch_size=8 --out "$run/half" >/dev/null
  port=$(free_port)
  RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
    "$bin" --threads 1 train --quiet "${common[@]}" "${model[@]}" --out "$run/dp" >/dev/null &
  RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
    "$bin" --threads 1 train --quiet "${common[@]}" "${model[@]}" --out "$run/dp" >/dev/null
  wait
  parameters=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['parameters'])" "$run/t1/summary.json")
  sizes+=("$parameters")
  echo "| $d × $n | $parameters | $(steps_per_s "$run/t1") | $(steps_per_s "$run/t2") | $(steps_per_s "$run/dp") | $(steps_per_s "$run/half") |"
done

cat >"$work/allreduce.py" <<'PY'
import sys, time, torch, torch.distributed as dist
dist.init_process_group("gloo")
for n in [int(a) for a in sys.argv[1:]]:
    t = torch.ones(n)
    for _ in range(20): dist.all_reduce(t)
    dist.barrier(); start = time.perf_counter()
    for _ in range(200): dist.all_reduce(t)
    if dist.get_rank() == 0: print(f"| {n} | {(time.perf_counter() - start) / 200 * 1e3:.2f} |")
PY
echo
echo "| float32 numbers | ms per all-reduce (2 processes) |"
echo "|---:|---:|"
# --redirects/--tee: Debian's torchrun 1.13 fails on Python 3.11 with their default 0 (docs/SWEEPS.md)
OMP_NUM_THREADS=1 /usr/bin/torchrun --redirects 1 --tee 1 --nproc_per_node 2 --master_port "$(free_port)" \
  "$work/allreduce.py" 1 "${sizes[@]}" 2>/dev/null | sed -n 's/^\[default0\]://p'
