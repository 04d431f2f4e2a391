// The config module of `horae run`: scheduler options and the jobs to add, from a module the user
// writes.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../errors.js';
import type { JobCallable } from '../scheduler/scheduler.js';
import type { AddJobOptions, SchedulerOptions } from '../scheduler/options.js';
import type { TriggerAlias } from '../triggers/registry.js';
import type { Trigger } from '../triggers/trigger.js';
import { CliUsageError } from './cli-errors.js';

/**
 * One job of a config module: `addJob(func, trigger, options)` as one object, the trigger's own
 * options beside the job options: `{ func: './tasks.js:send', trigger: 'cron', hour: 9, id: 'send' }`.
 * A job with an `id` replaces the stored job of that id (unless `replaceExisting: false`), so the
 * module can be run again against a persistent store.
 */
export type ConfigJob = {
  func: JobCallable;
  trigger?: TriggerAlias | Trigger;
} & Record<string, unknown>;

/** What a config module exports, as `default` or as `config`: an object, or a function returning one. */
export interface HoraeConfig extends SchedulerOptions {
  jobs?: ConfigJob[];
}

/** The scheduler options and jobs of the module at `path`, read relative to the working directory. */
export async function loadConfig(
  path: string,
): Promise<{ options: SchedulerOptions; jobs: ConfigJob[]; dir: string }> {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new CliUsageError(`Config module ${JSON.stringify(path)} not found (looked for ${file})`, {
      field: 'config',
    });
  }
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  let exported = module.default ?? module.config;
  if (typeof exported === 'function') exported = await (exported as () => unknown)();
  if (exported === null || typeof exported !== 'object' || Array.isArray(exported)) {
    throw new CliUsageError(
      `Config module ${path} must export (as default, or as config) an object of scheduler options ` +
        'and jobs, or a function that returns one',
      { field: 'config' },
    );
  }
  const { jobs = [], ...options } = exported as HoraeConfig;
  if (!Array.isArray(jobs)) throw invalidJobs('jobs', jobs, 'an array of jobs');
  jobs.forEach((job: unknown, index) => {
    if (job === null || typeof job !== 'object' || Array.isArray(job)) {
      throw invalidJobs(
        `jobs[${index}]`,
        job,
        "an object such as { func: './tasks.js:send', trigger: 'cron', hour: 9 }",
      );
    }
    const { func } = job as ConfigJob;
    if (typeof func !== 'string' && typeof func !== 'function') {
      throw invalidJobs(`jobs[${index}].func`, func, 'a function, a module:export reference or a task name');
    }
  });
  return { options, jobs, dir: dirname(file) };
}

/** `addJob`'s arguments for `job`. */
export function addJobArguments(
  job: ConfigJob,
): [JobCallable, TriggerAlias | Trigger | undefined, AddJobOptions<Trigger>] {
  const { func, trigger, ...options } = job;
  const replace = options.id !== undefined && options.replaceExisting === undefined;
  return [func, trigger, { ...options, ...(replace ? { replaceExisting: true } : {}) }];
}

function invalidJobs(field: string, value: unknown, expected: string): InvalidArgumentError {
  const shown = typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value));
  return new InvalidArgumentError(`Invalid ${field} in the config module, ${shown}: expected ${expected}`, {
    field,
    value,
  });
}
