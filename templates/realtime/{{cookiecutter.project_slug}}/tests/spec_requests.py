"""Requests built from the model spec (`spec.FEATURES`), so the API tests hold for any spec."""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.api.auth import ApiKeys, StaticKeys
from {{ cookiecutter.package_name }}.spec import FEATURES, ID_FIELD, Feature

API_KEY = "test-key-" + "7" * 40
"""The key every API test sends; `with_keys` makes the app accept it."""
AUTH = {"authorization": f"Bearer {API_KEY}"}


def key_document(**keys: str) -> str:
    """The secret's JSON: caller name -> key."""
    return json.dumps({"keys": keys})


def with_keys(app: FastAPI, **keys: str) -> FastAPI:
    """`app` accepting `keys` (default: API_KEY as caller `tests`) instead of the environment's."""
    app.state.api_keys = ApiKeys(StaticKeys(key_document(**(keys or {"tests": API_KEY}))))
    return app


def valid_value(feature: Feature) -> Any:
    """A value inside the feature's range or categories."""
    if feature.kind == "bool":
        return True
    if feature.kind == "category":
        return feature.values[-1]
    assert feature.minimum is not None and feature.maximum is not None
    middle = (feature.minimum + feature.maximum) / 2
    if feature.kind == "int":
        return min(max(round(middle), math.ceil(feature.minimum)), math.floor(feature.maximum))
    return middle


def valid_request(entity_id: str = "r-42") -> dict[str, Any]:
    """A request the model spec accepts: the id plus one valid value per feature."""
    return {ID_FIELD: entity_id, **{feature.name: valid_value(feature) for feature in FEATURES}}


def invalid_values(feature: Feature) -> list[tuple[str, Any]]:
    """(why, value) pairs the feature must refuse."""
    if feature.kind == "bool":
        return [("not a boolean", "maybe"), ("a number", 1), ("a string", "true")]
    if feature.kind == "category":
        unknown = "not-" + "-".join(feature.values)[:50]
        return [("unknown category", unknown), ("a number", 7), ("null", None)]
    assert feature.minimum is not None and feature.maximum is not None
    cases: list[tuple[str, Any]] = [
        ("below the minimum", feature.minimum - 1),
        ("above the maximum", feature.maximum + 1),
        ("a string", "many"),
        ("a numeric string", str(valid_value(feature))),
        ("a boolean", True),
        ("null", None),
    ]
    if feature.kind == "int":
        cases.append(("a fraction", valid_value(feature) + 0.5))
    return cases


INVALID_CASES: list[tuple[str, str, Any]] = [
    (feature.name, why, value) for feature in FEATURES for why, value in invalid_values(feature)
]
"""(feature, why, value) for every feature: one bad value each, the rest of the request valid."""
