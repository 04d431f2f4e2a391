import { InvalidArgumentError } from '../errors.js';
import type { Executor } from './executor.js';

type ExecutorFactory = (options: Record<string, unknown>) => Executor;

const factories = new Map<string, ExecutorFactory>();

/** Makes `{ type, ...options }` executor configuration work for a type (`'async'`, `'thread'`, ...). */
export function registerExecutorType(type: string, factory: ExecutorFactory): void {
  factories.set(type, factory);
}

export function createExecutor(config: { type: string; [option: string]: unknown }): Executor {
  const factory = factories.get(config.type);
  if (factory === undefined) {
    throw new InvalidArgumentError(
      `Unknown executor type ${JSON.stringify(config.type)}; known types are: ${[...factories.keys()].join(', ')}`,
      { field: 'type', value: config.type },
    );
  }
  const { type: _type, ...options } = config;
  return factory(options);
}
