"""Latin-script languages: the one charset, the language list, mixed-language word lists, French spelling,
Latin from the user's own text, and the font coverage report."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lfhtr.cli import app
from lfhtr.pipeline import build_sampler
from lfhtr.session import Session
from lfhtr.text import latin
from lfhtr.text.charset import Charset
from lfhtr.text.corpus import builtin_counts

runner = CliRunner()
LATIN_TEXT = Path(__file__).parents[1] / "docs" / "examples" / "latin.txt"


def test_the_latin_charset_writes_every_listed_language_with_capitals_and_the_marks_people_write() -> None:
    chars = set(latin.LATIN_CHARSET)
    assert len(chars) == len(latin.LATIN_CHARSET)  # no character twice
    assert set("’‘“”«»–—§°&/()") <= chars and set("œŒæÆßſ") <= chars
    for code, letters in latin.LETTERS.items():
        assert set(letters) <= chars, code
        assert {ch.upper() for ch in letters if len(ch.upper()) == 1} <= chars, code
    assert {"İ", "ı", "ł", "Ł", "ș", "Ș", "ő", "Ő", "ř", "Ř", "ð", "Þ"} <= chars
    assert Charset(latin.LATIN_CHARSET).num_classes == len(latin.LATIN_CHARSET) + 1
    assert len(latin.LETTERS) - 1 >= 22  # the European languages beside English
    assert set(latin.NAMES) == set(latin.LETTERS)


def test_init_in_french_writes_its_accents_and_apostrophe_and_the_lexicon_its_elisions(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "fr.json"
    result = runner.invoke(app, ["init", str(spec), "--language", "fr"])
    assert result.exit_code == 0, result.output
    data = json.loads(spec.read_text("utf-8"))
    assert data["corpus"]["language"] == "fr"
    assert set("àâçéèêëîïôœùûÀÇÉÈÊŒÙÛ’«»") <= set(data["charset"])
    counts = builtin_counts("fr", 5_000)
    assert "aujourd’hui" in counts and "aujourd'hui" not in counts  # transcriptions write ’
    assert counts["l’homme"] > 0 and counts["qu’il"] > 0  # elided words join the next one
    assert counts["l’homme"] < counts["homme"]


def test_a_mixed_language_word_list_gives_each_language_its_weight(tmp_path: Path) -> None:
    alone = {code: builtin_counts(code, 3_000) for code in ("en", "de")}
    for weights, share in (({"en": 1, "de": 1}, 0.5), ({"en": 3, "de": 1}, 0.75), (["en", "de"], 0.5)):
        mixed = builtin_counts(weights, 3_000)
        assert sum(mixed.values()) == pytest.approx(1e9, rel=0.01)
        for code, word, expected in (("en", "would", share), ("de", "nicht", 1 - share)):
            own = alone[code]  # an unshared word's count: its language's share of all the words
            assert mixed[word] / own[word] * sum(own.values()) / 1e9 == pytest.approx(expected, rel=0.01)
    spec = tmp_path / "mixed.json"
    mixed_init = runner.invoke(app, ["init", str(spec), "--language", "fr,de"])
    assert mixed_init.exit_code == 0, mixed_init.output
    data = json.loads(spec.read_text("utf-8"))
    assert data["corpus"]["language"] == ["fr", "de"] and set("éœäßÄ") <= set(data["charset"])
    data["corpus"]["language"] = {"fr": 2, "de": 0}
    spec.write_text(json.dumps(data), "utf-8")
    zero = runner.invoke(app, ["spec", "validate", str(spec)])
    assert zero.exit_code == 2 and "each with a weight above 0" in zero.output


def test_each_language_of_a_mixture_is_shaped_as_it_is_written(tmp_path: Path) -> None:
    spec = tmp_path / "mixed.json"
    quiet = ["corpus.top_n=3000", "corpus.punctuation=0", "corpus.numbers=0", "corpus.upper=0"]
    result = runner.invoke(app, ["init", str(spec), "--language", "en,de", *[f"--set={s}" for s in quiet]])
    assert result.exit_code == 0, result.output
    sampler = build_sampler(Session.load(spec))
    german, english = set(builtin_counts("de", 3_000)), set(builtin_counts("en", 3_000))
    rng = random.Random(0)
    words = [sampler.sample(rng) for _ in range(4_000)]

    def capitalised(vocabulary: set[str]) -> float:
        drawn = [word for word in words if word.lower() in vocabulary and "-" not in word]
        return sum(word[0].isupper() for word in drawn) / len(drawn)

    assert capitalised(german - english) > 0.33  # German's nouns: its profile's 0.4
    assert capitalised(english - german) < 0.27  # the options' 0.2
    hyphenated = [word.split("-") for word in words if "-" in word]
    assert hyphenated and all(
        part[0].isupper() and part.lower() in german for parts in hyphenated for part in parts
    )


def test_latin_reads_from_the_users_own_text(tmp_path: Path) -> None:
    spec = tmp_path / "la.json"
    bare = runner.invoke(app, ["init", str(spec), "--language", "la"])
    assert bare.exit_code == 2 and "wordfreq has no word list for 'la'" in bare.output
    assert "corpus.corpora" in bare.output
    given = runner.invoke(
        app,
        ["init", str(spec), "--language", "la", "--set", f"corpus.corpora={json.dumps([str(LATIN_TEXT)])}"],
    )
    assert given.exit_code == 0, given.output
    sampler = build_sampler(Session.load(spec))
    assert {"Gallia", "divisa", "Helvetii"} <= set(sampler.lexicon())
    assert all(sampler.sample(random.Random(i)) for i in range(20))


def test_adapting_a_model_to_a_language_keeps_its_charset_and_names_the_letters_it_lacks(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "en-fr.json"
    result = runner.invoke(app, ["init", str(spec), "--from", "en", "--language", "fr"])
    assert result.exit_code == 0, result.output
    data = json.loads(spec.read_text("utf-8"))
    assert data["corpus"]["language"] == "fr" and "é" not in data["charset"]
    assert "en cannot write" in result.output and "é" in result.output


def test_the_language_list_names_each_language_its_letters_and_the_fonts_drawing_them(
    tmp_path: Path, font_files: list[str]
) -> None:
    for source in font_files:
        shutil.copy(source, tmp_path)
    result = runner.invoke(app, ["languages", "--font-dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for code in latin.LETTERS:
        assert f" {code} " in result.output
    assert "ąćęłńóśźż" in result.output and "your text (corpus.corpora)" in result.output
    assert f"of {len(font_files)}" in result.output


def test_the_font_report_warns_of_characters_few_fonts_draw_and_names_them(
    tmp_path: Path, font_files: list[str]
) -> None:
    spec = tmp_path / "spec.json"
    fonts = json.dumps([str(Path(f)) for f in font_files])
    overrides = [
        f"renderer.fonts={fonts}",
        "renderer.min_coverage=0.5",
        'charset="abcdefghijklmnopqrstuvwxyzʬ"',
    ]
    runner.invoke(app, ["init", str(spec), *(x for o in overrides for x in ("--set", o))])
    result = runner.invoke(app, ["fonts", "--spec", str(spec)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    few = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(few) == 27  # three fonts draw a to z: fewer than ten; none draws ʬ
    assert "ʬ (U+02AC) is drawn by 0 usable fonts" in result.output
    assert Path(font_files[0]).stem in few[0]


def test_a_model_of_many_languages_reads_with_the_lexicon_of_the_language_given(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from lfhtr import modelfile
    from lfhtr.reading.reader import Reader

    source = Path(__file__).parents[1] / "lfhtr" / "pretrained" / "en.lfhtr"
    meta = modelfile.load_meta(source)
    meta["corpus"] = {"kind": "frequency", "language": latin.EUROPEAN}
    many = tmp_path / "many.lfhtr"
    modelfile.save(many, modelfile.load(source)[0], meta)
    with caplog.at_level("WARNING", logger="lfhtr"):
        assert Reader.load(many).lexicon is None
    assert "learnt 23 languages; reading without a lexicon" in caplog.text
    reader = Reader.load(many, language="en,de")
    assert reader.lexicon is not None and reader.lexicon.knows("nicht") and reader.lexicon.knows("would")
