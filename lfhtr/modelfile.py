"""Model files to share and ship: one ``.lfhtr`` file, loaded without unpickling anything.

A model file is a zip archive of two members:

- ``weights.safetensors``: the network's tensors in the safetensors layout (an 8-byte little-endian
  header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
  little-endian bytes), written and read here in a few lines so no extra package is needed; any
  safetensors reader opens it;
- ``model.json``: what rebuilds and feeds the network (architecture kind and options, charset, height,
  how images are normalised), the corpus its lexicon comes from, and the card: lfhtr version, recipe,
  training time, figures and the hashes of the weights;
- ``lexicon.json`` (only where the corpus was read from files): the lexicon itself, word → probability,
  since the files it came from stay on the machine that made the model.

Checkpoints (``.pt``) hold optimiser state for resuming; model files hold only what reading needs.

A model file is made to be shared, so it is read as untrusted input: its size, member count, member
sizes and compression ratios are checked from the zip directory before any member is read, and the
corpus it records may name no file (``shareable_corpus``).
"""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import torch

from lfhtr.atomic import atomic_path
from lfhtr.errors import PATH_RULE, CheckpointError
from lfhtr.log import log

SUFFIX = ".lfhtr"
FORMAT = "lfhtr-model/1"
WEIGHTS, META, LEXICON = "weights.safetensors", "model.json", "lexicon.json"

_DTYPES = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}
_TORCH = {name: dtype for dtype, name in _DTYPES.items()}
MAX_HEADER = 10_000_000  # a header larger than this is not a model file's
MAX_SIZES = {META: 16 * 2**20, WEIGHTS: 1024 * 2**20, LEXICON: 256 * 2**20}
"""Largest member, unpacked: metadata is a few kilobytes, the largest built-in network (VGG-19-BN with
attention) about 100 MB of weights, a lexicon of a million words about 30 MB."""
MAX_FILE = sum(MAX_SIZES.values()) + 2**20
MAX_MEMBERS = 16
MAX_RATIO = 20
"""Unpacked over packed size: safetensors barely compress and lfhtr stores them; JSON packs about 5:1."""
LONGEST_WORD = 64
"""The longest word a lexicon holds, in characters: longer than any language's compounds, and the index
of words an edit apart grows with the square of a word's length. A corpus's longer tokens (a URL, a
string of marks) are left out of lexicons; a model file whose lexicon holds one is refused."""


