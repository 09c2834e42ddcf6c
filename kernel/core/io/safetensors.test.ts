import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError, InvalidInput, NotFound } from '../errors';
import { readSafetensors, writeSafetensors, writeSafetensorsFile } from './safetensors';
import type { DType } from './dtypes';

const list = (a: unknown): (number | bigint)[] => Array.from(a as ArrayLike<number | bigint>);

/** Hand-built safetensors bytes from a header object (or raw header text) and a data section. */
function stBytes(header: unknown, data: Uint8Array, headerLen?: bigint): Uint8Array {
  const h = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

test('round trip for every dtype, with metadata', () => {
  const cases: [DType, ArrayLike<number | bigint>][] = [
    ['float64', [1.5, -2.25, 1e300, 0]],
    ['float32', new Float32Array([1.5, -2.25, 3.4e38, 1e-30])],
    ['float16', [0.5, -2, 65504, 2 ** -24]],
    ['bfloat16', [1, -2.5, 3.3895313892515355e38, 2 ** -126]],
    ['int64', new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n])],
    ['int32', new Int32Array([-2147483648, 2147483647, 0, -1])],
    ['int16', new Int16Array([-32768, 32767, 0, -1])],
    ['int8', new Int8Array([-128, 127, 0, -1])],
    ['uint8', new Uint8Array([0, 255, 1, 2])],
    ['bool', [1, 0, 0, 1]],
  ];
  const map = new Map(cases.map(([dtype, data], i) => [`t${i}.${dtype}`, { dtype, shape: [2, 2], data }]));
  const bytes = writeSafetensors(map, { format: 'pt', note: 'ü' });
  const hl = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(hl % 8, 0, 'header padded to 8 bytes');
  const back = readSafetensors(bytes);
  assert.deepEqual(back.metadata, { format: 'pt', note: 'ü' });
  assert.deepEqual([...back.tensors.keys()], [...map.keys()]);
  for (const [name, t] of map) {
    const b = back.tensors.get(name)!;
    assert.equal(b.dtype, t.dtype, name);
    assert.deepEqual(b.shape, [2, 2]);
    assert.deepEqual(list(b.data), list(t.data), name);
  }
  assert.ok(back.tensors.get('t2.float16')!.data instanceof Float32Array);
  assert.ok(back.tensors.get('t3.bfloat16')!.data instanceof Float32Array);
  assert.ok(back.tensors.get('t4.int64')!.data instanceof BigInt64Array);
});

test('bfloat16 rounds to nearest even on write', () => {
  const b = readSafetensors(writeSafetensors({ x: { dtype: 'bfloat16', shape: [2], data: [1 + 2 ** -8, 1 + 3 * 2 ** -8] } }));
  assert.deepEqual(list(b.tensors.get('x')!.data), [1, 1 + 2 ** -6]);
});

test('hand-built file: offsets listed out of order, scalar and empty tensors', () => {
  const data = new Uint8Array(12);
  new DataView(data.buffer).setFloat32(0, 2.5, true);
  new DataView(data.buffer).setInt32(4, -7, true);
  new DataView(data.buffer).setInt32(8, 9, true);
  const header = {
    b: { dtype: 'I32', shape: [2], data_offsets: [4, 12] },
    a: { dtype: 'F32', shape: [], data_offsets: [0, 4] },
    e: { dtype: 'F64', shape: [0, 5], data_offsets: [12, 12] },
  };
  const r = readSafetensors(stBytes(header, data));
  assert.deepEqual(r.metadata, {});
  assert.deepEqual(list(r.tensors.get('a')!.data), [2.5]);
  assert.deepEqual(r.tensors.get('a')!.shape, []);
  assert.deepEqual(list(r.tensors.get('b')!.data), [-7, 9]);
  assert.deepEqual(r.tensors.get('e')!.shape, [0, 5]);
  assert.equal(r.tensors.get('e')!.data.length, 0);
});

test('file round trip and missing file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-'));
  try {
    writeSafetensorsFile(join(dir, 'm.safetensors'), { w: { dtype: 'float32', shape: [3], data: [1, 2, 3] } });
    assert.deepEqual(list(readSafetensors(join(dir, 'm.safetensors')).tensors.get('w')!.data), [1, 2, 3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(
    () => readSafetensors('/nonexistent/m.safetensors'),
    (e: unknown) => e instanceof NotFound && /nonexistent/.test(e.message),
  );
});

test('malformed files throw FormatError naming the problem and the tensor', () => {
  const bad = (bytes: Uint8Array, re: RegExp) =>
    assert.throws(
      () => readSafetensors(bytes),
      (e: unknown) => e instanceof FormatError && re.test(e.message),
      String(re),
    );
  const d8 = new Uint8Array(8);
  const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  assert.equal(readSafetensors(stBytes(ok, d8)).tensors.get('w')!.data.length, 2);
  bad(new Uint8Array(5), /5 bytes; expected at least 8/);
  bad(stBytes(ok, d8, 2n ** 40n), /header length 1099511627776 is not sane/);
  bad(stBytes(ok, d8, 1000n), /header length 1000 is not sane: the buffer has \d+ bytes/);
  bad(stBytes('{"w": {', d8), /not valid JSON/);
  bad(stBytes('[1,2]', d8), /must be a JSON object/);
  bad(
    stBytes({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)),
    /tensor "w" has dtype "F8_E4M3"; expected one of F64 F32/,
  );
  bad(stBytes({ w: { dtype: 'F32', shape: [2.5], data_offsets: [0, 8] } }, d8), /tensor "w" has shape \[2.5\]/);
  bad(stBytes({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, d8), /tensor "w" has data_offsets \[8, 0\]/);
  bad(
    stBytes({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 16] } }, d8),
    /tensor "w" has data_offsets \[0, 16\] beyond the data section of 8 bytes/,
  );
  bad(stBytes({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, d8), /tensor "w" has 8 bytes but shape \[3\] of F32 needs 12/);
  bad(
    stBytes({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, d8),
    /tensor "b" data_offsets \[4, 8\] overlap the previous tensor, which ends at 8/,
  );
  bad(stBytes({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, d8), /tensor "a" starts at 4 but the previous tensor ends at 0/);
  bad(stBytes(ok, new Uint8Array(12)), /data section has 12 bytes but the tensors cover only 8/);
  bad(stBytes({ __metadata__: { n: 3 } }, new Uint8Array(0)), /__metadata__\["n"\] is 3/);
  bad(stBytes({ w: 5 }, new Uint8Array(0)), /tensor "w" is 5/);
  // a real file cut short
  const full = writeSafetensors({ x: { dtype: 'float64', shape: [4], data: [1, 2, 3, 4] } });
  bad(full.subarray(0, full.length - 3), /tensor "x" has data_offsets \[0, 32\] beyond the data section of 29 bytes/);
});

test('writer rejects bad input with InvalidInput', () => {
  const inv = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof InvalidInput && re.test(e.message), String(re));
  inv(() => writeSafetensors({ w: { dtype: 'float32', shape: [3], data: [1] } }), /tensor "w" has 1 elements but shape \[3\] needs 3/);
  inv(() => writeSafetensors({ w: { dtype: 'complex' as DType, shape: [1], data: [1] } }), /dtype "complex"/);
  inv(() => writeSafetensors({ w: { dtype: 'int8', shape: [1], data: [200] } }), /tensor "w" data\[0\] is 200/);
  inv(() => writeSafetensors({ w: { dtype: 'int64', shape: [1], data: [0.5] } }), /needs integers/);
  inv(() => writeSafetensors({}, { n: 1 as unknown as string }), /metadata\["n"\] is 1/);
});
