import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../core/rng';
import { FormatError } from '../core/errors';
import { channelLayout, dequantizeInt8, quantizeInt8 } from './weights';

test('int8 round trip: every value within half a quantization step of its own channel, depthwise kernels per channel', () => {
  const r = rng(5);
  for (const shape of [
    [7, 7, 40, 1], // depthwise: channel = axis 2
    [40, 160], // point-wise: channel = last axis
    [4, 4, 1, 40], // stem patch kernel [k, k, inCh = 1, C]: last axis, not mistaken for depthwise
  ]) {
    const { channels, of } = channelLayout(shape);
    const n = shape.reduce((a, b) => a * b, 1);
    // channel ranges spanning three decades: a single scale would quantize the small channels to zero
    const range = Float32Array.from({ length: channels }, (_, c) => 10 ** (-3 + (3 * c) / Math.max(1, channels - 1)));
    const w = Float32Array.from({ length: n }, (_, i) => r.uniform(-1, 1) * range[of(i)]!);
    const { scale, q } = quantizeInt8(w, shape);
    assert.equal(scale.length, channels, `${shape}: one scale per channel`);
    const d = dequantizeInt8(q, shape, scale);
    for (let i = 0; i < n; i++) {
      const c = of(i);
      assert.ok(
        Math.abs(d[i]! - w[i]!) <= scale[c]! / 2 + 1e-12,
        `${shape} element ${i} (channel ${c}): ${w[i]} → ${d[i]}, step ${scale[c]}`,
      );
      assert.ok(scale[c]! <= range[c]! / 127 + 1e-12, `${shape}: channel ${c}'s step ${scale[c]} is coarser than its range needs`);
    }
  }
  assert.equal(channelLayout([7, 7, 40, 1]).of(7 * 40 + 3), 3, 'depthwise element [0, 1, 3, 0] is channel 3');
  // files of the earlier format (one scale for a depthwise kernel) still load; a wrong scale count is a named error
  const q = Int8Array.from([1, -2, 3, 4]);
  assert.deepEqual([...dequantizeInt8(q, [1, 1, 4, 1], Float32Array.of(0.5))], [0.5, -1, 1.5, 2]);
  assert.throws(() => dequantizeInt8(q, [1, 1, 4, 1], Float32Array.of(1, 2)), FormatError);
});
