"""Job functions for bench/python/apscheduler_executors.py, in a module of their own so that the
ProcessPoolExecutor can pickle references to them ("apscheduler_executors_jobs:noop")."""

import math


def noop():
    return None


def burn(n):
    """CPU-bound: n steps of floating-point work, the Python twin of bench's JavaScript `burn`."""
    x = 0.0
    for i in range(n):
        x += math.sqrt(i) % 7
    return round(x)
