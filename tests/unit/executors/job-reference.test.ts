import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  FunctionLookupError,
  InvalidArgumentError,
  SerializationError,
  type JobState,
} from '../../../src/index.js';
import { moduleSpecifier, parseReference } from '../../../src/function-reference.js';
import { assertWorkerJob, workerTarget } from '../../../src/executors/job-reference.js';

const job = (overrides: Partial<JobState>) =>
  ({ id: 'j', func: './tasks.js:run', args: [], ...overrides }) as JobState;

describe('job references for workers', () => {
  it('splits module and (dotted) export at the last colon', () => {
    expect(parseReference('./tasks.js:mail.send')).toEqual({
      modulePart: './tasks.js',
      exportPath: 'mail.send',
    });
    expect(parseReference('file:///app/tasks.mjs:run')).toEqual({
      modulePart: 'file:///app/tasks.mjs',
      exportPath: 'run',
    });
    expect(parseReference('send-report')).toBeNull();
    expect(parseReference('tasks.js:')).toBeNull();
    expect(parseReference(':run')).toBeNull();
  });

  it('resolves paths against baseDir into file URLs; keeps URLs; falls back to a bare package name', () => {
    expect(moduleSpecifier('./tasks.js', '/app')).toBe(pathToFileURL('/app/tasks.js').href);
    expect(moduleSpecifier('lib/tasks.mjs', '/app')).toBe(pathToFileURL('/app/lib/tasks.mjs').href);
    expect(moduleSpecifier('/abs/tasks.js', '/app')).toBe(pathToFileURL('/abs/tasks.js').href);
    expect(moduleSpecifier('file:///x/y.mjs', '/app')).toBe('file:///x/y.mjs');
    expect(moduleSpecifier('no-such-package-anywhere', '/app')).toBe('no-such-package-anywhere');
    expect(moduleSpecifier('vitest', process.cwd())).toMatch(/^file:.*node_modules\/vitest\//);
  });

  it('maps a task name through its reference, and refuses closures and names without one', () => {
    // The reference is what the scheduler gives with each attempt: a task's, or the name itself.
    expect(workerTarget('report', './reports.js:daily', 'j', 'thread', '/app')).toEqual({
      specifier: pathToFileURL('/app/reports.js').href,
      exportPath: 'daily',
    });
    expect(() => workerTarget(() => 1, undefined, 'j', 'thread', '/app')).toThrow(InvalidArgumentError);
    expect(() => workerTarget('unknown', 'unknown', 'j', 'process', '/app')).toThrow(FunctionLookupError);
    expect(() => workerTarget('unknown', undefined, 'j', 'process', '/app')).toThrow(
      /registerTask\('unknown', '.\/tasks.js:unknown'\)/,
    );
  });

  it('validates a job for a worker: a reference (a task by its reference), cloneable args', () => {
    expect(() => assertWorkerJob(job({ func: function send() {} }), undefined, 'thread')).toThrow(
      /must be a "module:export" reference such as '.\/tasks.js:send', not a function \(send\)/,
    );
    // A task registered as a function has no reference: its name is all there is.
    expect(() => assertWorkerJob(job({ func: 'later' }), 'later', 'thread')).toThrow(FunctionLookupError);
    expect(() => assertWorkerJob(job({ func: 'later' }), './later.js:run', 'thread')).not.toThrow();
    expect(() => assertWorkerJob(job({ args: [Symbol('x')] }), './tasks.js:run', 'process')).toThrow(
      SerializationError,
    );
    expect(() =>
      assertWorkerJob(
        job({ args: [new Date(), new Map(), 1n, new Uint8Array(2)] }),
        './tasks.js:run',
        'process',
      ),
    ).not.toThrow();
  });
});
