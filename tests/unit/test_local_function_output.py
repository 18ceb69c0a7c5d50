"""What the local runtime's terminal shows of a sandbox's output when the functions' logs go to files
(infra.local.sandbox.terminal_line, copy_output): warnings, errors and their tracebacks, and anything not JSON;
never INFO lines or metrics, which the function's log file keeps with everything else."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from infra.local.sandbox import copy_output, terminal_line


def powertools_line(level: str, message: str, **extra: object) -> bytes:
    return (json.dumps({"level": level, "location": "handler:12", "message": message, **extra}) + "\n").encode()


def test_errors_show_with_their_traceback_and_info_lines_do_not() -> None:
    # Given Powertools' lines at each level, a metrics line and a traceback line the worker printed
    error = powertools_line("ERROR", "fan-out failed", exception="Traceback ...\nClientError: AccessDeniedException")
    # Then the error shows with its exception, the warning shows, INFO, DEBUG and metrics do not, plain text does
    assert terminal_line(error, "F") == "[F] ERROR fan-out failed\nTraceback ...\nClientError: AccessDeniedException"
    assert terminal_line(powertools_line("WARNING", "slow"), "F") == "[F] WARNING slow"
    assert terminal_line(powertools_line("INFO", "request"), "F") is None
    assert terminal_line(b'{"_aws": {"CloudWatchMetrics": []}, "RouteLatency": [1.0]}\n', "F") is None
    assert terminal_line(b'  File "app.py", line 3, in handler\n', "F") == '[F]   File "app.py", line 3, in handler'
    assert terminal_line(b"\n", "F") is None


def test_the_log_file_keeps_every_line_and_the_terminal_the_loud_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a sandbox's output: an INFO line, an ERROR line
    lines = powertools_line("INFO", "request") + powertools_line("ERROR", "boom")
    log_file = tmp_path / "logs" / "F.log"
    # When it is copied
    copy_output(io.BytesIO(lines), log_file, "F").join(5)
    # Then the file holds both, the terminal the error only
    assert log_file.read_bytes() == lines
    assert capsys.readouterr().err == "[F] ERROR boom\n"
