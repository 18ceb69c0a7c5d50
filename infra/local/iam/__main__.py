"""`python -m infra.local.iam report <usage-dir> [--template template.yaml] [--output FILE] [--strict]`.

Prints (or writes) the usage report of `infra.local.iam.report` as Markdown. `--strict`: exit 1 when a used
(action, resource) pair is not granted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.local.iam.report import build_report, render_markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local.iam", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="what each function used, next to what grants it (Markdown)")
    report.add_argument("usage_dir", type=Path, help="the folder CHIRP_IAM_USAGE_DIR named during the runs")
    report.add_argument(
        "--template", type=Path, help="report only this template's functions, and list those that made no call"
    )
    report.add_argument("--output", type=Path, help="write the Markdown here instead of standard output")
    report.add_argument("--strict", action="store_true", help="exit 1 when a used pair is not granted")
    arguments = parser.parse_args(argv)
    if not arguments.usage_dir.is_dir():
        parser.error(f"{arguments.usage_dir} is not a folder")
    built = build_report(arguments.usage_dir, arguments.template)
    markdown = render_markdown(built)
    if arguments.output:
        arguments.output.write_text(markdown + "\n", encoding="utf-8")
    else:
        print(markdown)
    return 1 if arguments.strict and built.not_granted else 0


if __name__ == "__main__":
    sys.exit(main())
