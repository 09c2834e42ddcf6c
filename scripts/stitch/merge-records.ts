/**
 * Merge study-record files written by parallel runs of scripts/stitch/run-study.ts (--out) into the shipped records:
 *   npx tsx scripts/stitch/merge-records.ts /tmp/a.json /tmp/b.json [--into kernel/stitch/zoo/study-records.json]
 * Cells are matched by target/size/seed/variant (records.ts mergeRecords: with baselines first, then the newest).
 */
import { loadRecords, mergeRecords, saveRecords, recordsPath } from '../../kernel/stitch/records';

const args = process.argv.slice(2);
const i = args.indexOf('--into');
const into = i >= 0 ? args[i + 1]! : recordsPath();
const files = i >= 0 ? args.filter((_, k) => k !== i && k !== i + 1) : args; // (without --into, every argument is a file)
const merged = mergeRecords(loadRecords(into), ...files.map((f) => loadRecords(f)));
saveRecords(into, merged);
console.log(`${merged.length} records → ${into}`);
