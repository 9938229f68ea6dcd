#!/usr/bin/env bash
# Installs lfhtr's default handwriting fonts from package registries (Debian and npm); no font file is
# ever committed to the repository. Fonts land in $LFHTR_FONT_DIR (default ~/.local/share/lfhtr/fonts),
# which is where `lfhtr` looks for its built-in font set.
set -euo pipefail
dest="${LFHTR_FONT_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/lfhtr/fonts}"
mkdir -p "$dest"

debian_packages=(fonts-dkg-handwriting fonts-breip fonts-femkeklaver fonts-rufscript fonts-sjfonts
  fonts-comic-neue fonts-bwht fonts-dancingscript fonts-ecolier-court fonts-humor-sans fonts-joscelyn
  fonts-kaushanscript fonts-kristi fonts-levien-typoscript fonts-havana)
npm_families=(meddon homemade-apple la-belle-aurore mrs-saint-delafield herr-von-muellerhoff
  mr-de-haviland monsieur-la-doulaise pinyon-script italianno dawning-of-a-new-day cedarville-cursive
  zeyada petit-formal-script great-vibes allura tangerine parisienne sacramento alex-brush caveat
  indie-flower kalam shadows-into-light patrick-hand reenie-beanie nothing-you-could-do rochester
  cookie satisfy yellowtail qwigley ruthie rouge-script euphoria-script calligraffitti
  architects-daughter just-another-hand over-the-rainbow waiting-for-the-sunrise sue-ellen-francisco
  covered-by-your-grace loved-by-the-king gochi-hand handlee marck-script mr-dafoe
  miss-fajardose bilbo league-script ballet birthstone corinthia ms-madi send-flowers updock whisper)

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${debian_packages[@]}" >/dev/null 2>&1 \
    || echo "install-fonts: some Debian font packages could not be installed; continuing" >&2
  for pkg in "${debian_packages[@]}"; do
    dpkg -L "$pkg" 2>/dev/null | grep -iE '\.(ttf|otf)$' | while read -r f; do ln -sf "$f" "$dest/"; done
  done
else
  echo "install-fonts: not root or no apt-get; skipping Debian font packages" >&2
fi

python="$(dirname "$0")/../.venv/bin/python"  # fontTools, installed by setup.sh before the fonts
[ -x "$python" ] || python=python3
if command -v npm >/dev/null 2>&1; then
  work=$(mktemp -d)
  # one pack per family, so one missing family cannot cost the others
  printf '@fontsource/%s\n' "${npm_families[@]}" \
    | (cd "$work" && xargs -P 8 -I{} sh -c 'npm pack --silent {} >/dev/null 2>&1 || echo "install-fonts: could not fetch {}" >&2')
  for tgz in "$work"/*.tgz; do
    [ -e "$tgz" ] || continue
    tar -xzf "$tgz" -C "$work" --wildcards 'package/files/*-latin-400-normal.woff2' \
      'package/files/*-latin-ext-400-normal.woff2' 2>/dev/null \
      || tar -xzf "$tgz" -C "$work" --wildcards 'package/files/*-latin-400-normal.woff2' 2>/dev/null || true
  done
  # one file a family: the Latin subset joined with Latin Extended (ł ř ș ő ...) where the family has it
  for latin in "$work"/package/files/*-latin-400-normal.woff2; do
    [ -e "$latin" ] || continue
    extended="${latin%-latin-400-normal.woff2}-latin-ext-400-normal.woff2"
    [ -e "$extended" ] && "$python" "$(dirname "$0")/join-font-subsets.py" "$latin" "$extended"
    cp -f "$latin" "$dest/"
  done
  rm -rf "$work"
else
  echo "install-fonts: npm not found; skipping @fontsource families" >&2
fi
echo "install-fonts: $(find "$dest" -maxdepth 1 \( -type f -o -type l \) | wc -l) font files in $dest"
