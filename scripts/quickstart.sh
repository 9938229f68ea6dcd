#!/usr/bin/env bash
# The main job on built-in defaults, in minutes: read real handwriting with the shipped English model,
# then adapt it to that hand without a single label, and show what adaptation gained.
# Real words: the George Washington sample set beside the repository (../shared/data/gw-dev): pages
# 270-275 are the unlabelled target, 276-279 are read before and after (their labels only measure).
# Without it, the DHSD sample the repository ships (samples/dhsd, CC BY 4.0): writers 01-12 are the
# target of the shipped German model, 13-18 are read before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/lfhtr ] || bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
dir=quickstart
gw="$PWD/../shared/data/gw-dev"
mkdir -p "$dir"
if [ -d "$gw" ]; then
  words="$gw" model=en
  target='["270-*", "271-*", "272-*", "273-*", "274-*", "275-*"]' held_out='["276-*", "277-*", "278-*", "279-*"]'
  first=("$gw"/276-0[1-2]-*.png) what="pages 276-279" from="pages 270-275"   # a held-out page's first lines
else
  echo "quickstart: $gw not found; using the DHSD sample in samples/dhsd (CC BY 4.0, see its README)"
  words="$PWD/samples/dhsd" model=de
  target='["w0*", "w10-*", "w11-*", "w12-*"]' held_out='["w13-*", "w14-*", "w15-*", "w16-*", "w17-*", "w18-*"]'
  first=("$words"/w13-00[0-7].png) what="writers 13-18" from="writers 01-12"
fi
lfhtr read "$model" "${first[@]}" --output "$dir/first-words.tsv"
head -8 "$dir/first-words.tsv"
lfhtr init "$dir/session.json" --force --from "$model" \
  --set adapt.rounds=3 --set adapt.steps_per_round=200 \
  --set "adapt.target={\"images\": \"$words\", \"include\": $target}" \
  --set "evaluate.data={\"images\": \"$words\", \"include\": $held_out}"
lfhtr run evaluate "$dir/session.json" --checkpoint "$model" -q > "$dir/before.json"
lfhtr run adapt "$dir/session.json" --restart
lfhtr run evaluate "$dir/session.json" -q > "$dir/after.json"
python3 - "$dir/before.json" "$dir/after.json" "$what" "$from" <<'PY'
import json, sys
before, after = (json.loads(open(path).read().splitlines()[-1])["cer"] for path in sys.argv[1:3])
print(f"quickstart: CER on {sys.argv[3]} {before:.3f} with the shipped model, {after:.3f} after adapting "
      f"to {sys.argv[4]} without labels ({(before - after) / before:.0%} lower)")
PY
