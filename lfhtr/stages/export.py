"""`lfhtr export`: the recogniser as a model file (``--model``) or an ONNX graph (``--onnx``).

The model file (``lfhtr.modelfile``) is what `lfhtr read`, `Reader.load` and every ``--checkpoint``
take. The ONNX graph is checked against PyTorch before it is kept.

The graph maps ``images [B, 1, H, W]`` (float, 1 = ink, 0 = paper) and ``widths [B]`` to CTC
``log_probs [T, B, C]`` and ``lengths [B]``; a JSON sidecar carries the charset and height a runtime
needs to prepare images and decode (class 0 is the blank, class i the charset's i-th character).
Models with their own decoder (``attention``) export their CTC output: a decoder's data-dependent loop
does not trace to a graph.

The TorchScript-based exporter is used because the dynamo exporter cannot yet decompose ``nn.LSTM``
(measured with torch 2.13: "Failed to decompose the FX graph for ONNX compatibility").
"""

from __future__ import annotations

import importlib.util
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lfhtr import modelfile
from lfhtr.atomic import atomic_path, atomic_write
from lfhtr.core import spec as specs
from lfhtr.core.network import RecognitionNet
from lfhtr.errors import LfhtrError
from lfhtr.imaging.folder import INVERT_BELOW
from lfhtr.log import log
from lfhtr.modelfile import LONGEST_WORD
from lfhtr.outputs import guard_output
from lfhtr.pipeline import STREAMS, build_pipeline, build_sampler
from lfhtr.reading.reader import load_recognizer
from lfhtr.session import Session
from lfhtr.stages.common import default_checkpoint
from lfhtr.train.batching import INK_PERCENTILE, MIN_SPAN, MIN_WIDTH, Batch, collate
from lfhtr.train.recognizer import Recognizer
from lfhtr.version import __version__

TOLERANCE = 1e-3  # max |Δ log-prob| between ONNX Runtime and PyTorch on the check batch
CHECK_SAMPLES = 8


def _refuse_clobbering(session: Session, outputs: list[Path], force: bool) -> None:
    """No output may replace the spec, a checkpoint, or (unless forced) any existing file."""
    protected = {
        p: "the spec or a checkpoint of this session"
        for p in (Path(session.source), *session.output.joinpath("checkpoints").glob("*"))
    }
    for target in outputs:
        guard_output(target, force, protected)


def run(
    session: Session,
    onnx: Path | None = None,
    model: Path | None = None,
    checkpoint: str | None = None,
    force: bool = False,
    card: dict[str, Any] | None = None,
) -> list[Path]:
    """Export the recogniser to an ONNX graph (with a JSON sidecar), a model file, or both."""
    if onnx is None and model is None:
        raise LfhtrError("export: name what to write: --onnx FILE.onnx, --model FILE.lfhtr, or both.")
    if onnx is not None and onnx.suffix.lower() == ".json":
        raise LfhtrError(f"{onnx}: the ONNX file needs another suffix (its .json sidecar goes beside it).")
    if model is not None and model.suffix != modelfile.SUFFIX:
        raise LfhtrError(f"{model}: a model file's name ends in {modelfile.SUFFIX}.")
    if onnx is not None and importlib.util.find_spec("onnx") is None:
        raise LfhtrError("export --onnx needs the onnx package: pip install onnx onnxruntime")
    outputs = [*([onnx, onnx.with_suffix(".json")] if onnx else []), *([model] if model else [])]
    _refuse_clobbering(session, outputs, force)
    path = default_checkpoint(session, checkpoint, "adapted", "pretrain-best")
    recognizer = load_recognizer(session, path, torch.device("cpu"))
    if model is not None:
        meta = model_meta(session, recognizer)
        meta["card"].update(card or {})
        modelfile.save(model, recognizer.net.state_dict(), meta, _carried_lexicon(session))
        log.info(f"export: wrote {model} from {recognizer.origin}")
    if onnx is not None:
        _export_onnx(session, recognizer, path, onnx)
    return outputs


def _carried_lexicon(session: Session) -> dict[str, float] | None:
    """The lexicon a model file must carry: the corpus's words where they came from files, which a
    reader of the model file will not have (and must never be made to read); tokens longer than any word
    are left out, as a lexicon leaves them out."""
    if not modelfile.needs_files(specs.dump(session.spec)["corpus"]):
        return None
    words = build_sampler(session).lexicon()
    return {word: p for word, p in words.items() if len(word) <= LONGEST_WORD} or None


