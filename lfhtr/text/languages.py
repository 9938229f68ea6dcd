"""What a language's frequency list does not show: how its words are cased, joined and spelt on paper.

wordfreq lists lowercase single tokens, and for German it folds ``ß`` into ``ss``. Real handwriting of
German capitalises every noun, joins words into (hyphenated) compounds much longer than English words, and
writes ``ß``. French writes the article elided onto the next word (``l’homme``, ``qu’il``), which the list
splits off, with the typographic apostrophe transcriptions use. A recogniser never shown these misreads
every one. Languages without a profile write words as the English defaults assume.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class LanguageProfile:
    """Sampler settings (``corpus.*``) a language's text calls for; ``lfhtr init --language`` writes them."""

    capitalize: float = 0.2
    """Share of words with an initial capital: sentence starts and names, and in German every noun."""
    compounds: float = 0.0
    """Share of draws that join two corpus words into one, as compounding languages write them."""
    hyphenate: float = 0.0
    """Share of those compounds written with a hyphen between capitalised parts (Baden-Württemberg)."""
    max_length: int = 16
    """Longest word drawn, in characters; compounds are longer."""

    def overrides(self) -> dict[str, float | int]:
        return asdict(self)


PROFILES = {
    # Nouns and names (about a third of running German text) are capitalised; compounds are common.
    "de": LanguageProfile(capitalize=0.4, compounds=0.15, hyphenate=0.3, max_length=24),
}

_FOLDED_SHARP_S = re.compile(r"(?<=ei|ai|au|äu|eu|ie)ss")
"""German writes ß, not ss, after a diphthong or ie (heißt, außen, schließlich); the frequency list
cannot tell the other long vowels (Straße) from short ones (Wasser), so those words get both spellings."""


def profile(language: str) -> LanguageProfile:
    return PROFILES.get(language, LanguageProfile())


ELISIONS = {
    "fr": {"l’": 0.3, "d’": 0.25, "qu’": 0.1, "n’": 0.1, "s’": 0.08, "c’": 0.06, "j’": 0.06, "m’": 0.05},
}
"""Elided words a language writes joined to the next word, with their shares of those joins."""
ELIDED_SHARE = 0.3
"""Count given to a vowel-initial word's elided forms, as a share of its own: in running French, about
this share of such words follow an elided article or pronoun."""
ELIDED_WORDS = 10_000
"""Only this many most frequent words get elided forms, which keeps the lexicon from doubling."""
APOSTROPHES = {"fr": "’"}
"""The apostrophe a language's transcriptions write, where it is not the straight one of the list."""


def _elided(language: str, counts: Counter[str]) -> Counter[str]:
    """``counts`` with the elided forms of its frequent vowel-initial words added."""
    elisions = ELISIONS.get(language)
    if not elisions:
        return counts
    joined = Counter(counts)
    for word, count in counts.most_common(ELIDED_WORDS):
        if word[:1] in "aeiouyhàâéèêîôû":
            for elision, share in elisions.items():
                joined[elision + word] += max(1, round(count * ELIDED_SHARE * share))
    return joined


def unfold(language: str, counts: Counter[str]) -> Counter[str]:
    """Restore the spellings a language's frequency list folds away (German ß, French elisions and
    apostrophes), keeping each listed word's count."""
    apostrophe = APOSTROPHES.get(language)
    if apostrophe:
        respelt: Counter[str] = Counter()
        for word, count in counts.items():
            respelt[word.replace("'", apostrophe)] += count
        counts = respelt
    counts = _elided(language, counts)
    if language != "de":
        return counts
    restored: Counter[str] = Counter()
    for word, count in counts.items():
        if "ss" not in word:
            restored[word] += count
            continue
        word = _FOLDED_SHARP_S.sub("ß", word)
        if "ss" in word:
            restored[word] += count - count // 2
            restored[word.replace("ss", "ß")] += count // 2
        else:
            restored[word] += count
    return restored
