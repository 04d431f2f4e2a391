// One scheduler per server process. Next.js bundles instrumentation.js and the routes separately,
// and `next dev` evaluates modules again on every change, so a module-level variable would make a
// second scheduler (and double every run): the one scheduler lives on globalThis instead.
import { Scheduler } from 'horae';

const KEY = Symbol.for('horae.nextjs.scheduler');

/**
 * @typedef {{ scheduler: Scheduler, started: Promise<void>, heartbeats: number }} Held
 */

/** The process's scheduler, made and started on the first call; later calls return the same one. */
export function startScheduler() {
  globalThis[KEY] ??= create();
  return globalThis[KEY].started;
}

/**
 * The process's scheduler, once instrumentation.js has started it.
 * @returns {Held}
 */
export function getScheduler() {
  const held = globalThis[KEY];
  if (held === undefined) throw new Error('The scheduler is not started: is instrumentation.js in place?');
  return held;
}

/** @returns {Held} */
function create() {
  // A persistent store shared by every instance of the app runs each scheduled run once:
  // set HORAE_STORE_URL=postgres://... (and jobs are stored by task name, registered below).
  const url = process.env.HORAE_STORE_URL;
  const scheduler = new Scheduler(url === undefined ? {} : { jobStores: { default: url } });
  const held = { scheduler, started: Promise.resolve(), heartbeats: 0 };
  held.started = (async () => {
    await scheduler.registerTask('heartbeat', () => {
      held.heartbeats++;
    });
    await scheduler.registerTask('nightly-report', () => console.log('nightly report sent'));
    // Stable ids with replaceExisting: a restart (or a second instance) updates the stored job
    // instead of adding another copy.
    await scheduler.addJob('heartbeat', 'interval', { seconds: 0.5, id: 'heartbeat', replaceExisting: true });
    await scheduler.addJob('nightly-report', 'cron', {
      hour: 2,
      minute: 0,
      id: 'nightly-report',
      replaceExisting: true,
    });
    await scheduler.start();
    console.log(`horae: scheduler started in process ${process.pid}`);
  })();
  // Next.js exits at once on SIGTERM and SIGINT unless NEXT_MANUAL_SIG_HANDLE is set: with it set,
  // these handlers let the running jobs finish (and their run records be written) before exiting.
  if (process.env.NEXT_MANUAL_SIG_HANDLE) {
    const stop = (signal) => {
      void scheduler
        .shutdown()
        .catch((error) => console.error('horae: shutdown failed', error))
        .finally(() => {
          console.log(`horae: drained on ${signal}`);
          process.exit(0);
        });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  }
  return held;
}
