"""Progress of long jobs: a bar with an ETA on a terminal, a start and an end line in a log."""

import io
import re
import time

from utils.progress import stage


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_a_bar_with_an_eta_and_a_log_gets_two_lines():
    terminal = Terminal()
    with stage("svm fits", 4, "fits", stream=terminal) as advance:
        for _ in range(4):
            time.sleep(0.15)   # tqdm redraws at most every 0.1 s
            advance(1)
    shown = terminal.getvalue()
    assert "svm fits" in shown and "3/4" in shown
    assert re.search(r"\[\d\d:\d\d<\d\d:\d\d", shown)   # elapsed<remaining: the ETA
    log = io.StringIO()
    with stage("inception features of samples", 10_000, "images", stream=log) as advance:
        advance(50)
    lines = log.getvalue().splitlines()
    assert lines[0] == "inception features of samples: 10,000 images ..."
    assert re.fullmatch(r"inception features of samples: done in \d+ s", lines[1])
    assert "\r" not in log.getvalue()
