"""`lfhtr run evaluate`: loss, CER and WER on a labelled set, per-sample results and an error report."""

from __future__ import annotations

import base64
import html
import io
import json
from typing import Any

import numpy as np
from PIL import Image

from lfhtr import tsv
from lfhtr.atomic import atomic_write
from lfhtr.datasets.labels import load_labelled, warn_unreadable
from lfhtr.errors import SpecError
from lfhtr.log import log
from lfhtr.reading.calibration import calibration
from lfhtr.reading.measure import measure
from lfhtr.reading.metrics import edit_distance
from lfhtr.reading.pagemeasure import page_figures
from lfhtr.reading.reader import load_recognizer, reader_for
from lfhtr.session import Session
from lfhtr.stages.common import default_checkpoint, setup
from lfhtr.stages.runrecord import record_start
from lfhtr.train import runlog


def _data_uri(image: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _report(
    rows: list[tuple[str, str, str, float, int, np.ndarray]],
    metrics: dict[str, float],
    worst: int,
    source: dict[str, str],
    calibrated: dict[str, Any],
) -> str:
    ranked = sorted(rows, key=lambda r: (-r[4] / max(1, len(r[1])), r[0]))[:worst]
    cells = "".join(
        f"<tr><td><img src='{_data_uri(img)}'></td><td>{html.escape(truth)}</td><td>{html.escape(pred)}</td>"
        f"<td>{dist}</td><td>{conf:.3f}</td><td>{html.escape(name)}</td></tr>"
        for name, truth, pred, conf, dist, img in ranked
    )
    summary = " · ".join(f"{k} {v:.4f}" for k, v in metrics.items())
    described = "".join(f"<tr><th>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in source.items())
    curve = "".join(
        f"<tr><td>{p['coverage']:.0%}</td><td>{p['wer']:.3f}</td><td>{p['cer']:.3f}</td></tr>"
        for p in calibrated["risk_coverage"]
    )
    return (
        "<!doctype html><meta charset='utf-8'><title>lfhtr evaluation</title>"
        "<style>body{font-family:sans-serif}td,th{padding:2px 8px;border-bottom:1px solid #ddd;"
        "text-align:left}img{height:48px}</style>"
        f"<h1>lfhtr evaluation</h1><table>{described}</table><p>{html.escape(summary)}</p>"
        f"<h2>Confidence</h2><p>expected calibration error {calibrated['ece']:.3f}</p>"
        f"<table><tr><th>most confident</th><th>WER</th><th>CER</th></tr>{curve}</table>"
        f"<h2>Worst {len(ranked)} errors (edits per character)</h2>"
        f"<table><tr><th>image</th><th>truth</th><th>prediction</th><th>edits</th><th>confidence</th>"
        f"<th>file</th></tr>{cells}</table>"
    )


def run(session: Session, checkpoint: str | None = None) -> dict[str, float]:
    settings = session.spec.evaluate
    if settings.data is None:
        raise SpecError(f"{session.source}: evaluate.data: set the labelled folder to evaluate on.")
    device = setup(session)
    path = default_checkpoint(session, checkpoint or settings.checkpoint, "adapted", "pretrain-best")
    recognizer = load_recognizer(session, path, device)
    data = load_labelled(settings.data, session.resolve, recognizer.height, recognizer.unit)
    for line in data.skipped:
        log.warning(f"skipped {line}")
    warn_unreadable(data, recognizer.charset.chars, "evaluate.data")
    record_start(session, "evaluate")
    reader = reader_for(session, recognizer, settings.decode, settings.batch_size, "evaluate.decode.lexicon")
    metrics, readings = measure(reader, data.images, data.texts, "evaluate")
    if settings.data.pages is not None and recognizer.unit == "line":
        images = session.resolve(settings.data.images)
        truth = session.resolve(settings.data.pages)
        metrics |= page_figures(
            reader, images, truth, settings.data.include, session.segmenter, session.layout_cache
        )
        log.info(
            f"evaluate: from the raw scans through '{session.spec.segmenter.kind}': page CER "
            f"{metrics['page_cer']:.4f}, page WER {metrics['page_wer']:.4f}; lines found: precision "
            f"{metrics['line_precision']:.3f}, recall {metrics['line_recall']:.3f}"
        )
    rows = [
        (name, truth, r.text, r.confidence, edit_distance(truth, r.text), img)
        for name, truth, r, img in zip(data.names, data.texts, readings, data.images)
    ]
    out = session.output / "evaluate"
    atomic_write(
        out / "results.tsv",
        tsv.row("file", "truth", "prediction", "confidence", "edits")
        + "".join(tsv.row(n, t, p, f"{c:.4f}", d) for n, t, p, c, d, _ in rows),
    )
    source = {
        "checkpoint": recognizer.origin,
        "decoding": reader.decoding,
        "data": str(session.resolve(settings.data.images)),
    }
    predictions = [r.text for r in readings]
    edits = [row[4] for row in rows]
    confidences = [r.confidence for r in readings]
    calibrated = calibration(confidences, data.texts, predictions, edits, recognizer.unit == "line")
    summary = runlog.finite({**source, "images": len(rows), **metrics, "calibration": calibrated})
    atomic_write(out / "metrics.json", json.dumps(summary, indent=2, allow_nan=False))
    atomic_write(out / "report.html", _report(rows, metrics, settings.report_worst, source, calibrated))
    log.info(
        f"evaluate: {recognizer.origin}, {reader.decoding} decoding, {len(rows)} images, "
        f"loss {metrics['loss']:.3f}, "
        f"CER {metrics['cer']:.4f}, WER {metrics['wer']:.4f} "
        f"(no case: CER {metrics['cer_nocase']:.4f}, WER {metrics['wer_nocase']:.4f}; "
        f"letters: CER {metrics['cer_letters']:.4f}); results in {out}"
    )
    top = calibrated["risk_coverage"][2]
    log.info(
        f"evaluate: calibration error {calibrated['ece']:.3f}; the most confident {top['coverage']:.0%} "
        f"of the images read at CER {top['cer']:.3f}, {top['wer']:.0%} of them not exactly"
    )
    return metrics
