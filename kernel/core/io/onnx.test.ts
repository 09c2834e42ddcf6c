import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { FormatError, NotFound } from '../errors';
import { readOnnxInitializers } from './onnx';
import { f32ToBf16, f32ToF16 } from './dtypes';

const DT = onnx.TensorProto.DataType;
const list = (a: unknown): (number | bigint)[] => Array.from(a as ArrayLike<number | bigint>);
const f32raw = (a: number[]) => new Uint8Array(new Float32Array(a).buffer);
const vi = (name: string, dims: number[]) => ({
  name,
  type: { tensorType: { elemType: DT.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});

/** Y = X · W + B with W in float_data and B in raw_data, plus extra initializers in other storage variants. */
function tinyModel(extra: onnx.ITensorProto[] = []): Uint8Array {
  const W = { name: 'W', dims: [2, 3], dataType: DT.FLOAT, floatData: [1, 2, 3, -1, 0.5, 4] };
  const B = { name: 'B', dims: [3], dataType: DT.FLOAT, rawData: f32raw([0.25, -1, 10]) };
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'edgelab-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny',
      node: [
        { opType: 'MatMul', input: ['X', 'W'], output: ['XW'], name: 'mm' },
        { opType: 'Add', input: ['XW', 'B'], output: ['Y'], name: 'add' },
      ],
      initializer: [W, B, ...extra],
      input: [vi('X', [1, 2])],
      output: [vi('Y', [1, 3])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

test('MatMul + Add model: float_data and raw_data initializers', () => {
  const w = readOnnxInitializers(tinyModel());
  assert.deepEqual([...w.keys()], ['W', 'B']);
  assert.deepEqual(w.get('W')!.shape, [2, 3]);
  assert.equal(w.get('W')!.dtype, 'float32');
  assert.ok(w.get('W')!.data instanceof Float32Array);
  assert.deepEqual(list(w.get('W')!.data), [1, 2, 3, -1, 0.5, 4]);
  assert.deepEqual(w.get('B')!.shape, [3]);
  assert.deepEqual(list(w.get('B')!.data), [0.25, -1, 10]);
});

test('onnxruntime runs the same model: its output equals X·W + B from the decoded initializers', async () => {
  const bytes = tinyModel();
  const w = readOnnxInitializers(bytes);
  const W = list(w.get('W')!.data) as number[],
    B = list(w.get('B')!.data) as number[];
  const X = [1.5, -2];
  const session = await ort.InferenceSession.create(bytes);
  try {
    const r = await session.run({ X: new ort.Tensor('float32', new Float32Array(X), [1, 2]) });
    const want = [0, 1, 2].map((j) => Math.fround(X[0]! * W[j]! + X[1]! * W[3 + j]! + B[j]!));
    assert.deepEqual(Array.from(r.Y!.data as Float32Array), want);
  } finally {
    await session.release();
  }
});

test('every storage variant: int32_data, int64_data, double_data, uint64_data, raw_data per dtype', () => {
  const raw16 = new Uint8Array(new Int16Array([-300, 7]).buffer);
  const rawI64 = new Uint8Array(new BigInt64Array([-(2n ** 40n), 3n]).buffer);
  const extra: onnx.ITensorProto[] = [
    { name: 'i8', dims: [3], dataType: DT.INT8, int32Data: [-128, 5, 127] },
    { name: 'u8', dims: [3], dataType: DT.UINT8, int32Data: [0, 200, 255] },
    { name: 'i16', dims: [2], dataType: DT.INT16, int32Data: [-32768, 32767] },
    { name: 'u16', dims: [1], dataType: DT.UINT16, int32Data: [65535] },
    { name: 'i32', dims: [2], dataType: DT.INT32, int32Data: [-2147483648, 42] },
    { name: 'b', dims: [3], dataType: DT.BOOL, int32Data: [1, 0, 1] },
    { name: 'h', dims: [2], dataType: DT.FLOAT16, int32Data: [f32ToF16(1.5), f32ToF16(-65504)] },
    { name: 'bf', dims: [2], dataType: DT.BFLOAT16, int32Data: [f32ToBf16(-2.5), f32ToBf16(2 ** 100)] },
    { name: 'i64', dims: [2], dataType: DT.INT64, int64Data: [-5, 2 ** 52] },
    { name: 'u64', dims: [1], dataType: DT.UINT64, uint64Data: [2 ** 53] },
    { name: 'u32', dims: [1], dataType: DT.UINT32, uint64Data: [4294967295] },
    { name: 'f64', dims: [2], dataType: DT.DOUBLE, doubleData: [Math.PI, -1e300] },
    { name: 'raw_i16', dims: [2], dataType: DT.INT16, rawData: raw16 },
    { name: 'raw_i64', dims: [1, 2], dataType: DT.INT64, rawData: rawI64 },
    { name: 'raw_h', dims: [1], dataType: DT.FLOAT16, rawData: new Uint8Array(new Uint16Array([f32ToF16(0.0999755859375)]).buffer) },
    { name: 'scalar', dims: [], dataType: DT.FLOAT, floatData: [7] },
  ];
  const w = readOnnxInitializers(tinyModel(extra));
  const want: Record<string, [string, (number | bigint)[], number[]]> = {
    i8: ['int8', [-128, 5, 127], [3]],
    u8: ['uint8', [0, 200, 255], [3]],
    i16: ['int16', [-32768, 32767], [2]],
    u16: ['uint16', [65535], [1]],
    i32: ['int32', [-2147483648, 42], [2]],
    b: ['bool', [1, 0, 1], [3]],
    h: ['float16', [1.5, -65504], [2]],
    bf: ['bfloat16', [-2.5, 2 ** 100], [2]],
    i64: ['int64', [-5n, 2n ** 52n], [2]],
    u64: ['uint64', [2n ** 53n], [1]],
    u32: ['uint32', [4294967295], [1]],
    f64: ['float64', [Math.PI, -1e300], [2]],
    raw_i16: ['int16', [-300, 7], [2]],
    raw_i64: ['int64', [-(2n ** 40n), 3n], [1, 2]],
    raw_h: ['float16', [0.0999755859375], [1]],
    scalar: ['float32', [7], []],
  };
  for (const [name, [dtype, values, shape]] of Object.entries(want)) {
    const t = w.get(name)!;
    assert.equal(t.dtype, dtype, name);
    assert.deepEqual(t.shape, shape, name);
    assert.deepEqual(list(t.data), values, name);
  }
  assert.ok(w.get('i64')!.data instanceof BigInt64Array);
  assert.ok(w.get('h')!.data instanceof Float32Array);
});

test('model file and external data files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-'));
  try {
    writeFileSync(join(dir, 'ext.bin'), new Uint8Array([9, 9, 9, 9, ...f32raw([3, -4])]));
    const ext = {
      name: 'E',
      dims: [2],
      dataType: DT.FLOAT,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: 'ext.bin' },
        { key: 'offset', value: '4' },
        { key: 'length', value: '8' },
      ],
    };
    const bytes = tinyModel([ext]);
    writeFileSync(join(dir, 'm.onnx'), bytes);
    const w = readOnnxInitializers(join(dir, 'm.onnx'));
    assert.deepEqual(list(w.get('E')!.data), [3, -4]);
    assert.deepEqual(list(w.get('W')!.data), [1, 2, 3, -1, 0.5, 4]);
    assert.throws(
      () => readOnnxInitializers(bytes),
      (e: unknown) => e instanceof FormatError && /initializer "E" keeps its data in external file "ext.bin"/.test(e.message),
    );
    rmSync(join(dir, 'ext.bin'));
    assert.throws(
      () => readOnnxInitializers(join(dir, 'm.onnx')),
      (e: unknown) => e instanceof NotFound && /ext\.bin/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => readOnnxInitializers('/nonexistent/m.onnx'), NotFound);
});

