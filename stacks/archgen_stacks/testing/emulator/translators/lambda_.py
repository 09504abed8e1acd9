"""Lambda functions, event source mappings and permissions, created in moto's
Lambda.

Emulated: a zip function (the local archive zipped, or a placeholder
module) or an image function (its image URI and image config: entry point,
command, working directory; moto does not look the image up in its ECR unless
`MOTO_LAMBDA_STUB_ECR=false`), with its role, size, timeout, environment,
architectures, tracing, dead-letter target, KMS key and tags; an event source
mapping with its batching, retry, bisect, response types, on-failure
destination and tags; a resource-policy permission. moto runs no function
here (`MOTO_CONFIG` turns Docker off); `esm_runner` plays the poller. Not
emulated: the function's logging configuration (moto's Lambda keeps none).

moto 5 pushes every record put on a Kinesis stream to its mapped functions
and, for an image function, crashes in that push (it needs a zip's code digest
and a runtime: a 500 on `PutRecord`). In-process, an image function's push
ends as a zip function's does with Docker off, an invocation error moto
ignores (`moto_pushes_to_image_functions`); a moto server in another process
needs the same (`python -m archgen_stacks.testing.moto_server`).
"""

from __future__ import annotations

from typing import Any

from .._base import Backend, Handler, R
from ._util import _int, _zip_code


def _image_config(i: R) -> R:
    out: R = {}
    for src, dst in (("entryPoints", "EntryPoint"), ("commands", "Command")):
        if i.get(src) is not None:
            out[dst] = [str(item) for item in i[src]]
    if i.get("workingDirectory"):
        out["WorkingDirectory"] = str(i["workingDirectory"])
    return out


_IMAGE_PUSH = "moto runs no image function (archgen's emulator): the record is not delivered"


def moto_pushes_to_image_functions() -> None:
    """Make moto's in-process push to an image function fail as a zip's does without Docker."""
    try:
        from moto.awslambda.models import LambdaFunction
    except ImportError:  # pragma: no cover - moto is the emulator's own dependency
        return
    invoke = LambdaFunction._invoke_lambda
    if getattr(invoke, "_archgen_images", False):
        return

    def _invoke_lambda(self: Any, event: str | None = None) -> tuple[str, bool, str]:
        if self.package_type == "Image":
            return _IMAGE_PUSH, True, ""
        return invoke(self, event)

    _invoke_lambda._archgen_images = True  # type: ignore[attr-defined]
    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]


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
        moto_pushes_to_image_functions()
        image = _image_config(i.get("imageConfig") or {})
        if image:
            kw["ImageConfig"] = image
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
            "imageConfig",
            "imageConfig.commands",
            "imageConfig.entryPoints",
            "imageConfig.workingDirectory",
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
