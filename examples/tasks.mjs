// Job functions for the thread and process executors (executor-thread.ts, executor-process.ts,
// configuration.ts). A worker thread or child process cannot receive a function's closure, so
// those jobs name a function here by reference, './tasks.mjs:countPrimes', and the worker imports
// this module itself. It is plain JavaScript because the workers run plain Node, without tsx:
// in your own project, point the reference at your compiled .js file.
import { threadId } from 'node:worker_threads';

/** CPU-bound work: the number of primes below `limit`, by trial division (slow on purpose). */
export function countPrimes(limit) {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return { limit, primes: count, pid: process.pid, threadId };
}

/** Where the job ran: the process id and worker thread id (0 is a process's main thread). */
export function whereAmI(label) {
  return { label, pid: process.pid, threadId };
}

/** A job that takes its whole process down, to show that only one worker dies, not the scheduler. */
export function crash() {
  process.exit(3);
}
