import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Spawner } from './worker-handle.js';

/** Grace between SIGTERM and SIGKILL when terminating a worker process. */
const KILL_GRACE_MS = 1000;
/** How long to wait, after a worker process exits, for the rest of its stderr. */
const STDERR_GRACE_MS = 100;
const STDERR_TAIL = 4096;
/** How V8 starts the report it prints when a process runs out of memory. */
const OOM_REPORT = '<--- Last few GCs --->';

/**
 * Starts a Node process running `source` with an IPC channel in `advanced` serialization (structured
 * clone), its heap capped by `--max-old-space-size` when a limit is given. Its stdout is the
 * parent's; its stderr is copied to the parent's and the end kept, to tell an out-of-memory death.
 * V8's out-of-memory report (some 30 lines of heap figures and native frames) is kept in that end
 * but not copied: the run's `WorkerCrashedError` says what happened in one line.
 */
export const spawnProcess: Spawner = ({ source, memoryLimitMb }, events) => {
  const execArgv = memoryLimitMb === undefined ? [] : [`--max-old-space-size=${memoryLimitMb}`];
  const child = spawn(process.execPath, [...execArgv, '-e', source], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'advanced',
    windowsHide: true,
  });
  let stderrTail = '';
  let stderrEnded = false;
  const stderr = child.stderr as Socket | null;
  let dying = false;
  stderr?.on('data', (chunk: Buffer) => {
    if (!dying) {
      const text = chunk.toString('utf8');
      const report = text.indexOf(OOM_REPORT);
      dying = report !== -1;
      if (!dying) process.stderr.write(chunk);
      else if (report > 0) process.stderr.write(text.slice(0, report));
    }
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  stderr?.once('end', () => {
    stderrEnded = true;
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    const report = (exitCode: number | null, signal: string | null, error?: unknown) => {
      if (exited) return;
      exited = true;
      resolve();
      let reported = false;
      const done = () => {
        if (reported) return;
        reported = true;
        events.exit({ exitCode, signal, error, stderrTail });
      };
      if (stderrEnded || stderr === null) {
        done();
        return;
      }
      const timer = setTimeout(done, STDERR_GRACE_MS);
      stderr.once('end', () => {
        clearTimeout(timer);
        done();
      });
    };
    child.once('exit', (exitCode, signal) => report(exitCode, signal));
    // 'error' without 'exit' means the process could not be started at all.
    child.on('error', (error) => {
      if (child.pid === undefined) report(null, null, error);
    });
  });
  child.on('message', events.message);
  return {
    id: child.pid ?? -1,
    send: (message) => {
      if (!child.connected) throw new Error(`Worker process ${child.pid} is not connected`);
      child.send(message);
    },
    terminate: async () => {
      if (exited) return;
      // An unref'd child would let the event loop end before its exit is seen.
      child.ref();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      timer.unref();
      await exit;
      clearTimeout(timer);
    },
    ref: () => {
      child.ref();
      child.channel?.ref();
      stderr?.ref();
    },
    unref: () => {
      child.unref();
      child.channel?.unref();
      stderr?.unref();
    },
  };
};
