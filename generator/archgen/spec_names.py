"""What the names and texts of a model spec may be: safe wherever the generated code puts them.

Names (entity, id, target, features) become Python identifiers, JSON keys, CSV
columns and DynamoDB attributes; category values, classes and descriptions are
rendered by Jinja into Python string literals, quoted as `tojson` quotes them.
These rules keep every accepted name a plain identifier the generated code does
not already use, and every accepted text one line that no quoting can let out
(no quote, backslash, brace, line break or character beyond U+FFFF).
`tests/hostile/test_spec_hostile.py` checks both properties over random input.
"""

from __future__ import annotations

import keyword
import re

from pydantic import BaseModel

NAME_PATTERN = r"[a-z][a-z0-9_]{0,62}"
"""Field names become Python identifiers, JSON keys, CSV columns and DynamoDB attributes."""
CLASS_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
VALUE_PUNCTUATION = frozenset(" _-.,:/+&()%")
"""Besides letters and digits, what a category value may hold: nothing that quotes, escapes
or opens a Jinja tag, so a value is safe in a Python string literal, JSON, CSV and Markdown."""
DESCRIPTION_FORBIDDEN = frozenset('"\\{}`')
"""What a description may not hold (it lands in docstrings and Field(description=...))."""
MAX_CODE_POINT = 0xFFFF
"""Beyond it, `tojson` writes a surrogate pair (`\\ud83c\\udf00`) that a Python string literal
reads as two broken characters, so values and descriptions stay within the BMP."""


def _embeddable(c: str) -> bool:
    return c.isprintable() and ord(c) <= MAX_CODE_POINT


RESERVED_NAMES = frozenset(
    {
        # keys the generated records and models use for themselves
        "request_id",
        "entity_id",
        "prediction",
        "probability",
        "probabilities",
        "score",
        "model_version",
        "features",
        "latency_ms",
        "time",
        "event_id",
        "pk",
        "sequence_number",
        "scored_at",
        "expires_at",
        "row",
        "self",
        "cls",
        # attributes of pydantic's BaseModel, which the request and response models extend
        *(name for name in dir(BaseModel) if not name.startswith("_")),
    }
)


def check_name(value: str, what: str = "name") -> str:
    """A field or entity name: a lower-case identifier that the generated code does not use."""
    if not re.fullmatch(NAME_PATTERN, value):
        raise ValueError(
            f"{what} {value[:40]!r} must be lower-case letters, digits and underscores, "
            "starting with a letter (at most 63 characters)"
        )
    if keyword.iskeyword(value) or value in RESERVED_NAMES or value.startswith("model_"):
        raise ValueError(f"{what} {value!r} is reserved in the generated code")
    return value


def check_value(value: str) -> str:
    """A category value: 1-64 letters, digits and plain punctuation (see VALUE_PUNCTUATION)."""
    if not 1 <= len(value) <= 64:
        raise ValueError("a category value is 1 to 64 characters")
    if not value[0].isalnum() or value != value.strip():
        raise ValueError(f"category value {value[:20]!r} must start with a letter or digit")
    bad = next(
        (c for c in value if not (c.isalnum() or c in VALUE_PUNCTUATION) or not _embeddable(c)),
        None,
    )
    if bad is not None:
        raise ValueError(
            f"category value {value[:20]!r} holds {bad!r}: only letters, digits, spaces "
            f"and {''.join(sorted(VALUE_PUNCTUATION - {' '}))} are allowed"
        )
    return value


def check_description(value: str) -> str:
    bad = next((c for c in value if c in DESCRIPTION_FORBIDDEN or not _embeddable(c)), None)
    if bad is not None:
        raise ValueError(f"holds {bad!r}: one line without quotes, backslashes or braces")
    return value


def check_class(value: str) -> str:
    if not re.fullmatch(CLASS_PATTERN, value):
        raise ValueError(
            f"class {value[:20]!r} must be letters, digits, '_', '.', '-' (at most 64 characters)"
        )
    return value
