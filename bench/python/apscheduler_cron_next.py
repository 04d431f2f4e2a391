#!/usr/bin/python3
"""APScheduler 3's CronTrigger.get_next_fire_time in chains, for bench/cron-next.mjs.

Usage: /usr/bin/python3 bench/python/apscheduler_cron_next.py '<json>'
where <json> is {"count": N, "runs": R, "horizon": 3000, "cases": [{"label", "fields", "timezone", "start"}]}.
Prints {"<label>": [seconds of run 1, ...]} on stdout. A chain restarts from its start when the
trigger is exhausted or passes the horizon year, as the JavaScript side does.
"""

import json
import sys
import time
from datetime import datetime, timedelta

import pytz
from apscheduler.triggers.cron import CronTrigger

ONE_MICROSECOND = timedelta(microseconds=1)


def chain(trigger, start, count, horizon):
    previous = None
    now = start
    for _ in range(count):
        fire_time = trigger.get_next_fire_time(previous, now)
        if fire_time is None or fire_time.year >= horizon:
            previous, now = None, start
        else:
            previous, now = fire_time, fire_time + ONE_MICROSECOND


def main():
    spec = json.loads(sys.argv[1])
    results = {}
    for case in spec['cases']:
        zone = pytz.timezone(case['timezone'])
        trigger = CronTrigger(timezone=zone, **case['fields'])
        start = datetime.strptime(case['start'], '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=pytz.utc).astimezone(zone)
        chain(trigger, start, min(spec['count'], 2000), spec['horizon'])  # warm-up
        times = []
        for _ in range(spec['runs']):
            began = time.perf_counter()
            chain(trigger, start, spec['count'], spec['horizon'])
            times.append(time.perf_counter() - began)
        results[case['label']] = times
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()
