"""APScheduler 3 side of the scheduler benchmark (bench/scheduler-fire.mjs runs it).

    /usr/bin/python3 bench/python/apscheduler_fire.py <oneshot|interval> [jobs] [lead_ms]

BackgroundScheduler with its defaults: MemoryJobStore, ThreadPoolExecutor(10), misfire grace
1 s, coalesce on. Prints one `RESULT {json}` line with the same fields as bench/scheduler-child.mjs.
"""

import json
import math
import resource
import sys
import threading
import time
from datetime import datetime, timezone

from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return float("nan")


def cpu_ms():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


def percentile(values, p):
    if not values:
        return None
    index = min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))
    return values[index]


def lateness_stats(values):
    values = sorted(values)
    return {
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "max": values[-1] if values else None,
    }


def to_datetime(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def one_shot(count, lead_ms):
    fired_at = [None] * count
    state = {"fired": 0, "early": 0, "duplicates": 0, "last": 0.0}
    lock = threading.Lock()
    due = []

    def hit(i):
        t = time.time() * 1000
        with lock:
            if fired_at[i] is not None:
                state["duplicates"] += 1
                return
            fired_at[i] = t
            state["fired"] += 1
            state["last"] = t
            if t < due[i]:
                state["early"] += 1

    scheduler = BackgroundScheduler()
    scheduler.start()
    baseline = status_kib("VmRSS")
    cpu_start = cpu_ms()
    start = int(time.time() * 1000)
    due.extend(start + lead_ms + (i * 2000) // count for i in range(count))
    add_start = time.perf_counter()
    for i in range(count):
        scheduler.add_job(hit, "date", run_date=to_datetime(due[i]), args=[i])
    add_ms = (time.perf_counter() - add_start) * 1000

    last_due = due[-1]
    while True:
        time.sleep(0.1)
        if state["fired"] == count:
            break
        now = time.time() * 1000
        if now > last_due + 20_000 and now - max(state["last"], last_due) > 20_000:
            break
        if now > last_due + 600_000:
            break
    time.sleep(0.2)
    cpu = cpu_ms() - cpu_start
    lateness = [fired_at[i] - due[i] for i in range(count) if fired_at[i] is not None]
    fires = [t for t in fired_at if t is not None]
    span = max(fires) - min(fires) if len(fires) > 1 else None
    peak = status_kib("VmHWM")
    scheduler.shutdown(wait=False)
    return {
        "jobs": count,
        "leadMs": lead_ms,
        "addMs": add_ms,
        "peakRssMiB": peak / 1024,
        "baselineRssMiB": baseline / 1024,
        "lateness": lateness_stats(lateness),
        "minLateness": min(lateness) if lateness else None,
        "early": state["early"],
        "fired": state["fired"],
        "duplicates": state["duplicates"],
        "firesPerSecond": state["fired"] / span * 1000 if span else None,
        "fireSpanMs": span,
        "cpuMs": cpu,
    }


def interval(count):
    expected = count * 10
    # The k-th run of job j and the k-th EVENT_JOB_EXECUTED of job j are the same run: with
    # max_instances=1 the runs of one job never overlap. The event carries the scheduled time.
    fires = [[] for _ in range(count)]
    scheduled = [[] for _ in range(count)]
    lock = threading.Lock()

    def hit(j):
        t = time.time() * 1000
        with lock:
            fires[j].append(t)

    def listener(event):
        with lock:
            scheduled[int(event.job_id)].append(event.scheduled_run_time.timestamp() * 1000)

    scheduler = BackgroundScheduler()
    scheduler.add_listener(listener, EVENT_JOB_EXECUTED)
    scheduler.start()
    baseline = status_kib("VmRSS")
    start = time.time() * 1000
    t0 = math.ceil((start + 2000) / 1000) * 1000
    add_start = time.perf_counter()
    for j in range(count):
        scheduler.add_job(hit, "interval", seconds=1, start_date=to_datetime(t0), args=[j], id=str(j))
    add_ms = (time.perf_counter() - add_start) * 1000
    if time.time() * 1000 > t0 - 600:
        raise RuntimeError(f"adding took too long ({add_ms:.0f} ms) for the window")

    time.sleep(max(0, (t0 - 500 - time.time() * 1000) / 1000))
    window_start = time.time() * 1000
    cpu_start = cpu_ms()
    time.sleep(max(0, (t0 + 9500 - time.time() * 1000) / 1000))
    cpu = cpu_ms() - cpu_start
    window_ms = time.time() * 1000 - window_start

    def observed_runs():
        n = 0
        with lock:
            for j in range(count):
                n += sum(1 for s in scheduled[j] if t0 <= s < t0 + 10_000)
        return n

    while True:
        time.sleep(0.2)
        if observed_runs() >= expected or time.time() * 1000 > t0 + 15_000:
            break
    peak = status_kib("VmHWM")
    scheduler.shutdown(wait=False)
    lateness = []
    observed = outside = early = 0
    with lock:
        for j in range(count):
            for fire, sched in zip(fires[j], scheduled[j]):
                if not (t0 <= sched < t0 + 10_000):
                    outside += 1
                    continue
                observed += 1
                lateness.append(fire - sched)
                if fire < sched:
                    early += 1
    return {
        "jobs": count,
        "expected": expected,
        "addMs": add_ms,
        "observed": observed,
        "duplicates": 0,
        "outside": outside,
        "early": early,
        "lateness": lateness_stats(lateness),
        "cpuMs": cpu,
        "cpuWindowMs": window_ms,
        "peakRssMiB": peak / 1024,
        "baselineRssMiB": baseline / 1024,
    }


def main():
    scenario = sys.argv[1] if len(sys.argv) > 1 else "oneshot"
    if scenario == "oneshot":
        jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
        lead = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
        result = one_shot(jobs, lead)
    elif scenario == "interval":
        jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
        result = interval(jobs)
    else:
        sys.exit("scenario must be oneshot or interval")
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
