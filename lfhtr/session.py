"""A loaded session: the validated spec plus where things live, and plugin construction from it."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from lfhtr.atomic import atomic_write
from lfhtr.core import plugins
from lfhtr.core import spec as specs
from lfhtr.core.interfaces import BuildContext, Segmenter
from lfhtr.errors import LfhtrError, SpecError
from lfhtr.pages.auto import AUTO, UpsideDown, segmented_pages
from lfhtr.text.charset import Charset


def _in_language(option: str, keep_charset: bool) -> list[str]:
    """Overrides for a corpus in the languages ``option`` names: wordfreq's word lists, the charset their
    words need (unless the model adapted keeps its own) and how a single language shapes words (its
    profile: casing, compounds, length)."""
    from lfhtr.text.languages import profile
    from lfhtr.text.latin import charset_for_languages, languages_of

    codes = languages_of(option)
    if not codes:
        raise LfhtrError("--language: give a language code such as fr, or several joined by commas.")
    language = codes[0] if len(codes) == 1 else codes
    shaped = profile(codes[0]).overrides() if len(codes) == 1 else {}
    fields: dict[str, Any] = {"corpus.language": language, **{f"corpus.{k}": v for k, v in shaped.items()}}
    if not keep_charset:
        fields["charset"] = charset_for_languages(codes)
    return [f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]


def _adapting(start: str) -> list[str]:
    """Overrides that make a spec match the model ``start`` names, and adapt it."""
    from lfhtr import modelfile, pretrained

    path = pretrained.resolve(start)
    meta = modelfile.load_meta(path)
    reference = start if not Path(start).exists() else str(path.resolve())  # a name stays a name
    fields: dict[str, Any] = {k: meta[k] for k in ("charset", "height", "model") if k in meta}
    corpus = modelfile.shareable_corpus(meta.get("corpus"), path)
    if corpus is not None:
        fields["corpus"] = corpus
    if " " in fields.get("charset", ""):  # a line model: the spec says so by its unit, not its charset
        fields["charset"], fields["unit"] = fields["charset"].replace(" ", ""), "line"
    return [f"{key}={json.dumps(value)}" for key, value in fields.items()] + [
        f"adapt.checkpoint={json.dumps(reference)}"
    ]


SessionT = TypeVar("SessionT", bound="Session")


class Session:
    """A validated spec and where its files live: what every stage reads, and plugin construction from it.

    Data only; ``lfhtr.api.Session`` adds the methods that run the stages.
    """

    def __init__(self, spec: specs.SessionSpec, base_dir: Path, source: str = "spec") -> None:
        self.spec = spec
        self.base_dir = base_dir
        self.source = source
        if " " in spec.charset:
            raise SpecError(
                f"{source}: charset: holds a space; remove it and set unit to line for a line model."
            )
        try:
            self.charset = Charset(spec.charset + (" " if spec.unit == "line" else ""))
        except ValueError as exc:
            raise SpecError(f"{source}: charset: {exc}.") from None

    @classmethod
    def load(cls: type[SessionT], path: Path, overrides: list[str] | None = None) -> SessionT:
        return cls(specs.load(path, overrides), path.resolve().parent, str(path))

    @classmethod
    def init(
        cls: type[SessionT],
        path: Path,
        overrides: list[str] | None = None,
        force: bool = False,
        start: str | None = None,
        language: str | None = None,
    ) -> SessionT:
        """Write a complete spec (every default, plus ``dotted.key=JSON`` overrides) and its JSON Schema
        beside it, for editors; an existing spec, or a schema that differs, is kept unless ``force``.

        ``start`` (a shipped model's name or a model file) makes the spec adapt that model: its charset,
        height, architecture and corpus, and ``adapt.checkpoint``, come first; ``language`` (a wordfreq
        language code, or several joined by commas) sets the corpus language, and without ``start`` the
        charset its words need (a model reads the characters it was trained on). ``overrides`` still win.
        """
        if language is not None:
            overrides = [*_in_language(language, keep_charset=start is not None), *(overrides or [])]
        if start is not None:
            overrides = [*_adapting(start), *(overrides or [])]
        schema_path = path.with_name(specs.SCHEMA_NAME)
        if path.name == specs.SCHEMA_NAME:
            raise LfhtrError(
                f"{path}: that name is the spec's JSON Schema, written beside it; name the spec otherwise."
            )
        schema = json.dumps(specs.schema(), indent=2)
        for existing in (path, schema_path):
            if (
                existing.exists()
                and not force
                and (existing is path or existing.read_text("utf-8") != schema)
            ):
                raise LfhtrError(f"{existing} exists; pass --force to overwrite it.")
        spec = specs.validate(
            specs.apply_overrides(specs.dump(specs.default_spec()), overrides or []), "--set"
        )
        spec = spec.model_copy(update={"schema_ref": schema_path.name})
        atomic_write(schema_path, schema)
        atomic_write(path, json.dumps(specs.dump(spec), indent=2, ensure_ascii=False) + "\n")
        return cls(spec, path.resolve().parent, str(path))

    def resolve(self, path: str | Path) -> Path:
        return self.base_dir / Path(path).expanduser()

    @cached_property
    def output(self) -> Path:
        return self.resolve(self.spec.output)

    def checkpoint_path(self, name: str) -> Path:
        """Where the session's checkpoint ``name`` (e.g. ``pretrain-best``) lives."""
        return self.output / "checkpoints" / f"{name}.pt"

    def owned_folders(self) -> list[Path]:
        """The sub-folders of the output folder that lfhtr's stages write (and may clean up)."""
        names = ("checkpoints", "logs", "cache", "evaluate", "transcribe", self.spec.synth.folder)
        return [self.output / name for name in names]

    @property
    def cache_dir(self) -> Path:
        return self.output / "cache"

    @property
    def layout_cache(self) -> Path:
        """Where the layouts the segmenter finds on page scans are kept (``pages: auto``)."""
        return self.cache_dir / "segmentation"

    @cached_property
    def segmenter(self) -> Segmenter:
        return self.build("segmenter", self.spec.segmenter)

    def page_source(
        self,
        images: Path,
        pages: str,
        include: list[str],
        limit: int | None,
        upside_down: UpsideDown | None = None,
    ) -> Path | list[Path]:
        """Where an image set's page files are: its ``pages`` folder, or for ``auto`` the layouts the
        spec's segmenter finds on the scans in ``images`` (cached in the run folder), a page that
        ``upside_down`` says reads far surer turned a half turn found turned."""
        if pages == AUTO:
            return segmented_pages(images, include, self.segmenter, self.layout_cache, limit, upside_down)
        return self.resolve(pages)

    def context(self) -> BuildContext:
        return BuildContext(self.charset, self.cache_dir, self.spec.seed, self.base_dir)

    def build(self, family: str, component: Any) -> Any:
        """Instantiate the plugin a spec component names, with its options re-validated by the plugin."""
        return plugins.build(family, component.kind, component.model_dump(exclude={"kind"}))

    def provenance(self) -> dict[str, str]:
        """Which plugin, from which distribution and version, fills each slot of the spec."""
        found: dict[str, str] = {}
        for slot, (family, _default, many) in specs.SLOTS.items():
            components = getattr(self.spec, slot)
            for index, component in enumerate(components if many else [components]):
                where = f"{slot}[{index}]" if many else slot
                origin = plugins.info(family, component.kind).origin
                found[where] = f"{component.kind} ({origin})"
        return found

    def spec_hash(self, fields: tuple[str, ...] | None = None) -> str:
        """A short hash of the spec, or of only the top-level ``fields`` that decide some output."""
        import hashlib

        data = specs.dump(self.spec)
        chosen = data if fields is None else {key: data[key] for key in fields}
        blob = json.dumps(chosen, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]
