#!/usr/bin/env bash
# The main job on built-in defaults, in minutes: read real handwriting with the shipped English model,
# then adapt it to that hand without a single label, and show what adaptation gained.
# Real words: the George Washington sample set beside the repository (../shared/data/gw-dev): pages
# 270-275 are the unlabelled target, 276-279 are read before and after (their labels only measure).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/lfhtr ] || bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
dir=quickstart
gw="$PWD/../shared/data/gw-dev"
mkdir -p "$dir"
if [ ! -d "$gw" ]; then
  echo "quickstart: $gw not found; reading synthetic words instead (point adapt.target at your own images)"
  lfhtr init "$dir/session.json" --force --set synth.count=200 --set 'transcribe.images="runs/session/synth"'
  lfhtr run synth "$dir/session.json"
  lfhtr read en "$dir/runs/session/synth" --output "$dir/read.tsv"
  head -5 "$dir/read.tsv"
  exit 0
fi
test='"include": ["276-*", "277-*", "278-*", "279-*"]'
lfhtr read en "$gw"/276-0[1-2]-*.png --output "$dir/first-words.tsv"   # a held-out page's first lines
head -8 "$dir/first-words.tsv"
lfhtr init "$dir/session.json" --force \
  --set adapt.checkpoint=en --set adapt.rounds=3 --set adapt.steps_per_round=200 \
  --set "adapt.target={\"images\": \"$gw\", \"include\": [\"270-*\", \"271-*\", \"272-*\", \"273-*\", \"274-*\", \"275-*\"]}" \
  --set "evaluate.data={\"images\": \"$gw\", $test}"
lfhtr run evaluate "$dir/session.json" --checkpoint en -q > "$dir/before.json"
lfhtr run adapt "$dir/session.json" --restart
lfhtr run evaluate "$dir/session.json" -q > "$dir/after.json"
python3 - "$dir/before.json" "$dir/after.json" <<'PY'
import json, sys
before, after = (json.loads(open(path).read().splitlines()[-1])["cer"] for path in sys.argv[1:])
print(f"quickstart: CER on pages 276-279 {before:.3f} with the shipped model, {after:.3f} after adapting "
      f"to pages 270-275 without labels ({(before - after) / before:.0%} lower)")
PY
