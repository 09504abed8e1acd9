"""Retrain job: served predictions joined with their feedback, a new model, published if it passes.

`python -m credit_decisions.online.retrain` (the stack runs it on a schedule).

1. Reads the served records and the feedback of the last RETRAIN_LOOKBACK_DAYS
   days (UTC date partitions under SERVED_PREFIX and FEEDBACK_PREFIX in
   RAW_BUCKET) and joins them on the request id; feedback for a prediction
   served before the window is not used.
2. Trains only when there is a reason: no promoted model yet, at least
   RETRAIN_MIN_RECORDS labelled records whose feedback arrived after the
   promoted model was trained, or a feature of the predictions served since
   then drifted past RETRAIN_DRIFT_PSI from the model's training data
   (`--force` trains anyway).
3. Trains the spec's model on the base data (the newest `TRAINING_PREFIX`
   partition, else synthetic rows, as the base layer's `train` does) plus
   every labelled record. A share of the base data (HOLDOUT_SHARE) is held
   out of training: callers' feedback never reaches it, so feedback that
   flatters a model on its own rows cannot raise the score that promotes it.
4. Scores the candidate and the serving model on that trusted holdout with
   the spec's metric; stores the candidate under its version (its recorded
   metric is the holdout's) and points `latest.json` at it only when it passes
   the gate (MODEL_METRIC_THRESHOLD) and is no worse there than the serving
   model (within TOLERANCE). The running API swaps it in.

`--rollback` points `latest.json` back at the version it names as `previous`.
Exit status: 0 done (trained, skipped or refused: see the summary line), 1 error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from .. import data, drift, storage
from ..config import ConfigError, Settings
from ..model import ModelError, SpecModel, evaluate, metric_passes
from ..spec import CLASSES, FEATURE_NAMES, FEATURES, METRIC_GOAL, TASK
from .records import Labelled, feedback_records, join, read_lines, served_records

log = logging.getLogger(__name__)

PROG = "python -m credit_decisions.online.retrain"
BASE_SYNTHETIC_ROWS = 2000
"""Rows of synthetic base data when the raw bucket holds no training partition."""
BASE_SEED = 20_240_501
HOLDOUT_SHARE = 0.2
"""Share of the base data held out of training to judge candidate and serving model alike."""


def split_holdout(dataset: data.Dataset) -> tuple[data.Dataset, data.Dataset]:
    """The base data as (training part, trusted holdout), the same split for the same data."""
    order = np.random.default_rng(BASE_SEED).permutation(len(dataset))
    cut = max(1, int(len(dataset) * HOLDOUT_SHARE))

    def take(index: Any) -> data.Dataset:
        target = None if dataset.target is None else dataset.target[index]
        return data.Dataset(
            ids=[dataset.ids[i] for i in index], rows=dataset.rows[index], target=target
        )

    return take(order[cut:]), take(order[:cut])


TOLERANCE = 0.02
"""How much worse than the serving model (relative) a candidate may score on the holdout:
retraining on fewer base rows costs a little; feedback that bends the model costs more."""


def no_worse(candidate: float, serving: float | None) -> bool:
    """Whether the candidate's holdout metric is within TOLERANCE of the serving model's."""
    if serving is None:
        return True
    if METRIC_GOAL == "min":
        return candidate <= serving * (1 + TOLERANCE)
    return candidate >= serving * (1 - TOLERANCE)


def labelled_dataset(pairs: Sequence[Labelled]) -> data.Dataset:
    """Joined records as a labelled dataset in spec column order."""
    if not pairs:
        return data.empty()
    rows = np.empty((len(pairs), len(FEATURES)), dtype=object)
    for index, pair in enumerate(pairs):
        rows[index, :] = list(pair.served.features.row())
    if TASK == "binary":
        target: Any = np.asarray(
            [int(pair.feedback.outcome == CLASSES[1]) for pair in pairs], dtype=np.int8
        )
    elif TASK == "multiclass":
        target = np.asarray([pair.feedback.outcome for pair in pairs], dtype=object)
    else:
        target = np.asarray([float(pair.feedback.outcome) for pair in pairs], dtype=np.float64)
    return data.Dataset(ids=[pair.served.request_id for pair in pairs], rows=rows, target=target)


def base_dataset(client: Any, settings: Settings) -> tuple[data.Dataset, str]:
    """The newest training partition in the raw bucket, else synthetic rows; and which it was."""
    run_date = storage.latest_run_date(client, settings.raw_bucket, settings.training_prefix)
    if run_date is not None:
        prefix = storage.run_prefix(settings.training_prefix, run_date)
        parts = [
            batch
            for key in storage.list_keys(client, settings.raw_bucket, prefix)
            if key.endswith(".csv")
            for batch in data.iter_csv(storage.iter_object(client, settings.raw_bucket, key))
        ]
        labelled = [part for part in parts if part.target is not None and len(part)]
        if labelled:
            return concat(labelled), f"s3://{settings.raw_bucket}/{prefix}"
    return data.generate(BASE_SYNTHETIC_ROWS, seed=BASE_SEED), "synthetic"


def concat(parts: Sequence[data.Dataset]) -> data.Dataset:
    """Labelled datasets one after the other."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return data.empty()
    return data.Dataset(
        ids=[i for part in parts for i in part.ids],
        rows=np.vstack([part.rows for part in parts]),
        target=np.concatenate([part.target for part in parts if part.target is not None]),
    )


