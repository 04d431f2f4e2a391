import { existsSync } from 'node:fs';

/**
 * Which database servers the tests may use. A server is used when its environment variable holds
 * its URL. Without it, on CI (`CI` set) the tests fail: a missing service must never pass as a skip;
 * on a developer's machine the backend's suites are skipped after one line saying how to enable them.
 */
const SERVICES = {
  postgres: {
    env: 'HORAE_POSTGRES_URL',
    label: 'PostgreSQL',
    example: 'postgres://postgres@127.0.0.1:5432/test',
  },
  mysql: { env: 'HORAE_MYSQL_URL', label: 'MySQL/MariaDB', example: 'mysql://root@127.0.0.1:3306/test' },
  redis: { env: 'HORAE_REDIS_URL', label: 'Redis', example: 'redis://127.0.0.1:6379' },
  etcd: { env: 'HORAE_ETCD_URL', label: 'etcd', example: 'etcd://127.0.0.1:2379/horae-test' },
  zookeeper: {
    env: 'HORAE_ZOOKEEPER_URL',
    label: 'ZooKeeper',
    example: 'zookeeper://127.0.0.1:2181/horae-test',
  },
  mqtt: { env: 'HORAE_MQTT_URL', label: 'MQTT (Mosquitto)', example: 'mqtt://127.0.0.1:1883' },
  redisCluster: {
    env: 'HORAE_REDIS_CLUSTER_URL',
    label: 'Redis Cluster',
    example: 'redis+cluster://127.0.0.1:7000/?nodes=127.0.0.1:7001,127.0.0.1:7002',
  },
} as const;

export type Service = keyof typeof SERVICES;

function onCi(): boolean {
  return process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
}

/** The URL of `service`, or `undefined` when its tests are to be skipped (see `announceServices`). */
export function serviceUrl(service: Service): string | undefined {
  const { env, label, example } = SERVICES[service];
  const url = process.env[env];
  if (url !== undefined && url !== '') return url;
  if (onCi()) throw new Error(`${env} is not set, and CI must run the ${label} tests: set ${env}=${example}`);
  return undefined;
}

/** Debian's Chromium, which the dashboard's browser tests drive (no browser is downloaded). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * The Chromium binary of the browser tests, or `undefined` when it is missing and they are to be
 * skipped; on CI a missing Chromium fails the run (`.ci/run` installs it).
 */
export function chromiumPath(): string | undefined {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (onCi())
    throw new Error(`${CHROMIUM} is missing, and CI must run the browser tests: apt-get install chromium`);
  return undefined;
}

/**
 * Run once per `npm test` (vitest's global setup): on CI, fails at once when a service URL is
 * missing; elsewhere prints one line per backend whose tests will be skipped.
 */
export function announceServices(): void {
  for (const service of Object.keys(SERVICES) as Service[]) {
    const { env, label, example } = SERVICES[service];
    if (process.env[env] !== undefined && process.env[env] !== '') continue;
    if (onCi())
      throw new Error(`${env} is not set, and CI must run the ${label} tests: set ${env}=${example}`);
    console.log(`skipping ${label} tests: set ${env}=${example} to run them`);
  }
  if (chromiumPath() === undefined) {
    console.log(
      `skipping the dashboard's browser tests: install Debian's chromium (${CHROMIUM}) to run them`,
    );
  }
}
