"""Gives each tensor-parallel rank on one machine its own share of the CPUs, before torch starts its threads.

Ranks that shared every CPU would each start a thread per CPU and time-slice against each other inside
every collective. A rank pinned to its share sizes torch's and OpenBLAS's pools (OMP_NUM_THREADS) and the
C kernels (the affinity mask) to that share. With fewer CPUs than ranks they all share.
"""

import os
from typing import List


def pin_rank(rank: int, size: int) -> List[int]:
    """Pins this process to rank `rank`'s share of the CPUs it may use; returns the share. Call before
    importing torch."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < size:
        return cpus
    per_rank = len(cpus) // size
    share = cpus[rank * per_rank:(rank + 1) * per_rank]
    os.sched_setaffinity(0, share)
    os.environ.setdefault("OMP_NUM_THREADS", str(len(share)))
    return share
