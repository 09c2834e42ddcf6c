import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../core/rng';
import { magnitudePrune } from './layer';

/** The definition: sort indices by (|w|, index) and zero the first round(s·n). */
function reference(w: Float32Array, s: number): Float32Array {
  const k = Math.round(s * w.length);
  const idx = Array.from({ length: w.length }, (_, i) => i).sort((a, b) => Math.abs(w[a]!) - Math.abs(w[b]!) || a - b);
  const out = w.slice();
  for (let i = 0; i < k; i++) out[idx[i]!] = 0;
  return out;
}

test('magnitudePrune (threshold version used by analyzeModel on 10M-weight models) equals the sort definition, ties and signed zeros included', () => {
  const r = rng(4);
  // few distinct magnitudes of both signs: many ties at every threshold
  const w = Float32Array.from({ length: 5000 }, () => (r.int(2) ? 1 : -1) * r.int(7) * 0.25);
  for (const s of [0, 0.1, 0.33, 0.5, 0.9, 0.999, 1]) assert.deepEqual(magnitudePrune(w, s), reference(w, s), `sparsity ${s}`);
  const g = r.normals(20001);
  assert.deepEqual(magnitudePrune(g, 0.9), reference(g, 0.9));
});
