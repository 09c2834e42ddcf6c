import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partition, partitionStats, dirichlet, type PartitionScheme } from './partition';
import { rng } from '../core/rng';
import { InvalidInput } from '../core/errors';

const labels = Int32Array.from({ length: 3000 }, (_, i) => (i * 7) % 10);

test('every scheme assigns every sample to exactly one client, deterministically from the seed', () => {
  for (const scheme of ['iid', 'dirichlet-per-class', 'dirichlet-per-client', 'k-classes'] as PartitionScheme[]) {
    const p = partition({ labels, clients: 10, scheme, alpha: 0.3, k: 2, seed: 5 });
    const seen = new Uint8Array(labels.length);
    for (const c of p.clients) for (const i of c) seen[i]!++;
    assert.ok(
      seen.every((v) => v === 1),
      `${scheme}: each sample once`,
    );
    assert.ok(
      p.clients.every((c) => c.length >= 10),
      `${scheme}: minSize`,
    );
    const q = partition({ labels, clients: 10, scheme, alpha: 0.3, k: 2, seed: 5 });
    assert.deepEqual(q.clients, p.clients, `${scheme}: seeded`);
  }
});

test('the two Dirichlet conventions differ: per-client α is ~C× more skewed than per-class α', () => {
  const tv = (scheme: PartitionScheme, alpha: number) => {
    let s = 0;
    for (let seed = 0; seed < 4; seed++) s += partitionStats(partition({ labels, clients: 10, scheme, alpha, seed }), labels).meanTv;
    return s / 4;
  };
  const perClass = tv('dirichlet-per-class', 0.5),
    perClient = tv('dirichlet-per-client', 0.5),
    perClass005 = tv('dirichlet-per-class', 0.05);
  assert.ok(
    perClient > perClass + 0.15,
    `per-client α=0.5 (TV ${perClient.toFixed(3)}) much more skewed than per-class α=0.5 (${perClass.toFixed(3)})`,
  );
  assert.ok(
    Math.abs(perClient - perClass005) < 0.15,
    `per-client α=0.5 (${perClient.toFixed(3)}) ≈ per-class α=0.05 (${perClass005.toFixed(3)})`,
  );
  // α → ∞ approaches the global histogram: per-class splits every class evenly (TV ≈ 0); per-client draws each client's
  // 300 labels from ≈ the prior, so it keeps the same multinomial sampling noise as a random IID split
  const iid = tv('iid', 1);
  assert.ok(tv('dirichlet-per-class', 1000) < 0.05, 'per-class α=1000 ≈ even');
  assert.ok(
    tv('dirichlet-per-client', 1000) < iid + 0.05,
    `per-client α=1000 (${tv('dirichlet-per-client', 1000).toFixed(3)}) ≈ IID noise (${iid.toFixed(3)})`,
  );
});

test('k-classes gives each client at most k classes; statistics add up', () => {
  const p = partition({ labels, clients: 10, scheme: 'k-classes', k: 2, seed: 1 });
  const s = partitionStats(p, labels);
  assert.ok(s.classesPresent.every((c) => c <= 2));
  assert.equal(
    s.sizes.reduce((a, b) => a + b, 0),
    labels.length,
  );
  assert.equal(s.counts.length, 10);
});

test('Dirichlet draws sum to 1 and stay finite at tiny concentrations; bad options are named errors', () => {
  const d = dirichlet(rng(1), new Float64Array(10).fill(0.001));
  assert.ok(Math.abs(d.reduce((a, b) => a + b, 0) - 1) < 1e-12 && d.every(Number.isFinite));
  assert.throws(() => partition({ labels, clients: 10, alpha: 0 }), InvalidInput);
  assert.throws(() => partition({ labels, clients: 10, alpha: 0.001, minSize: 290, maxTries: 3 }), /minSize/);
  assert.throws(() => partition({ labels: [0, -1], clients: 1 }), InvalidInput);
});
