"""Progress of the long jobs of `evaluate` and `bench`: a bar with an ETA on a terminal, lines in a log.

tqdm draws the bar. Where stderr is not a terminal (a log file, `nohup`, CI, a notebook's captured
stream) a bar's carriage returns would fill the file with partial lines, so a stage there writes one
line when it starts and one with its time when it ends.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager


@contextmanager
def stage(description: str, total: int, unit: str = "it", stream=None):
    """`with stage("svm C grid", 6, "fits") as advance: ... advance(1)`: the work's progress, on stderr."""
    stream = stream or sys.stderr
    if getattr(stream, "isatty", lambda: False)():
        from tqdm import tqdm

        with tqdm(total=total, desc=description, unit=unit, leave=False, file=stream, dynamic_ncols=True) as bar:
            yield bar.update
        return
    started = time.perf_counter()
    print(f"{description}: {total:,} {unit} ...", file=stream, flush=True)
    yield lambda count=1: None
    print(f"{description}: done in {time.perf_counter() - started:.0f} s", file=stream, flush=True)
