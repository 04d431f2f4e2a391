/**
 * Resolves once `condition` holds, polling it every `intervalMs`; rejects naming what it waited for
 * (`what`, or what it returns at the deadline) after `timeoutMs`. Deadlines are generous on purpose:
 * on a loaded CI machine starting a worker or a process takes seconds, and a test that passes there
 * must only ever fail for a real fault.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 15_000,
  intervalMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    }
    await new Promise((wake) => setTimeout(wake, intervalMs));
  }
}
