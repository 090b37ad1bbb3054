"""Scratch directories for the fuzz targets (shared by ``fuzz_ingest.py`` and ``fuzz_extract.py``)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def scratch_dir(kind: str, base: Path | None = None) -> Path:
    """A per-process scratch directory ``kg-fuzz-<kind>-<pid>`` under ``base`` (default: the
    temporary directory). libFuzzer ends the process without running ``atexit`` handlers, so
    the directories of processes that are gone are removed here, at the next start."""
    base = base or Path(tempfile.gettempdir())
    for old in base.glob(f"kg-fuzz-{kind}-*"):
        pid = old.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    path = base / f"kg-fuzz-{kind}-{os.getpid()}"
    path.mkdir(exist_ok=True)
    atexit.register(shutil.rmtree, path, True)  # when the process does end normally (an import)
    return path
