// maxInstances across the cluster (issue 13): a job with `maxInstances: 1` due every 300 ms whose
// runs take a second, on three scheduler processes sharing one store. The store counts its runs on
// every node, so its runs never overlap in time, whichever node runs them; the due times that come
// while one runs are refused (`job_max_instances`), on the nodes that did not run it too.
import { expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { FakeClock } from '../../../src/testing.js';
import { IntervalTrigger } from '../../../src/triggers/interval-trigger.js';
import { describeOnEachStore, useProcesses } from '../../helpers/cluster.js';
import { makeJob } from '../../helpers/jobs.js';
import { RECORD_SPAN, type ReportedEvent, type RunLine } from '../../helpers/processes.js';
import { uniquePrefix } from '../../helpers/sql.js';

const STEP_MS = 300;
const HOLD_MS = 1000;
const processes = useProcesses();

/** The refusals of a node that was not running the job when it refused it: counted in the store. */
function refusedElsewhere(events: readonly ReportedEvent[], spans: RunLine[]): ReportedEvent[] {
  return events.filter(
    (event) =>
      event.name === 'job_max_instances' &&
      spans.some(
        (run) => run.at <= event.at && event.at <= (run.end as number) && run.scheduler !== event.scheduler,
      ),
  );
}

describeOnEachStore('maxInstances across the cluster', (target) => {
  it('never runs two instances of a job at once on three nodes', async () => {
    const prefix = uniquePrefix('maxi');
    const store = target.open(prefix);
    await store.start({ alias: 'default', clock: new FakeClock(), logger: silentLogger });
    const cluster = processes.cluster(target, prefix);
    const nodes = await cluster.start(['a', 'b', 'c'], { scheduler: { leaseTime: 10, maxSleep: 0.2 } });
    const first = Date.now() + 500;
    const trigger = new IntervalTrigger({
      milliseconds: STEP_MS,
      startDate: new Date(first),
      timezone: 'UTC',
    });
    await store.addJob(
      makeJob('long', first, {
        func: RECORD_SPAN,
        trigger,
        args: [HOLD_MS],
        maxInstances: 1,
        misfireGraceTime: null,
        coalesce: false,
      }),
    );
    await store.shutdown();
    const events = () => nodes.flatMap((node) => node.events);
    // Until a node refused a run while another one ran the job, and a few runs have ended.
    await cluster.waitForRuns(
      (spans) => spans.length >= 5 && refusedElsewhere(events(), spans).length > 0,
      'five runs, and a refusal by a node that was not running the job',
      45_000,
    );
    await cluster.stop();
    expect(cluster.stderr()).not.toMatch(/\] error /);

    const spans = cluster.runs().sort((x, y) => x.at - y.at);
    const overlaps = spans
      .slice(1)
      .filter((run, i) => run.at < (spans[i]?.end as number))
      .map((run) => `${run.scheduler} started at ${run.at}, before the run before it ended`);
    expect(overlaps, JSON.stringify(spans)).toEqual([]);
    const refused = events().filter((event) => event.name === 'job_max_instances');
    const byNode = (list: { scheduler: string }[]) =>
      ['a', 'b', 'c'].map((id) => `${id} ${list.filter((item) => item.scheduler === id).length}`).join(', ');
    console.log(
      `${target.name}: ${spans.length} runs (${byNode(spans)}); ${refused.length} refused (${byNode(refused)})`,
    );
    expect(refusedElsewhere(refused, spans).length).toBeGreaterThan(0);
  }, 90_000);
});
