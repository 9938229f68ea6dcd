"""The session spec: one JSON file that says everything a session does.

``SessionSpec`` is the static shape (for type checkers and docs). At run time ``session_model()`` narrows
each plugin slot into a pydantic discriminated union on ``kind`` over the installed plugins' option
models, so unknown kinds, bad option values and the JSON Schema all come from a single model.
"""

from __future__ import annotations

import copy
import difflib
import json
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from lfhtr.core import plugins
from lfhtr.core.interfaces import PluginOptions
from lfhtr.core.settings import CharsetText, DecodeSettings, Height, LabelledSet, Strict
from lfhtr.errors import PluginError, SpecError
from lfhtr.text.charset import DEFAULT_CHARSET


class SynthSettings(Strict):
    count: int = Field(1000, ge=1, description="How many images `lfhtr run synth` writes.")
    workers: int = Field(0, ge=0, description="Worker processes; 0 renders in the main process.")
    folder: str = Field(
        "synth", description="Sub-folder of the output folder for the written images (relative, inside it)."
    )

    @field_validator("folder")
    @classmethod
    def _inside_output(cls, folder: str) -> str:
        path = PurePosixPath(folder.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise ValueError("must be a relative folder inside the output folder, e.g. 'synth'")
        return folder


class PretrainSettings(Strict):
    steps: int = Field(15000, ge=1, description="Optimiser steps on on-the-fly synthetic batches.")
    batch_size: int = Field(32, ge=1)
    lr: float = Field(1e-3, gt=0, le=10, description="Peak AdamW learning rate (one-cycle schedule).")
    weight_decay: float = Field(1e-4, ge=0, le=10)
    warmup: float = Field(0.05, ge=0, le=0.5, description="Fraction of steps spent warming up.")
    grad_clip: float = Field(5.0, gt=0)
    val_size: int = Field(256, ge=1, description="Size of the fixed synthetic validation set.")
    val_every: int = Field(500, ge=1, description="Validate and checkpoint every this many steps.")
    patience: int = Field(
        0, ge=0, description="Stop after this many validations without a better CER; 0 = never."
    )
    real_val: LabelledSet | None = Field(None, description="Optional real labelled set validated on as well.")
    init: str | None = Field(
        None,
        description="Start from this model's weights (a shipped model's name, a model file or checkpoint) "
        "instead of from scratch: the same architecture and height; the charset may differ (a line model "
        "from a word model), the output rows of shared characters are kept.",
    )
    workers: int = Field(0, ge=0, description="DataLoader worker processes rendering synthetic samples.")


class DeviceSettings(Strict):
    device: str = Field("auto", description="auto (CUDA when present), cpu, cuda, cuda:1, ...")
    threads: int = Field(
        0,
        ge=0,
        le=1024,
        description="torch CPU threads; 0 = OMP_NUM_THREADS if set, else one per CPU this process may use "
        "(its affinity, capped by a cgroup CPU quota). `--threads` sets it for one run.",
    )
    amp: bool = Field(
        True,
        description="Mixed-precision training: fp16 on CUDA, bf16 on CPUs with bf16 in hardware "
        "(AVX512-BF16, AMX, Arm BF16); weights and the CTC loss stay fp32. false: fp32 throughout.",
    )


class EvaluateSettings(Strict):
    data: LabelledSet | None = Field(None, description="Labelled set to evaluate on; required by evaluate.")
    checkpoint: str | None = Field(None, description="Checkpoint to evaluate; default: best of the session.")
    decode: DecodeSettings = Field(default_factory=DecodeSettings)
    batch_size: int = Field(64, ge=1)
    report_worst: int = Field(50, ge=0, description="How many worst errors the HTML report shows.")


class TranscribeSettings(Strict):
    images: str | None = Field(None, description="Folder of images to read; required by transcribe.")
    pages: str | None = Field(
        None,
        description="Folder of PAGE-XML or ALTO files describing the page scans in `images`, or 'auto' "
        "to segment the scans: their regions are read, and each file is written again, readings filled "
        "in, to transcribe/pages/.",
    )
    checkpoint: str | None = Field(None, description="Default: the adapted model if any, else pretrained.")
    decode: DecodeSettings = Field(default_factory=DecodeSettings)
    batch_size: int = Field(64, ge=1)
    format: Literal["tsv", "json", "txt"] = Field(
        "tsv",
        description="transcriptions.tsv (file, text, confidence), .json (with the alternatives) or .txt "
        "(the texts, one a line).",
    )


class ComponentSpec(BaseModel):
    """Static stand-in for a plugin slot: a ``kind`` plus that plugin's options."""

    model_config = ConfigDict(extra="allow")
    kind: str


SLOTS: dict[str, tuple[str, str, bool]] = {
    # spec field: (plugin family, default kind, is a list)
    "corpus": ("sampler", "frequency", False),
    "renderer": ("renderer", "font", False),
    "augmenters": ("augmenter", "", True),
    "model": ("model", "crnn-ctc", False),
    "adapt": ("adapter", "self-training", False),
    "segmenter": ("segmenter", "ink-ridges", False),
}

SLOT_HELP = {
    "corpus": "Text sampler: which words are drawn (frequency, wordlist, ngram, or a plugin's).",
    "renderer": "Draws words as images (font, or a plugin's).",
    "augmenters": "Applied in order, each with its probability p, to synthetic (and adapted real) images.",
    "model": "Recogniser architecture: crnn-ctc (default), attention, attention-large, or a plugin's.",
    "adapt": "Adaptation strategy (self-training, or a plugin's) and its data.",
    "segmenter": "Finds the text lines of page scans for `pages: auto` and `lfhtr segment` (ink-ridges: "
    "level and sideways lines from the ink; whole-page: the scan is one line; or a plugin's).",
}

DEFAULT_AUGMENTERS = ["affine", "elastic", "morphology", "blur", "contrast", "paper", "noise"]
"""Order matters: geometry first, then stroke and ink, then the page and the sensor."""


class SessionSpec(Strict):
    schema_ref: str | None = Field(None, alias="$schema", description="JSON Schema for editors.")
    seed: int = Field(0, description="Seeds every stochastic stage; same seed, same output.")
    output: str = Field("runs/session", description="Session folder for checkpoints, logs and outputs.")
    charset: CharsetText = DEFAULT_CHARSET
    height: Height = 32
    unit: Literal["word", "line"] = Field(
        "word",
        description="What one image holds. line: the model reads whole text lines (a space joins the "
        "charset), pretraining draws lines of corpus words, and page sets cut out line regions.",
    )
    line_length: tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]] = Field(
        (12, 60), description="unit line: characters per synthetic line, the low and high end."
    )
    corpus: ComponentSpec
    renderer: ComponentSpec
    augmenters: list[ComponentSpec]
    model: ComponentSpec
    adapt: ComponentSpec
    segmenter: ComponentSpec
    synth: SynthSettings = Field(default_factory=SynthSettings, description="What `lfhtr run synth` writes.")
    pretrain: PretrainSettings = Field(default_factory=PretrainSettings, description="Synthetic pretraining.")
    evaluate: EvaluateSettings = Field(
        default_factory=EvaluateSettings, description="Evaluation on a labelled set."
    )
    transcribe: TranscribeSettings = Field(
        default_factory=TranscribeSettings, description="Reading a folder of images."
    )
    hardware: DeviceSettings = Field(
        default_factory=DeviceSettings, description="Device, CPU threads and mixed precision."
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    @field_validator("line_length")
    @classmethod
    def _low_to_high(cls, length: tuple[int, int]) -> tuple[int, int]:
        if length[0] > length[1]:
            raise ValueError(f"the first value is the low end, e.g. {sorted(length)}")
        return length


def _tagged(family: str, name: str, options: type[PluginOptions]) -> type[BaseModel]:
    """The plugin's options model plus its ``kind`` literal: one member of the slot's union."""
    return create_model(
        f"{family.title()}_{name.replace('-', '_')}",
        __base__=options,
        kind=(Literal[name], Field(name, description=f"{family} plugin")),  # type: ignore[arg-type]
    )


@cache
def session_model() -> type[SessionSpec]:
    """SessionSpec with every plugin slot narrowed to the installed plugins (broken ones left out)."""
    fields: dict[str, Any] = {}
    for slot, (family, default_kind, many) in SLOTS.items():
        good, _broken = plugins.loadable(family)
        members = tuple(_tagged(family, name, cls.Options) for name, cls in good.items())
        if not members:
            raise SpecError(f"no {family} plugin imports; reinstall lfhtr (`lfhtr plugins` lists errors).")
        union: Any = (
            Annotated[members[0], Field(description=SLOT_HELP[slot])]
            if len(members) == 1
            else Annotated[Union[members], Field(discriminator="kind", description=SLOT_HELP[slot])]  # noqa: UP007
        )
        if many:
            defaults = [k for k in DEFAULT_AUGMENTERS if k in good]
            fields[slot] = (
                list[union],
                Field(
                    default_factory=lambda d=defaults: [{"kind": k} for k in d],
                    validate_default=True,
                    description=SLOT_HELP[slot],
                ),
            )
        else:
            fields[slot] = (
                union,
                Field(default_factory=lambda k=default_kind: {"kind": k}, validate_default=True),
            )
    return create_model("Session", __base__=SessionSpec, **fields)


def _check_kinds(data: dict[str, Any], source: str) -> None:
    """Name unknown or broken plugin kinds before pydantic's less helpful union errors can."""
    for slot, (family, _default, many) in SLOTS.items():
        if slot not in data:
            continue
        items = data[slot] if many and isinstance(data[slot], list) else [data[slot]]
        for index, item in enumerate(items):
            where = f"{slot}[{index}]" if many else slot
            if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
                raise SpecError(f"{source}: {where}: needs an object with a string 'kind'.")
            try:
                plugins.load(family, item["kind"])
            except PluginError as exc:
                raise SpecError(f"{source}: {where}.kind: {exc}") from None


def _real_keys(loc: tuple[Any, ...], data: Any) -> list[Any]:
    """The keys of a pydantic error location that are in the data, without the union tag pydantic inserts."""
    keys: list[Any] = []
    node = data
    for key in loc:
        tagged = isinstance(node, (str, int, float)) or (isinstance(node, dict) and key not in node)
        if tagged and isinstance(key, str) and keys:
            continue  # a union tag such as 'crnn-ctc' or "literal['auto']", not a real key
        keys.append(key)
        node = _child(node, key)
    return keys


def _location(keys: list[Any]) -> str:
    """Dotted path of real keys, as a user types it in ``--set``."""
    parts = [
        f"[{key}]" if isinstance(key, int) else ("." if index else "") + str(key)
        for index, key in enumerate(keys)
    ]
    return "".join(parts) or "(top level)"


def _child(node: Any, key: Any) -> Any:
    """The value at ``key``, or None where pydantic points past the data (a missing tuple item)."""
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and -len(node) <= key < len(node):
        return node[key]
    return None


def _known_field_like(keys: list[Any], data: dict[str, Any]) -> str | None:
    """The field at the same place spelt most like an unknown one: the spec without it, validated and
    dumped with every default, lists the fields that place has (for whatever plugin kind is chosen)."""
    *parents, unknown = keys
    trimmed = copy.deepcopy(data)
    node: Any = trimmed
    for key in parents:
        node = _child(node, key)
    if not isinstance(node, dict):
        return None
    del node[unknown]
    try:
        known: Any = dump(session_model().model_validate(trimmed))
    except ValidationError:
        return None  # other mistakes first; the hint comes once they are fixed
    for key in parents:
        known = _child(known, key)
    if not isinstance(known, dict):
        return None
    matches = difflib.get_close_matches(str(unknown), [str(name) for name in known], n=1)
    return _location([*parents, matches[0]]) if matches else None


def format_validation_error(exc: ValidationError, data: Any, source: str) -> str:
    errors = exc.errors()
    first = errors[0]
    keys = _real_keys(tuple(first["loc"]), data)
    here = [error for error in errors if _real_keys(tuple(error["loc"]), data) == keys]
    message = "; or ".join(dict.fromkeys(error["msg"] for error in here))  # each branch of a union
    if first["type"] == "extra_forbidden":
        like = _known_field_like(keys, data) if keys else None
        message = f"unknown field; did you mean {like}?" if like else "unknown field; remove it"
        message += " (every field: `lfhtr spec schema`)"
    more = f" (and {len(errors) - len(here)} more)" if len(errors) > len(here) else ""
    return f"{source}: {_location(keys)}: {message}{more}"


def validate(data: Any, source: str = "spec") -> SessionSpec:
    if not isinstance(data, dict):
        raise SpecError(f"{source}: the spec must be a JSON object, not {type(data).__name__}.")
    _check_kinds(data, source)
    try:
        return session_model().model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(exc, data, source)) from None


