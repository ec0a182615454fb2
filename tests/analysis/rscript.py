"""Running ``r/reference.R`` (R ``survey``) from the tests, and what to do without R.

:func:`run_reference_script` runs the script once and reads its table;
:func:`require_reference` turns "R is not available" into a skip locally and a
failure when the environment variable ``CI`` is set (``make system-deps`` installs
r-base-core and r-cran-survey).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

R_SCRIPT = Path(__file__).parent / "r" / "reference.R"
R_TIMEOUT = 120

#: (dataset, design, quantity) → field → value (None where R left the cell blank).
RTable = dict[tuple[str, str, str], dict[str, float | None]]


def run_reference_script(source: Path, target: Path, items: Path | None = None,
                         designs: Sequence[str] | None = None) -> tuple[RTable, str] | str:
    """(R's figures, the R and survey versions) for the responses in ``source`` (and the
    item list ``items``, the ``designs``; see reference.R), or why R is unavailable.
    Raises AssertionError when the script fails for any other reason."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "Rscript is not on PATH"
    command = [rscript, "--vanilla", str(R_SCRIPT), str(source), str(target)]
    if items is not None or designs:
        command.append(str(items) if items is not None else "-")
    if designs:
        command.append(",".join(designs))
    proc = subprocess.run(command, capture_output=True, text=True, timeout=R_TIMEOUT)
    if proc.returncode != 0:
        if "there is no package called" in proc.stderr:
            return "the R package survey is not installed"
        raise AssertionError(f"{R_SCRIPT.name} failed (exit {proc.returncode}):\n{proc.stderr}")
    with target.open(newline="", encoding="utf-8") as handle:
        table = {
            (row["dataset"], row["design"], row["quantity"]):
                {k: float(v) if v else None for k, v in row.items()
                 if k not in ("dataset", "design", "quantity")}
            for row in csv.DictReader(handle)
        }
    return table, proc.stderr.strip().splitlines()[0]


def require_reference(r_run: tuple[RTable, str] | str) -> RTable:
    """R's table; without R a failure when CI is set, otherwise a skip."""
    if isinstance(r_run, str):
        if "CI" in os.environ:
            pytest.fail(f"{r_run}: CI is set, so the R comparison must run "
                        "(make system-deps installs r-base-core and r-cran-survey)",
                        pytrace=False)
        pytest.skip(f"{r_run} (make system-deps installs r-base-core and r-cran-survey; "
                    "with CI set this fails instead)")
    return r_run[0]
