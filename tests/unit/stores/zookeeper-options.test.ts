// ZooKeeper store options and URLs: a list of hosts, the root path, timeouts from options or the
// URL, and a JobStoreError naming whatever is wrong. No server needed.
import { describe, expect, it } from 'vitest';
import { JobStoreError } from '../../../src/errors.js';
import { createJobStoreFromConfig, createJobStoreFromUrl } from '../../../src/stores/registry.js';
import { ZooKeeperJobStore } from '../../../src/stores/zookeeper/index.js';
import { resolveOptions } from '../../../src/stores/zookeeper/zookeeper-options.js';

function refusal(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(JobStoreError);
    return (error as Error).message;
  }
  throw new Error('expected a JobStoreError');
}

describe('ZooKeeper store options', () => {
  it('reads a list of hosts, the root path and timeouts from the URL', () => {
    expect(
      resolveOptions({ url: 'zookeeper://zk1:2181,zk2,[::1]:2182/billing/horae/?sessionTimeout=6000' }),
    ).toEqual({
      hosts: 'zk1:2181,zk2:2181,[::1]:2182',
      root: '/billing/horae',
      connectTimeout: 5000,
      sessionTimeout: 6000,
      operationTimeout: 10_000,
      shown: 'zookeeper://zk1:2181,zk2,[::1]:2182/billing/horae/?sessionTimeout=6000',
    });
    expect(resolveOptions({}).root).toBe('/horae');
    expect(resolveOptions({ url: 'zookeeper://zk:2181' }).root).toBe('/horae');
  });

  it('lets options win over the URL', () => {
    const resolved = resolveOptions({
      url: 'zookeeper://zk:2181/from-url?operationTimeout=100',
      root: '/from-option',
      operationTimeout: 250,
    });
    expect([resolved.root, resolved.operationTimeout]).toEqual(['/from-option', 250]);
  });

  it('names a bad URL, root, timeout or option', () => {
    expect(refusal(() => new ZooKeeperJobStore({ url: 'redis://zk:2181/x' }))).toContain(
      'expected zookeeper://host:port',
    );
    expect(refusal(() => new ZooKeeperJobStore({ url: 'zookeeper://zk:2181/x?prefix=a' }))).toContain(
      'Unknown parameter "prefix"',
    );
    expect(refusal(() => new ZooKeeperJobStore({ url: 'zookeeper://user:s3cret@zk:2181/x' }))).not.toContain(
      's3cret',
    );
    expect(refusal(() => new ZooKeeperJobStore({ root: 'horae' }))).toContain('invalid root path "horae"');
    expect(refusal(() => new ZooKeeperJobStore({ root: '/a//b' }))).toContain('invalid root path');
    expect(refusal(() => new ZooKeeperJobStore({ root: '/zookeeper/x' }))).toContain('outside /zookeeper');
    expect(refusal(() => new ZooKeeperJobStore({ sessionTimeout: -1 }))).toContain(
      'invalid sessionTimeout -1',
    );
    expect(refusal(() => new ZooKeeperJobStore({ url: 'zookeeper://zk/x?connectTimeout=soon' }))).toContain(
      'connectTimeout="soon" in the URL',
    );
    expect(
      refusal(
        () =>
          new ZooKeeperJobStore({ roots: '/x' } as unknown as ConstructorParameters<
            typeof ZooKeeperJobStore
          >[0]),
      ),
    ).toContain('Unknown ZooKeeperJobStore option "roots" (did you mean "root"?)');
  });

  it('is made from configuration and from a URL with several hosts', async () => {
    const configured = await createJobStoreFromConfig({ type: 'zookeeper', root: '/configured' });
    expect(configured).toBeInstanceOf(ZooKeeperJobStore);
    expect((configured as ZooKeeperJobStore).root).toBe('/configured');
    const fromUrl = await createJobStoreFromUrl('zookeeper://zk1:2181,zk2:2181/from/url');
    expect(fromUrl).toBeInstanceOf(ZooKeeperJobStore);
    expect((fromUrl as ZooKeeperJobStore).root).toBe('/from/url');
  });
});
