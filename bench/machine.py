"""One line describing the machine a benchmark ran on (so figures are read in context), and the markdown
table of (figure, result, aim) rows every benchmark prints under it."""
from __future__ import annotations

import os
import platform


def describe_machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            mem_gib = int(fh.readline().split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        mem_gib = 0.0
    return (f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB RAM, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def table(title: str, rows: list[tuple[str, str, str]]) -> str:
    """(figure, result, aim) rows as a markdown table whose first column is headed ``title``."""
    lines = [f"| {title} | result | aim |", "| --- | --- | --- |"]
    lines += [f"| {name} | {result} | {aim} |" for name, result, aim in rows]
    return "\n".join(lines)
