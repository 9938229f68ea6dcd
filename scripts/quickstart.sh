#!/usr/bin/env bash
# The main job on built-in defaults: fonts, the wordfreq corpus, synthetic data; then, where the George
# Washington sample set sits beside the repository (../shared/data/gw-dev), adaptation to it.
# Pretraining is shortened to fit ~10 minutes on 2 CPU cores; see docs/results.md for the full budget.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/lfhtr ] || bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
dir=quickstart
gw="$PWD/../shared/data/gw-dev"
sets=(--set pretrain.steps="${QUICKSTART_STEPS:-1200}" --set synth.count=1000
      --set 'evaluate.data={"images": "runs/session/synth"}')
if [ -d "$gw" ]; then
  sets+=(--set "adapt.target={\"images\": \"$gw\", \"include\": [\"270-*\", \"271-*\", \"272-*\", \"273-*\", \"274-*\", \"275-*\"]}"
         --set "adapt.monitor={\"images\": \"$gw\", \"include\": [\"276-*\", \"277-*\", \"278-*\", \"279-*\"]}"
         --set adapt.rounds=2 --set adapt.steps_per_round=200)
fi
lfhtr init "$dir/session.json" --force "${sets[@]}"
lfhtr run synth "$dir/session.json"
lfhtr run pretrain "$dir/session.json" --restart
lfhtr run evaluate "$dir/session.json" --checkpoint "$dir/runs/session/checkpoints/pretrain-best.pt"
if [ -d "$gw" ]; then
  lfhtr run adapt "$dir/session.json" --restart
  lfhtr run transcribe "$dir/session.json" --images "$gw"
  echo "quickstart: done. This short pretraining only shows the pipeline: self-training needs a reader that is"
  echo "right on most of its confident words. The default 5,500 steps give one (docs/results.md: GW CER 0.475 -> 0.204)."
else
  echo "quickstart: $gw not found; skipping adaptation (set adapt.target to your unlabelled images)"
fi
