// The preload script of examples/electron/main.ts: what the page may use of the scheduler, and
// nothing more (contextIsolation keeps ipcRenderer itself out of the page).
import { contextBridge, ipcRenderer } from 'electron';

contextBridge.exposeInMainWorld('horae', {
  jobs: () => ipcRenderer.invoke('horae:jobs'),
  runNow: (id: string) => ipcRenderer.invoke('horae:run-now', id),
  onJobFinished: (listener: (result: unknown) => void) =>
    ipcRenderer.on('horae:job-finished', (_event, result) => listener(result)),
  onProgress: (listener: (progress: unknown) => void) =>
    ipcRenderer.on('horae:progress', (_event, progress) => listener(progress)),
});