MAX_SPEC_BYTES = 4 * 2**20
"""A spec is a few kilobytes; a larger file (or a FIFO, a device) is refused before it is read."""


def load(path: Path, overrides: list[str] | None = None) -> SessionSpec:
    """The spec in ``path``, with ``dotted.key=value`` overrides applied before validation."""
    try:
        if path.exists() and (not path.is_file() or path.stat().st_size > MAX_SPEC_BYTES):
            raise SpecError(f"{path}: not a spec (a spec is a JSON file of at most {MAX_SPEC_BYTES} bytes).")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file; create one with `lfhtr init {path}`.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the spec ({exc}).") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}.") from None
    if overrides:
        if not isinstance(data, dict):
            raise SpecError(f"{path}: the spec must be a JSON object, not {type(data).__name__}.")
        apply_overrides(data, overrides)
    return validate(data, str(path))


def default_spec() -> SessionSpec:
    return session_model().model_validate({})


def dump(spec: SessionSpec) -> dict[str, Any]:
    """JSON-ready dict with ``kind`` first in every plugin slot, the way people read and write it."""
    data = spec.model_dump(mode="json", by_alias=True, exclude_none=False)
    for slot, (_family, _default, many) in SLOTS.items():
        items = data[slot] if many else [data[slot]]
        ordered = [{"kind": item.pop("kind"), **item} for item in items]
        data[slot] = ordered if many else ordered[0]
    return data


SCHEMA_NAME = "session.schema.json"
"""Written beside every spec by `lfhtr init`; the spec's ``$schema`` points to it."""


def schema() -> dict[str, Any]:
    return session_model().model_json_schema(by_alias=True)


def apply_overrides(data: dict[str, Any], assignments: list[str]) -> dict[str, Any]:
    """Apply ``dotted.key=value`` assignments; the value is JSON when it parses, else a plain string."""
    for assignment in assignments:
        key, sep, raw = assignment.partition("=")
        if not sep or not key:
            raise SpecError(f"--set {assignment!r}: expected dotted.key=value, e.g. pretrain.steps=1000.")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        node = data
        *parents, leaf = key.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[leaf] = value
    return data
