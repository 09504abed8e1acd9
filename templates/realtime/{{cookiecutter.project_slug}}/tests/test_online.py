"""Continuous updates: feedback, the stored training records, the retrain job and the model swap.

The records the retrain job reads are the ones the real API wrote into moto's
S3; the swap is driven through the pointer the real job publishes.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fastapi.testclient import TestClient
from spec_requests import AUTH, valid_request, with_keys

from {{ cookiecutter.package_name }} import data, storage
from {{ cookiecutter.package_name }}.api.app import create_app
from {{ cookiecutter.package_name }}.api.swap import ModelWatcher, candidate_problem
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.model import SpecModel, metric_passes
from {{ cookiecutter.package_name }}.online import retrain
from {{ cookiecutter.package_name }}.online.records import (
    RecordWriter,
    feedback_records,
    join,
    partition,
    served_records,
)
from {{ cookiecutter.package_name }}.spec import CLASSES, ID_FIELD, METRIC_GOAL, TARGET_RANGE, TASK


class MemorySink:
    """A record sink that keeps what it is given."""

    enabled = True

    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []

    def write(self, kind: str, record: Mapping[str, Any]) -> None:
        self.records.append((kind, dict(record)))

    def close(self, timeout_s: float = 10.0) -> None:
        """Nothing buffered."""


def good_outcome() -> Any:
    return CLASSES[-1] if TASK != "regression" else (TARGET_RANGE[0] + TARGET_RANGE[1]) / 2


def bad_outcomes() -> list[Any]:
    """Outcomes the spec refuses, for its task."""
    if TASK == "regression":
        low, high = TARGET_RANGE
        return [low - 1.0, high + 1.0, "1.0", None, True]
    return ["not-" + "-".join(CLASSES), 1, None, CLASSES[0].upper() + "?"]


def outcome_of(dataset: data.Dataset, index: int) -> Any:
    """The dataset's label as the feedback endpoint takes it."""
    assert dataset.target is not None
    value = dataset.target[index]
    if TASK == "binary":
        return CLASSES[int(value)]
    if TASK == "multiclass":
        return str(value)
    return float(value)


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
def client(trained_model: SpecModel, sink: MemorySink) -> Iterator[TestClient]:
    app = with_keys(create_app(Settings.from_env({}), trained_model, records=sink))
    with TestClient(app, headers=AUTH) as test_client:
        yield test_client


def test_a_prediction_names_its_request_id_and_is_kept_for_training(
    client: TestClient, sink: MemorySink
) -> None:
    response = client.post("/predict", json=valid_request("e-1"), headers={"x-request-id": "q-1"})
    assert response.status_code == 200 and response.headers["x-request-id"] == "q-1"
    generated = client.post("/predict", json=valid_request("e-2")).headers["x-request-id"]
    assert generated and generated != "q-1"
    served = [record for kind, record in sink.records if kind == "served"]
    assert [r["request_id"] for r in served] == ["q-1", generated]
    assert served[0]["entity_id"] == "e-1" and served[0]["model_version"] == "test"
    expected = {k: v for k, v in valid_request("e-1").items() if k != ID_FIELD}
    assert served[0]["features"] == expected and served[0]["time"] > 0


def test_feedback_with_an_outcome_of_the_spec_is_accepted(
    client: TestClient, sink: MemorySink
) -> None:
    response = client.post("/feedback", json={"request_id": "q-1", "outcome": good_outcome()})
    assert response.status_code == 202, response.text
    assert response.json() == {"request_id": "q-1", "status": "recorded"}
    kind, record = sink.records[-1]
    assert kind == "feedback" and record["request_id"] == "q-1"
    assert record["outcome"] == good_outcome() and record["time"] > 0


@pytest.mark.parametrize("outcome", bad_outcomes())
def test_feedback_with_an_outcome_the_spec_refuses_gets_422(
    client: TestClient, sink: MemorySink, outcome: Any
) -> None:
    response = client.post("/feedback", json={"request_id": "q-1", "outcome": outcome})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_request"
    assert [item["loc"] for item in body["detail"]] == [["body", "outcome"]]
    assert sink.records == []


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "x"},
        {"request_id": "has space", "outcome": "x"},
        {"request_id": "q", "outcome": "x", "extra": 1},
        [],
    ],
)
def test_a_malformed_feedback_gets_422(client: TestClient, body: Any) -> None:
    if isinstance(body, dict) and body.get("outcome") == "x":
        body = {**body, "outcome": good_outcome()}
    response = client.post("/feedback", json=body)
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"


