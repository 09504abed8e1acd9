"""A safe model swap in the running service: follow `latest.json`, check, then swap.

Every MODEL_POLL_S seconds a background thread reads `latest.json`. When it
names a version other than the one serving, the thread loads that version,
checks that its recorded metric passes the gate (MODEL_METRIC_THRESHOLD) and
that it scores a probe row to finite numbers of the right shape, and only then
replaces the serving model in one assignment: a request in flight finishes on
the model it started with, the next one gets the new model. A candidate that
fails is refused (logged, counted, not retried until the pointer changes) and
the old model keeps serving. The model it replaced is kept: when the pointer
goes back to that version (`python -m fraud_scoring_api.online.retrain
--rollback`), it is swapped back at once, without loading. A pinned model
(MODEL_VERSION or MODEL_PATH) is never swapped; MODEL_POLL_S=0 turns polling off.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import data, storage
from ..config import Settings
from ..model import Model, ModelError, metric_passes
from ..spec import CLASSES, TASK

log = logging.getLogger("fraud_scoring_api.api")

PROBE_SEED = 1_001
WAITING_POLL_S = 30.0
"""How often a service with no model yet and polling off checks for the first one."""


def pointer_uri(settings: Settings) -> str:
    """Where the service expects `latest.json`."""
    return f"s3://{settings.models_bucket}/{settings.models_prefix}{storage.LATEST_POINTER}"


def awaiting_first_model(settings: Settings, client: Any | None = None) -> bool:
    """True when nothing is published yet: no pinned model, the models bucket exists
    (a missing bucket is a misconfiguration and still fails startup) and has no `latest.json`."""
    if settings.model_path or settings.model_version:
        return False
    client = client or storage.s3_client(settings)
    try:
        client.head_bucket(Bucket=settings.models_bucket)
    except Exception as err:  # 403: the bucket exists but the role may not list it
        if getattr(err, "response", {}).get("Error", {}).get("Code") not in ("403", "Forbidden"):
            return False
    try:
        return storage.read_pointer(client, settings) is None
    except storage.StorageError:
        return False


class Serving(Protocol):
    """The part of the service state the swap replaces."""

    model: Model | None
    previous_model: Model | None


def probe_row() -> list[Any]:
    """One valid row in spec order (a synthetic one, so it holds for any spec)."""
    sample = data.generate(1, seed=PROBE_SEED)
    return list(data.feature_dict(sample, 0).values())


def candidate_problem(model: Model, threshold: float) -> str:
    """Why `model` must not serve (empty when it may): the gate, then a probe row."""
    if not metric_passes(model.metadata.metric, threshold):
        return (
            f"its {model.metadata.metric_name} {model.metadata.metric} does not pass "
            f"the gate {threshold}"
        )
    try:
        scores = model.predict_one(probe_row())
    except Exception as err:  # a bad artifact fails in its own ways; all mean "refuse"
        return f"it cannot score a probe row: {err!r}"
    width = len(CLASSES) if TASK == "multiclass" else 1
    if len(scores) != width or not all(math.isfinite(s) for s in scores):
        return f"it scores a probe row to {scores!r}"
    if TASK != "regression" and not all(0.0 <= s <= 1.0 for s in scores):
        return f"its probe probabilities {scores!r} are outside [0, 1]"
    return ""


@dataclass
class SwapStats:
    """What the watcher did."""

    checks: int = 0
    swaps: int = 0
    refused: int = 0
    errors: int = 0
    refused_versions: set[str] = field(default_factory=set)


class ModelWatcher:
    """Polls the pointer and swaps a passing candidate into `state`."""

    def __init__(
        self,
        state: Serving,
        settings: Settings,
        client: Any | None = None,
        load: Callable[[str], Model] | None = None,
    ) -> None:
        self.stats = SwapStats()
        self._state = state
        self._settings = settings
        self._client = client or storage.s3_client(settings)
        self._load = load or (lambda version: storage.load_model(self._client, settings, version))
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._interval_s = settings.model_poll_s or WAITING_POLL_S
        self._until_first_model = settings.model_poll_s <= 0

    def start(self) -> None:
        """Poll every MODEL_POLL_S seconds in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="model-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop polling (called at shutdown)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.poll_once()
            except Exception:  # the watcher outlives any one bad artifact or poll
                self.stats.errors += 1
                log.exception("model check crashed; the serving model stays")
            if self._until_first_model and self._state.model is not None:
                return  # polling is off: the watcher only waited for the first model

    def poll_once(self) -> str:
        """One check of the pointer: 'same', 'swapped', 'rolled back', 'refused' or 'error'."""
        with self._lock:
            self.stats.checks += 1
            try:
                return self._check()
            except (storage.StorageError, ModelError) as err:
                self.stats.errors += 1
                log.warning("model check failed; the serving model stays: %s", err)
                return "error"

    def _check(self) -> str:
        current = self._state.model
        pointer = storage.read_pointer(self._client, self._settings)
        version = (pointer or {}).get("version")
        if not isinstance(version, str) or not version:
            return "same"
        if current is not None and version == current.metadata.version:
            return "same"
        if version in self.stats.refused_versions:
            return "refused"
        previous = self._state.previous_model
        if previous is not None and previous.metadata.version == version:
            self._swap(previous)
            return "rolled back"
        candidate = self._load(version)
        problem = candidate_problem(candidate, self._settings.model_metric_threshold)
        if not problem and candidate.metadata.version != version:
            problem = (
                f"latest.json names {version} but its artifact says {candidate.metadata.version}"
            )
        if problem:
            self.stats.refused += 1
            self.stats.refused_versions.add(version)
            log.error(
                "model candidate refused; the serving model stays",
                extra={"candidate_version": version, "reason": problem},
            )
            return "refused"
        self._swap(candidate)
        return "swapped"

    def _swap(self, model: Model) -> None:
        old = self._state.model
        self._state.model = model
        self._state.previous_model = old
        self.stats.swaps += 1
        log.info(
            "model swapped",
            extra={
                "model_version": model.metadata.version,
                "previous_version": old.metadata.version if old else None,
            },
        )


def start_watcher(state: Serving, settings: Settings, waiting: bool = False) -> ModelWatcher | None:
    """A running watcher unless the model is pinned or polling is off; while `waiting` for
    the first model it runs even with polling off, until that model is loaded."""
    if settings.model_version or settings.model_path:
        return None
    if settings.model_poll_s <= 0 and not waiting:
        return None
    watcher = ModelWatcher(state, settings)
    watcher.start()
    return watcher
