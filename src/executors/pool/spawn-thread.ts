import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { WorkerMessage } from './protocol.js';
import type { Spawner } from './worker-handle.js';

/**
 * Starts a worker thread running `source`, its heap capped by `resourceLimits` when a limit is
 * given. Requests go over a channel of their own, and each one also bumps a shared counter the
 * idle worker waits on with `Atomics.wait` (see `THREAD_SOURCE`): waking a thread that way is
 * several times cheaper than through its event loop, which is what bounds a pool's dispatch rate.
 */
export const spawnThread: Spawner = ({ source, memoryLimitMb }, events) => {
  const { port1, port2 } = new MessageChannel();
  const requests = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(source, {
    eval: true,
    workerData: { port: port2, requests },
    transferList: [port2],
    resourceLimits: memoryLimitMb === undefined ? undefined : { maxOldGenerationSizeMb: memoryLimitMb },
  });
  let error: unknown;
  port1.on('message', events.message);
  worker.on('error', (cause) => {
    error = cause;
  });
  worker.once('exit', (exitCode) => {
    // The exit can be seen before the port's last messages (a thread reports its fatal error, then
    // exits; a busy main thread then finds both pending, in either order): read them before closing.
    for (let left = receiveMessageOnPort(port1); left !== undefined; left = receiveMessageOnPort(port1)) {
      events.message(left.message as WorkerMessage);
    }
    port1.close();
    events.exit({ exitCode, signal: null, error });
  });
  return {
    id: worker.threadId,
    send: (message) => {
      port1.postMessage(message);
      Atomics.add(requests, 0, 1);
      Atomics.notify(requests, 0, 1);
    },
    terminate: async () => {
      worker.ref();
      await worker.terminate();
    },
    ref: () => {
      worker.ref();
      port1.ref();
    },
    unref: () => {
      worker.unref();
      port1.unref();
    },
  };
};
