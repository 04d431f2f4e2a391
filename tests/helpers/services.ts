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
} as const;

export type Service = keyof typeof SERVICES;

const announced = new Set<Service>();

/** The URL of `service`, or `undefined` (after one line on stdout) when its tests are to be skipped. */
export function serviceUrl(service: Service): string | undefined {
  const { env, label, example } = SERVICES[service];
  const url = process.env[env];
  if (url !== undefined && url !== '') return url;
  if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') {
    throw new Error(`${env} is not set, and CI must run the ${label} tests: set ${env}=${example}`);
  }
  if (!announced.has(service)) {
    announced.add(service);
    console.log(`skipping ${label} tests: set ${env}=${example} to run them`);
  }
  return undefined;
}
