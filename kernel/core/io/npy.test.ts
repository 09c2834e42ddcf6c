import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError, InvalidInput, NotFound } from '../errors';
import { readNpy, writeNpy, readNpyFile, writeNpyFile } from './npy';
import { type DType, f16ToF32 } from './dtypes';

const FIX = join(__dirname, '../../../test/fixtures/io');
const enc = new TextEncoder();
const list = (a: unknown): (number | bigint)[] => Array.from(a as ArrayLike<number | bigint>);

/** Hand-built npy bytes: magic, version, header length (2 or 4 bytes), header text, data. */
function npyBytes(header: string, data: Uint8Array, major = 1, minor = 0): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  const h = enc.encode(header);
  const out = new Uint8Array(pre + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, minor]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, h.length, true);
  else dv.setUint32(8, h.length, true);
  out.set(h, pre);
  out.set(data, pre + h.length);
  return out;
}
const f32bytes = (a: number[]) => new Uint8Array(new Float32Array(a).buffer);

test('round trip for every dtype', () => {
  const cases: [DType, ArrayLike<number | bigint>][] = [
    ['float64', new Float64Array([1.5, -2.25, 1e300, 0, -0, 7])],
    ['float32', new Float32Array([1.5, -2.25, 3.4e38, 0, 1e-30, 7])],
    ['float16', [0.5, -2, 65504, 2 ** -14 - 2 ** -24, -0, 2 ** -24]],
    ['int8', new Int8Array([-128, 127, 0, 1, -1, 5])],
    ['int16', new Int16Array([-32768, 32767, 0, 1, -1, 5])],
    ['int32', new Int32Array([-2147483648, 2147483647, 0, 1, -1, 5])],
    ['int64', new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n, 1n, -1n, 2n ** 53n + 1n])],
    ['uint8', new Uint8Array([0, 255, 1, 2, 3, 4])],
    ['uint16', new Uint16Array([0, 65535, 1, 2, 3, 4])],
    ['uint32', new Uint32Array([0, 4294967295, 1, 2, 3, 4])],
    ['uint64', new BigUint64Array([0n, 2n ** 64n - 1n, 1n, 2n, 3n, 4n])],
    ['bool', new Uint8Array([1, 0, 0, 1, 1, 0])],
  ];
  // float16 rounds to nearest even on write: 1 + 2^-11 is a tie between 1 and 1 + 2^-10 → 1
  assert.deepEqual(list(readNpy(writeNpy({ dtype: 'float16', shape: [2], data: [1 + 2 ** -11, 1 + 3 * 2 ** -11] })).data), [
    1,
    1 + 2 ** -9,
  ]);
  for (const [dtype, data] of cases) {
    const bytes = writeNpy({ dtype, shape: [2, 3], data });
    const headerEnd = 10 + new DataView(bytes.buffer).getUint16(8, true);
    assert.equal(headerEnd % 64, 0, `${dtype}: data starts 64-byte aligned`);
    const back = readNpy(bytes);
    assert.equal(back.dtype, dtype);
    assert.deepEqual(back.shape, [2, 3]);
    assert.equal(back.fortranOrder, false);
    assert.deepEqual(list(back.data as ArrayLike<number | bigint>), list(data), dtype);
  }
});

test('scalar and empty arrays round trip', () => {
  const s = readNpy(writeNpy({ dtype: 'float32', shape: [], data: [4.5] }));
  assert.deepEqual(s.shape, []);
  assert.deepEqual(list(s.data as Float32Array), [4.5]);
  const e = readNpy(writeNpy({ dtype: 'int32', shape: [0, 3], data: [] }));
  assert.deepEqual(e.shape, [0, 3]);
  assert.equal(e.data.length, 0);
});

