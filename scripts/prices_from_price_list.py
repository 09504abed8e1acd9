"""Regenerate archgen's prices (`generator/archgen/data/prices.yaml`) from AWS Price List files.

AWS publishes every on-demand price as a bulk "offer file" per service
(`https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<OfferCode>/current/<region>/index.json`).
This script reads downloaded offer files, picks the product of each archgen
price key by its offer code and usage type, and prints the figures with their
SKU and effective date, ready for `prices.yaml` (the base `prices:` block for
us-east-1, or a region's `prices:` block):

    python scripts/prices_from_price_list.py AmazonECS.json AWSELB.json ... --region eu-central-1
    python scripts/prices_from_price_list.py offers/*.json --region us-east-1 --check

`--check` compares the figures with the shipped table and exits 1 on a
difference. The machine archgen is developed on cannot download the offer
files; the test runs this script on a small sample written in the offer-file
format. The usage types below are AWS's names as they appear in the offer files
(region prefixes such as `EUC1-` are ignored); confirm a new key against a
downloaded file before relying on it.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA_FILE = ROOT / "generator" / "archgen" / "data" / "prices.yaml"


@dataclass(frozen=True)
class Source:
    """Where one archgen price is in the Price List: offer, usage type, and the scale."""

    offer: str
    usage_type: str
    scale: float = 1.0
    """archgen's unit / the offer's unit (a price per request x 1e6 = per million)."""
    family: str | None = None


GB_MONTH = 1.0  # offer files price storage per GB-month already
SOURCES: dict[str, Source] = {
    "fargate_vcpu_hour": Source("AmazonECS", "Fargate-vCPU-Hours:perCPU"),
    "fargate_gb_hour": Source("AmazonECS", "Fargate-GB-Hours"),
    "fargate_arm_vcpu_hour": Source("AmazonECS", "Fargate-ARM-vCPU-Hours:perCPU"),
    "fargate_arm_gb_hour": Source("AmazonECS", "Fargate-ARM-GB-Hours"),
    "alb_hour": Source("AWSELB", "LoadBalancerUsage", family="Load Balancer-Application"),
    "alb_lcu_hour": Source("AWSELB", "LCUUsage", family="Load Balancer-Application"),
    "nat_gateway_hour": Source("AmazonEC2", "NatGateway-Hours"),
    "nat_gateway_gb": Source("AmazonEC2", "NatGateway-Bytes"),
    "public_ipv4_hour": Source("AmazonVPC", "PublicIPv4:InUseAddress"),
    "interface_endpoint_hour": Source("AmazonVPC", "VpcEndpoint-Hours"),
    "interface_endpoint_gb": Source("AmazonVPC", "VpcEndpoint-Bytes"),
    "kinesis_shard_hour": Source("AmazonKinesis", "Storage-ShardHour"),
    "kinesis_put_units_million": Source("AmazonKinesis", "PutRequestPayloadUnits", 1e6),
    "kinesis_extended_retention_shard_hour": Source("AmazonKinesis", "Extended-ShardHour"),
    "kinesis_on_demand_stream_hour": Source("AmazonKinesis", "OnDemand-StreamHour"),
    "kinesis_on_demand_ingest_gb": Source("AmazonKinesis", "OnDemand-BilledIncomingBytes"),
    "kinesis_on_demand_retrieval_gb": Source("AmazonKinesis", "OnDemand-BilledOutgoingBytes"),
    "firehose_ingest_gb": Source("AmazonKinesisFirehose", "BilledBytes"),
    "lambda_requests_million": Source("AWSLambda", "Request", 1e6),
    "lambda_gb_second": Source("AWSLambda", "Lambda-GB-Second"),
    "lambda_arm_gb_second": Source("AWSLambda", "Lambda-GB-Second-ARM"),
    "dynamodb_write_units_million": Source("AmazonDynamoDB", "WriteRequestUnits", 1e6),
    "dynamodb_read_units_million": Source("AmazonDynamoDB", "ReadRequestUnits", 1e6),
    "dynamodb_storage_gb_month": Source("AmazonDynamoDB", "TimedStorage-ByteHrs"),
    "dynamodb_pitr_gb_month": Source("AmazonDynamoDB", "TimedPITRStorage-ByteHrs"),
    "s3_storage_gb_month": Source("AmazonS3", "TimedStorage-ByteHrs"),
    "s3_glacier_ir_gb_month": Source("AmazonS3", "TimedStorage-GIR-ByteHrs"),
    "s3_put_thousand": Source("AmazonS3", "Requests-Tier1", 1e3),
    "step_functions_transitions_thousand": Source("AWSStepFunctions", "StateTransition", 1e3),
    "cloudwatch_logs_ingest_gb": Source("AmazonCloudWatch", "DataProcessing-Bytes"),
    "cloudwatch_logs_storage_gb_month": Source("AmazonCloudWatch", "TimedStorage-ByteHrs"),
    "cloudwatch_alarm_month": Source("AmazonCloudWatch", "CW:AlarmMonitorUsage"),
    "cloudwatch_metric_month": Source("AmazonCloudWatch", "CW:MetricMonitorUsage"),
    "kms_key_month": Source("awskms", "KMS-Keys"),
    "kms_requests_10k": Source("awskms", "KMS-Requests", 1e4),
    "ecr_storage_gb_month": Source("AmazonECR", "TimedStorage-ByteHrs"),
    "sqs_requests_million": Source("AWSQueueService", "Requests-RBP", 1e6),
}
"""Keys not listed (the Spot discount, Scheduler, dashboards, SNS email) are kept as written."""


def _usage_type(product: dict[str, Any]) -> str:
    usage = str(product.get("attributes", {}).get("usagetype", ""))
    head, sep, tail = usage.partition("-")
    # region prefixes are upper-case letters and digits (USE1, EUC1, APN1-...)
    return tail if sep and head.isupper() and any(c.isdigit() for c in head) else usage


def _first_tier(dimensions: dict[str, Any]) -> dict[str, Any] | None:
    tiers = sorted(dimensions.values(), key=lambda d: float(d.get("beginRange", 0) or 0))
    return tiers[0] if tiers else None


def derive(offers: list[dict[str, Any]], region: str) -> dict[str, dict[str, Any]]:
    """archgen key -> {usd, date, sku} for every key found in `offers` for `region`."""
    found: dict[str, dict[str, Any]] = {}
    for offer in offers:
        code = str(offer.get("offerCode", ""))
        products: dict[str, Any] = offer.get("products", {})
        on_demand: dict[str, Any] = offer.get("terms", {}).get("OnDemand", {})
        for key, source in SOURCES.items():
            if source.offer != code or key in found:
                continue
            for sku, product in products.items():
                attributes = product.get("attributes", {})
                if (
                    attributes.get("regionCode") != region
                    or _usage_type(product) != source.usage_type
                ):
                    continue
                if source.family and product.get("productFamily") != source.family:
                    continue
                for term in on_demand.get(sku, {}).values():
                    tier = _first_tier(term.get("priceDimensions", {}))
                    if tier is None:
                        continue
                    usd = float(tier["pricePerUnit"]["USD"]) * source.scale
                    found[key] = {
                        "usd": round(usd, 10),
                        "date": str(term.get("effectiveDate", ""))[:10],
                        "sku": sku,
                    }
                    break
    return found


def differences(derived: dict[str, dict[str, Any]], region: str) -> list[str]:
    """Where the shipped table's figure for `region` differs from the derived one."""
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    if region == data["base_region"]:
        shipped = data["prices"]
    else:
        shipped = (data.get("regions", {}).get(region) or {}).get("prices") or {}
    problems = []
    for key, value in sorted(derived.items()):
        if key in shipped and abs(float(shipped[key]["usd"]) - value["usd"]) > 1e-9:
            problems.append(f"{key}: table {shipped[key]['usd']}, Price List {value['usd']}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("offers", nargs="+", type=Path, help="downloaded offer files (index.json)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--check", action="store_true", help="exit 1 if the table differs")
    args = parser.parse_args(argv)
    offers = [json.loads(p.read_text(encoding="utf-8")) for p in args.offers]
    derived = derive(offers, args.region)
    if args.check:
        problems = differences(derived, args.region)
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    print(yaml.safe_dump(derived, sort_keys=True), end="")
    missing = sorted(set(SOURCES) - set(derived))
    if missing:
        print(f"# not in these offer files: {', '.join(missing)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
