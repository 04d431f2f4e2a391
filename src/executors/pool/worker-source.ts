import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workerMain } from './worker-runtime.js';

/**
 * The URL of Horae's `job-context.js` for workers to load, so `currentJob()` works in a job there.
 * Only the built package has it as JavaScript; run from TypeScript sources (tests) it is `null`.
 */
function contextModule(): string | null {
  const url = new URL('../job-context.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url.href : null;
}

const runtime = workerMain.toString();
const context = JSON.stringify(contextModule());

/** How long an idle worker thread waits on `Atomics.wait` before it goes back to its event loop. */
const FAST_WAIT_MS = 2;

/**
 * The code of a worker thread (`new Worker(source, { eval: true })`, a CommonJS script). When idle
 * it blocks up to `FAST_WAIT_MS` on the request counter and takes a request straight off its port:
 * in a burst of runs it never sleeps in its event loop. After that it waits there as usual (timers
 * a job left behind are late by at most that much).
 */
export const THREAD_SOURCE = `'use strict';
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { port, requests } = workerData;
let seen = 0;
let listener = () => {};
(${runtime})({
  send(message, done) { port.postMessage(message); if (done !== undefined) done(); },
  onMessage(next) { listener = next; port.on('message', next); },
  idle() {
    const deadline = performance.now() + ${FAST_WAIT_MS};
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      Atomics.wait(requests, 0, seen, left);
      seen = Atomics.load(requests, 0);
      let entry = receiveMessageOnPort(port);
      if (entry === undefined) continue;
      for (; entry !== undefined; entry = receiveMessageOnPort(port)) listener(entry.message);
      return;
    }
  },
  exit(code) { process.exit(code); },
}, ${context});
`;

/** The code of a worker process (`node -e`): it exits when its parent's IPC channel closes. */
export const PROCESS_SOURCE = `'use strict';
process.on('disconnect', () => process.exit(0));
(${runtime})({
  send(message, done) { process.send(message, undefined, undefined, done === undefined ? undefined : () => done()); },
  onMessage(listener) { process.on('message', listener); },
  exit(code) { process.exit(code); },
}, ${context});
`;