test('hand-built v1.0 header, little- and big-endian', () => {
  const le = readNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", f32bytes([1, 2, 3.5])));
  assert.deepEqual(list(le.data as Float32Array), [1, 2, 3.5]);
  const be = new Uint8Array(8);
  new DataView(be.buffer).setInt16(0, -2, false);
  new DataView(be.buffer).setInt16(2, 300, false);
  new DataView(be.buffer).setInt16(4, 7, false);
  new DataView(be.buffer).setInt16(6, -32768, false);
  const r = readNpy(npyBytes('{"descr":">i2","fortran_order":False,"shape":(2,2)}', be));
  assert.ok(r.data instanceof Int16Array);
  assert.deepEqual(list(r.data), [-2, 300, 7, -32768]);
  const bf = new Uint8Array(4);
  new DataView(bf.buffer).setFloat32(0, -1.25, false);
  assert.deepEqual(list(readNpy(npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1,)}", bf)).data), [-1.25]);
});

test('hand-built v2.0 and v3.0 headers', () => {
  const v2 = readNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", f32bytes([9, -9]), 2));
  assert.deepEqual(list(v2.data), [9, -9]);
  const v3 = readNpy(npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }\n", new Uint8Array([1, 2, 250]), 3));
  assert.deepEqual(list(v3.data), [1, 2, 250]);
});

test('fortran_order True is transposed to C order (hand-built)', () => {
  // C-order matrix [[1,2,3],[4,5,6]] stored column-major: 1,4,2,5,3,6
  const r = readNpy(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", f32bytes([1, 4, 2, 5, 3, 6])));
  assert.equal(r.fortranOrder, true);
  assert.deepEqual(list(r.data), [1, 2, 3, 4, 5, 6]);
});

test('numpy-written fixtures (fortran f8 3-d, >i4, f2, b1, i8, v2 u2, v3 u1)', () => {
  const f = readNpy(join(FIX, 'fortran_f8.npy'));
  assert.equal(f.fortranOrder, true);
  assert.deepEqual(f.shape, [2, 3, 4]);
  assert.deepEqual(
    list(f.data),
    Array.from({ length: 24 }, (_, i) => i),
  );
  const be = readNpy(join(FIX, 'be_i4.npy'));
  assert.equal(be.dtype, 'int32');
  assert.deepEqual(
    list(be.data),
    [0, 1, 2, 3, 4, 5].map((i) => (i - 3) * 1000003),
  );
  const h = readNpy(join(FIX, 'f2.npy'));
  assert.equal(h.dtype, 'float16');
  assert.ok(h.data instanceof Float32Array);
  const want = [0.5, -2, 65504, 2 * f16ToF32(0x0001), Infinity, 3.140625];
  assert.deepEqual(list(h.data), want);
  const b = readNpy(join(FIX, 'b1.npy'));
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(list(b.data), [1, 0, 0, 1]);
  const i8 = readNpy(join(FIX, 'i8.npy'));
  assert.ok(i8.data instanceof BigInt64Array);
  assert.deepEqual(list(i8.data), [-(2n ** 62n), 2n ** 53n + 1n, -1n]);
  assert.deepEqual(list(readNpy(join(FIX, 'v2_u2.npy')).data), [0, 1000, 2000, 3000, 4000]);
  assert.deepEqual(list(readNpyFile(join(FIX, 'v3_u1.npy')).data), [0, 1, 2, 3]);
});

test('writer switches to version 2.0 when the header exceeds 65535 bytes', () => {
  const shape = new Array<number>(23000).fill(1);
  const bytes = writeNpy({ dtype: 'float32', shape, data: [2.5] });
  assert.equal(bytes[6], 2, 'major version 2');
  const headerEnd = 12 + new DataView(bytes.buffer).getUint32(8, true);
  assert.ok(headerEnd > 65535);
  assert.equal(headerEnd % 64, 0);
  const r = readNpy(bytes);
  assert.equal(r.shape.length, 23000);
  assert.deepEqual(list(r.data), [2.5]);
  assert.equal(writeNpy({ dtype: 'float32', shape: [1], data: [1] })[6], 1, 'small headers stay version 1.0');
});

test('file write/read round trip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  try {
    writeNpyFile(join(dir, 'a.npy'), { dtype: 'float64', shape: [2], data: [Math.PI, -Math.E] });
    assert.deepEqual(list(readNpy(join(dir, 'a.npy')).data), [Math.PI, -Math.E]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('malformed files throw named errors', () => {
  const good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
  const bad = (bytes: Uint8Array, re: RegExp) =>
    assert.throws(
      () => readNpy(bytes),
      (e: unknown) => e instanceof FormatError && re.test(e.message),
    );
  const magic = npyBytes(good, f32bytes([1, 2]));
  magic[1] = 0x4f;
  bad(magic, /expected magic bytes \\x93NUMPY/);
  bad(new Uint8Array([1, 2, 3]), /magic/);
  bad(npyBytes(good, f32bytes([1, 2]), 4, 0), /version 4\.0 .*expected 1\.0, 2\.0 or 3\.0/);
  bad(npyBytes(good, f32bytes([1, 2]), 1, 1), /version 1\.1/);
  bad(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", f32bytes([1, 2])), /not a valid Python dict literal/);
  bad(npyBytes("{'descr' '<f4'}", f32bytes([1, 2])), /expected ':'/);
  bad(npyBytes("{'descr': '<f4', 'shape': (2,)}", f32bytes([1, 2])), /no 'fortran_order' key/);
  bad(npyBytes('[1, 2]', f32bytes([1, 2])), /not a dict/);
  bad(npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (2,)}", f32bytes([1, 2])), /dtype "<c8" is not supported/);
  bad(npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", f32bytes([1, 2])), /structured dtypes/);
  bad(npyBytes("{'descr': '<f4', 'fortran_order': 1, 'shape': (2,)}", f32bytes([1, 2])), /fortran_order is 1/);
  bad(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", f32bytes([1, 2])), /shape is \[-2\]/);
  bad(npyBytes(good, f32bytes([1, 2, 3])), /has 12 bytes but shape \[2\] of float32 needs exactly 8/);
  bad(npyBytes(good, f32bytes([1, 2])).subarray(0, 75), /truncated: shape \[2\] of float32 needs 8 bytes, only 7 present/);
  const h = npyBytes(good, f32bytes([1, 2]));
  bad(h.subarray(0, 30), /header is truncated: it declares 58 bytes but only 20 follow/);
});

test('bad paths and bad write inputs', () => {
  assert.throws(
    () => readNpy('/nonexistent/x.npy'),
    (e: unknown) => e instanceof NotFound && /\/nonexistent\/x\.npy/.test(e.message),
  );
  assert.throws(
    () => writeNpy({ dtype: 'float32', shape: [3], data: [1, 2] }),
    (e: unknown) => e instanceof InvalidInput && /2 elements but shape \[3\] needs 3/.test(e.message),
  );
  assert.throws(
    () => writeNpy({ dtype: 'uint8', shape: [1], data: [256] }),
    (e: unknown) => e instanceof InvalidInput && /\[0, 255\]/.test(e.message),
  );
  assert.throws(
    () => writeNpy({ dtype: 'bfloat16', shape: [1], data: [1] }),
    (e: unknown) => e instanceof InvalidInput && /bfloat16/.test(e.message),
  );
  assert.throws(() => writeNpyFile('/nonexistent/dir/a.npy', { dtype: 'int8', shape: [1], data: [1] }), NotFound);
});
