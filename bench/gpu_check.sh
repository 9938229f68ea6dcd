#!/usr/bin/env bash
# The GPU path in one run: pretraining on CUDA with mixed precision, the same seed twice (the same
# weights?), DDP over every GPU through torchrun, the large attention model at 64 px, and reading
# throughput, summed up in one table.
#
# Run: bash bench/gpu_check.sh         on a GPU machine, after scripts/setup.sh with a CUDA build of torch
#                                      (TORCH_REQUIREMENT); under 8 minutes
#      bash bench/gpu_check.sh --cpu   the same path on the CPU, small (the tests run it)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
device=cuda steps=400 large_steps=200 large_val=64 words=20000 processes=""
if [ "${1:-}" = "--cpu" ]; then device=cpu steps=20 large_steps=2 large_val=8 words=200 processes=2; fi
processes=${processes:-$(python -c "import torch; print(max(1, torch.cuda.device_count()))")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for run in first second ddp; do
  lfhtr init "$work/$run/session.json" --set pretrain.steps=$steps --set pretrain.val_every=$steps \
    --set pretrain.val_size=64 --set synth.count=$words --set "hardware.device=\"$device\"" > /dev/null
done
lfhtr init "$work/large/session.json" --set 'model={"kind": "attention-large"}' --set height=64 \
  --set pretrain.steps=$large_steps --set pretrain.val_every=$large_steps --set pretrain.val_size=$large_val \
  --set "hardware.device=\"$device\"" > /dev/null
elapsed() {  # seconds "$@" takes; its output is shown only when it fails
  local start=$(date +%s.%N)
  "$@" > "$work/log" 2>&1 || { cat "$work/log" >&2; return 1; }
  python -c "print($(date +%s.%N) - $start)"
}
first=$(elapsed lfhtr run pretrain "$work/first/session.json" -q)
second=$(elapsed lfhtr run pretrain "$work/second/session.json" -q)
ddp=$(elapsed torchrun --standalone --nproc_per_node="$processes" -m lfhtr run pretrain "$work/ddp/session.json" -q)
large=$(elapsed lfhtr run pretrain "$work/large/session.json" -q)
lfhtr run synth "$work/first/session.json" -q > /dev/null
read_greedy=$(elapsed lfhtr read en "$work/first/runs/session/synth" --device "$device" --no-lexicon -o "$work/g.tsv")
read_lexicon=$(elapsed lfhtr read en "$work/first/runs/session/synth" --device "$device" -o "$work/l.tsv")

python - "$work" "$device" "$steps" "$words" "$processes" "$large_steps" "$first" "$second" "$ddp" "$large" \
  "$read_greedy" "$read_lexicon" <<'PY'
import sys
from pathlib import Path

import torch

from lfhtr.train import checkpoint

work, device, steps, words, processes, large_steps = Path(sys.argv[1]), sys.argv[2], *map(int, sys.argv[3:7])
first, second, ddp, large, greedy, lexicon = map(float, sys.argv[7:13])
weights = [checkpoint.load(work / run / "runs/session/checkpoints/pretrain-last.pt")[0]["model"] for run in ("first", "second")]
same = all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
name = torch.cuda.get_device_name(0) if device == "cuda" else "CPU"
rows = [
    ("device", f"{name}, torch {torch.__version__}"),
    (f"pretraining, {steps} steps of 32, one process", f"{first:.1f} s ({steps * 32 / first:,.0f} images/s, with start-up)"),
    ("same seed, same weights", "yes" if same else "NO"),
    (f"pretraining, DDP over {processes} processes", f"{ddp:.1f} s ({steps * 32 * processes / ddp:,.0f} images/s, with start-up)"),
    (f"attention-large at 64 px, {large_steps} steps of 32", f"{large:.1f} s ({large_steps * 32 / large:,.1f} images/s, with start-up)"),
    (f"lfhtr read, {words} words, greedy", f"{greedy:.1f} s ({words / greedy:,.0f} words/s, with start-up)"),
    (f"lfhtr read, {words} words, lexicon", f"{lexicon:.1f} s ({words / lexicon:,.0f} words/s, with start-up)"),
]
width = max(len(k) for k, _ in rows)
print("\n".join(f"| {k:<{width}} | {v} |" for k, v in rows))
sys.exit(0 if same else 1)
PY
