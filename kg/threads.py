"""Keeping the processes that parse single-threaded.

Once a Linux process has started a second thread (even one that has ended since), glibc's
malloc takes a lock on every call for the rest of the process's life, and spaCy's parse, which
allocates on every token, runs 12-15 % slower (measured here: 128 Wikinews articles, 6.1-6.3 s
of parse in a process that had a thread, 5.2-5.5 s in one that never had). Threads come from:

* OpenBLAS, which starts its thread pool when numpy is imported, unless told to use one thread
  (``OPENBLAS_NUM_THREADS``; OpenMP builds read ``OMP_NUM_THREADS``). kg's matrix products
  are small: one thread is also the fastest for them;
* a progress bar that redraws itself (:mod:`kg.progress` draws on each article instead);
* a thread watching for the parent's death in worker processes (:mod:`kg.parallel` asks the
  kernel instead).

The ``kg`` command calls :func:`single_threaded_blas` before anything imports numpy; worker
processes set :data:`SINGLE_THREAD_ENV` in their initializer. A program using kg as a library
gets the same speed by setting ``OPENBLAS_NUM_THREADS=1`` before it imports numpy.
"""

from __future__ import annotations

import os
import sys

__all__ = ["SINGLE_THREAD_ENV", "single_threaded_blas"]

# One thread for every BLAS library numpy may be built with.
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                     "BLIS_NUM_THREADS": "1"}


def single_threaded_blas() -> bool:
    """Give BLAS libraries one thread in this process, unless numpy is imported already (too
    late: its threads run) or the user chose a thread count; whether the setting was made."""
    if "numpy" in sys.modules or any(name in os.environ for name in (*SINGLE_THREAD_ENV, "GOTO_NUM_THREADS")):
        return False
    os.environ.update(SINGLE_THREAD_ENV)
    return True
