"""Fault injection for crash-safety tests: ``KG_CRASH_AT=NAME`` kills the process at checkpoint NAME.

The build calls :func:`checkpoint` at the points where an interruption is most dangerous (between
cache batches, before and after the store sync, between output files). Unset, it costs one
dictionary lookup.
"""

from __future__ import annotations

import os
import signal

__all__ = ["checkpoint", "CHECKPOINTS"]

CHECKPOINTS = ("extracted-batch", "before-sync", "after-sync", "between-outputs")


def checkpoint(name: str) -> None:
    """SIGKILL this process (no cleanup, like a power cut) if ``$KG_CRASH_AT`` names this point."""
    if os.environ.get("KG_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
