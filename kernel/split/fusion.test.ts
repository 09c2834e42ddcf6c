import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { init, tf } from '../core/backend';
import { rng } from '../core/rng';
import { expectNoLeak } from '../core/testing';
import { InvalidInput } from '../core/errors';
import { fuse } from './fusion';

before(async () => {
  await init({ backend: 'cpu', verbose: false });
});

function views(seed: number, V: number): tf.Tensor4D[] {
  const r = rng(seed);
  return Array.from({ length: V }, () => tf.tensor4d(r.normals(2 * 3 * 3 * 4), [2, 3, 3, 4]));
}

test('fuse max/mean: invariant to every permutation of the views; max equals the element-wise max', async () => {
  const vs = views(1, 4);
  const perms = [
    [0, 1, 2, 3],
    [3, 2, 1, 0],
    [1, 3, 0, 2],
    [2, 0, 3, 1],
  ];
  tf.tidy(() => {
    for (const kind of ['max', 'mean'] as const) {
      const ref = fuse(vs, kind).dataSync();
      for (const p of perms) {
        const got = fuse(
          p.map((i) => vs[i]!),
          kind,
        );
        const d = got.dataSync();
        // max is bit-exact; mean sums in another order, so it may differ in the last float32 bit
        for (let i = 0; i < d.length; i++)
          assert.ok(kind === 'max' ? d[i] === ref[i] : Math.abs(d[i]! - ref[i]!) <= 1e-6, `${kind} perm ${p}: ${d[i]} vs ${ref[i]}`);
        got.dispose();
      }
    }
    const data = vs.map((v) => v.dataSync());
    const m = fuse(vs, 'max').dataSync(),
      a = fuse(vs, 'mean').dataSync();
    for (let i = 0; i < m.length; i++) {
      assert.equal(m[i], Math.max(...data.map((d) => d[i]!)));
      assert.ok(Math.abs(a[i]! - data.reduce((s, d) => s + d[i]!, 0) / 4) < 1e-6);
    }
  });
  tf.dispose(vs);
});

test('fuse concat: a [V·C, C] 1×1 conv; stacked identities / V give the mean, and the view order matters in general', async () => {
  const vs = views(2, 3),
    C = 4,
    V = 3;
  tf.tidy(() => {
    const eye = tf.tidy(
      () =>
        tf
          .concat(
            Array.from({ length: V }, () => tf.eye(C)),
            0,
          )
          .div(V) as tf.Tensor2D,
    );
    const viaConcat = fuse(vs, 'concat', { kernel: eye });
    const mean = fuse(vs, 'mean');
    assert.ok(tf.max(tf.abs(tf.sub(viaConcat, mean))).dataSync()[0]! < 1e-6);
    const k = tf.tensor2d(rng(5).normals(V * C * C), [V * C, C]);
    const a = fuse(vs, 'concat', { kernel: k }),
      b = fuse([vs[1]!, vs[0]!, vs[2]!], 'concat', { kernel: k });
    assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! > 1e-3);
    assert.throws(
      () => fuse(vs, 'concat', { kernel: eye.slice([0, 0], [C, C]) as tf.Tensor2D }),
      (e: Error) => e instanceof InvalidInput && /\[12, 4\]/.test(e.message),
    );
    tf.dispose([eye, viaConcat, mean, k, a, b]);
  });
  assert.throws(() => fuse([vs[0]!, tf.zeros([2, 3, 3, 5]) as tf.Tensor4D], 'max'), InvalidInput);
  assert.throws(() => fuse(vs, 'attention' as never), InvalidInput);
  tf.dispose(vs);
});

test('fuse leaves no tensors behind', async () => {
  const vs = views(3, 2);
  const k = tf.tensor2d(rng(4).normals(8 * 4), [8, 4]);
  for (const kind of ['max', 'mean'] as const) await expectNoLeak(() => fuse(vs, kind));
  await expectNoLeak(() => fuse(vs, 'concat', { kernel: k }));
  tf.dispose([...vs, k]);
});