def encode_safetensors(tensors: dict[str, torch.Tensor]) -> bytes:
    header: dict[str, Any] = {}
    chunks, offset = [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().cpu().contiguous()
        raw = data.reshape(-1).view(torch.uint8).numpy().tobytes() if data.numel() else b""
        header[name] = {
            "dtype": _DTYPES[data.dtype],
            "shape": list(data.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the format aligns the data to 8 bytes
    return struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks)


def decode_safetensors(blob: bytes, source: str) -> dict[str, torch.Tensor]:
    """Tensors from safetensors bytes; anything malformed is a CheckpointError naming ``source``."""
    try:
        (size,) = struct.unpack("<Q", blob[:8])
        if size > MAX_HEADER:
            raise ValueError("header too large")
        header = json.loads(blob[8 : 8 + size])
        data = memoryview(blob)[8 + size :]
        tensors = {}
        for name, entry in header.items():
            if name == "__metadata__":
                continue
            start, stop = entry["data_offsets"]
            dtype = _TORCH[entry["dtype"]]
            shape = [int(n) for n in entry["shape"]]
            if not 0 <= start <= stop <= len(data):
                raise ValueError(f"{name}: bytes out of range")
            flat = torch.frombuffer(bytearray(data[start:stop]), dtype=torch.uint8) if stop > start else None
            tensor = flat.view(dtype) if flat is not None else torch.empty(0, dtype=dtype)
            tensors[name] = tensor.reshape(shape)
        return tensors
    except (ValueError, KeyError, TypeError, RuntimeError, struct.error) as exc:
        raise CheckpointError(f"{source}: not a readable model file ({exc}).") from None


def digest(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def save(
    path: Path,
    weights: dict[str, torch.Tensor],
    meta: dict[str, Any],
    lexicon: dict[str, float] | None = None,
) -> None:
    """Write a model file atomically; ``meta`` gets the format and the hashes of weights and lexicon."""
    blob = encode_safetensors(weights)
    described = {"format": FORMAT, **meta, "weights_sha256": digest(blob)}
    words = json.dumps(lexicon, ensure_ascii=False).encode() if lexicon else None
    if words is not None:
        described["lexicon_sha256"] = digest(words)
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(META, json.dumps(described, indent=1, ensure_ascii=False))
        archive.writestr(WEIGHTS, blob)
        if words is not None:
            archive.writestr(LEXICON, words)


def _entry_count(path: Path) -> int:
    """The member count the zip's end record declares, read before zipfile parses the directory (which
    costs memory per entry): a file of millions of empty entries is refused without parsing them."""
    size = path.stat().st_size
    if size > MAX_FILE:
        raise CheckpointError(f"{path}: {size} bytes is larger than any lfhtr model file ({MAX_FILE}).")
    with path.open("rb") as handle:
        handle.seek(max(0, size - 65_557))  # the end record (22 bytes) plus the longest comment
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        raise CheckpointError(f"{path}: not an lfhtr model file (no zip directory).")
    (count,) = struct.unpack("<H", tail[at + 10 : at + 12])
    return count


def _read_member(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    info = archive.getinfo(name)
    limit = MAX_SIZES[name]
    if info.file_size > limit or info.file_size > MAX_RATIO * max(info.compress_size, 4096):
        raise CheckpointError(
            f"{path}: member {name} unpacks to {info.file_size} bytes from {info.compress_size}; refused "
            f"(a model file's {name} is at most {limit} bytes, compressed at most {MAX_RATIO}:1)."
        )
    with archive.open(info) as member:  # reads stop at the declared size, whatever the stream holds
        return member.read(limit + 1)


def _members(path: Path, *names: str) -> list[bytes]:
    try:
        count = _entry_count(path)
        if count > MAX_MEMBERS:
            raise CheckpointError(f"{path}: {count} members; an lfhtr model file has {len(MAX_SIZES)}.")
        with zipfile.ZipFile(path) as archive:
            return [_read_member(archive, name, path) for name in names]
    except FileNotFoundError:
        raise CheckpointError(f"{path}: model file not found ({PATH_RULE}).") from None
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise CheckpointError(f"{path}: not an lfhtr model file ({exc}).") from None


def load_meta(path: Path) -> dict[str, Any]:
    """A model file's metadata and card, without reading its weights."""
    try:
        meta = json.loads(_members(path, META)[0].decode("utf-8"))
    except ValueError as exc:
        raise CheckpointError(f"{path}: not an lfhtr model file ({exc}).") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not an lfhtr model file (no {FORMAT} metadata).")
    return meta


def load(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The weights and metadata of a model file; a damaged or foreign file is a CheckpointError."""
    meta = load_meta(path)
    [blob] = _members(path, WEIGHTS)
    if meta.get("weights_sha256") != digest(blob):
        raise CheckpointError(f"{path}: the weights do not match their recorded hash; the file is damaged.")
    return decode_safetensors(blob, str(path)), meta


def load_lexicon(path: Path, meta: dict[str, Any]) -> dict[str, float] | None:
    """The lexicon a model file carries (word → probability), or None where it carries none."""
    if "lexicon_sha256" not in meta:
        return None
    [blob] = _members(path, LEXICON)
    if meta["lexicon_sha256"] != digest(blob):
        raise CheckpointError(f"{path}: the lexicon does not match its recorded hash; the file is damaged.")
    try:
        words = json.loads(blob.decode("utf-8"))
    except ValueError as exc:
        raise CheckpointError(f"{path}: {LEXICON} is not readable ({exc}).") from None
    valid = isinstance(words, dict) and all(
        isinstance(w, str) and isinstance(p, int | float) and 0 < p < float("inf") for w, p in words.items()
    )
    if not valid:
        raise CheckpointError(f"{path}: {LEXICON} must map words to probabilities above 0.")
    longest = max(words, key=len, default="")
    if len(longest) > LONGEST_WORD:
        raise CheckpointError(
            f"{path}: {LEXICON} holds a word of {len(longest)} characters; a lexicon's words are at most "
            f"{LONGEST_WORD}. The file is not a model lfhtr wrote."
        )
    return words


SHAREABLE_SAMPLERS = ("frequency", "ngram")
"""Built-in samplers whose word lists can come from wordfreq's built-in lists, with no file at all."""
FILE_OPTIONS = ("corpora", "extra_words", "path")
"""Sampler options that name files on the machine of whoever made the model."""


def needs_files(corpus: dict[str, Any]) -> bool:
    """Whether a corpus spec draws on anything but built-in word lists (so a model file must carry its
    lexicon)."""
    return corpus.get("kind") not in SHAREABLE_SAMPLERS or any(corpus.get(key) for key in FILE_OPTIONS)


def shareable_corpus(corpus: Any, source: Path) -> dict[str, Any] | None:
    """The corpus a model file records, as far as it can be used on another machine: a built-in
    sampler over a built-in word list. Files it names are never read (a model file from a stranger
    could name ``/etc/passwd`` or ``/dev/zero``); a corpus that needed them gives no lexicon."""
    if not isinstance(corpus, dict):
        return None
    if needs_files(corpus):
        named = ", ".join(key for key in FILE_OPTIONS if corpus.get(key)) or f"kind {corpus.get('kind')}"
        log.warning(
            f"{source}: its corpus names files ({named}), which are not read from a model file; "
            "reading without its lexicon (decode with a spec's corpus for one)"
        )
        return None
    return {key: value for key, value in corpus.items() if key not in FILE_OPTIONS}


def is_model_file(path: Path) -> bool:
    return path.suffix == SUFFIX or (path.is_file() and _has_meta(path))


def _has_meta(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return META in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
