import { MemoryJobStore } from '../../src/stores/memory/index.js';
import { runJobStoreConformance } from './job-store.suite.js';

runJobStoreConformance({
  name: 'memory',
  makeStore: () => new MemoryJobStore(),
  unreadableJobs: 'kept as objects',
  queryJobs: true,
});
