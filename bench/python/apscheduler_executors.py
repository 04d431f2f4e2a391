"""APScheduler 3 side of the executor benchmark (bench/executors-bench.mjs runs it).

    /usr/bin/python3 bench/python/apscheduler_executors.py <dispatch|cpu> <thread|process> <workers> [runs] [work]

A BackgroundScheduler started paused holds one job; its executor (ThreadPoolExecutor or
ProcessPoolExecutor with `workers` workers) gets `runs` submissions of one run each through
`executor.submit_job`, the call the scheduler itself makes. The clock stops at the last
EVENT_JOB_EXECUTED. `dispatch` runs a no-op job; `cpu` runs `burn(work)`. Prints one
`RESULT {json}` line; for `cpu` it also times one run of the job alone (`jobMs`).
"""

import json
import os
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(__file__))

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED  # noqa: E402
from apscheduler.executors.pool import ProcessPoolExecutor, ThreadPoolExecutor  # noqa: E402
from apscheduler.schedulers.background import BackgroundScheduler  # noqa: E402

import apscheduler_executors_jobs as jobs  # noqa: E402


def cpu_ticks():
    """Busy clock ticks of the whole machine, and of this process with its reaped children (/proc)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    with open("/proc/self/stat") as f:
        own = f.read().split(") ")[1].split()
    return sum(fields) - fields[3] - fields[4], sum(int(own[i]) for i in (11, 12, 13, 14))


def main():
    scenario, kind, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    work = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    job_ms = None
    if scenario == "cpu":
        jobs.burn(work)
        begin = time.perf_counter()
        jobs.burn(work)
        job_ms = (time.perf_counter() - begin) * 1000
    executor = ThreadPoolExecutor(workers) if kind == "thread" else ProcessPoolExecutor(workers)
    scheduler = BackgroundScheduler(executors={"default": executor}, timezone=timezone.utc)
    done = threading.Event()
    count = {"ok": 0, "error": 0}

    def listener(event):
        count["ok" if event.code == EVENT_JOB_EXECUTED else "error"] += 1
        if count["ok"] + count["error"] >= total[0]:
            done.set()

    scheduler.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start(paused=True)
    func = jobs.noop if scenario == "dispatch" else jobs.burn
    args = [] if scenario == "dispatch" else [work]
    job = scheduler.add_job(
        func,
        "date",
        run_date=datetime.now(timezone.utc) + timedelta(days=1),
        args=args,
        max_instances=runs + workers,
        misfire_grace_time=None,
    )
    pool = scheduler._lookup_executor("default")

    # Warm-up: start every worker (processes fork lazily) before the clock starts.
    total = [workers]
    for _ in range(workers):
        pool.submit_job(job, [datetime.now(timezone.utc)])
    done.wait(60)
    done.clear()
    count["ok"] = count["error"] = 0

    total[0] = runs
    machine_before, own_before = cpu_ticks()
    started = time.perf_counter()
    for _ in range(runs):
        pool.submit_job(job, [datetime.now(timezone.utc)])
    finished = done.wait(600)
    elapsed = time.perf_counter() - started
    scheduler.shutdown(wait=True)
    machine_after, own_after = cpu_ticks()
    window = time.perf_counter() - started
    others = (machine_after - machine_before - (own_after - own_before)) / 100 / window
    result = {
        "scheduler": f"APScheduler {kind}pool",
        "scenario": scenario,
        "workers": workers,
        "runs": runs,
        "errors": count["error"],
        "complete": finished,
        "ms": elapsed * 1000,
        "runsPerSecond": runs / elapsed,
        "jobMs": job_ms,
        "othersCores": others,
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
