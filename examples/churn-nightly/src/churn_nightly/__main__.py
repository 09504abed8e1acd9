"""Local tools: `python -m churn_nightly generate|train|upload`.

`generate` writes a synthetic applicants CSV, `train` trains the default model
into a local directory (what MODEL_PATH points at), `upload` puts a synthetic
input file where the batch score job reads it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from . import data
from .config import ConfigError, Settings
from .model import CreditModel, ModelError
from .storage import StorageError, part_key, put_bytes, s3_client


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m churn_nightly")
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write a synthetic applicants CSV")
    generate.add_argument("--rows", type=int, default=10_000)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--unlabelled", action="store_true", help="omit the label column")
    generate.add_argument("--out", type=Path, required=True)
    train = commands.add_parser("train", help="train the default model into a directory")
    train.add_argument("--rows", type=int, default=20_000)
    train.add_argument("--seed", type=int, default=42)
    train.add_argument("--version", default="local")
    train.add_argument("--out", type=Path, default=Path("artifacts/model"))
    upload = commands.add_parser("upload", help="put a synthetic input file into the raw bucket")
    upload.add_argument("--rows", type=int, default=10_000)
    upload.add_argument("--seed", type=int, default=42)
    upload.add_argument("--labelled", action="store_true", help="training data (with labels)")
    upload.add_argument("--run-date", type=date.fromisoformat, default=date.today())
    upload.add_argument("--part", type=int, default=0)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors print one line and return a non-zero status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "generate":
            dataset = data.generate(args.rows, seed=args.seed)
            if args.unlabelled:
                dataset = data.Dataset(ids=dataset.ids, features=dataset.features)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(data.to_csv(dataset))
            print(f"wrote {len(dataset)} rows to {args.out}")
        elif args.command == "train":
            model = CreditModel.train(data.generate(args.rows, seed=args.seed), args.version)
            model.save(args.out)
            print(f"model {args.version}: auc {model.metadata.metric:.4f}, saved to {args.out}")
        else:
            settings = Settings.from_env()
            dataset = data.generate(args.rows, seed=args.seed)
            if not args.labelled:
                dataset = data.Dataset(ids=dataset.ids, features=dataset.features)
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
