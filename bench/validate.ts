// CI check of bench/results.json's schema (fast; does not re-run benchmarks).
import { readResults, validateResults, RESULTS_PATH } from './lib';
import { existsSync } from 'node:fs';

if (!existsSync(RESULTS_PATH)) { console.error(`${RESULTS_PATH} is missing: run npm run bench`); process.exit(1); }
const problems = validateResults(readResults());
if (problems.length) { console.error(problems.join('\n')); process.exit(1); }
console.log(`bench/results.json: ${Object.keys(readResults()).length} entries, schema ok`);
