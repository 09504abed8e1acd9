{%- set spec = cookiecutter._archgen.spec -%}
"""The prediction problem this project serves, from its model spec (`.archgen.yaml`).

Every other module reads the problem from here: the request and response
models, the synthetic data, the training pipeline and its metric, the batch
columns, the stream message and the table item. To change the problem, edit
the spec and run `archgen update`, or edit this file and the code follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Task = Literal["binary", "multiclass", "regression"]
Kind = Literal["float", "int", "category", "bool"]


@dataclass(frozen=True)
class Feature:
    """One model input: its name, type and the values a real request may hold."""

    name: str
    kind: Kind
    minimum: float | None = None
    maximum: float | None = None
    values: tuple[str, ...] = ()
    description: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in ("float", "int")


ENTITY = {{ spec.entity | tojson }}
"""What one prediction is about."""
ID_FIELD = {{ spec.id | tojson }}
"""The id field of a request, a stream message and an output row."""
TASK: Task = {{ spec.task | tojson }}
TARGET = {{ spec.target | tojson }}
"""The label column of training data{% if spec.task == "binary" %} (1 means {{ spec.positive_class }}){% endif %}."""
CLASSES: tuple[str, ...] = ({% if spec.classes %}
{%- for c in spec.classes %}
    {{ c | tojson }},
{%- endfor %}
{% endif %})
"""{% if spec.task == "binary" %}[negative, positive]{% elif spec.task == "multiclass" %}The classes a prediction is one of{% else %}None: regression predicts a number{% endif %}."""
POSITIVE_CLASS = {{ spec.positive_class | tojson }}
TARGET_RANGE: tuple[float, float] = ({{ spec.target_min }}, {{ spec.target_max }})
"""The scale of a regression target (what the synthetic data draws)."""
METRIC_NAME = {{ spec.metric | tojson }}
METRIC_GOAL: Literal["max", "min"] = {{ spec.metric_goal | tojson }}
METRIC_THRESHOLD = {{ spec.metric_threshold }}
"""The quality gate: a trained model is promoted only when its metric reaches this."""

FEATURES: tuple[Feature, ...] = (
{%- for f in spec.features %}
    Feature(
        {{ f.name | tojson }},
        {{ f.type | tojson }},
{%- if f.type in ("float", "int") %}
        minimum={{ f.min }},
        maximum={{ f.max }},
{%- endif %}
{%- if f.type == "category" %}
        values=(
{%- for v in f["values"] %}
            {{ v | tojson }},
{%- endfor %}
        ),
{%- endif %}
{%- if f.description %}
{%- set chunks = (f.description | wordwrap(70, break_long_words=True)).split("\n") %}
{%- if chunks | length == 1 %}
        description={{ chunks[0] | tojson }},
{%- else %}
        description=(
{%- for line in chunks %}
            {{ (line ~ ("" if loop.last else " ")) | tojson }}
{%- endfor %}
        ),
{%- endif %}
{%- endif %}
    ),
{%- endfor %}
)
"""Model inputs, in column order."""

FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
DESCRIPTIONS: dict[str, str] = {
    feature.name: feature.description or f"{feature.kind} feature" for feature in FEATURES
}
