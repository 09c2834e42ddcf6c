// Bootstrap for a worker thread (WorkerPool; the TypeScript entry in workerData.__entry) or a forked process (the entry
// as argv[2]) started from the TypeScript sources: registers tsx's require hook, then loads the entry. From the kernel
// bundle the bundled entry (dist/kernel/<name>.js) starts directly instead (entry.ts).
import { createRequire } from 'node:module';
import { workerData } from 'node:worker_threads';
const require = createRequire(import.meta.url);
require('tsx/cjs');
require(workerData?.__entry ?? process.argv[2]);