test('truncated and malformed models throw FormatError', () => {
  const bytes = tinyModel();
  for (const cut of [bytes.length - 1, Math.floor(bytes.length / 2), 20]) {
    assert.throws(
      () => readOnnxInitializers(bytes.subarray(0, cut)),
      (e: unknown) =>
        e instanceof FormatError && /not a valid ONNX model \(protobuf decode failed: .*\); is the file truncated\?/.test(e.message),
      `cut at ${cut}`,
    );
  }
  assert.throws(
    () => readOnnxInitializers(new Uint8Array(0)),
    (e: unknown) => e instanceof FormatError && /has no graph/.test(e.message),
  );
  assert.throws(() => readOnnxInitializers(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff])), FormatError);
  const bad = (t: onnx.ITensorProto, re: RegExp) =>
    assert.throws(
      () => readOnnxInitializers(tinyModel([t])),
      (e: unknown) => e instanceof FormatError && re.test(e.message),
      String(re),
    );
  bad({ name: 's', dims: [1], dataType: DT.STRING, stringData: [new Uint8Array([65])] }, /initializer "s" has element type STRING/);
  bad({ name: 'c', dims: [1], dataType: DT.COMPLEX64, floatData: [1, 2] }, /initializer "c" has element type COMPLEX64/);
  bad(
    { name: 'f', dims: [2, 2], dataType: DT.FLOAT, floatData: [1, 2, 3] },
    /initializer "f" has 3 values in float_data but dims \[2, 2\] need 4/,
  );
  bad(
    { name: 'r', dims: [3], dataType: DT.FLOAT, rawData: f32raw([1, 2]) },
    /initializer "r" has 8 bytes of raw_data but dims \[3\] of float32 need 12/,
  );
  bad({ name: 'q', dims: [2], dataType: DT.INT64, int32Data: [1, 2] }, /initializer "q" has 0 values in int64_data/);
  bad({ name: 'W', dims: [1], dataType: DT.FLOAT, floatData: [1] }, /two initializers named "W"/);
});