def preprocessing(height: int, width_scale: float) -> dict[str, Any]:
    """How an image becomes the network's input, in enough detail to do it without lfhtr (ONNX users)."""
    stretch = (
        [f"resize bilinearly to {width_scale:g} × its width (height unchanged)"] if width_scale != 1 else []
    )
    return {
        "steps": [
            "greyscale (Pillow mode L); transparency composited on white; 16-bit and float scaled by range",
            f"if the mean grey is below {INVERT_BELOW}: invert (255 - grey)",
            f"resize bilinearly to a height of {height} pixels, keeping the aspect ratio",
            *stretch,
            f"paper = median grey, ink = {INK_PERCENTILE}st percentile; value = clip((paper - grey) / "
            f"max(paper - ink, {MIN_SPAN:g}), 0, 1), so 1 = ink and 0 = paper",
            f"pad with 0 on the right to the reading width: at least {MIN_WIDTH} columns, rounded up to a "
            "multiple of max(8, 2^(bit_length(width) - 4)); batch only images of one reading width, so "
            "that no reading depends on the others in its batch",
        ],
        "height": height,
        "width_scale": width_scale,
        "invert_below": INVERT_BELOW,
        "ink_percentile": INK_PERCENTILE,
        "min_span": MIN_SPAN,
        "min_width": MIN_WIDTH,
        "decoding": "CTC: class 0 is the blank, class i the charset's i-th character; greedy = best class "
        "per frame, repeats merged, blanks dropped",
    }


def model_meta(session: Session, recognizer: Recognizer) -> dict[str, Any]:
    """A model file's metadata: what rebuilds and feeds the network, its corpus, and its card."""
    source = recognizer.loaded_meta
    return {
        **recognizer.meta(),
        "preprocessing": preprocessing(recognizer.height, recognizer.width_scale),
        "corpus": specs.dump(session.spec)["corpus"],
        "card": {
            "lfhtr": __version__,
            "from": recognizer.loaded_from.name if recognizer.loaded_from else None,
            "stage": source.get("stage"),
            "step": source.get("step"),
            "spec_hash": source.get("spec_hash"),
            "plugins": source.get("plugins"),
            "exported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    }


def _export_onnx(session: Session, recognizer: Recognizer, path: Path, output: Path) -> None:
    net = recognizer.net.eval()
    if type(net).read is not RecognitionNet.read:
        log.info("export: this model decodes with its own decoder; the graph holds its CTC output")
    batch = _check_batch(session, recognizer)
    with atomic_path(output) as tmp:
        _export(net, batch.images, batch.widths, tmp)
        difference = _compare(tmp, net, batch.images, batch.widths)
    sidecar = {
        **model_meta(session, recognizer),
        "inputs": {"images": "float32 [B, 1, H, W], 1 = ink, 0 = paper", "widths": "int64 [B]"},
        "outputs": {"log_probs": "float32 [T, B, C], class 0 = blank", "lengths": "int64 [B]"},
        "max_abs_difference": difference,
    }
    atomic_write(output.with_suffix(".json"), json.dumps(sidecar, indent=1, ensure_ascii=False))
    shown = f"max |Δ| vs PyTorch {difference:.2e}" if difference is not None else "not checked"
    log.info(f"export: wrote {output} from {path.name} ({shown})")


def _check_batch(session: Session, recognizer: Recognizer) -> Batch:
    pipeline = build_pipeline(session)
    samples = pipeline.samples(
        range(STREAMS["validation"], STREAMS["validation"] + CHECK_SAMPLES), augment=False
    )
    return collate([img for _, img in samples], [t for t, _ in samples], recognizer.charset)


def _export(net: torch.nn.Module, images: torch.Tensor, widths: torch.Tensor, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notices are not actionable
        try:
            torch.onnx.export(
                net,
                (images, widths),
                str(path),
                input_names=["images", "widths"],
                output_names=["log_probs", "lengths"],
                dynamic_axes={
                    "images": {0: "batch", 3: "width"},
                    "widths": {0: "batch"},
                    "log_probs": {0: "frames", 1: "batch"},
                    "lengths": {0: "batch"},
                },
                dynamo=False,
            )
        except ModuleNotFoundError as exc:
            raise LfhtrError(
                f"export --onnx needs the '{exc.name}' package: pip install onnx onnxruntime"
            ) from None


def _compare(path: Path, net: torch.nn.Module, images: torch.Tensor, widths: torch.Tensor) -> float | None:
    """Max |log-prob difference| to PyTorch on a batch of another width; None without onnxruntime."""
    try:
        import onnxruntime
    except ModuleNotFoundError:
        log.warning("export: onnxruntime is not installed; the graph was not checked")
        return None
    wider = torch.nn.functional.pad(images, (0, 24))  # a width the tracer never saw: dynamic axes work
    runtime = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got, got_lengths = runtime.run(None, {"images": wider.numpy(), "widths": widths.numpy()})
    with torch.inference_mode():
        expected, lengths = net(wider, widths)
    difference = float(np.abs(got - expected.numpy()).max())
    if difference > TOLERANCE or not np.array_equal(got_lengths, lengths.numpy()):
        raise LfhtrError(
            f"export: the ONNX graph differs from PyTorch (max |Δ| {difference:.2e} > {TOLERANCE}); "
            "nothing was written."
        )
    return difference
