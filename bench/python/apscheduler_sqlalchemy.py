"""APScheduler 3 with its SQLAlchemyJobStore on an SQLite file: the other side of
bench/stores-fire.mjs (which runs it; see there for what is measured).

    /usr/bin/python3 bench/python/apscheduler_sqlalchemy.py <jobs> <date|interval> <default|wal>

`default` is the store as APScheduler users get it (`sqlite:///file`, SQLite's rollback journal with
synchronous=FULL); `wal` sets the pragmas Horae's SqliteJobStore uses (journal_mode=WAL,
synchronous=NORMAL), so the comparison does not rest on fsyncs alone. Prints one JSON line.
"""

import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import create_engine, event

starts = []


def note():
    starts.append(time.time())


def main():
    jobs, scenario, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    directory = tempfile.mkdtemp(prefix="apscheduler-bench-")
    path = os.path.join(directory, "jobs.sqlite")
    engine = create_engine(f"sqlite:///{path}")
    if mode == "wal":
        # WAL is a property of the file, set once; synchronous is per connection, and SQLAlchemy 1.4
        # opens a connection per checkout for SQLite files (NullPool), so it is set on each.
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA journal_mode=WAL")

        @event.listens_for(engine, "connect")
        def pragmas(connection, _record):
            connection.execute("PRAGMA synchronous=NORMAL")

    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        executors={"default": ThreadPoolExecutor(100)},
        job_defaults={"misfire_grace_time": None, "coalesce": False},
        timezone="UTC",
    )
    done = threading.Event()
    lock = threading.Lock()
    executed = [0]

    def listener(_event):
        with lock:
            executed[0] += 1
            if executed[0] == jobs:
                done.set()

    scheduler.add_listener(listener, EVENT_JOB_EXECUTED)
    scheduler.start(paused=True)

    due = datetime.now(timezone.utc)
    add_start = time.perf_counter()
    for i in range(jobs):
        if scenario == "date":
            scheduler.add_job(note, "date", run_date=due, id=f"job-{i}")
        else:
            scheduler.add_job(note, "interval", seconds=60, next_run_time=due, id=f"job-{i}")
    add_seconds = time.perf_counter() - add_start

    instant = time.time()
    scheduler.resume()
    if not done.wait(timeout=900):
        raise SystemExit(f"only {executed[0]} of {jobs} jobs ran")
    lateness = sorted((start - instant) * 1000 for start in starts)
    scheduler.shutdown(wait=False)
    shutil.rmtree(directory, ignore_errors=True)

    def pick(q):
        return lateness[min(len(lateness) - 1, int(q * len(lateness)))]

    print(
        json.dumps(
            {
                "addRate": jobs / add_seconds,
                "fireRate": jobs / max(0.001, lateness[-1] / 1000),
                "p50": pick(0.5),
                "p99": pick(0.99),
                "max": lateness[-1],
            }
        )
    )


if __name__ == "__main__":
    main()
