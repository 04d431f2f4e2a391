#!/usr/bin/python3
"""Generates tests/data/apscheduler-cron-cases.json: fire times computed by APScheduler 3.

Run with Debian's Python and packages (apt-get install python3-apscheduler python3-sqlalchemy):

    /usr/bin/python3 tests/data/gen_apscheduler_cases.py > tests/data/apscheduler-cron-cases.json

Expressions are random but reproducible (fixed seed). They stay inside the part of the field
language where APScheduler 3 and Horae mean the same thing: weekdays are always written by NAME
(APScheduler 3 numbers Monday 0, Horae follows cron with Sunday 0), weekday ranges never wrap past
Sunday, and the zones have no DST in the years used (APScheduler 3's pytz handling of DST gaps and
repeated hours differs from Horae's SPEC section 3 policy).
"""

import json
import random
import sys
from datetime import datetime, timedelta

import apscheduler
import pytz
from apscheduler.triggers.cron import CronTrigger

WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
ORDINALS = ['1st', '2nd', '3rd', '4th', '5th', 'last']
ZONES = ['UTC', 'Asia/Kolkata', 'Asia/Tokyo']
FIRE_TIMES = 6


def numeric_item(rng, lo, hi):
    form = rng.choice(['value', 'range', 'range_step', 'start_step'])
    a = rng.randint(lo, hi)
    if form == 'value' or a == hi:
        return str(a)
    b = rng.randint(a, hi)
    if form == 'range':
        return '%d-%d' % (a, b)
    if form == 'range_step' and b > a:
        return '%d-%d/%d' % (a, b, rng.randint(1, b - a))
    return '%d/%d' % (a, rng.randint(1, hi - a))


def numeric(rng, lo, hi):
    form = rng.random()
    if form < 0.25:
        return '*'
    if form < 0.45:
        return '*/%d' % rng.randint(1, hi - lo)
    return ','.join(numeric_item(rng, lo, hi) for _ in range(rng.randint(1, 3)))


def month_field(rng):
    if rng.random() < 0.3:
        a = rng.randint(0, 11)
        b = rng.randint(a, 11)
        return MONTHS[a] if a == b else '%s-%s' % (MONTHS[a], MONTHS[b])
    return numeric(rng, 1, 12)


def day_field(rng):
    form = rng.random()
    if form < 0.15:
        return 'last'
    if form < 0.35:
        return '%s %s' % (rng.choice(ORDINALS), rng.choice(WEEKDAYS))
    return numeric(rng, 1, 31)


def weekday_field(rng):
    items = []
    for _ in range(rng.randint(1, 2)):
        a = rng.randint(0, 6)
        b = rng.randint(a, 6)
        items.append(WEEKDAYS[a] if a == b else '%s-%s' % (WEEKDAYS[a], WEEKDAYS[b]))
    return ','.join(items)


def random_fields(rng):
    fields = {}
    if rng.random() < 0.1:
        a = rng.randint(2000, 2045)
        fields['year'] = rng.choice(['%d' % a, '%d-%d' % (a, a + rng.randint(0, 6)), '%d/%d' % (a, rng.randint(1, 4))])
    if rng.random() < 0.35:
        fields['month'] = month_field(rng)
    if rng.random() < 0.4:
        fields['day'] = day_field(rng)
    if rng.random() < 0.1:
        fields['week'] = numeric(rng, 1, 53)
    if rng.random() < 0.35:
        fields['day_of_week'] = weekday_field(rng)
    if rng.random() < 0.7:
        fields['hour'] = numeric(rng, 0, 23)
    if rng.random() < 0.7:
        fields['minute'] = numeric(rng, 0, 59)
    if rng.random() < 0.3:
        fields['second'] = numeric(rng, 0, 59)
    return fields


def main():
    rng = random.Random(20240229)
    cases = []
    while len(cases) < 400:
        fields = random_fields(rng)
        zone = rng.choice(ZONES)
        tz = pytz.timezone(zone)
        try:
            trigger = CronTrigger(timezone=tz, **fields)
        except ValueError:
            continue
        start = datetime(2000, 1, 1) + timedelta(seconds=rng.randint(0, 40 * 365 * 86400))
        now = tz.localize(start)
        previous = None
        fire_times = []
        for _ in range(FIRE_TIMES):
            fire_time = trigger.get_next_fire_time(previous, now)
            if fire_time is None:
                break
            fire_times.append(fire_time.astimezone(pytz.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))
            previous = fire_time
            now = fire_time + timedelta(microseconds=1)
        renamed = {('dayOfWeek' if key == 'day_of_week' else key): value for key, value in fields.items()}
        cases.append({
            'fields': renamed,
            'timezone': zone,
            'start': tz.localize(start).astimezone(pytz.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
            'expected': fire_times,
        })
    json.dump({
        'generator': 'tests/data/gen_apscheduler_cases.py',
        'apscheduler': apscheduler.__version__ if hasattr(apscheduler, '__version__') else 'unknown',
        'cases': cases,
    }, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
