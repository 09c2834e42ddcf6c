// Bootstrap for a federated client host: a worker thread (WorkerHost; entry in workerData.entry) or a separate process
// (ProcessHost; entry as argv[2]). Registers tsx's require hook so the TypeScript client runtime beside this file loads
// whether the parent runs from source (tsx) or from the esbuild bundle (dist/kernel/index.js, which locates this file
// through require.resolve('edgelab/package.json')).
import { createRequire } from 'node:module';
import { workerData } from 'node:worker_threads';
const require = createRequire(import.meta.url);
require('tsx/cjs');
require(workerData?.entry ?? process.argv[2]);
