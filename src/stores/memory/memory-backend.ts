import type { StoreBackend } from '../store-backend.js';
import { MemoryJobStore } from './memory-job-store.js';

/** `{ type: 'memory' }`: the store takes no options. */
export const memoryBackend: StoreBackend = {
  create: () => new MemoryJobStore(),
};
