"""Processes that parse stay single-threaded (kg.threads): each case runs in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.threads import SINGLE_THREAD_ENV

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")

THREADS = "len(os.listdir('/proc/self/task'))"


def _run(code: str, **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SINGLE_THREAD_ENV and k != "GOTO_NUM_THREADS"}
    proc = subprocess.run([sys.executable, "-c", "import os\n" + code], capture_output=True, text=True,
                          env={**clean, **env}, cwd=ROOT, timeout=120, check=True)
    return proc.stdout.split()


def test_blas_gets_one_thread_when_set_before_numpy():
    applied, threads, openblas = _run(
        "from kg.threads import single_threaded_blas\n"
        "applied = single_threaded_blas()\n"
        "import numpy\n"
        f"print(applied, {THREADS}, os.environ['OPENBLAS_NUM_THREADS'])")
    assert (applied, threads, openblas) == ("True", "1", "1")


def test_a_users_thread_count_or_numpy_loaded_first_are_left_alone():
    assert _run("from kg.threads import single_threaded_blas\n"
                "print(single_threaded_blas(), os.environ['OMP_NUM_THREADS'], 'OPENBLAS_NUM_THREADS' in os.environ)",
                OMP_NUM_THREADS="2") == ["False", "2", "False"]
    assert _run("import numpy\nfrom kg.threads import single_threaded_blas\n"
                "print(single_threaded_blas(), 'OPENBLAS_NUM_THREADS' in os.environ)") == ["False", "False"]


def test_the_kg_command_runs_with_one_thread_once_numpy_is_loaded():
    # (the kg command module makes the setting when it is imported, before any command runs)
    assert _run(f"import kg.cli\nimport numpy, spacy\nprint({THREADS})") == ["1"]
