// Horae in an Electron app's main process (the role of APScheduler's QtScheduler): the scheduler
// starts when the app is ready, and quitting waits until it has drained (running jobs finished,
// their records written). Jobs talk to the windows over IPC, and the windows ask the main process
// to list jobs and run one now.
//
// A recipe, typechecked here (`npm run typecheck`) but never run: no Electron binary can be
// downloaded on the machines that build Horae. electron.d.ts beside this file types the part of
// Electron it uses; in an app, `npm install electron` brings the real types (delete the stand-in).
// Run in an Electron app: electron examples/electron/main.js (compiled), with preload.js beside it.
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain } from 'electron';
import { Scheduler, currentJob } from 'horae';
import { SqliteJobStore } from 'horae/stores/sqlite';

// One scheduler for the main process, its jobs in the user's data folder, so they survive a restart.
// (better-sqlite3 is a native module: rebuild it for Electron with @electron/rebuild.)
const scheduler = new Scheduler({
  jobStores: { default: new SqliteJobStore({ path: join(app.getPath('userData'), 'jobs.sqlite') }) },
});

/** Sends `payload` to every open window on `channel` (preload.ts hands it to the page). */
function broadcast(channel: string, payload: unknown): void {
  for (const window of BrowserWindow.getAllWindows()) window.webContents.send(channel, payload);
}

// A job that talks to the windows while it works: progress, then the result.
async function syncInbox(): Promise<number> {
  const { signal } = currentJob() ?? {};
  broadcast('horae:progress', { job: 'sync-inbox', step: 'fetching' });
  const response = await fetch('https://example.com/inbox.json', { signal });
  const messages = response.ok ? ((await response.json()) as unknown[]).length : 0;
  broadcast('horae:progress', { job: 'sync-inbox', step: 'done', messages });
  return messages;
}

// Every outcome reaches the windows, so a page can show the last run of each job.
scheduler.on('job_executed', (event) =>
  broadcast('horae:job-finished', { jobId: event.jobId, ok: true, result: event.retval }),
);
scheduler.on('job_error', (event) =>
  broadcast('horae:job-finished', { jobId: event.jobId, ok: false, error: String(event.exception) }),
);

// What the windows may ask (through preload.ts): the jobs, and a run now.
ipcMain.handle('horae:jobs', async () =>
  (await scheduler.getJobs()).map((job) => ({
    id: job.id,
    name: job.name,
    nextRunTime: job.nextRunTime?.toISOString() ?? null,
  })),
);
ipcMain.handle('horae:run-now', async (_event, id: unknown) => {
  if (typeof id !== 'string') throw new TypeError('horae:run-now takes a job id');
  await scheduler.runJob(id);
});

function openWindow(): void {
  const window = new BrowserWindow({
    width: 900,
    height: 600,
    webPreferences: { preload: join(import.meta.dirname, 'preload.js'), contextIsolation: true },
  });
  void window.loadFile(join(import.meta.dirname, 'index.html'));
}

// Start with the app.
await app.whenReady();
await scheduler.registerTask('sync-inbox', syncInbox);
// A stable id and replaceExisting: each launch updates the stored job instead of adding another.
await scheduler.addJob('sync-inbox', 'interval', { minutes: 5, id: 'sync-inbox', replaceExisting: true });
await scheduler.start();
openWindow();
app.on('activate', () => {
  if (BrowserWindow.getAllWindows().length === 0) openWindow();
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Quit only once drained: the first before-quit is put off until the running jobs have finished
// (shutdown waits for them), then quitting goes on. A second quit while draining waits as well.
let drained = false;
let draining: Promise<void> | null = null;
app.on('before-quit', (event) => {
  if (drained) return;
  event.preventDefault();
  draining ??= scheduler
    .shutdown()
    .catch((error: unknown) => console.error('Horae did not shut down cleanly', error))
    .finally(() => {
      drained = true;
      app.quit();
    });
});