def test_feedback_is_503_where_no_records_are_kept(trained_model: SpecModel) -> None:
    app = with_keys(create_app(Settings.from_env({}), trained_model))
    with TestClient(app, headers=AUTH) as test_client:
        response = test_client.post(
            "/feedback", json={"request_id": "q-1", "outcome": good_outcome()}
        )
    assert response.status_code == 503 and response.json()["error"] == "not_ready"


def test_the_openapi_document_lists_feedback_and_every_status(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/feedback"]["post"]
    assert set(operation["responses"]) == {"202", "401", "413", "415", "422", "503"}
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["request_id", "outcome"]
    if TASK == "regression":
        assert schema["properties"]["outcome"]["minimum"] == TARGET_RANGE[0]
    else:
        assert schema["properties"]["outcome"]["enum"] == list(CLASSES)


def test_a_failing_record_write_neither_fails_nor_holds_up_a_prediction(
    aws: None, trained_model: SpecModel, settings: Settings
) -> None:
    """No raw bucket exists: every write fails, is counted, and predictions still answer."""
    writer = RecordWriter(settings.model_copy(update={"record_flush_records": 1}))
    app = with_keys(create_app(settings, trained_model, records=writer))
    with TestClient(app, headers=AUTH) as test_client:
        answers = [test_client.post("/predict", json=valid_request(f"e-{i}")) for i in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert writer.stats.failed == 5 and writer.stats.written == 0


def test_the_retrain_job_learns_from_what_the_api_stored(
    buckets: Any, settled_model: SpecModel, settings: Settings
) -> None:
    """Serve, send feedback, shut down (which flushes), then run the real job on the bucket."""
    settings = settings.model_copy(
        update={"record_training_data": True, "record_flush_records": 7, "retrain_min_records": 30}
    )
    storage.save_model(buckets, settings, settled_model, promote=True)
    labelled = data.generate(40, seed=11)
    app = with_keys(create_app(settings))
    with TestClient(app, headers=AUTH) as api:
        for index in range(len(labelled)):
            features = data.feature_dict(labelled, index)
            rid = f"req-{index}"
            answer = api.post(
                "/predict", json={ID_FIELD: f"e-{index}", **features}, headers={"x-request-id": rid}
            )
            assert answer.status_code == 200
            if index < 35:
                feedback = {"request_id": rid, "outcome": outcome_of(labelled, index)}
                assert api.post("/feedback", json=feedback).status_code == 202
        assert api.post("/feedback", json={"request_id": "never-served", "outcome": good_outcome()})
    served_keys = storage.list_keys(buckets, settings.raw_bucket, settings.served_prefix)
    assert served_keys and all(k.endswith(".jsonl") for k in served_keys)
    assert all(k.startswith(partition(settings.served_prefix, 1.0)[:11]) for k in served_keys)

    summary = retrain.run(settings, client=buckets, version="r-test")
    assert summary["served"] == 40 and summary["feedback"] == 36 and summary["labelled"] == 35
    assert summary["trained"] and summary["reason"] == "new labelled records", summary
    stored = storage.load_model(buckets, settings, "r-test")
    # the base data's trusted holdout (400 of 2,000 rows) is kept out of training; the
    # model's own 80/20 split takes the rest
    assert summary["holdout_rows"] == 400
    assert stored.metadata.training_rows == int(0.8 * (1600 + 35))
    assert stored.metadata.metric == summary["metric"]  # the holdout's score is recorded
    assert summary["promoted"], summary
    assert metric_passes(stored.metadata.metric, settings.model_metric_threshold)
    assert storage.read_pointer(buckets, settings) == {
        "version": "r-test",
        "metric": stored.metadata.metric,
        "previous": "test",
    }
    # nothing new since that model: the next run does not train
    again = retrain.run(settings, client=buckets, version="r-again")
    assert again["trained"] is False and again["reason"] == "nothing new"
    assert again["labelled"] == 35 and again["new_labelled"] == 0


def test_the_job_does_not_train_below_the_count_and_refuses_a_failing_model(
    buckets: Any, trained_model: SpecModel, settings: Settings
) -> None:
    storage.save_model(buckets, settings, trained_model, promote=True)
    few = retrain.run(settings.model_copy(update={"retrain_min_records": 5}), client=buckets)
    assert few["trained"] is False and few["new_labelled"] == 0
    # no model reaches an AUC or F1 of 1.0, or an RMSE of 0, on noisy data
    strict = settings.model_copy(
        update={"model_metric_threshold": 1.0 if METRIC_GOAL == "max" else 0.0}
    )
    refused = retrain.run(strict, client=buckets, force=True, version="r-bad")
    assert refused["trained"] and not refused["promoted"]
    assert storage.promoted_version(buckets, settings) == "test"


def relabelled(model: SpecModel, version: str, metric: float | None = None) -> SpecModel:
    """`model` under another version (and recorded metric)."""
    metadata = dataclasses.replace(
        model.metadata,
        version=version,
        metric=model.metadata.metric if metric is None else metric,
    )
    return SpecModel(model.pipeline, metadata)


def failing_metric() -> float:
    return 0.0 if METRIC_GOAL == "max" else 1e9


def test_a_passing_candidate_is_swapped_in_while_requests_are_served(
    buckets: Any, trained_model: SpecModel, settings: Settings
) -> None:
    storage.save_model(buckets, settings, relabelled(trained_model, "v-old"), promote=True)
    app = with_keys(create_app(settings))
    versions: list[str] = []
    statuses: list[int] = []
    stop = threading.Event()
    with TestClient(app, headers=AUTH) as api:
        watcher = ModelWatcher(app.state.service, settings, client=buckets)
        assert api.get("/ready").json()["model_version"] == "v-old"

        def keep_asking() -> None:
            while not stop.is_set():
                answer = api.post("/predict", json=valid_request("e-1"))
                statuses.append(answer.status_code)
                versions.append(answer.json().get("model_version", ""))

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            storage.save_model(buckets, settings, relabelled(trained_model, "v-new"), promote=True)
            assert watcher.poll_once() == "swapped"
            for _ in range(20):
                answer = api.post("/predict", json=valid_request("e-2"))
                assert answer.json()["model_version"] == "v-new"
        finally:
            stop.set()
            asker.join()
        ready = api.get("/ready").json()
        assert ready == {"status": "ready", "model_version": "v-new", "previous_version": "v-old"}
        assert set(statuses) == {200} and set(versions) <= {"v-old", "v-new"}

        bad = relabelled(trained_model, "v-bad", metric=failing_metric())
        storage.save_model(buckets, settings, bad, promote=True)
        assert watcher.poll_once() == "refused"
        assert watcher.poll_once() == "refused" and watcher.stats.refused == 1
        assert api.post("/predict", json=valid_request("e-3")).json()["model_version"] == "v-new"
        assert api.get("/ready").json()["model_version"] == "v-new"

        # roll back: the pointer goes to the kept version, which is swapped back without loading
        storage.save_model(buckets, settings, relabelled(trained_model, "v-old"), promote=True)
        assert watcher.poll_once() == "rolled back"
        assert api.get("/ready").json()["model_version"] == "v-old"


def test_rollback_points_latest_at_the_previous_version(
    buckets: Any, trained_model: SpecModel, settings: Settings
) -> None:
    storage.save_model(buckets, settings, relabelled(trained_model, "v1"), promote=True)
    storage.save_model(buckets, settings, relabelled(trained_model, "v2"), promote=True)
    assert retrain.rollback(settings, client=buckets) == {"rolled_back_to": "v1", "from": "v2"}
    assert storage.promoted_version(buckets, settings) == "v1"


def test_a_candidate_that_cannot_score_a_probe_row_is_refused(trained_model: SpecModel) -> None:
    class Broken(SpecModel):
        def predict_one(self, row: Any) -> list[float]:
            return [float("nan")] * (len(CLASSES) if TASK == "multiclass" else 1)

    broken = Broken(trained_model.pipeline, trained_model.metadata)
    assert "probe row" in candidate_problem(broken, trained_model.metadata.metric)
    assert candidate_problem(trained_model, trained_model.metadata.metric) == ""


def wrong_outcome(dataset: data.Dataset, index: int) -> Any:
    """A label the hidden rule contradicts: the other class, or the mirrored target."""
    truth = outcome_of(dataset, index)
    if TASK == "regression":
        low, high = TARGET_RANGE
        return min(high, max(low, low + high - float(truth)))
    return CLASSES[(CLASSES.index(truth) + 1) % len(CLASSES)]


def test_feedback_that_bends_the_model_does_not_get_it_promoted(
    buckets: Any, settled_model: SpecModel, settings: Settings
) -> None:
    """Hundreds of contradicting labels from a key holder: the candidate is judged on the base
    data's holdout, which feedback never reaches, so it is stored but not promoted."""
    settings = settings.model_copy(update={"record_training_data": True})
    storage.save_model(buckets, settings, settled_model, promote=True)
    rows = data.generate(800, seed=29)
    with TestClient(with_keys(create_app(settings)), headers=AUTH) as api:
        for index in range(len(rows)):
            rid = f"bend-{index}"
            body = {ID_FIELD: rid, **data.feature_dict(rows, index)}
            assert api.post("/predict", json=body, headers={"x-request-id": rid}).status_code == 200
            feedback = {"request_id": rid, "outcome": wrong_outcome(rows, index)}
            assert api.post("/feedback", json=feedback).status_code == 202
    summary = retrain.run(settings, client=buckets, version="r-bent")
    assert summary["trained"] and summary["labelled"] == len(rows)
    assert summary["promoted"] is False, summary
    assert not retrain.no_worse(summary["metric"], summary["serving_metric"])
    assert storage.promoted_version(buckets, settings) == "test"


def test_feedback_labels_only_its_own_caller_s_prediction_and_only_once(
    trained_model: SpecModel, sink: MemorySink
) -> None:
    """Ids are the callers' own: another caller's feedback, a second feedback, feedback older
    than the prediction and an id served twice never reach training."""
    app = with_keys(
        create_app(Settings.from_env({}), trained_model, records=sink),
        alpha="alpha-key-" + "a" * 40,
        beta="beta-key-" + "b" * 40,
    )
    alpha = {"authorization": "Bearer alpha-key-" + "a" * 40}
    beta = {"authorization": "Bearer beta-key-" + "b" * 40}
    first, second = CLASSES[0] if TASK != "regression" else TARGET_RANGE[0], good_outcome()
    with TestClient(app) as api:
        for rid in ("shared", "twice", "twice", "late"):
            headers = {**alpha, "x-request-id": rid}
            assert api.post("/predict", json=valid_request(rid), headers=headers).status_code == 200
        for headers, rid, outcome in (
            (beta, "shared", second),  # another caller's id: ignored
            (alpha, "shared", first),  # the prediction's own caller: kept
            (alpha, "shared", second),  # a later second opinion: ignored
            (alpha, "twice", first),  # an id served twice: ambiguous, ignored
        ):
            body = {"request_id": rid, "outcome": outcome}
            assert api.post("/feedback", json=body, headers=headers).status_code == 202
        outcomes = f'"outcome": {json.dumps(first)}, "outcome": {json.dumps(second)}'
        duplicate = ('{"request_id": "late", ' + outcomes + "}").encode()
        answer = api.post(
            "/feedback", content=duplicate, headers={**alpha, "content-type": "application/json"}
        )
        assert answer.status_code == 422 and answer.json()["detail"][0]["type"] == "duplicate_key"
    served_items = [record for kind, record in sink.records if kind == "served"]
    feedback_items = [record for kind, record in sink.records if kind == "feedback"]
    assert {item["caller"] for item in served_items} == {"alpha"}
    late = next(item for item in served_items if item["request_id"] == "late")
    early = {"request_id": "late", "outcome": first, "time": late["time"] - 1, "caller": "alpha"}
    pairs = join(served_records(served_items), feedback_records([*feedback_items, early]))
    assert [(p.served.request_id, p.feedback.outcome, p.feedback.caller) for p in pairs] == [
        ("shared", first, "alpha")
    ]


def test_the_watcher_refuses_an_artifact_that_is_not_what_the_pointer_names(
    buckets: Any, trained_model: SpecModel, settings: Settings
) -> None:
    """A metric that is not a number, or metadata of another version, is refused once; the
    serving model stays, and a good version published next is still swapped in."""
    storage.save_model(buckets, settings, relabelled(trained_model, "v1"), promote=True)
    app = with_keys(create_app(settings))
    with TestClient(app, headers=AUTH):
        watcher = ModelWatcher(app.state.service, settings, client=buckets)
        key = storage.save_model(buckets, settings, relabelled(trained_model, "v2"), promote=True)
        metadata = json.loads(storage.get_bytes(buckets, settings.models_bucket, key))
        storage.put_bytes(
            buckets,
            settings.models_bucket,
            key,
            json.dumps({**metadata, "metric": str(metadata["metric"])}).encode(),
            "application/json",
        )
        assert watcher.poll_once() == "error"
        storage.put_bytes(
            buckets,
            settings.models_bucket,
            key,
            json.dumps({**metadata, "version": "v2-inner"}).encode(),
            "application/json",
        )
        assert watcher.poll_once() == "refused"
        assert watcher.poll_once() == "refused" and watcher.stats.swaps == 0
        storage.save_model(buckets, settings, relabelled(trained_model, "v3"), promote=True)
        assert watcher.poll_once() == "swapped"
        assert app.state.service.model.metadata.version == "v3"
