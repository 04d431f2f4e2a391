// The etcd job store: jobs kept in an etcd cluster (the store under Kubernetes), shared safely by
// several scheduler processes.
//
// Not in the tutorials, whose list of stores predates etcd; it stands beside 000's ZooKeeper entry
// as its modern counterpart. Needs the `etcd3` package.
//
// Reads the server's URL from HORAE_ETCD_URL; without it, prints "skipped: set ..." and exits 0.
// With it, runs a job on two schedulers sharing the store (see shared-store-demo.ts) under a key
// prefix of its own, whose keys it deletes at the end. Prints "etcd: every run happened once".
// Run: HORAE_ETCD_URL=etcd://127.0.0.1:2379/horae-test npx tsx examples/store-etcd.ts
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { EtcdJobStore } from 'horae/stores/etcd';
import { demoSharedStore } from './shared-store-demo.js';

const url = process.env.HORAE_ETCD_URL;
if (url === undefined || url === '') {
  console.log('skipped: set HORAE_ETCD_URL (e.g. etcd://127.0.0.1:2379/horae-test) to run this example');
  process.exit(0);
}

// Keys of its own, so this example never touches other data.
const prefix = `horae-example/${randomBytes(4).toString('hex')}/`;
try {
  // In your application, simply: new EtcdJobStore({ url }), or the URL string itself in jobStores.
  await demoSharedStore('etcd', () => new EtcdJobStore({ url, prefix }));
} finally {
  const hosts = /^etcd:\/\/(?:[^@/]*@)?([^/?]+)/.exec(url)?.[1] ?? '127.0.0.1:2379';
  const etcd = new Etcd3({ hosts: hosts.split(',').map((host) => `http://${host}`) });
  await etcd.delete().prefix(prefix);
  etcd.close();
}
