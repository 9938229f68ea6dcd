"""The Latin-script languages of Europe: the letters each writes beyond a–z, and the one charset that
holds them all.

Listed by hand rather than read off word lists, because frequency lists leave out what a language
writes rarely but surely (French ``œ`` and ``ù`` fall under any share threshold of wordfreq's list) and
have no list at all for some (Latin). A language not listed here gets its letters from its corpus
(``charset.charset_for``).
"""

from __future__ import annotations

import string

from lfhtr.errors import LfhtrError
from lfhtr.text.charset import charset_for
from lfhtr.text.corpus import builtin_counts

WRITTEN_PUNCTUATION = ".,;:'\"-&!?()/’‘“”„«»–—§°"
"""Marks people write in letters, wills and registers: straight and typographic quotes, guillemets,
dashes, the section sign and the degree sign (``n°``)."""

LETTERS: dict[str, str] = {
    "en": "",
    "fr": "àâæçéèêëîïôœùûüÿ",
    "es": "áéíñóúü",
    "pt": "áâãàçéêíóôõú",
    "it": "àèéìíîòóùú",
    "ca": "àçèéíïòóúü",
    "de": "äöüß",
    "nl": "éëïöüè",
    "da": "æøåé",
    "nb": "æøåéèô",
    "sv": "åäöé",
    "is": "áðéíóúýþæö",
    "fi": "äöåšž",
    "pl": "ąćęłńóśźż",
    "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž",
    "sl": "čšž",
    "sh": "čćđšž",
    "hu": "áéíóöőúüű",
    "ro": "ăâîșțşţ",
    "lt": "ąčęėįšųūž",
    "lv": "āčēģīķļņšūž",
    "tr": "çğıöşüâî",
    "la": "æœ",
}
"""Letters with marks (and ligatures) of each language, lowercase; wordfreq codes (``sh``: Croatian,
Serbian and Bosnian in Latin script)."""

NAMES = {
    "en": "English", "fr": "French", "es": "Spanish", "pt": "Portuguese", "it": "Italian",
    "ca": "Catalan", "de": "German", "nl": "Dutch", "da": "Danish", "nb": "Norwegian (Bokmål)",
    "sv": "Swedish", "is": "Icelandic", "fi": "Finnish", "pl": "Polish", "cs": "Czech", "sk": "Slovak",
    "sl": "Slovenian", "sh": "Croatian (and Serbian, Bosnian in Latin script)", "hu": "Hungarian",
    "ro": "Romanian", "lt": "Lithuanian", "lv": "Latvian", "tr": "Turkish", "la": "Latin",
}  # fmt: skip

OTHER_LATIN = ["fil", "id", "ms", "vi"]
"""Latin-script languages wordfreq lists beyond Europe's: their letters are read off the word list."""

HISTORICAL = "ſ"
"""Long s, written in every one of these languages until the 19th century (``corpus.long_s``)."""


def _with_capitals(lower: str) -> str:
    """``lower`` followed by its capitals that are one character and not A–Z (ß and ſ have none; the
    dotless ı of Turkish brings the dotted capital İ its i is written with)."""
    upper = [ch.upper() for ch in lower if len(ch.upper()) == 1 and ch.upper() != ch]
    if "ı" in lower:
        upper.append("İ")
    return lower + "".join(dict.fromkeys(ch for ch in upper if ch not in string.ascii_uppercase))


def charset_of(languages: list[str]) -> str:
    """A charset for text in ``languages`` (codes of ``LETTERS``): a–z, A–Z, digits, the written marks,
    and each language's letters with their capitals."""
    marked = "".join(dict.fromkeys("".join(LETTERS[code] for code in languages)))
    return string.ascii_letters + string.digits + WRITTEN_PUNCTUATION + _with_capitals(marked)


EUROPE = "europe"
"""``--language europe``: every language of ``EUROPEAN`` in equal shares."""
EUROPEAN = [code for code in LETTERS if code != "la"]
"""The languages with a wordfreq list whose letters ``LATIN_CHARSET`` holds; Latin needs the user's text."""
LATIN_CHARSET = charset_of(list(LETTERS)) + HISTORICAL
"""One charset for every Latin-script language of Europe listed in ``LETTERS``, and the long s."""


def languages_of(option: str) -> list[str]:
    """The language codes of an ``--language`` value: one code, several joined by commas, or ``europe``
    for every Latin-script language of Europe that wordfreq lists."""
    codes = [code.strip() for code in option.split(",") if code.strip()]
    return [found for code in codes for found in (EUROPEAN if code == EUROPE else [code])]


def charset_for_languages(codes: list[str]) -> str:
    """The charset text in ``codes`` needs: the listed letters of the languages ``latin.LETTERS`` knows,
    else the letters of wordfreq's list (a language lfhtr has no table for)."""
    if codes == EUROPEAN:
        return LATIN_CHARSET
    if all(code in LETTERS for code in codes):
        return charset_of(codes)
    try:
        return charset_for(builtin_counts(codes, 50_000))
    except LookupError as exc:
        raise LfhtrError(
            f"--language {','.join(codes)}: wordfreq has no word list for it ({exc}); give codes from "
            "`lfhtr languages`, or your own text in corpus.corpora."
        ) from None
