// A trigger's jitter delays each run by a random whole number of milliseconds, never more than the
// jitter itself: a run must not land after fire time + jitter.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jitterMs } from '../../../src/runs/run-plan.js';
import { IntervalTrigger } from '../../../src/triggers/interval-trigger.js';
import { T0 } from '../../helpers/time.js';

describe('jitterMs', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('never delays past the jitter, even when the draw is at its top', () => {
    // 1.5796 ms of jitter: a draw near 1 gives 1.57 ms, which must become 1, not 2.
    const trigger = new IntervalTrigger({
      seconds: 1,
      jitter: 0.0015796,
      startDate: new Date(T0),
      timezone: 'UTC',
    });
    vi.spyOn(Math, 'random').mockReturnValue(0.9999);
    expect(jitterMs(trigger)).toBe(1);
  });

  it('covers the whole range in whole milliseconds', () => {
    const trigger = new IntervalTrigger({
      seconds: 1,
      jitter: 0.01,
      startDate: new Date(T0),
      timezone: 'UTC',
    });
    const random = vi.spyOn(Math, 'random');
    random.mockReturnValue(0);
    expect(jitterMs(trigger)).toBe(0);
    random.mockReturnValue(0.55);
    expect(jitterMs(trigger)).toBe(5);
    random.mockReturnValue(0.99999);
    expect(jitterMs(trigger)).toBe(9);
  });

  it('is 0 without jitter', () => {
    expect(jitterMs(new IntervalTrigger({ seconds: 1, timezone: 'UTC' }))).toBe(0);
  });
});
