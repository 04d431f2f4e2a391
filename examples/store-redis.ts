// The Redis job store: persistent (as far as Redis persists), and shared safely by several
// scheduler processes.
//
// Mirrors tutorial 000's list of job stores ("Redis") and tutorial 004's
// `apscheduler.jobstores.redis.RedisJobStore` ("使用 redis 存储"). Needs the `ioredis` package.
//
// Reads the server's URL from HORAE_REDIS_URL; without it, prints "skipped: set ..." and exits 0.
// With it, runs a job on two schedulers sharing the store (see shared-store-demo.ts) under a key
// prefix of its own, whose keys it deletes at the end. Prints "Redis: every run happened once".
// Run: HORAE_REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/store-redis.ts
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisJobStore } from 'horae/stores/redis';
import { demoSharedStore } from './shared-store-demo.js';

const url = process.env.HORAE_REDIS_URL;
if (url === undefined || url === '') {
  console.log('skipped: set HORAE_REDIS_URL (e.g. redis://127.0.0.1:6379) to run this example');
  process.exit(0);
}

// Keys of its own, so this example never touches other data.
const prefix = `horae-example:${randomBytes(4).toString('hex')}:`;
try {
  // In your application, simply: new RedisJobStore({ url }), or the URL string itself in jobStores.
  await demoSharedStore('Redis', () => new RedisJobStore({ url, prefix }));
} finally {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}
