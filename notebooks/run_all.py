#!/usr/bin/env python3
"""Re-run the notebooks with their full parameters: the figures in figures/<notebook>/ come from here.

Each notebook runs with papermill from the repository root, with the defaults of its parameters
cell unless overridden with -p; the executed copies (with outputs) go to runs/notebooks/executed/,
which git ignores, so the committed notebooks stay clean. A notebook that fails (a dataset not
downloaded, say) is reported in one line and the others still run; the exit code is 1 if any failed.

    python notebooks/run_all.py                          # every notebook; days on a CPU (see README.md)
    python notebooks/run_all.py fashion_mnist cifar10    # some of them
    python notebooks/run_all.py mnist -p epochs 2 -p limit 5000
    python notebooks/run_all.py --dry-run                # what would run, with which parameters
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
REPO = FOLDER.parent
DEFAULT_OUTPUT = REPO / "runs" / "notebooks" / "executed"


# Cheapest first, so that a long run yields its quick figures early; notebooks added later run after these.
ORDER = ["00_introduction", "01_utilities", "mnist", "fashion_mnist", "cifar10", "svhn", "cats", "celeba",
         "lsun_bedroom"]


def notebook_names() -> list[str]:
    """All notebooks in this folder, in ORDER, then any others in name order."""
    present = {path.stem for path in FOLDER.glob("*.ipynb")}
    return [name for name in ORDER if name in present] + sorted(present - set(ORDER))


def parse_value(text: str):
    """'3' -> 3, 'True' -> True, 'None' -> None, anything else stays a string (like papermill -p)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def plan(names: list[str], parameters: dict, output_dir: Path) -> list[tuple[Path, Path, dict]]:
    """(input notebook, executed copy, parameters) for each name; ValueError for an unknown name."""
    known = notebook_names()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"no notebook named {', '.join(unknown)}; choose from: {', '.join(known)}")
    return [(FOLDER / f"{name}.ipynb", output_dir / f"{name}.ipynb", dict(parameters)) for name in names or known]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks to run, without .ipynb (default: all)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="override a parameter in every notebook run, e.g. -p epochs 2")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="folder for the executed notebooks (default: runs/notebooks/executed/)")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (default: python3)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and run nothing")
    args = parser.parse_args(argv)
    parameters = {name: parse_value(value) for name, value in args.parameter}
    try:
        runs = plan(args.names, parameters, args.output)
    except ValueError as error:
        print(f"run_all.py: {error}", file=sys.stderr)
        return 2
    if args.dry_run:
        for source, target, values in runs:
            print(f"{source.relative_to(REPO)} -> {target}  {values or '(notebook defaults)'}")
        return 0

    import papermill

    args.output.mkdir(parents=True, exist_ok=True)
    failed = []
    for source, target, values in runs:
        started = time.perf_counter()
        print(f"{source.name}: running, executed copy -> {target}", flush=True)
        try:
            papermill.execute_notebook(str(source), str(target), parameters=values, kernel_name=args.kernel,
                                       cwd=str(REPO), progress_bar=True)
        except papermill.PapermillExecutionError as error:
            failed.append(source.stem)
            print(f"{source.name}: FAILED in cell {error.exec_count}: {error.ename}: {error.evalue}", flush=True)
            continue
        print(f"{source.name}: done in {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)} (executed copies with the error are in {args.output})", file=sys.stderr)
        return 1
    print(f"all {len(runs)} notebooks ran; figures are in {REPO / 'figures'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
