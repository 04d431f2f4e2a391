import type { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe } from 'vitest';
import type { JobStore } from '../../src/stores/job-store.js';
import { EtcdJobStore } from '../../src/stores/etcd/index.js';
import { dropPrefix, etcdPrefix, etcdUrl, rawEtcd } from '../helpers/etcd.js';
import { serviceUrl } from '../helpers/services.js';
import { unreadableDocument } from '../helpers/sql.js';
import { runJobStoreConformance } from './job-store.suite.js';

const url = serviceUrl('etcd');

describe.skipIf(url === undefined)('etcd', () => {
  const server = url as string;
  // Every test gets its own prefix under this one, and the whole run is deleted at the end.
  const runPrefix = etcdPrefix(server, 'conformance');
  let raw: Etcd3;
  let count = 0;

  beforeAll(() => {
    raw = rawEtcd(server);
  });
  afterAll(() => {
    raw.close();
  });

  runJobStoreConformance({
    name: 'etcd',
    makeStore: () => new EtcdJobStore({ url: etcdUrl(server, `${runPrefix}${++count}`) }),
    cleanup: () => dropPrefix(server, runPrefix),
    unreadableJobs: {
      corruptJob: async (store: JobStore, id: string) => {
        const key = `${(store as EtcdJobStore).prefix}jobs/${id}`;
        await raw.put(key).value(unreadableDocument((await raw.get(key).string()) as string));
      },
    },
  });
});
