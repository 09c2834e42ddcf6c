/** Worker threads for the kernel: one pool (pool.ts), its worker side (serve.ts), entry resolution (entry.ts). */
export { WorkerPool, WorkerExited, TaskTimeout, shared, type PoolOptions, type RunOptions } from './pool';
export { serve, type Handlers } from './serve';
export { withTransfer, type WithTransfer } from './protocol';
export { workerEntry, type WorkerEntry } from './entry';
