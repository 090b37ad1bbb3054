"""Fault injection for crash-safety tests: ``KG_CRASH_AT=NAME`` kills the process at checkpoint NAME;
``KG_INTERRUPT_AT=NAME`` interrupts it there as Ctrl-C does (SIGINT).

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
    """SIGKILL this process (no cleanup, like a power cut) if ``$KG_CRASH_AT`` names this point;
    SIGINT it (Ctrl-C) if ``$KG_INTERRUPT_AT`` does."""
    if os.environ.get("KG_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get("KG_INTERRUPT_AT") == name:
        os.kill(os.getpid(), signal.SIGINT)  # KeyboardInterrupt at the next bytecode
