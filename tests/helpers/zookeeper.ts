// ZooKeeper for the tests: each test file works under its own root path (`zkRoot`), reached
// straight through node-zookeeper-client as another program would, and removed at the end.
import { randomBytes } from 'node:crypto';
import zookeeper from 'node-zookeeper-client';
import { ZooKeeperJobStore } from '../../src/stores/zookeeper/index.js';
import { parseZooKeeperUrl } from '../../src/stores/zookeeper/zookeeper-options.js';
import type { ProcessTarget } from './cluster.js';
import { serviceUrl } from './services.js';

/** A root path no other test run uses, under the URL's own root: `/horae-test/conformance-1a2b3c4d`. */
export function zkRoot(url: string | undefined, tag: string): string {
  const base = url === undefined ? undefined : parseZooKeeperUrl(url).root;
  return `${base ?? '/horae-test'}/${tag}-${randomBytes(4).toString('hex')}`;
}

/** The store URL of `root` on the server of `url`. */
export function zkUrl(url: string, root: string): string {
  return `zookeeper://${parseZooKeeperUrl(url).hosts}${root}`;
}

/** A raw client on the server of `url`, connected; close it with `client.close()`. */
export async function rawZooKeeper(url: string): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(parseZooKeeperUrl(url).hosts, { sessionTimeout: 10_000 });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ZooKeeper at ${url}`)), 10_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
  return client;
}

function call<T>(run: (done: (error: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    run((error, value) => (error ? reject(error) : resolve(value as T))),
  );
}

export function getData(client: zookeeper.Client, path: string): Promise<string> {
  return call<Buffer>((done) => client.getData(path, (error, data) => done(error, data))).then((data) =>
    data.toString('utf8'),
  );
}

export function setData(client: zookeeper.Client, path: string, data: string): Promise<void> {
  return call((done) => client.setData(path, Buffer.from(data), (error) => done(error)));
}

export function getChildren(client: zookeeper.Client, path: string): Promise<string[]> {
  return call((done) => client.getChildren(path, (error, children) => done(error, children)));
}

/** Removes `path` and everything under it; nothing when it does not exist. */
export async function removeTree(client: zookeeper.Client, path: string): Promise<void> {
  let children: string[];
  try {
    children = await getChildren(client, path);
  } catch (error) {
    if ((error as { code?: number }).code === zookeeper.Exception.NO_NODE) return;
    throw error;
  }
  await Promise.all(children.map((child) => removeTree(client, `${path}/${child}`)));
  await call((done) => client.remove(path, (error) => done(error))).catch((error: unknown) => {
    if ((error as { code?: number }).code !== zookeeper.Exception.NO_NODE) throw error;
  });
}

/** Removes the tree at `root` on the server of `url`, with a client of its own. */
export async function dropRoot(url: string, root: string): Promise<void> {
  const client = await rawZooKeeper(url);
  try {
    await removeTree(client, root);
  } finally {
    client.close();
  }
}

/** ZooKeeper for the process tests, each test under its own root path; `dispose()` removes them all. */
export function zookeeperTarget(): ProcessTarget {
  const base = serviceUrl('zookeeper');
  const root = zkRoot(base, 'processes');
  const url = (prefix: string) => zkUrl(base as string, `${root}/${prefix}`);
  return {
    name: 'ZooKeeper',
    storeModule: 'zookeeper',
    available: base !== undefined,
    prepare: async () => undefined,
    url,
    open: (prefix) => new ZooKeeperJobStore({ url: url(prefix) }),
    dispose: async () => {
      if (base !== undefined) await dropRoot(base, root);
    },
  };
}
