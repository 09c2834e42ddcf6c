// bench/quick.ts compare(): a deterministic key that moves by more than its tolerance fails, naming the key and both
// values; a timing key is held to its plausible range only; a key the quick run did not produce fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare } from './quick';
import type { BenchEntry, KeyCheck } from './lib';

const e = (value: number): BenchEntry => ({ value, unit: 'x', measuredAt: '2026-12-06T00:00:00.000Z', machine: 'm', command: 'c' });

test('deterministic keys: exact or within tolerance against results.json (vs full) or quick-expected.json', () => {
  const checks: Record<string, KeyCheck> = { 'a.count': { tol: 0, vs: 'full' }, 'a.acc': { tol: 0.002 } };
  const full = { 'a.count': e(42) },
    quick = { 'a.acc': e(0.9) };
  assert.deepEqual(compare(checks, { 'a.count': e(42), 'a.acc': e(0.9015) }, full, quick).mismatches, []);
  const planted = compare(checks, { 'a.count': e(43), 'a.acc': e(0.897) }, full, quick).mismatches;
  assert.deepEqual(
    planted.map((m) => m.key),
    ['a.count', 'a.acc'],
  );
  assert.match(planted[0]!.problem, /quick run gives 43, bench\/results\.json has 42/);
  assert.match(planted[1]!.problem, /bench\/quick-expected\.json has 0\.9/);
});

test('timing keys are checked for plausibility only; missing keys and missing references fail', () => {
  const checks: Record<string, KeyCheck> = { 'a.ms': { range: [0.1, 100] }, 'a.gone': { tol: 0 }, 'a.new': { tol: 0 } };
  const r = compare(checks, { 'a.ms': e(3000), 'a.new': e(1) }, {}, {});
  assert.deepEqual(
    r.mismatches.map((m) => m.key),
    ['a.ms', 'a.gone', 'a.new'],
  );
  assert.match(r.mismatches[0]!.problem, /outside the plausible range/);
  assert.match(r.mismatches[1]!.problem, /not measured/);
  assert.match(r.mismatches[2]!.problem, /no committed value/);
  assert.deepEqual(
    compare({ 'a.ms': { range: [0.1, 100] } }, { 'a.ms': e(99) }, {}, {}).mismatches,
    [],
    'a slow but plausible timing passes',
  );
});
