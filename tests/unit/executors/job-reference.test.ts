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

  it('maps a task name through the task reference, and refuses closures and unknown names', () => {
    const tasks = (name: string) => (name === 'report' ? './reports.js:daily' : undefined);
    expect(workerTarget('report', 'j', 'thread', '/app', tasks)).toEqual({
      specifier: pathToFileURL('/app/reports.js').href,
      exportPath: 'daily',
    });
    expect(() => workerTarget(() => 1, 'j', 'thread', '/app', tasks)).toThrow(InvalidArgumentError);
    expect(() => workerTarget('unknown', 'j', 'process', '/app', tasks)).toThrow(FunctionLookupError);
    expect(() => workerTarget('unknown', 'j', 'process', '/app', tasks)).toThrow(
      /registerTask\('unknown', '.\/tasks.js:unknown'\)/,
    );
  });

  it('validates a job for a worker: reference, task names once they can be known, cloneable args', () => {
    expect(() => assertWorkerJob(job({ func: function send() {} }), 'thread', undefined)).toThrow(
      /must be a "module:export" reference such as '.\/tasks.js:send', not a function \(send\)/,
    );
    // Before the executor is started nobody can say whether a name will be a task by reference.
    expect(() => assertWorkerJob(job({ func: 'later' }), 'thread', undefined)).not.toThrow();
    expect(() => assertWorkerJob(job({ func: 'later' }), 'thread', () => undefined)).toThrow(
      FunctionLookupError,
    );
    expect(() => assertWorkerJob(job({ func: 'later' }), 'thread', () => './later.js:run')).not.toThrow();
    expect(() => assertWorkerJob(job({ args: [Symbol('x')] }), 'process', undefined)).toThrow(
      SerializationError,
    );
    expect(() =>
      assertWorkerJob(job({ args: [new Date(), new Map(), 1n, new Uint8Array(2)] }), 'process', undefined),
    ).not.toThrow();
  });
});
