import { JobStoreError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { EtcdClient, EtcdKeyValue, EtcdWatcher } from './etcd-connection.js';
import type { EtcdKeys } from './etcd-keys.js';
import type { EtcdRequests } from './etcd-requests.js';

/**
 * Wakes the scheduler when another process changes the store: a job scheduled or moved (a put of an
 * index key) or a claim ended (a claim key deleted, by a release or by its etcd lease running out).
 * The store's own writes are passed over by their revision. Events of one turn of the event loop
 * make one wakeup; a watch that comes back after an outage wakes the scheduler once, as it may
 * have missed changes.
 */
export class EtcdWatch {
  private watchers: EtcdWatcher[] = [];
  private pending = false;
  private stopped = false;
  private down = false;

  constructor(
    private readonly client: EtcdClient,
    private readonly keys: EtcdKeys,
    private readonly requests: EtcdRequests,
    private readonly wakeup: () => void,
    private readonly logger: Logger,
    private readonly where: string,
  ) {}

  /** Opens the watches; fails with `JobStoreError` when they are not established within `timeoutMs`. */
  async start(timeoutMs: number): Promise<void> {
    const opening = Promise.all([
      this.client.watch().prefix(this.keys.due).only('put').create(),
      this.client.watch().prefix(this.keys.claims).only('delete').create(),
    ]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      this.watchers = await Promise.race([opening, timeout]);
    } catch (cause) {
      void opening
        .then((late) => Promise.all(late.map((watcher) => watcher.cancel())))
        .catch(() => undefined);
      throw new JobStoreError(`${this.where} cannot watch its keys: ${(cause as Error).message}`, { cause });
    } finally {
      clearTimeout(timer);
    }
    for (const watcher of this.watchers) {
      watcher.on('put', (kv) => this.changed(kv));
      watcher.on('delete', (kv) => this.changed(kv));
      watcher.on('disconnected', (error) => this.lost(error));
      watcher.on('error', (error) => this.lost(error));
      watcher.on('connected', () => this.back());
    }
  }

  /** Cancels the watches, waiting at most `timeoutMs` for etcd to confirm (a silent connection never does). */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    const watchers = this.watchers;
    this.watchers = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled(watchers.map((watcher) => watcher.cancel())),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private changed(kv: EtcdKeyValue): void {
    if (!this.requests.isOwn(kv.mod_revision)) this.wake();
  }

  private lost(error: Error): void {
    if (this.stopped || this.down) return;
    this.down = true;
    this.logger.warn(`${this.where} lost its watch; it polls until the watch is back`, error);
  }

  private back(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info(`${this.where} is watching its keys again`);
    this.wake();
  }

  private wake(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      if (!this.stopped) this.wakeup();
    });
  }
}
