"""Local tools: `python -m iot_sensor_monitoring generate|train|upload|import-model`.

`generate` writes a synthetic CSV for this project's problem, `train` trains
the default model into a local directory (what MODEL_PATH points at),
`upload` puts a synthetic input file where the batch score job reads it, and
`import-model` turns a scikit-learn model the team trained elsewhere (saved
with joblib) into this project's artifact, evaluated on labelled rows.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import joblib

from . import data
from .config import ConfigError, Settings
from .model import ModelError, SpecModel
from .spec import METRIC_NAME
from .storage import StorageError, part_key, put_bytes, s3_client


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m iot_sensor_monitoring")
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write a synthetic CSV")
    generate.add_argument("--rows", type=int, default=10_000)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--shift", type=float, default=0.0, help="drift every feature")
    generate.add_argument("--unlabelled", action="store_true", help="omit the target column")
    generate.add_argument("--out", type=Path, required=True)
    train = commands.add_parser("train", help="train the default model into a directory")
    train.add_argument("--rows", type=int, default=20_000)
    train.add_argument("--seed", type=int, default=42)
    train.add_argument("--data", type=Path, help="a labelled CSV (default: synthetic rows)")
    train.add_argument("--version", default="local")
    train.add_argument("--out", type=Path, default=Path("artifacts/model"))
    imported = commands.add_parser(
        "import-model", help="wrap a joblib-saved scikit-learn model as this project's artifact"
    )
    imported.add_argument("--pipeline", type=Path, required=True, help="the .joblib file")
    imported.add_argument(
        "--data", type=Path, help="labelled CSV to evaluate on (default: synthetic)"
    )
    imported.add_argument("--version", required=True)
    imported.add_argument("--out", type=Path, default=Path("artifacts/model"))
    upload = commands.add_parser("upload", help="put a synthetic input file into the raw bucket")
    upload.add_argument("--rows", type=int, default=10_000)
    upload.add_argument("--seed", type=int, default=42)
    upload.add_argument("--labelled", action="store_true", help="training data (with targets)")
    upload.add_argument("--run-date", type=date.fromisoformat, default=date.today())
    upload.add_argument("--part", type=int, default=0)
    return parser


def _labelled(path: Path | None, rows: int, seed: int) -> data.Dataset:
    dataset = data.read_csv(path.read_bytes()) if path else data.generate(rows, seed=seed)
    if dataset.target is None:
        raise data.DataFormatError(f"{path}: has no target column")
    return dataset


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors print one line and return a non-zero status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "generate":
            dataset = data.generate(args.rows, seed=args.seed, shift=args.shift)
            if args.unlabelled:
                dataset = dataset.unlabelled()
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(data.to_csv(dataset))
            print(f"wrote {len(dataset)} rows to {args.out}")
        elif args.command == "train":
            model = SpecModel.train(_labelled(args.data, args.rows, args.seed), args.version)
            model.save(args.out)
            print(
                f"model {args.version}: {METRIC_NAME} {model.metadata.metric:.4f}, "
                f"saved to {args.out}"
            )
        elif args.command == "import-model":
            try:
                pipeline = joblib.load(args.pipeline)
            except Exception as err:  # unpickling fails in many ways
                raise ModelError(f"cannot load {args.pipeline}: {err!r}") from err
            model = SpecModel.from_pipeline(
                pipeline, args.version, _labelled(args.data, 5_000, seed=1)
            )
            model.save(args.out)
            print(
                f"model {args.version} ({model.metadata.algorithm}): {METRIC_NAME} "
                f"{model.metadata.metric:.4f}, saved to {args.out}"
            )
        else:
            settings = Settings.from_env()
            dataset = data.generate(args.rows, seed=args.seed)
            if not args.labelled:
                dataset = dataset.unlabelled()
            prefix = settings.training_prefix if args.labelled else settings.raw_prefix
            key = part_key(prefix, args.run_date, args.part)
            put_bytes(
                s3_client(settings), settings.raw_bucket, key, data.to_csv(dataset), "text/csv"
            )
            print(f"wrote {len(dataset)} rows to s3://{settings.raw_bucket}/{key}")
    except (ConfigError, ModelError, StorageError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
