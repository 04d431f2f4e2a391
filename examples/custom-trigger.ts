// A trigger of your own: implement the Trigger interface, and register it to use it by alias and
// to keep it in persistent stores.
//
// Mirrors tutorial 000 "自定义（trigger、job stores、executors、schedulers）", which points to
// APScheduler's "Extending APScheduler" guide. In Horae a trigger is a plain object with
// getNextFireTime(previous, now), toJSON() and toString(); job stores (the JobStore interface,
// registerJobStoreType) and executors (the Executor interface, registerExecutorType) extend the
// same way.
//
// The trigger here fires at each time of a list. Prints "list-job ran at +0.3 s" (and +0.6, +0.9)
// and "back from JSON: list[3 times]".
// Run: npx tsx examples/custom-trigger.ts
import { registerTriggerFactory, Scheduler, triggerFromJSON, type Trigger, type TriggerJSON } from 'horae';

interface ListTriggerOptions {
  runDates: (Date | string | number)[];
}

/** Fires once at each of the given times. Pure: the next time depends only on its arguments. */
class ListTrigger implements Trigger {
  readonly type = 'list';
  readonly jitter = null;
  readonly runDates: Date[];

  constructor(options: ListTriggerOptions) {
    this.runDates = options.runDates.map((date) => new Date(date)).sort((a, b) => a.getTime() - b.getTime());
  }

  // The contract: the earliest time strictly after previousFireTime, or (with none) at or after now.
  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null {
    const after = previousFireTime === null ? now.getTime() - 1 : previousFireTime.getTime();
    return this.runDates.find((date) => date.getTime() > after) ?? null;
  }

  toJSON(): TriggerJSON {
    return { type: 'list', version: 1, runDates: this.runDates.map((date) => date.toISOString()) };
  }

  toString(): string {
    return `list[${this.runDates.length} times]`;
  }
}

// Registering it makes addJob(fn, 'list', { runDates }) work, and lets stores read it back.
registerTriggerFactory({
  type: 'list',
  optionKeys: ['runDates'],
  create: (options) => new ListTrigger(options as unknown as ListTriggerOptions),
  fromJSON: (json) => new ListTrigger({ runDates: json.runDates as string[] }),
});

const start = Date.now();
const trigger = new ListTrigger({ runDates: [start + 300, start + 600, start + 900] });
console.log(
  `back from JSON: ${triggerFromJSON(JSON.parse(JSON.stringify(trigger)) as TriggerJSON).toString()}`,
);

const scheduler = new Scheduler();
let runs = 0;
const done = new Promise<void>((resolve) => scheduler.on('job_executed', () => ++runs === 3 && resolve()));
await scheduler.addJob(
  () => console.log(`list-job ran at +${((Date.now() - start) / 1000).toFixed(1)} s`),
  trigger,
  {
    id: 'list-job',
  },
);
await scheduler.start();
await done;
console.log(
  `after its last time the job is gone: getJob('list-job') = ${await scheduler.getJob('list-job')}`,
);
await scheduler.shutdown();
