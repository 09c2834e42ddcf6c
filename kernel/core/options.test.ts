import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDefaults } from './options';

test('withDefaults: an explicit undefined keeps the default; a given value (also 0, false, null) wins', () => {
  const o = withDefaults({ steps: 60, lr: 2e-3, progress: false }, { steps: undefined, lr: 0, progress: true, seed: 3 });
  assert.deepEqual(o, { steps: 60, lr: 0, progress: true, seed: 3 });
  assert.deepEqual(withDefaults({ a: 1 }, { a: null }), { a: null });
});
