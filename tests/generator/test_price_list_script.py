"""scripts/prices_from_price_list.py on a small sample written in AWS's offer-file format."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    path = ROOT / "scripts" / "prices_from_price_list.py"
    spec = importlib.util.spec_from_file_location("prices_from_price_list", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def product(sku: str, usage: str, region: str, family: str = "Compute") -> dict[str, Any]:
    return {
        "sku": sku,
        "productFamily": family,
        "attributes": {"usagetype": usage, "regionCode": region, "servicecode": "x"},
    }


def term(sku: str, tiers: list[tuple[str, str]], date: str) -> dict[str, Any]:
    dimensions = {
        f"{sku}.JRTCKXETXF.{i}": {
            "unit": "Hrs",
            "beginRange": begin,
            "pricePerUnit": {"USD": usd},
            "description": "sample",
        }
        for i, (begin, usd) in enumerate(tiers)
    }
    return {
        f"{sku}.JRTCKXETXF": {
            "offerTermCode": "JRTCKXETXF",
            "sku": sku,
            "effectiveDate": f"{date}T00:00:00Z",
            "priceDimensions": dimensions,
        }
    }


OFFERS = [
    {
        "formatVersion": "v1.0",
        "offerCode": "AmazonECS",
        "products": {
            "SKUFARGCPU": product("SKUFARGCPU", "EUC1-Fargate-vCPU-Hours:perCPU", "eu-central-1"),
            "SKUUSCPU": product("SKUUSCPU", "USE1-Fargate-vCPU-Hours:perCPU", "us-east-1"),
        },
        "terms": {
            "OnDemand": {
                "SKUFARGCPU": term("SKUFARGCPU", [("0", "0.0465600000")], "2025-11-01"),
                "SKUUSCPU": term("SKUUSCPU", [("0", "0.0404800000")], "2025-11-01"),
            }
        },
    },
    {
        "offerCode": "AmazonDynamoDB",
        "products": {
            "SKUWRU": product("SKUWRU", "EUC1-WriteRequestUnits", "eu-central-1", "API Request"),
        },
        "terms": {"OnDemand": {"SKUWRU": term("SKUWRU", [("0", "0.0000007625")], "2024-11-01")}},
    },
    {
        "offerCode": "AmazonKinesisFirehose",
        "products": {"SKUFH": product("SKUFH", "EUC1-BilledBytes", "eu-central-1", "Ingest")},
        "terms": {
            "OnDemand": {
                # tiers in any order: the first (from 0) is the one archgen prices with
                "SKUFH": term("SKUFH", [("512000", "0.0250"), ("0", "0.0330")], "2025-01-01")
            }
        },
    },
]


def test_derive_picks_region_usage_type_first_tier_and_scale() -> None:
    derived = _script().derive(OFFERS, "eu-central-1")
    assert derived["fargate_vcpu_hour"] == {
        "usd": 0.04656,
        "date": "2025-11-01",
        "sku": "SKUFARGCPU",
    }
    # a price per request unit becomes archgen's price per million
    assert derived["dynamodb_write_units_million"]["usd"] == pytest.approx(0.7625)
    assert derived["firehose_ingest_gb"]["usd"] == pytest.approx(0.033)
    assert set(derived) == {
        "fargate_vcpu_hour",
        "dynamodb_write_units_million",
        "firehose_ingest_gb",
    }


def test_check_compares_with_the_shipped_table(tmp_path: Path, capsys: Any) -> None:
    script = _script()
    path = tmp_path / "AmazonECS.json"
    path.write_text(json.dumps(OFFERS[0]), encoding="utf-8")
    assert script.main([str(path), "--region", "us-east-1", "--check"]) == 0
    assert script.main([str(path), "--region", "eu-central-1", "--check"]) == 0
    changed = json.loads(json.dumps(OFFERS[0]).replace("0.0404800000", "0.0500000000"))
    path.write_text(json.dumps(changed), encoding="utf-8")
    assert script.main([str(path), "--region", "us-east-1", "--check"]) == 1
    assert "fargate_vcpu_hour: table 0.04048, Price List 0.05" in capsys.readouterr().err


def test_every_mapped_key_is_a_key_of_the_table() -> None:
    import yaml

    data = yaml.safe_load((ROOT / "generator/archgen/data/prices.yaml").read_text("utf-8"))
    assert set(_script().SOURCES) <= set(data["prices"])