def trained_epoch(model: SpecModel | None) -> float:
    """The end of the second `model` was trained in, in seconds since the epoch (0 without one).

    `trained_at` has whole seconds; records of that second were there when it trained.
    """
    if model is None or not model.metadata.trained_at:
        return 0.0
    stamp = datetime.strptime(model.metadata.trained_at, "%Y-%m-%dT%H:%M:%SZ")
    return stamp.replace(tzinfo=UTC).timestamp() + 1.0


def served_drift(model: SpecModel | None, pairs: Sequence[Any], since: float) -> float:
    """The largest feature PSI of the predictions served since `since` (0 when unknown)."""
    recent = [record for record in pairs if record.time > since]
    if model is None or not model.metadata.reference or len(recent) < 50:
        return 0.0
    rows = np.empty((len(recent), len(FEATURES)), dtype=object)
    for index, record in enumerate(recent):
        rows[index, :] = list(record.features.row())
    scores = drift.population_stability(model.metadata.reference, rows)
    return max((scores.get(name, 0.0) for name in FEATURE_NAMES), default=0.0)


def run(
    settings: Settings, client: Any | None = None, force: bool = False, version: str = ""
) -> dict[str, Any]:
    """Decide, train, gate and maybe publish; return a summary (also what the job prints)."""
    client = client or storage.s3_client(settings)
    pointer = storage.read_pointer(client, settings)
    current = storage.load_model(client, settings) if pointer else None
    since = (datetime.now(UTC) - timedelta(days=settings.retrain_lookback_days)).date()
    served = served_records(read_lines(client, settings.raw_bucket, settings.served_prefix, since))
    feedback = feedback_records(
        read_lines(client, settings.raw_bucket, settings.feedback_prefix, since)
    )
    pairs = join(served, feedback)
    trained = trained_epoch(current)
    new_records = sum(1 for pair in pairs if pair.feedback.time > trained)
    psi = round(served_drift(current, list(served.values()), trained), 6)
    summary: dict[str, Any] = {
        "current_version": current.metadata.version if current else None,
        "served": len(served),
        "feedback": len(feedback),
        "labelled": len(pairs),
        "new_labelled": new_records,
        "min_new_labelled": settings.retrain_min_records,
        "max_psi": psi,
    }
    reasons = [
        reason
        for reason, applies in (
            ("forced", force),
            ("no promoted model", current is None),
            ("new labelled records", new_records >= settings.retrain_min_records),
            ("drift", psi >= settings.retrain_drift_psi),
        )
        if applies
    ]
    if not reasons:
        return {**summary, "trained": False, "promoted": False, "reason": "nothing new"}
    base, source = base_dataset(client, settings)
    if source == "synthetic":
        log.warning(
            "no labelled CSV under s3://%s/%s: the base data is synthetic",
            settings.raw_bucket,
            settings.training_prefix,
        )
    base_train, holdout = split_holdout(base)
    dataset = concat([base_train, labelled_dataset(pairs)])
    version = version or f"r{datetime.now(UTC):%Y%m%d%H%M%S}"
    trained_model = SpecModel.train(dataset, version)
    try:
        score = evaluate(trained_model, holdout)
        serving = evaluate(current, holdout) if current is not None else None
    except ModelError as err:
        raise ModelError(f"the holdout cannot judge the candidate: {err}") from err
    model = SpecModel(
        trained_model.pipeline, dataclasses.replace(trained_model.metadata, metric=score)
    )
    promote = metric_passes(score, settings.model_metric_threshold) and no_worse(score, serving)
    metadata_key = storage.save_model(client, settings, model, promote=promote)
    return {
        **summary,
        "trained": True,
        "reason": ", ".join(reasons),
        "version": version,
        "base": source,
        "training_rows": model.metadata.training_rows,
        "metric_name": model.metadata.metric_name,
        "metric": model.metadata.metric,
        "serving_metric": serving,
        "holdout_rows": len(holdout),
        "threshold": settings.model_metric_threshold,
        "promoted": promote,
        "metadata": f"s3://{settings.models_bucket}/{metadata_key}",
    }


def rollback(settings: Settings, client: Any | None = None) -> dict[str, Any]:
    """Point `latest.json` at the version it names as `previous` (the running API follows)."""
    client = client or storage.s3_client(settings)
    pointer = storage.read_pointer(client, settings)
    previous = (pointer or {}).get("previous")
    if not isinstance(previous, str) or not previous:
        raise storage.StorageError("latest.json names no previous version to roll back to")
    model = storage.load_model(client, settings, previous)
    storage.save_model(client, settings, model, promote=True)
    return {"rolled_back_to": previous, "from": (pointer or {}).get("version")}


def main(argv: Sequence[str] | None = None) -> int:
    """Container entrypoint; prints one JSON summary line."""
    parser = argparse.ArgumentParser(prog=PROG)
    parser.add_argument("--force", action="store_true", help="train even with nothing new")
    parser.add_argument("--version", default="", help="model version (default rYYYYMMDDhhmmss)")
    parser.add_argument(
        "--rollback", action="store_true", help="point latest.json back at its previous version"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = Settings.from_env()
        if args.rollback:
            summary = rollback(settings)
        else:
            summary = run(settings, force=args.force, version=args.version)
    except (ConfigError, ModelError, storage.StorageError, ValueError) as err:
        log.error(json.dumps({"job": "retrain", "error": str(err)}))
        return 1
    log.info(json.dumps({"job": "retrain", **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
