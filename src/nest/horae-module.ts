import type {
  DynamicModule,
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Provider,
} from '@nestjs/common';
import type { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { InvalidArgumentError } from '../errors.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { HoraeExplorer } from './horae-explorer.js';
import {
  HORAE_MODULE_OPTIONS,
  HORAE_SCHEDULER,
  readModuleOptions,
  schedulerFrom,
  type HoraeModuleOptions,
} from './module-options.js';
import { loadNest, withNest } from './nest-runtime.js';

/** Options of `HoraeModule.forRootAsync`: options made by a factory with injected dependencies. */
export interface HoraeModuleAsyncOptions {
  /** Modules whose providers the factory injects (a `ConfigModule`, say). */
  imports?: ModuleMetadata['imports'];
  /** The tokens whose values are passed to `useFactory`, in order. */
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  /** Makes the module's options; may be async. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  useFactory: (...args: any[]) => HoraeModuleOptions | Promise<HoraeModuleOptions>;
  /** Register the module globally. Default `true`. */
  isGlobal?: boolean;
}

/**
 * The Nest module of Horae. `HoraeModule.forRoot({...})` provides a `Scheduler` (inject it by its
 * class or with `@InjectScheduler()`), adds the jobs declared with `@Cron`, `@Interval`, `@Timeout`
 * and `@ScheduledJob` on providers and controllers at application bootstrap, starts the scheduler,
 * and drains it when the application shuts down (`app.close()`, or a signal after
 * `app.enableShutdownHooks()`).
 *
 * @example
 * Module({ imports: [HoraeModule.forRoot({ jobStores: { default: 'postgres://db/app' } })], providers: [Reports] })
 */
export class HoraeModule {
  /** The module with options given now. */
  static forRoot(options: HoraeModuleOptions = {}): DynamicModule {
    readModuleOptions(options);
    return HoraeModule.build(
      { provide: HORAE_MODULE_OPTIONS, useValue: options },
      [],
      isGlobal(options.isGlobal),
    );
  }

  /** The module with options made by `useFactory` from injected dependencies, at bootstrap. */
  static forRootAsync(options: HoraeModuleAsyncOptions): DynamicModule {
    if (options === null || typeof options !== 'object' || typeof options.useFactory !== 'function') {
      throw new InvalidArgumentError(
        'HoraeModule.forRootAsync needs { useFactory }, a function returning the options',
        {
          field: 'useFactory',
          value: (options as Partial<HoraeModuleAsyncOptions> | null)?.useFactory,
        },
      );
    }
    const provider: Provider = {
      provide: HORAE_MODULE_OPTIONS,
      useFactory: options.useFactory,
      inject: options.inject ?? [],
    };
    return HoraeModule.build(provider, options.imports ?? [], isGlobal(options.isGlobal));
  }

  /**
   * The module re-exports an inner one, which Nest awaits while it scans the modules: that one
   * needs Nest's `DiscoveryModule`, which horae/nest imports on first use.
   */
  private static build(
    optionsProvider: Provider,
    imports: NonNullable<ModuleMetadata['imports']>,
    global: boolean,
  ): DynamicModule {
    const inner = loadNest().then(({ common, core }): DynamicModule => ({
      module: HoraeCoreModule,
      imports: [...imports, core.DiscoveryModule],
      providers: [
        optionsProvider,
        { provide: HORAE_SCHEDULER, useFactory: schedulerFrom, inject: [HORAE_MODULE_OPTIONS] },
        { provide: Scheduler, useExisting: HORAE_SCHEDULER },
        {
          provide: HoraeExplorer,
          useFactory: (
            discovery: DiscoveryService,
            scanner: MetadataScanner,
            scheduler: Scheduler,
            options: HoraeModuleOptions,
          ) =>
            new HoraeExplorer(
              discovery,
              scanner,
              scheduler,
              readModuleOptions(options).settings,
              new common.Logger('HoraeModule'),
            ),
          inject: [core.DiscoveryService, core.MetadataScanner, HORAE_SCHEDULER, HORAE_MODULE_OPTIONS],
        },
      ],
      exports: [HORAE_SCHEDULER, Scheduler],
    }));
    // Nest awaits it and reports a failure (NestDependencyError); until then it is not unhandled.
    inner.catch(() => undefined);
    return { module: HoraeModule, global, imports: [inner], exports: [HoraeCoreModule] };
  }
}

/** The inner module of `HoraeModule`, which holds its providers. */
class HoraeCoreModule {}

/**
 * Injects the module's `Scheduler` into a constructor parameter or a property: Nest's
 * `@Inject(HORAE_SCHEDULER)`. Injecting by the `Scheduler` class works too when your build emits
 * decorator metadata (`emitDecoratorMetadata`: tsc and SWC do, esbuild and so tsx do not).
 *
 * @example
 * constructor(@InjectScheduler() private readonly scheduler: Scheduler) {}
 */
export function InjectScheduler(): PropertyDecorator & ParameterDecorator {
  return (target: object, key: string | symbol | undefined, index?: number) => {
    // Nest's Inject once horae/nest has imported Nest, which it does before Nest makes a provider.
    withNest(({ common }) => {
      const inject = common.Inject(HORAE_SCHEDULER);
      if (index === undefined) inject(target, key!);
      else inject(target, key, index);
    });
  };
}

function isGlobal(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(`HoraeModule option "isGlobal" must be a boolean, got ${String(value)}`, {
      field: 'isGlobal',
      value,
    });
  }
  return value;
}
