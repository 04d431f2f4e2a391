import { registerJobStoreType } from '../registry.js';
import { MemoryJobStore } from './memory-job-store.js';

registerJobStoreType('memory', () => new MemoryJobStore());

export { MemoryJobStore, compareJobs } from './memory-job-store.js';
