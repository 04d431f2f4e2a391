/**
 * The event codes: the 17 of APScheduler 3 as bit flags, Horae's own after them. Combine them with
 * `|` into a listener mask. Each is written as a literal, not `1 << n`, so that it has its own
 * literal type and `event.code === EVENT_JOB_ERROR` narrows the event union; ./event-table.ts binds
 * each to its name and its fields.
 */

/** The `code` of a `SchedulerStartedEvent`. */
export const EVENT_SCHEDULER_STARTED = 1; // 1 << 0
/** APScheduler 3's older name for `EVENT_SCHEDULER_STARTED`. */
export const EVENT_SCHEDULER_START = EVENT_SCHEDULER_STARTED;
/** The `code` of a `SchedulerShutdownEvent`. */
export const EVENT_SCHEDULER_SHUTDOWN = 2; // 1 << 1
/** The `code` of a `SchedulerPausedEvent`. */
export const EVENT_SCHEDULER_PAUSED = 4; // 1 << 2
/** The `code` of a `SchedulerResumedEvent`. */
export const EVENT_SCHEDULER_RESUMED = 8; // 1 << 3
/** The `code` of an `ExecutorAddedEvent`. */
export const EVENT_EXECUTOR_ADDED = 16; // 1 << 4
/** The `code` of an `ExecutorRemovedEvent`. */
export const EVENT_EXECUTOR_REMOVED = 32; // 1 << 5
/** The `code` of a `JobStoreAddedEvent`. */
export const EVENT_JOBSTORE_ADDED = 64; // 1 << 6
/** The `code` of a `JobStoreRemovedEvent`. */
export const EVENT_JOBSTORE_REMOVED = 128; // 1 << 7
/** The `code` of an `AllJobsRemovedEvent`. */
export const EVENT_ALL_JOBS_REMOVED = 256; // 1 << 8
/** The `code` of a `JobAddedEvent`. */
export const EVENT_JOB_ADDED = 512; // 1 << 9
/** The `code` of a `JobRemovedEvent`. */
export const EVENT_JOB_REMOVED = 1024; // 1 << 10
/** The `code` of a `JobModifiedEvent`. */
export const EVENT_JOB_MODIFIED = 2048; // 1 << 11
/** The `code` of a `JobExecutedEvent`. */
export const EVENT_JOB_EXECUTED = 4096; // 1 << 12
/** The `code` of a `JobErrorEvent`. */
export const EVENT_JOB_ERROR = 8192; // 1 << 13
/** The `code` of a `JobMissedEvent`. */
export const EVENT_JOB_MISSED = 16384; // 1 << 14
/** The `code` of a `JobSubmittedEvent`. */
export const EVENT_JOB_SUBMITTED = 32768; // 1 << 15
/** The `code` of a `JobMaxInstancesEvent`. */
export const EVENT_JOB_MAX_INSTANCES = 65536; // 1 << 16
/** The `code` of a `JobRetryEvent`: a failed attempt will be tried again. Not in APScheduler. */
export const EVENT_JOB_RETRY = 131072; // 1 << 17
/** The `code` of a `JobUnreadableEvent`: a stored job cannot be read. Not in APScheduler. */
export const EVENT_JOB_UNREADABLE = 262144; // 1 << 18
/** The `code` of a `JobStoreErrorEvent`: a job store failed. Not in APScheduler. */
export const EVENT_JOBSTORE_ERROR = 524288; // 1 << 19
/**
 * The `code` of a `JobInterruptedEvent`: the node running a job stopped heartbeating before the
 * run's outcome was stored (killed, cut off), and another node found it. Not in APScheduler.
 */
export const EVENT_JOB_INTERRUPTED = 1048576; // 1 << 20
/** Every code above: the default mask of `addListener`. */
export const EVENT_ALL = 2097151; // (1 << 21) - 1
