"""Benchmark: the generated API under load on 127.0.0.1, next to a bare FastAPI endpoint.

The base, monitoring and realtime layers are rendered into a temporary
project and a model is trained into it. Each server runs in its own uvicorn
process (both pinned to one core when there are two, the load client on the
other) and is driven only in its turn by a raw HTTP/1.1 keep-alive client:

- saturation: closed loop, many connections, a fixed time; requests/s of the
  generated `POST /predict` over a bare FastAPI `POST /predict` that takes
  the same JSON body and returns a constant, in short alternating rounds ->
  `api_rps_ratio` (median of the rounds' ratios);
- latency: open loop at a steady 200 requests/s against the generated API,
  latency counted from each request's scheduled send time -> `api_p99_ms`.

Every loop is bounded in count and in time; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SLUG = "bench-service"
"""The rendered project's name; its package is `bench_service`."""
HOST = "127.0.0.1"
BODY = json.dumps(
    {
        "applicant_id": "app-000001",
        "income": 58_000.0,
        "debt_ratio": 0.31,
        "credit_history_months": 84,
        "delinquencies": 0,
        "requested_amount": 12_000.0,
        "employment": "employed",
        "homeowner": False,
    }
).encode()
"""A request of the default model spec (the credit-decision example)."""
BARE_APP = """
from typing import Any

from fastapi import Body, FastAPI

app = FastAPI()


@app.post("/predict")
async def predict(payload: dict[str, Any] = Body(...)) -> dict[str, Any]:
    return {"applicant_id": "app-000001", "prediction": "approve", "probability": 0.1,
            "model_version": "bare"}
"""
SATURATION_CONNECTIONS = 32
SATURATION_SECONDS = 1.5
SATURATION_ROUNDS = 6
OPEN_LOOP_RATE = 200
OPEN_LOOP_SECONDS = 10.0
REQUEST_TIMEOUT_S = 5.0


def render_project(pattern: str, dest: Path, **answers: Any) -> Path:
    """The project archgen generates for `pattern` (answers that fit it), by archgen's renderer."""
    from archgen.api import make_plan
    from archgen.patterns import Pattern
    from archgen.record import ProjectRecord
    from archgen.render import render_tree
    from archgen.requirements import Requirements

    requirements = Requirements(project_name=SLUG, **answers)
    record = ProjectRecord(answers=requirements, pattern=Pattern(pattern))
    project = dest / SLUG
    render_tree(make_plan(record), project)
    return project


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _pin(cpu: int) -> Callable[[], None] | None:
    """A preexec function pinning a child to `cpu`, when this machine has two or more cores."""
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


class Server:
    """One uvicorn process on a free 127.0.0.1 port; stopped with SIGTERM on exit."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        env = {**env, "HOST": HOST, "PORT": str(self.port)}
        self.process = subprocess.Popen(
            [sys.executable, *args, *(["--port", str(self.port)] if "uvicorn" in args else [])],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_pin(1),  # only sets CPU affinity; no locks are held here
        )

    def wait_ready(self, path: str, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                _, err = self.process.communicate()
                raise RuntimeError(f"server exited: {err.decode()[-2000:]}")
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as sock:
                    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
                    if sock.recv(64).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server on port {self.port} not ready within {timeout_s} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Connection:
    """A keep-alive HTTP/1.1 connection that sends the benchmark's POST and reads one reply."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def post(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def request_bytes(port: int) -> bytes:
    return (
        f"POST /predict HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(BODY)}\r\n\r\n"
    ).encode() + BODY


async def saturate(port: int, connections: int, seconds: float) -> float:
    """Closed loop: every connection sends its next request as soon as the last one answers."""
    request = request_bytes(port)
    pool = [await Connection.open(port) for _ in range(connections)]
    done = 0
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def worker(conn: Connection) -> None:
        nonlocal done, errors
        while time.perf_counter() < stop_at:
            status = await asyncio.wait_for(conn.post(request), REQUEST_TIMEOUT_S)
            if status == 200:
                done += 1
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in pool))
    elapsed = time.perf_counter() - started
    for conn in pool:
        conn.close()
    if errors:
        raise RuntimeError(f"{errors} non-200 answers under load")
    return done / elapsed


