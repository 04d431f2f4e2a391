// The `logger` option with the real libraries the Logger interface names: pino, winston and the
// global console, each passed as it is. A failing job's error (message and stack) must reach the
// library's output beside Horae's own message.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import winston from 'winston';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { Scheduler } from '../../src/index.js';
import { collectingLogger } from '../helpers/jobs.js';

const DEADLINE = { timeout: 20_000 };
const HORAE_MESSAGE = /Job "failingJob" \(id [^)]+\) raised an exception/;

let scheduler: Scheduler | null = null;
afterEach(async () => {
  if (scheduler?.state !== 'stopped') await scheduler?.shutdown();
  scheduler = null;
});

/** Lines written to a stream, as the library's own output. */
function capture(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, lines: () => text.split('\n').filter((line) => line !== '') };
}

/** Starts a scheduler logging to `logger` with one job that throws `thrown` (an Error of that message). */
async function runFailingJob(logger: Logger, thrown: string | { plain: string }): Promise<void> {
  scheduler = new Scheduler({ logger });
  await scheduler.addJob(function failingJob() {
    throw typeof thrown === 'string' ? new Error(thrown) : thrown.plain;
  });
  await scheduler.start();
}

/** The first JSON line whose message (`msg` for pino, `message` for winston) is Horae's. */
async function jsonLineWithHoraeMessage(lines: () => string[]): Promise<Record<string, unknown>> {
  const find = () =>
    lines()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => HORAE_MESSAGE.test(String(line.msg ?? line.message)));
  await expect.poll(find, DEADLINE).toBeDefined();
  return find() as Record<string, unknown>;
}

describe('logger option', { timeout: 60_000 }, () => {
  it('pino: the error is serialized with its message and stack under err', async () => {
    const { stream, lines } = capture();
    await runFailingJob(pino(stream), 'pino boom 5c1d');
    const line = await jsonLineWithHoraeMessage(lines);
    expect(line.msg).toMatch(HORAE_MESSAGE);
    expect(line.level).toBe(50);
    const err = line.err as { type: string; message: string; stack: string };
    expect(err.type).toBe('Error');
    expect(err.message).toBe('pino boom 5c1d');
    expect(err.stack).toContain('Error: pino boom 5c1d');
    expect(err.stack).toContain('at failingJob');
  });

  it('pino: a child logger is recognised too, and keeps its bindings', async () => {
    const { stream, lines } = capture();
    await runFailingJob(pino(stream).child({ component: 'jobs' }), 'child boom 9e2b');
    const line = await jsonLineWithHoraeMessage(lines);
    expect(line.component).toBe('jobs');
    expect((line.err as { stack: string }).stack).toContain('Error: child boom 9e2b');
  });

  it('winston: the message and stack reach a stream transport', async () => {
    const { stream, lines } = capture();
    const logger = winston.createLogger({ transports: [new winston.transports.Stream({ stream })] });
    await runFailingJob(logger, 'winston boom 3b8e');
    const line = await jsonLineWithHoraeMessage(lines);
    expect(line.level).toBe('error');
    expect(line.message).toMatch(HORAE_MESSAGE);
    expect(line.message).toContain('winston boom 3b8e');
    expect(line.stack).toContain('Error: winston boom 3b8e');
    expect(line.stack).toContain('at failingJob');
  });

  it('pino and winston: a thrown string reaches the output under details', async () => {
    const pinoOutput = capture();
    await runFailingJob(pino(pinoOutput.stream), { plain: 'pino plain 41d0' });
    expect((await jsonLineWithHoraeMessage(pinoOutput.lines)).details).toEqual(['pino plain 41d0']);
    await scheduler?.shutdown();

    const winstonOutput = capture();
    const logger = winston.createLogger({
      transports: [new winston.transports.Stream({ stream: winstonOutput.stream })],
    });
    await runFailingJob(logger, { plain: 'winston plain 8a6c' });
    expect((await jsonLineWithHoraeMessage(winstonOutput.lines)).details).toEqual(['winston plain 8a6c']);
  });

  it('console: the message and stack reach stderr', async () => {
    const fixture = resolve(import.meta.dirname, 'fixtures/loggers/console-logger.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(HORAE_MESSAGE);
    expect(stderr).toContain('Error: console boom 7f3a');
    expect(stderr).toContain('at failingJob');
  }, 60_000);

  it('refuses a value that is not a logger, naming the option', () => {
    for (const value of [42, 'console', null, { info() {} }]) {
      let thrown: unknown;
      try {
        new Scheduler({ logger: value as never });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(value)).toBeInstanceOf(InvalidArgumentError);
      expect((thrown as InvalidArgumentError).field).toBe('logger');
      expect((thrown as Error).message).toMatch(/^Invalid logger .*debug, info, warn and error/);
    }
  });

  it('names the missing methods, and configure keeps the previous logger', async () => {
    const kept = collectingLogger();
    scheduler = new Scheduler({ logger: kept });
    expect(() => scheduler?.configure({ logger: { debug() {}, info() {}, warn() {} } as never })).toThrow(
      /missing error$/,
    );
    await scheduler.addJob(function failingJob() {
      throw new Error('kept boom');
    });
    await scheduler.start();
    await expect
      .poll(
        () => kept.lines.some((line) => line.level === 'error' && HORAE_MESSAGE.test(line.message)),
        DEADLINE,
      )
      .toBe(true);
  });
});
