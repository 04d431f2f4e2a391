import { createElement as h } from 'react';
import { getScheduler } from '../lib/scheduler.js';

// Rendered per request, never prerendered at build time (when no scheduler runs).
export const dynamic = 'force-dynamic';

// eslint-disable-next-line no-restricted-syntax -- Next.js takes the page as the default export
export default async function Home() {
  const jobs = await getScheduler().scheduler.getJobs();
  return h(
    'main',
    null,
    h('h1', null, 'Scheduled jobs'),
    h(
      'ul',
      null,
      jobs.map((job) =>
        h(
          'li',
          { key: job.id },
          `${job.id}: ${job.trigger}, next run ${job.nextRunTime?.toISOString() ?? 'paused'}`,
        ),
      ),
    ),
  );
}
