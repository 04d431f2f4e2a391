import type zookeeper from 'node-zookeeper-client';
import { afterAll, beforeAll, describe } from 'vitest';
import type { JobStore } from '../../src/stores/job-store.js';
import { ZooKeeperJobStore } from '../../src/stores/zookeeper/index.js';
import { encodeId } from '../../src/stores/zookeeper/zookeeper-layout.js';
import { serviceUrl } from '../helpers/services.js';
import { unreadableDocument } from '../helpers/sql.js';
import { dropRoot, getData, rawZooKeeper, setData, zkRoot, zkUrl } from '../helpers/zookeeper.js';
import { runJobStoreConformance } from './job-store.suite.js';

const url = serviceUrl('zookeeper');

describe.skipIf(url === undefined)('ZooKeeper', () => {
  const zkServer = url as string;
  // Every test gets its own root under this one, and the whole run is removed at the end.
  const runRoot = zkRoot(url, 'conformance');
  let raw: zookeeper.Client;
  let count = 0;

  beforeAll(async () => {
    raw = await rawZooKeeper(zkServer);
  });
  afterAll(() => {
    raw.close();
  });

  runJobStoreConformance({
    name: 'ZooKeeper',
    makeStore: () => new ZooKeeperJobStore({ url: zkUrl(zkServer, `${runRoot}/${++count}`) }),
    cleanup: () => dropRoot(zkServer, runRoot),
    unreadableJobs: {
      corruptJob: async (store: JobStore, id: string) => {
        const path = `${(store as ZooKeeperJobStore).root}/jobs/${encodeId(id)}`;
        await setData(raw, path, unreadableDocument(await getData(raw, path)));
      },
    },
  });
});
