/**
 * A statement, a command, a connection checkout or a close got no reply in time: the connection is
 * presumed dead. Shared by the SQL and Redis stores.
 */
export class NoReplyError extends Error {
  constructor(
    readonly timeoutMs: number,
    what: string,
  ) {
    super(`no reply within ${timeoutMs} ms (${what}); the connection is presumed dead`);
    this.name = 'NoReplyError';
  }
}

/**
 * `work`, or a `NoReplyError` after `timeoutMs`. A result that comes after the deadline goes to
 * `onLate` (to give back a pooled connection nobody waits for any more); a late failure is dropped.
 */
export function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number,
  what: string,
  onLate?: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new NoReplyError(timeoutMs, what));
    }, timeoutMs);
    work.then(
      (value) => {
        if (late) onLate?.(value);
        else {
          clearTimeout(timer);
          resolve(value);
        }
      },
      (error: unknown) => {
        if (late) return;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
