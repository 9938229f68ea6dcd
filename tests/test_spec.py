"""The session spec: defaults, validation messages that name the field, round trip, schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lfhtr.core import spec as specs
from lfhtr.errors import SpecError


def test_defaults_are_complete_and_round_trip(tmp_path: Path) -> None:
    data = specs.dump(specs.default_spec())
    assert data["model"]["kind"] == "crnn-ctc" and "hidden" in data["model"]
    assert [a["kind"] for a in data["augmenters"]][:2] == ["affine", "elastic"]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    assert specs.dump(specs.load(path)) == data


def test_unknown_kind_names_the_slot_and_suggests() -> None:
    with pytest.raises(
        SpecError, match=r"spec: corpus\.kind: unknown sampler kind 'frequncy'.*Did you mean 'frequency'"
    ):
        specs.validate({"corpus": {"kind": "frequncy"}})


def test_invalid_option_value_names_the_field() -> None:
    with pytest.raises(SpecError, match=r"model\.hidden: Input should be greater than or equal to 8"):
        specs.validate({"model": {"kind": "crnn-ctc", "hidden": 2}})
    with pytest.raises(SpecError, match=r"augmenters\[1\]\.p: Input should be less than or equal to 1"):
        specs.validate({"augmenters": [{"kind": "blur"}, {"kind": "noise", "p": 3}]})
    with pytest.raises(SpecError, match=r"pretrain\.steps: Input should be a valid integer"):
        specs.validate({"pretrain": {"steps": "many"}})


def test_a_field_that_takes_auto_or_a_number_names_itself_and_both_choices() -> None:
    with pytest.raises(SpecError) as caught:
        specs.validate({"adapt": {"kind": "self-training", "steps_per_round": 0}})
    assert str(caught.value) == (
        "spec: adapt.steps_per_round: Input should be 'auto'; or Input should be greater than or equal to 1"
    )


def test_unknown_fields_are_rejected_with_the_field_they_misspell() -> None:
    with pytest.raises(SpecError, match=r"renderer\.fontz: unknown field; did you mean renderer\.fonts\?"):
        specs.validate({"renderer": {"kind": "font", "fontz": []}})
    with pytest.raises(SpecError, match=r"adapt\.round: unknown field; did you mean adapt\.rounds\?"):
        specs.validate({"adapt": {"kind": "self-training", "round": 3}})
    with pytest.raises(
        SpecError, match=r"augmenters\[0\]\.strenght: unknown field; did you mean augmenters\[0\]\.strength"
    ):
        specs.validate({"augmenters": [{"kind": "elastic", "strenght": 2}]})
    with pytest.raises(SpecError, match=r"xyzzy: unknown field; remove it"):
        specs.validate({"xyzzy": 3})


def test_bad_files_give_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such spec file; create one with `lfhtr init"):
        specs.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"seed": 1,\n "output": }')
    with pytest.raises(SpecError, match=r"bad\.json: invalid JSON at line 2 column"):
        specs.load(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(SpecError, match="must be a JSON object"):
        specs.load(bad)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"renderer": {"kind": "font", "ink": [300, -4]}},
            "renderer.ink[0]: Input should be less than or equal",
        ),
        ({"renderer": {"kind": "font", "shear": [0.3, -0.4]}}, "shear: the first value is the low end"),
        ({"renderer": {"kind": "font", "ink": [0, 200]}}, "ink [0, 200] overlaps paper [185, 255]"),
        (
            {"synth": {"folder": "../elsewhere"}},
            "synth.folder: Value error, must be a relative folder inside",
        ),
        (
            {"synth": {"folder": "/tmp/elsewhere"}},
            "synth.folder: Value error, must be a relative folder inside",
        ),
        ({"pretrain": {"lr": float("nan")}}, "pretrain.lr: Input should be a finite number"),
    ],
)
def test_values_that_would_draw_blank_images_or_write_elsewhere_are_refused(
    data: dict[str, object], expected: str
) -> None:
    with pytest.raises(SpecError, match=re.escape(expected)):
        specs.validate(data)


def test_schema_describes_plugin_options() -> None:
    schema = json.dumps(specs.schema())
    assert "Supersampling factor before downscaling" in schema  # a font renderer option
    assert "neighbour-strokes" in schema  # a third-party augmenter
    assert '"self-training"' in schema


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
FIELDS = [
    ("seed",),
    ("height",),
    ("charset",),
    ("pretrain", "steps"),
    ("pretrain", "lr"),
    ("model", "hidden"),
    ("renderer", "letter_spacing"),
    ("renderer", "stretch"),
    ("augmenters",),
    ("adapt", "keep_start"),
    ("evaluate", "decode", "method"),
]


@settings(max_examples=150, deadline=None)
@given(field=st.sampled_from(FIELDS), value=JSON_VALUES)
def test_any_value_in_any_field_validates_or_names_the_field(field: tuple[str, ...], value: object) -> None:
    """Whatever a user types, the answer is a valid spec or a one-line SpecError naming the field."""
    data = specs.dump(specs.default_spec())
    node = data
    for key in field[:-1]:
        node = node[key]
    node[field[-1]] = value
    try:
        spec = specs.validate(data)
    except SpecError as exc:
        message = str(exc)
        assert "\n" not in message
        assert message.startswith(f"spec: {'.'.join(field)}") or message.startswith(f"spec: {field[0]}")
    else:
        assert specs.validate(specs.dump(spec)) == spec  # what validates also round-trips
