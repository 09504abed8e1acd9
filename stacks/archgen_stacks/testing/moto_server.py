"""`python -m archgen_stacks.testing.moto_server [-H host] [-p port]`: moto's server for a
project's `local` stack, with the emulator's fix for image functions on a stream.

moto 5 answers `PutRecord` with a 500 when the stream is mapped to an image
function (it crashes trying to run it); this server lets such a push fail
quietly, as a zip function's does without Docker, so a project whose stream
consumer is an image Lambda can deploy into it and send events. Arguments are
moto's own (`python -m moto.server --help`).
"""

from __future__ import annotations

from .emulator.translators.lambda_ import moto_pushes_to_image_functions


def main(argv: list[str] | None = None) -> None:
    from moto.server import main as moto_main

    moto_pushes_to_image_functions()
    moto_main(argv)


if __name__ == "__main__":
    main()
