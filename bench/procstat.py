"""CPU and memory of processes from /proc (no psutil), and the machine's load."""

from __future__ import annotations

import os
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields[0] is the state (field 3 of stat); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / TICKS


def with_children(pid: int) -> list[int]:
    """`pid` and its descendants (granian serves from a worker process it spawns)."""
    found, todo = [], [pid]
    while todo:
        one = todo.pop()
        found.append(one)
        try:
            with open(f"/proc/{one}/task/{one}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return found


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def loadavg() -> list[float]:
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def machine_busy() -> tuple[float, float]:
    """(busy jiffies, total jiffies) of all CPUs, to compute machine-wide utilisation."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


class CpuMeter:
    """CPU used by a set of pids over a window, as % of one core."""

    def __init__(self, pids: dict[str, list[int]]):
        self.pids = pids
        self.start_cpu: dict[str, float] = {}
        self.start = 0.0
        self.start_machine = (0, 0)

    def begin(self) -> None:
        self.start = time.monotonic()
        self.start_cpu = {k: sum(cpu_seconds(p) for p in v) for k, v in self.pids.items()}
        self.start_machine = machine_busy()

    def end(self) -> dict[str, float]:
        wall = time.monotonic() - self.start
        out = {}
        for k, v in self.pids.items():
            used = sum(cpu_seconds(p) for p in v) - self.start_cpu[k]
            out[k] = round(100 * used / wall, 1)
        busy, total = machine_busy()
        b0, t0 = self.start_machine
        out["machine_busy_pct"] = round(100 * (busy - b0) / max(1, total - t0), 1)
        return out