async def open_loop(port: int, rate: int, seconds: float) -> list[float]:
    """Send `rate` requests/s on schedule; latency in ms from each scheduled send time."""
    request = request_bytes(port)
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(16):
        idle.put_nowait(await Connection.open(port))
    latencies: list[float] = []
    total = int(rate * seconds)
    start = time.perf_counter() + 0.05

    async def one(scheduled: float) -> None:
        conn = await idle.get()
        status = await asyncio.wait_for(conn.post(request), REQUEST_TIMEOUT_S)
        latencies.append((time.perf_counter() - scheduled) * 1000.0)
        idle.put_nowait(conn)
        if status != 200:
            raise RuntimeError(f"status {status}")

    tasks = []
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.wait_for(asyncio.gather(*tasks), REQUEST_TIMEOUT_S * 2)
    while not idle.empty():
        idle.get_nowait().close()
    return latencies


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100.0 * len(ordered)) - 1))
    return ordered[index]


def measure() -> dict[str, float]:
    """Figures of one run; the calling process is pinned to core 0 only while it lasts."""
    saved = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    pin_client = _pin(0)
    if pin_client is not None:
        pin_client()
    try:
        return _measure()
    finally:
        if saved is not None and pin_client is not None:
            os.sched_setaffinity(0, saved)


def _measure() -> dict[str, float]:
    """Render, start both servers (each loaded only in its turn), and return the raw figures."""
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        root = Path(tmp)
        project = render_project("realtime", root)
        (root / "bare_app.py").write_text(BARE_APP)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            PYTHONPATH=f"{project / 'src'}{os.pathsep}{root}", AWS_DEFAULT_REGION="us-east-1"
        )
        model_dir = root / "model"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench_service",
                "train",
                "--rows",
                "20000",
                "--out",
                str(model_dir),
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        generated_env = {**env, "MODEL_PATH": str(model_dir)}
        bare_args = [
            "-m",
            "uvicorn",
            "bare_app:app",
            "--host",
            HOST,
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        bare = Server(bare_args, env, root)
        generated = Server(["-m", "bench_service.api"], generated_env, root)
        try:
            bare.wait_ready("/docs")
            generated.wait_ready("/ready")
            ports = {"bare": bare.port, "generated": generated.port}
            for port in ports.values():
                asyncio.run(saturate(port, 4, 0.5))  # warm-up
            # Short alternating rounds: both servers see the same background load, and the
            # ratio of each pair cancels most of it out.
            rps: dict[str, list[float]] = {"bare": [], "generated": []}
            for _ in range(SATURATION_ROUNDS):
                for name, port in ports.items():
                    rate = asyncio.run(saturate(port, SATURATION_CONNECTIONS, SATURATION_SECONDS))
                    rps[name].append(rate)
            latencies = asyncio.run(open_loop(generated.port, OPEN_LOOP_RATE, OPEN_LOOP_SECONDS))
        finally:
            bare.stop()
            generated.stop()
    ratios = [g / b for g, b in zip(rps["generated"], rps["bare"], strict=True)]
    return {
        "bare_rps": max(rps["bare"]),
        "generated_rps": max(rps["generated"]),
        "rps_ratio": statistics.median(ratios),
        "rps_ratio_min": min(ratios),
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
        "requests": float(len(latencies)),
    }


def run() -> list[tuple[str, float, str]]:
    """`(name, value, unit)` lines for benchmarks/run.py."""
    figures = measure()
    return [
        ("api_rps_ratio", round(figures["rps_ratio"], 3), "x"),
        ("api_p99_ms", round(figures["p99_ms"], 3), "ms"),
    ]


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2), file=sys.stderr)
