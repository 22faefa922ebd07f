"""Run ``driftloop serve`` (one worker) under a sampling profiler; write where the time went.

py-spy is not installed here, and cProfile sees one thread only (scoring runs on the
batcher's own thread), so this samples every thread's Python stack with
``sys._current_frames()`` every ``--interval-ms`` from a background thread, for as long as the
server runs; SIGUSR1 clears the counts and starts sampling, SIGUSR2 stops and writes
``OUT-<n>.json`` (so the caller profiles exactly one load window). On exit (SIGTERM/SIGINT
stop uvicorn) it writes ``OUT.json``. Each file is a JSON summary: per thread, the
share of samples whose innermost frame is each function (self time) and the share of samples
with each function anywhere on the stack (inclusive time). Samples taken while a thread
waits (``select``/``epoll``, a lock, a queue) are counted as idle.

Usage (what ``serving.py --profile`` runs)::

    python benchmarks/_serving_profile.py OUT.json -- --tracking-uri DIR serve TARGET ...

The sampler holds the GIL while it walks the stacks, so it slows the server a little (the
figures of a profiled run are not the benchmark's figures) and sees threads only at GIL
switch points; the shares are what to read, not absolute times.
"""

from __future__ import annotations

import collections
import json
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

_IDLE_LEAVES = {
    "select",
    "poll",
    "wait",
    "_worker",
    "acquire",
    "get",
    "run_forever",
    "_run_once",
}


def _label(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{code.co_name} ({path}:{code.co_firstlineno})"


class Sampler:
    """Counts the stacks of every other thread at a fixed interval."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.samples: collections.Counter[str] = collections.Counter()
        self.self_counts: dict[str, collections.Counter[str]] = {}
        self.inclusive: dict[str, collections.Counter[str]] = {}
        self.enabled = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _loop(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval_s):
            if not self.enabled.is_set():
                continue
            names = {thread.ident: thread.name for thread in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                self._record(names.get(ident, str(ident)), frame)

    def _record(self, thread: str, frame: FrameType) -> None:
        # Batcher threads are numbered (prefix_0, prefix_1...): one bucket per pool.
        thread = thread.rsplit("_", 1)[0] if thread[-1:].isdigit() else thread
        self.samples[thread] += 1
        leaf = _label(frame)
        if frame.f_code.co_name in _IDLE_LEAVES:
            leaf = f"[idle] {leaf}"
        self.self_counts.setdefault(thread, collections.Counter())[leaf] += 1
        seen: set[str] = set()
        current: FrameType | None = frame
        while current is not None:
            name = _label(current)
            if name not in seen:
                seen.add(name)
                self.inclusive.setdefault(thread, collections.Counter())[name] += 1
            current = current.f_back

    def reset(self) -> None:
        self.samples.clear()
        self.self_counts.clear()
        self.inclusive.clear()

    def summary(self, top: int = 25) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for thread, total in self.samples.most_common():
            out[thread] = {
                "samples": total,
                "self": [
                    (name, round(100 * n / total, 1))
                    for name, n in self.self_counts[thread].most_common(top)
                ],
                "inclusive": [
                    (name, round(100 * n / total, 1))
                    for name, n in self.inclusive[thread].most_common(top * 2)
                ],
            }
        return out


def main() -> None:
    out = Path(sys.argv[1])
    if sys.argv[2] != "--":
        raise SystemExit("usage: _serving_profile.py OUT.json -- DRIFTLOOP-ARGS...")
    sampler = Sampler(interval_s=0.002)
    windows = iter(range(1, 1_000))
    started = [time.time()]

    def write(path: Path) -> None:
        summary = {
            "seconds": round(time.time() - started[0], 1),
            "threads": sampler.summary(),
        }
        path.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")

    def begin(*_: object) -> None:
        sampler.reset()
        started[0] = time.time()
        sampler.enabled.set()

    def end(*_: object) -> None:
        sampler.enabled.clear()
        write(out.with_name(f"{out.stem}-{next(windows)}.json"))

    signal.signal(signal.SIGUSR1, begin)
    signal.signal(signal.SIGUSR2, end)
    sampler.enabled.set()
    sampler.start()
    from driftloop.cli.main import cli

    try:
        cli.main(args=sys.argv[3:], prog_name="driftloop", standalone_mode=False)
    finally:
        sampler.stop()
        write(out)


if __name__ == "__main__":
    main()
