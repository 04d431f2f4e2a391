import type { JobState } from '../job-state.js';

/** At most this many run times are worked through per job per pass; the rest of a backlog is skipped. */
export const MAX_CATCH_UP_RUNS = 1000;

/** The `missed` list of most plans: shared, so it must never be written to. */
const NONE: Date[] = Object.freeze([]) as unknown as Date[];

export interface RunPlan {
  /** Run times to execute now, oldest first. */
  runTimes: Date[];
  /** Run times that are already past their misfire grace time. Read-only (often a shared empty list). */
  missed: readonly Date[];
  /** True when the backlog was too long and due runs past the first `MAX_CATCH_UP_RUNS` were skipped. */
  truncated: boolean;
  nextRunTime: Date | null;
  nextFireTime: Date | null;
}

/**
 * Works out what to do with a due job at `now`: which of its due run times to run, which are missed
 * (later than `misfireGraceTime`), and its next run time. With `coalesce`, only the latest due run
 * counts, as in APScheduler. The work is bounded: a job that was down for a year at one run per
 * second looks at no more than `MAX_CATCH_UP_RUNS` run times, then jumps to the present.
 */
export function planRuns(
  job: JobState,
  now: number,
  jitterMs: (trigger: JobState['trigger']) => number,
): RunPlan {
  let fire = job.nextFireTime ?? job.nextRunTime;
  let run = job.nextRunTime;
  let truncated = false;
  // With coalesce only the latest due run matters, so the others are counted, not kept.
  const due: Date[] | null = job.coalesce ? null : [];
  let latest: Date | null = null;
  let count = 0;
  let nowDate: Date | undefined;
  while (fire !== null && run !== null && run.getTime() <= now) {
    nowDate ??= dateOf(now);
    if (count >= MAX_CATCH_UP_RUNS) {
      // Jump: the first fire time at or after now, unless the trigger cannot skip ahead (date trigger).
      const ahead = job.trigger.getNextFireTime(null, nowDate);
      if (ahead === null || ahead.getTime() <= fire.getTime()) {
        fire = job.trigger.getNextFireTime(fire, nowDate);
      } else {
        fire = ahead;
      }
      truncated = true;
      run = jittered(fire, job.trigger, jitterMs);
      if (run !== null && run.getTime() <= now) continue;
      break;
    }
    count++;
    latest = run;
    due?.push(run);
    fire = job.trigger.getNextFireTime(fire, nowDate);
    run = jittered(fire, job.trigger, jitterMs);
  }
  const graceMs = job.misfireGraceTime === null ? Infinity : job.misfireGraceTime * 1000;
  let runTimes: Date[];
  let missed: Date[] = NONE;
  if (due === null) {
    // The usual case: one run (or none), decided without building lists.
    runTimes = latest === null || now - latest.getTime() > graceMs ? [] : [latest];
    if (latest !== null && runTimes.length === 0) missed = [latest];
  } else if (due.length === 0 || now - (due[0] as Date).getTime() <= graceMs) {
    // None missed (the oldest is within the grace time): the list of due runs is the one to run.
    runTimes = due;
  } else {
    runTimes = [];
    for (const time of due) {
      if (now - time.getTime() > graceMs) {
        if (missed === NONE) missed = [];
        missed.push(time);
      } else {
        runTimes.push(time);
      }
    }
  }
  return { runTimes, missed, truncated, nextRunTime: run, nextFireTime: run === null ? null : fire };
}

let lastDate = new Date(NaN);

/**
 * A `Date` for `ms`, the same one as last time when `ms` is: thousands of jobs planned (or added)
 * in the same millisecond share it. Triggers only read the `now` they are given.
 */
export function dateOf(ms: number): Date {
  if (lastDate.getTime() !== ms) lastDate = new Date(ms);
  return lastDate;
}

/** The run time of a fire time: the fire time itself (run times are never mutated) or jittered. */
function jittered(
  fire: Date | null,
  trigger: JobState['trigger'],
  jitterMs: (trigger: JobState['trigger']) => number,
): Date | null {
  if (fire === null) return null;
  const jitter = jitterMs(trigger);
  return jitter === 0 ? fire : new Date(fire.getTime() + jitter);
}

/** Random delay for one run of a trigger with `jitter` seconds, in whole milliseconds, never above `jitter`. */
export function jitterMs(trigger: JobState['trigger']): number {
  return trigger.jitter === null ? 0 : Math.floor(Math.random() * trigger.jitter * 1000);
}
