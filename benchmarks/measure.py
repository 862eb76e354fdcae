"""Measuring: timers, percentiles, peak RSS, machine facts and runs in child processes."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


class ChildError(RuntimeError):
    """A benchmark child process failed or timed out; the message holds the end of its output."""


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks; None when empty."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(values_ms: Sequence[float]) -> dict[str, float | int | None]:
    """Count, p50, p95, mean, min and max of latencies in milliseconds (rounded to 0.1 ms)."""

    def r(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "n": len(values_ms),
        "p50_ms": r(percentile(values_ms, 50)),
        "p95_ms": r(percentile(values_ms, 95)),
        "mean_ms": r(sum(values_ms) / len(values_ms)) if values_ms else None,
        "min_ms": r(min(values_ms)) if values_ms else None,
        "max_ms": r(max(values_ms)) if values_ms else None,
    }


def time_calls(fn: Callable[[Any], object], items: Sequence[Any], rounds: int = 1) -> list[float]:
    """Call fn on every item, rounds times over; return each call's wall time in milliseconds."""
    times: list[float] = []
    for _ in range(rounds):
        for item in items:
            began = time.perf_counter()
            fn(item)
            times.append((time.perf_counter() - began) * 1000)
    return times


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """Measure the wall time of a block: `with stopwatch() as t: ...; t["s"]`."""
    result = {"s": 0.0}
    began = time.perf_counter()
    try:
        yield result
    finally:
        result["s"] = time.perf_counter() - began


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size in MiB of this process (or of its largest finished child)."""
    kib = resource.getrusage(who).ru_maxrss  # KiB on Linux
    scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024
    return round(kib * scale, 1)


def rss_now_mb() -> dict[str, float] | None:
    """This process's resident memory now in MiB: total, anonymous (heap) and file-backed (mapped)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)

    def mib(key: str) -> float:
        return round(int(fields.get(key, "0 kB").split()[0]) / 1024, 1)

    return {
        "rss_mb": mib("VmRSS"),
        "anon_mb": mib("RssAnon"),
        "file_mb": mib("RssFile"),
        "peak_mb": mib("VmHWM"),
    }


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (what `uptime` prints), or None where unknown."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def total_ram_gb() -> float | None:
    """Physical memory in GiB."""
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else platform.processor()."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    """Cores, RAM, CPU, OS and Python of this machine, plus the load average now."""
    return {
        "cores": os.cpu_count(),
        "ram_gb": total_ram_gb(),
        "cpu": cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average": load_average(),
    }


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def child_env() -> dict[str, str]:
    """The environment for child processes: ours, offline, with the project importable."""
    env = {**os.environ, **OFFLINE_ENV}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def run_child(task: str, params: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run benchmarks.tasks TASK in a new Python process; return its JSON result plus wall time."""
    with tempfile.TemporaryDirectory(prefix="bench-child-") as scratch:
        params_file = Path(scratch) / "params.json"
        result_file = Path(scratch) / "result.json"
        params_file.write_text(json.dumps(params, default=str))
        command = [sys.executable, "-m", "benchmarks.tasks", task, str(params_file), str(result_file)]
        began = time.perf_counter()
        try:
            done = subprocess.run(
                command,
                cwd=PROJECT_ROOT,
                env=child_env(),
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise ChildError(f"{task} ran past {timeout:.0f} s: {_tail(exc.stderr)}") from None
        wall = time.perf_counter() - began
        if done.returncode != 0 or not result_file.exists():
            raise ChildError(f"{task} exited with {done.returncode}: {_tail(done.stderr)}")
        result: dict[str, Any] = json.loads(result_file.read_text())
    result["wall_s"] = round(wall, 2)
    result["children_max_rss_mb"] = peak_rss_mb(resource.RUSAGE_CHILDREN)
    return result


def cold_runs(command: Sequence[str], repeats: int, timeout: float = 300) -> dict[str, Any]:
    """Run a command in a new process `repeats` times: wall and CPU seconds, and the last output."""
    times: list[float] = []
    cpu: list[float] = []
    output = ""
    for _ in range(repeats):
        before = _children_cpu_s()
        began = time.perf_counter()
        done = subprocess.run(
            list(command), cwd=PROJECT_ROOT, env=child_env(), capture_output=True, text=True, timeout=timeout
        )
        times.append(round(time.perf_counter() - began, 2))
        cpu.append(round(_children_cpu_s() - before, 2))
        if done.returncode != 0:
            raise ChildError(f"{' '.join(command)} exited with {done.returncode}: {_tail(done.stderr)}")
        output = done.stdout
    return {
        "runs_s": times,
        "median_s": round(percentile(times, 50) or 0.0, 2),
        "max_s": max(times) if times else None,
        "cpu_s": cpu,
        "output_head": output[:300],
    }


def _children_cpu_s() -> float:
    """User plus system CPU seconds of all finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tail(text: str | bytes | None, limit: int = 1500) -> str:
    """The last characters of a child's output, for error messages."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return (text or "").strip()[-limit:]
