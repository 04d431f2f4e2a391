// etcd for the tests: each test file works under its own key prefix (`etcdPrefix`), reached
// straight through etcd3 as another program would, and deleted at the end.
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { EtcdJobStore } from '../../src/stores/etcd/index.js';
import { parseEtcdUrl } from '../../src/stores/etcd/etcd-connection.js';
import type { ProcessTarget } from './cluster.js';
import { serviceUrl } from './services.js';

/**
 * A key prefix no other test run uses, under the URL's own: `horae-test/conformance-1a2b3c4d/`.
 * Called while tests are collected, so it takes the URL of a skipped suite (`undefined`) too.
 */
export function etcdPrefix(url: string | undefined, tag: string): string {
  const base = url === undefined ? undefined : parseEtcdUrl(url).prefix;
  return `${base ?? 'horae-test'}/${tag}-${randomBytes(4).toString('hex')}/`;
}

/** The store URL of `prefix` on the server of `url` (its hosts, with another port when given). */
export function etcdUrl(url: string, prefix: string, port?: number): string {
  const hosts = port === undefined ? parseEtcdUrl(url).hosts.join(',') : `127.0.0.1:${port}`;
  return `etcd://${hosts}/${prefix.replace(/\/$/, '')}`;
}

/** A raw client on the server of `url`; close it with `client.close()`. */
export function rawEtcd(url: string): Etcd3 {
  return new Etcd3({ hosts: parseEtcdUrl(url).hosts.map((host) => `http://${host}`) });
}

/** Deletes every key under `prefix` on the server of `url`. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const client = rawEtcd(url);
  try {
    await client.delete().prefix(prefix);
  } finally {
    client.close();
  }
}

/** etcd for the process tests, each test under its own key prefix; `dispose()` deletes them all. */
export function etcdTarget(): ProcessTarget {
  const base = serviceUrl('etcd');
  const root = etcdPrefix(base, 'processes');
  return {
    name: 'etcd',
    storeModule: 'etcd',
    available: base !== undefined,
    prepare: async () => undefined,
    url: (prefix) => etcdUrl(base as string, root + prefix),
    open: (prefix) => new EtcdJobStore({ url: etcdUrl(base as string, root + prefix) }),
    dispose: async () => {
      if (base !== undefined) await dropPrefix(base, root);
    },
  };
}
