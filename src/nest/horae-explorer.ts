import type { BeforeApplicationShutdown, LoggerService, OnApplicationBootstrap } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { InvalidArgumentError } from '../errors.js';
import type { JobFunction } from '../job-state.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { CronTrigger } from '../triggers/cron-trigger.js';
import { DateTrigger } from '../triggers/date-trigger.js';
import type { Trigger } from '../triggers/trigger.js';
import { declarationsOf, type JobDeclaration } from './decorators.js';
import type { ModuleSettings } from './module-options.js';

/** A declared job found on a provider instance, ready to be added. */
interface FoundJob {
  id: string;
  /** Where it was declared, for messages: `'Reports.send'`. */
  where: string;
  fn: JobFunction;
  declaration: JobDeclaration;
}

/**
 * Finds the decorated methods of every provider and controller at application bootstrap, adds a
 * job for each (the method registered as a task named by the job's id, so a persistent store keeps
 * a name each process resolves to its own instance), starts the scheduler, and drains it at
 * shutdown. Made by `HoraeModule`; not for use on its own.
 */
export class HoraeExplorer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly scheduler: Scheduler,
    private readonly settings: ModuleSettings,
    private readonly logger: LoggerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jobs = this.findJobs();
    for (const job of jobs) {
      // The task name is the job's id, so the stored job names it and every process resolves it.
      await this.scheduler.registerTask(job.id, job.fn);
    }
    for (const job of jobs) await this.addJob(job);
    if (this.settings.autoStart && this.scheduler.state === 'stopped') await this.scheduler.start();
  }

  /**
   * Drains the scheduler before the HTTP server closes and before `onApplicationShutdown`, where
   * database modules close the connections a running job may still use.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.scheduler.state === 'stopped') return;
    await this.scheduler.shutdown({ wait: this.settings.waitOnShutdown });
  }

  private findJobs(): FoundJob[] {
    const found = new Map<string, FoundJob>();
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    // One instance may stand behind several tokens (useExisting, useValue): its jobs count once.
    const seen = new Set<object>();
    for (const wrapper of wrappers) {
      const instance: unknown = wrapper.instance;
      if (instance === null || typeof instance !== 'object' || seen.has(instance)) continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (prototype === null || prototype === Object.prototype) continue;
      const className = (instance.constructor as { name?: string } | undefined)?.name || String(wrapper.name);
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (instance as Record<string, unknown>)[methodName];
        const declared = declarationsOf(method);
        if (declared.length === 0) continue;
        const where = `${className}.${methodName}`;
        if (!wrapper.isDependencyTreeStatic()) {
          // A request-scoped provider has no instance outside a request for a job to run on.
          this.logger.warn(`${where} is on a request-scoped provider: its scheduled jobs are not added`);
          continue;
        }
        if (declared.length > 1 && declared.some((declaration) => declaration.options.id === undefined)) {
          throw new InvalidArgumentError(
            `${where} has ${declared.length} scheduling decorators: give each an id of its own`,
            { field: 'id', value: where },
          );
        }
        const fn: JobFunction = (method as JobFunction).bind(instance);
        for (const declaration of declared) {
          const id = declaration.options.id ?? where;
          const other = found.get(id);
          if (other !== undefined) {
            throw new InvalidArgumentError(
              `Job id "${id}" is declared twice (${other.where} and ${where}, maybe one class provided in two modules): give one an id of its own`,
              { field: 'id', value: id },
            );
          }
          found.set(id, { id, where, fn, declaration });
        }
      }
    }
    return [...found.values()];
  }

  private async addJob({ id, where, declaration }: FoundJob): Promise<void> {
    const { trigger, options } = declaration;
    const jobOptions = { name: where, ...options, id, replaceExisting: true };
    if (trigger.kind === 'alias') {
      await this.scheduler.addJob(id, trigger.alias, { ...trigger.options, ...jobOptions });
    } else {
      await this.scheduler.addJob(id, this.triggerOf(trigger), jobOptions);
    }
  }

  private triggerOf(source: Exclude<JobDeclaration['trigger'], { kind: 'alias' }>): Trigger {
    const defaults = { timezone: this.scheduler.timezone };
    switch (source.kind) {
      case 'crontab':
        return CronTrigger.fromCrontab(source.expression, source.options, defaults);
      case 'timeout':
        return new DateTrigger({ runDate: Date.now() + source.delayMs }, defaults);
      case 'instance':
        return source.trigger;
    }
  }
}
