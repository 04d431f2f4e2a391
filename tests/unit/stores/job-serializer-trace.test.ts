// The optional, versioned traceContext field of the job document (horae/tracing's link to the span
// that added a job): written only when the job has one, read back, and dropped (not the job) when
// its version is unknown.
import { describe, expect, it } from 'vitest';
import { deserializeJob, serializeJob } from '../../../src/stores/job-serializer.js';
import { makeJob, T0 } from '../../helpers/jobs.js';

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('job document: traceContext', () => {
  it('is absent from the document of a job without one', () => {
    const document = serializeJob(makeJob('plain', T0));
    expect('traceContext' in document).toBe(false);
    expect('traceContext' in deserializeJob(JSON.parse(JSON.stringify(document)))).toBe(false);
  });

  it('is stored with a version of its own and read back', () => {
    const job = makeJob('traced', T0, { traceContext: { traceparent, tracestate: 'vendor=1' } });
    const document = JSON.parse(JSON.stringify(serializeJob(job))) as Record<string, unknown>;
    expect(document.version).toBe(1);
    expect(document.traceContext).toEqual({ version: 1, traceparent, tracestate: 'vendor=1' });
    expect(deserializeJob(document).traceContext).toEqual({ traceparent, tracestate: 'vendor=1' });
  });

  it('of an unknown version is dropped, and the job still read', () => {
    const document = JSON.parse(JSON.stringify(serializeJob(makeJob('future', T0)))) as Record<
      string,
      unknown
    >;
    document.traceContext = { version: 2, spans: [traceparent] };
    const job = deserializeJob(document);
    expect(job.id).toBe('future');
    expect(job.traceContext).toBeUndefined();
  });
});
