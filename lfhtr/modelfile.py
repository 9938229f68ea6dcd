"""Model files to share and ship: one ``.lfhtr`` file, loaded without unpickling anything.

A model file is a zip archive of two members:

- ``weights.safetensors``: the network's tensors in the safetensors layout (an 8-byte little-endian
  header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
  little-endian bytes), written and read here in a few lines so no extra package is needed; any
  safetensors reader opens it;
- ``model.json``: what rebuilds and feeds the network (architecture kind and options, charset, height,
  how images are normalised), the corpus its lexicon comes from, and the card: lfhtr version, recipe,
  training time, figures and the hashes of the weights.

Checkpoints (``.pt``) hold optimiser state for resuming; model files hold only what reading needs.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import torch

from lfhtr.atomic import atomic_path
from lfhtr.errors import CheckpointError

SUFFIX = ".lfhtr"
FORMAT = "lfhtr-model/1"
WEIGHTS, META = "weights.safetensors", "model.json"

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


def save(path: Path, weights: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    """Write a model file atomically; ``meta`` gets the format and the weights' hash added."""
    blob = encode_safetensors(weights)
    described = {"format": FORMAT, **meta, "weights_sha256": digest(blob)}
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(META, json.dumps(described, indent=1, ensure_ascii=False))
        archive.writestr(WEIGHTS, blob)


def _members(path: Path, *names: str) -> list[bytes]:
    try:
        with zipfile.ZipFile(path) as archive:
            return [archive.read(name) for name in names]
    except FileNotFoundError:
        raise CheckpointError(f"{path}: model file not found.") from None
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
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


def is_model_file(path: Path) -> bool:
    return path.suffix == SUFFIX or (path.is_file() and _has_meta(path))


def _has_meta(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return META in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
