export { MemoryJobStore } from './memory-job-store.js';
export { compareJobs } from '../job-order.js';
