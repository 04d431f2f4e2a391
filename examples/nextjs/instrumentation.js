// Next.js calls register() once when a server process starts (next start, next dev, and each
// worker of a self-hosted deployment). The scheduler only runs in the Node.js runtime: the Edge
// runtime has no timers that outlive a request, and this file is compiled for both.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startScheduler } = await import('./lib/scheduler.js');
  await startScheduler();
}
