"""Lambda functions, event source mappings and permissions, created in moto's
Lambda.

Emulated: a zip function (the local archive zipped, or a placeholder
module) or an image function, with its role, size, timeout, environment,
architectures, tracing, dead-letter target, KMS key and tags; an event source
mapping with its batching, retry, bisect, response types, on-failure
destination and tags; a resource-policy permission. moto runs no function
here (`MOTO_CONFIG` turns Docker off); `esm_runner` plays the poller. Not
emulated: the function's logging configuration (moto's Lambda keeps none).
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _int, _zip_code


def _function(m: Backend, name: str, i: R) -> tuple[str, R]:
    fname = m.physical_name(i, name)
    kw: R = {
        "FunctionName": fname,
        "Role": i["role"],
        "MemorySize": _int(i.get("memorySize", 128)),
        "Timeout": _int(i.get("timeout", 3)),
    }
    if i.get("packageType") == "Image" or i.get("imageUri"):
        kw["PackageType"] = "Image"
        kw["Code"] = {"ImageUri": i["imageUri"]}
    else:
        kw.update(
            {
                "Runtime": i.get("runtime", "python3.12"),
                "Handler": i.get("handler", "handler.handler"),
                "Code": {"ZipFile": _zip_code(i.get("code"))},
            }
        )
    env = (i.get("environment") or {}).get("variables")
    if env:
        kw["Environment"] = {"Variables": {str(k): str(v) for k, v in env.items()}}
    if i.get("architectures"):
        kw["Architectures"] = list(i["architectures"])
    if (i.get("tracingConfig") or {}).get("mode"):
        kw["TracingConfig"] = {"Mode": i["tracingConfig"]["mode"]}
    if (i.get("deadLetterConfig") or {}).get("targetArn"):
        kw["DeadLetterConfig"] = {"TargetArn": i["deadLetterConfig"]["targetArn"]}
    if i.get("kmsKeyArn"):
        kw["KMSKeyArn"] = i["kmsKeyArn"]
    if i.get("tags"):
        kw["Tags"] = {str(k): str(v) for k, v in i["tags"].items()}
    fn = m.client("lambda").create_function(**kw)
    arn = fn["FunctionArn"]
    invoke = f"arn:aws:apigateway:{m.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    return fname, {
        "name": fname,
        "arn": arn,
        "qualifiedArn": f"{arn}:{fn['Version']}",
        "invokeArn": invoke,
        "version": fn["Version"],
        "sourceCodeHash": fn.get("CodeSha256", ""),
        "lastModified": fn["LastModified"],
    }


def _esm(m: Backend, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "EventSourceArn": i["eventSourceArn"],
        "FunctionName": i["functionName"],
        "Enabled": bool(i.get("enabled", True)),
    }
    if i.get("startingPosition"):
        kw["StartingPosition"] = i["startingPosition"]
    for src, dst in (
        ("batchSize", "BatchSize"),
        ("maximumBatchingWindowInSeconds", "MaximumBatchingWindowInSeconds"),
        ("parallelizationFactor", "ParallelizationFactor"),
        ("maximumRetryAttempts", "MaximumRetryAttempts"),
        ("maximumRecordAgeInSeconds", "MaximumRecordAgeInSeconds"),
        ("tumblingWindowInSeconds", "TumblingWindowInSeconds"),
    ):
        if i.get(src) is not None:
            kw[dst] = _int(i[src])
    if i.get("bisectBatchOnFunctionError") is not None:
        kw["BisectBatchOnFunctionError"] = bool(i["bisectBatchOnFunctionError"])
    if i.get("functionResponseTypes"):
        kw["FunctionResponseTypes"] = list(i["functionResponseTypes"])
    dest = ((i.get("destinationConfig") or {}).get("onFailure") or {}).get("destinationArn")
    if dest:
        kw["DestinationConfig"] = {"OnFailure": {"Destination": dest}}
    if i.get("tags"):
        kw["Tags"] = {str(k): str(v) for k, v in i["tags"].items()}
    out = m.client("lambda").create_event_source_mapping(**kw)
    return out["UUID"], {
        "uuid": out["UUID"],
        "functionArn": out["FunctionArn"],
        "arn": out.get("EventSourceMappingArn", ""),
        "state": out.get("State", "Enabled"),
    }


def _lambda_permission(m: Backend, name: str, i: R) -> tuple[str, R]:
    sid = m.physical_name(i, name, "statementId")
    kw: R = {
        "FunctionName": i["function"],
        "StatementId": sid,
        "Action": i.get("action", "lambda:InvokeFunction"),
        "Principal": i["principal"],
    }
    if i.get("sourceArn"):
        kw["SourceArn"] = i["sourceArn"]
    if i.get("sourceAccount"):
        kw["SourceAccount"] = i["sourceAccount"]
    m.client("lambda").add_permission(**kw)
    return sid, {"statementId": sid}


HANDLERS: dict[str, Handler] = {
    "lambda.Function": _function,
    "lambda.EventSourceMapping": _esm,
    "lambda.Permission": _lambda_permission,
}

APPLIED: dict[str, frozenset[str]] = {
    "lambda.Function": frozenset(
        {
            "deadLetterConfig.targetArn",
            "environment.variables.*",
            "tags.*",
            "tracingConfig.mode",
            "architectures",
            "code",
            "deadLetterConfig",
            "environment",
            "handler",
            "imageUri",
            "kmsKeyArn",
            "memorySize",
            "name",
            "packageType",
            "role",
            "runtime",
            "timeout",
            "tracingConfig",
        }
    ),
    "lambda.EventSourceMapping": frozenset(
        {
            "destinationConfig.onFailure",
            "destinationConfig.onFailure.destinationArn",
            "tags.*",
            "batchSize",
            "bisectBatchOnFunctionError",
            "destinationConfig",
            "enabled",
            "eventSourceArn",
            "functionName",
            "functionResponseTypes",
            "maximumBatchingWindowInSeconds",
            "maximumRecordAgeInSeconds",
            "maximumRetryAttempts",
            "parallelizationFactor",
            "startingPosition",
            "tumblingWindowInSeconds",
        }
    ),
    "lambda.Permission": frozenset(
        {
            "action",
            "function",
            "principal",
            "sourceAccount",
            "sourceArn",
            "statementId",
            "statementIdPrefix",
        }
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {
    "lambda.Function": {
        "loggingConfig": "moto's Lambda accepts LoggingConfig but keeps none of it",
    },
    "lambda.EventSourceMapping": {},
    "lambda.Permission": {},
}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
