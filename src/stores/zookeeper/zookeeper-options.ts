import { JobStoreError } from '../../errors.js';
import { findUnknownOption, unknownOptionMessage } from '../../unknown-option.js';

export interface ZooKeeperJobStoreOptions {
  /**
   * `zookeeper://host:port[,host:port...]/root/path`: the servers of the ensemble, and the path under
   * which the store keeps its znodes (created when missing). Query parameters `sessionTimeout`,
   * `connectTimeout` and `operationTimeout` set the options of those names. Default
   * `zookeeper://127.0.0.1:2181/horae`.
   */
  url?: string;
  /** The root path, overriding the URL's (`/billing/horae`). Default: the URL's path, else `/horae`. */
  root?: string;
  /** How long `start()` waits for a server before failing with `JobStoreError`, in ms. Default 5000. */
  connectTimeout?: number;
  /**
   * The ZooKeeper session timeout the store asks for, in ms (the server bounds it to 2 to 20 ticks).
   * An outage shorter than this keeps the session; a longer one starts a new session. Default 10000.
   */
  sessionTimeout?: number;
  /** How long one operation may wait for its reply before it fails, in ms. Default 10000. */
  operationTimeout?: number;
}

/** The options with the URL read and every default applied. */
export interface ResolvedOptions {
  hosts: string;
  root: string;
  connectTimeout: number;
  sessionTimeout: number;
  operationTimeout: number;
  /** The URL as messages show it. */
  shown: string;
}

const OPTION_KEYS = [
  'url',
  'root',
  'connectTimeout',
  'sessionTimeout',
  'operationTimeout',
] as const satisfies readonly (keyof ZooKeeperJobStoreOptions)[];

const TIMEOUTS = ['connectTimeout', 'sessionTimeout', 'operationTimeout'] as const;
const DEFAULTS = { connectTimeout: 5000, sessionTimeout: 10_000, operationTimeout: 10_000 };
const DEFAULT_URL = 'zookeeper://127.0.0.1:2181/horae';

/** Reads and checks the options; throws `JobStoreError` naming what is wrong. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new JobStoreError(
      `ZooKeeperJobStore options must be an object such as { url: '${DEFAULT_URL}' }, not ${
        JSON.stringify(options) ?? String(options)
      }`,
    );
  }
  const unknown = findUnknownOption(options, OPTION_KEYS);
  if (unknown !== undefined)
    throw new JobStoreError(unknownOptionMessage('ZooKeeperJobStore', unknown, OPTION_KEYS));
  const given = options as ZooKeeperJobStoreOptions;
  if (given.url !== undefined && typeof given.url !== 'string')
    throw new JobStoreError(`ZooKeeperJobStore url must be a string, not ${JSON.stringify(given.url)}`);
  const url = parseZooKeeperUrl(given.url ?? DEFAULT_URL);
  const resolved: ResolvedOptions = {
    hosts: url.hosts,
    root: checkRoot(given.root ?? url.root ?? '/horae', given.root === undefined ? 'the URL' : 'root'),
    shown: url.shown,
    ...DEFAULTS,
  };
  for (const key of TIMEOUTS) {
    const value = given[key] ?? url.params.get(key);
    if (value !== undefined) resolved[key] = checkTimeout(key, value, given[key] === undefined);
  }
  return resolved;
}

/**
 * Reads `zookeeper://host:port[,host:port...][/root/path][?param=value]`. WHATWG `URL` refuses a
 * list of hosts, so this reads the parts itself.
 */
export function parseZooKeeperUrl(text: string): {
  hosts: string;
  root: string | undefined;
  params: Map<string, string>;
  shown: string;
} {
  const match = /^zookeeper:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/i.exec(text);
  if (match === null) {
    throw new JobStoreError(
      `Invalid ZooKeeper URL ${JSON.stringify(text)}: expected zookeeper://host:port[,host:port...]/root/path`,
    );
  }
  const [, authority = '', path = '', query = ''] = match;
  if (authority.includes('@')) {
    throw new JobStoreError(
      `Invalid ZooKeeper URL ${JSON.stringify(text.replace(/\/\/[^@]*@/, '//***@'))}: credentials are not supported`,
    );
  }
  const hosts = authority.split(',');
  if (
    hosts.some((host) => !/^[^:,\s]+(:\d{1,5})?$/.test(host) && !/^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(host))
  ) {
    throw new JobStoreError(
      `Invalid ZooKeeper URL ${JSON.stringify(text)}: expected a comma-separated list of host:port before the path`,
    );
  }
  const params = new Map(new URLSearchParams(query));
  for (const key of params.keys()) {
    if (!(TIMEOUTS as readonly string[]).includes(key)) {
      throw new JobStoreError(
        `Unknown parameter "${key}" in ZooKeeper URL ${JSON.stringify(text)}; parameters are: ${TIMEOUTS.join(', ')}`,
      );
    }
  }
  const withPorts = hosts.map((host) => (/(:\d+)$/.test(host) ? host : `${host}:2181`)).join(',');
  return { hosts: withPorts, root: path === '' || path === '/' ? undefined : path, params, shown: text };
}

function checkRoot(root: unknown, where: string): string {
  const trimmed = typeof root === 'string' ? root.replace(/\/+$/, '') : root;
  if (
    typeof trimmed !== 'string' ||
    !trimmed.startsWith('/') ||
    trimmed
      .split('/')
      .slice(1)
      .some((part) => part === '' || part === '.' || part === '..') ||
    trimmed === '/zookeeper' ||
    trimmed.startsWith('/zookeeper/')
  ) {
    throw new JobStoreError(
      `ZooKeeperJobStore: invalid root path ${JSON.stringify(root)} in ${where}: expected an absolute path such as "/horae", outside /zookeeper`,
    );
  }
  return trimmed;
}

function checkTimeout(key: string, value: unknown, fromUrl: boolean): number {
  const number = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof number === 'number' && Number.isFinite(number) && number > 0) return number;
  const shown = fromUrl ? `${key}=${JSON.stringify(value)} in the URL` : `${key} ${JSON.stringify(value)}`;
  throw new JobStoreError(`ZooKeeperJobStore: invalid ${shown}: expected a positive number of milliseconds`);
}
