#!/usr/bin/env node
// `npx edgelab worker --redis <url> [--concurrency N] [--queues …]` (package.json "bin"): from the TypeScript sources
// through tsx when they are here (a clone), else from the kernel bundle (dist/kernel/core/jobs/cli.js).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const ts = join(root, 'kernel', 'core', 'jobs', 'cli.ts');
let cli;
try {
  if (!existsSync(ts)) throw new Error('no sources');
  require('tsx/cjs');
  cli = require(ts);
} catch {
  cli = require(join(root, 'dist', 'kernel', 'core', 'jobs', 'cli.js'));
}
await cli.main(process.argv.slice(2));
