/** Test helper shared by the importer and export tests (not part of the public API). */
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { tf } from '../core/backend';

/**
 * onnxruntime running `onnx` gives `model`'s tfjs outputs on the same seeded batch of 2 (input named 'input', the
 * model's own input shape), to 1e-4 relative. Leaves no tensors behind.
 */
export async function assertOrtMatchesTfjs(model: tf.LayersModel, onnx: Uint8Array, seed: number): Promise<void> {
  const shape = [2, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const x = tf.randomNormal(shape, 0, 1, 'float32', seed);
  const y = model.predict(x) as tf.Tensor;
  const want = y.dataSync().slice(),
    xs = x.dataSync().slice();
  tf.dispose([x, y]);
  const s = await ort.InferenceSession.create(onnx);
  try {
    const got = Object.values(await s.run({ input: new ort.Tensor('float32', xs, shape) }))[0]!.data as Float32Array;
    assert.equal(got.length, want.length);
    for (let i = 0; i < got.length; i++)
      assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)), `out[${i}] ${got[i]} vs ${want[i]}`);
  } finally {
    await s.release();
  }
}
