// A stand-in for Electron's own types, covering only what main.ts and preload.ts use, so they
// typecheck where Electron cannot be installed. The signatures follow Electron's API documentation;
// an app that installs `electron` has the real ones and does not need this file.
declare module 'electron' {
  interface Event {
    preventDefault(): void;
  }
  interface IpcMainInvokeEvent extends Event {
    readonly sender: WebContents;
  }
  interface IpcRendererEvent extends Event {
    readonly sender: unknown;
  }
  interface WebContents {
    send(channel: string, ...args: unknown[]): void;
  }
  interface BrowserWindowOptions {
    width?: number;
    height?: number;
    webPreferences?: { preload?: string; contextIsolation?: boolean; sandbox?: boolean };
  }
  export class BrowserWindow {
    constructor(options?: BrowserWindowOptions);
    static getAllWindows(): BrowserWindow[];
    readonly webContents: WebContents;
    loadFile(path: string): Promise<void>;
  }
  export const app: {
    whenReady(): Promise<void>;
    getPath(name: 'home' | 'appData' | 'userData' | 'temp' | 'logs'): string;
    quit(): void;
    on(event: 'before-quit' | 'will-quit', listener: (event: Event) => void): void;
    on(event: 'window-all-closed' | 'activate', listener: () => void): void;
  };
  export const ipcMain: {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  };
  export const ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): void;
  };
  export const contextBridge: {
    exposeInMainWorld(apiKey: string, api: Record<string, unknown>): void;
  };
}
