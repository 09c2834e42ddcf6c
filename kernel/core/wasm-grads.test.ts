/**
 * The wasm training kernels against a float64 brute-force reference (normwise ‖g − ref‖ ≤ 1e-4·‖ref‖)
 * over strides, paddings and dilations, and against the cpu backend where the cpu backend is itself
 * right (dilation 1; its depthwise kernels are wrong at dilation 2, see shared/research/npm_compute.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { init } from './backend';
import { rng } from './rng';
import { relErr } from './testing';

type Pad = 'same' | 'valid';
interface Case { B: number; H: number; W: number; C: number; K: number; out: number; stride: number; dil: number; pad: Pad }

function geometry(c: Case, depthwise: boolean) {
  return tf.backend_util.computeConv2DInfo([c.B, c.H, c.W, c.C], [c.K, c.K, c.C, c.out], c.stride, c.dil, c.pad, undefined, depthwise);
}

/** float64 brute force: returns dL/dW and dL/dX for L = Σ y ⊙ g. */
function reference(c: Case, x: Float64Array, w: Float64Array, g: Float64Array, depthwise: boolean) {
  const info = geometry(c, depthwise);
  const { outHeight: OH, outWidth: OW, padInfo } = info;
  const M = depthwise ? c.out : 0, Co = depthwise ? c.C * c.out : c.out;
  const dW = new Float64Array(w.length), dX = new Float64Array(x.length);
  for (let b = 0; b < c.B; b++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    for (let kh = 0; kh < c.K; kh++) for (let kw = 0; kw < c.K; kw++) {
      const ih = oh * c.stride - padInfo.top + kh * c.dil, iw = ow * c.stride - padInfo.left + kw * c.dil;
      if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
      const xb = ((b * c.H + ih) * c.W + iw) * c.C;
      if (depthwise) {
        for (let ci = 0; ci < c.C; ci++) for (let m = 0; m < M; m++) {
          const gv = g[((b * OH + oh) * OW + ow) * Co + ci * M + m]!;
          const wi = ((kh * c.K + kw) * c.C + ci) * M + m;
          dW[wi]! += x[xb + ci]! * gv; dX[xb + ci]! += w[wi]! * gv;
        }
      } else {
        for (let ci = 0; ci < c.C; ci++) for (let co = 0; co < Co; co++) {
          const gv = g[((b * OH + oh) * OW + ow) * Co + co]!;
          const wi = ((kh * c.K + kw) * c.C + ci) * Co + co;
          dW[wi]! += x[xb + ci]! * gv; dX[xb + ci]! += w[wi]! * gv;
        }
      }
    }
  }
  return { dW, dX, OH, OW, Co };
}

/** dX, dW from the backend's kernels: through tf.grads for conv2d; directly through the registered kernels for depthwise
 * (tfjs's depthwise gradient refuses dilation > 1 before reaching the kernels, but the kernels themselves support it). */
function tfGrads(c: Case, x: Float64Array, w: Float64Array, g: Float64Array, depthwise: boolean, OH: number, OW: number, Co: number) {
  return tf.tidy(() => {
    const xt = tf.tensor4d(Float32Array.from(x), [c.B, c.H, c.W, c.C]);
    const wt = tf.tensor4d(Float32Array.from(w), [c.K, c.K, c.C, c.out]);
    const gt = tf.tensor4d(Float32Array.from(g), [c.B, OH, OW, Co]);
    if (depthwise) {
      const attrs = { strides: [c.stride, c.stride], dilations: [c.dil, c.dil], pad: c.pad, dimRoundingMode: undefined };
      const dw = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: xt, dy: gt },
        { ...attrs, filterShape: wt.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: gt, filter: wt },
        { ...attrs, inputShape: xt.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return { dX: dx.dataSync().slice(), dW: dw.dataSync().slice() };
    }
    const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dil), gt));
    const [dx, dw] = tf.grads(f)([xt, wt]);
    return { dX: dx!.dataSync().slice(), dW: dw!.dataSync().slice() };
  });
}

function cases(depthwise: boolean): Case[] {
  const out: Case[] = [];
  for (const [H, W] of [[9, 9], [10, 7]] as const)
    for (const K of [1, 3, 5]) for (const stride of [1, 2, 3]) for (const pad of ['same', 'valid'] as const)
      for (const dil of depthwise ? [1, 2] : [1]) for (const out2 of depthwise ? [1, 2] : [4]) {
        if (dil > 1 && stride > 1) continue; // tfjs requires stride 1 when dilation > 1
        if (pad === 'valid' && (K - 1) * dil + 1 > Math.min(H, W)) continue;
        out.push({ B: 2, H, W, C: 3, K, out: out2, stride, dil, pad });
      }
  return out;
}

for (const depthwise of [false, true]) {
  const what = depthwise ? 'DepthwiseConv2dNativeBackpropFilter/Input' : 'Conv2DBackpropFilter (+ existing BackpropInput)';
  test(`wasm ${what} match the float64 brute force and the cpu backend`, async () => {
    const r = rng(depthwise ? 2 : 1);
    let worstRef = 0, worstCpu = 0, n = 0;
    for (const c of cases(depthwise)) {
      const x = Float64Array.from(r.normals(c.B * c.H * c.W * c.C));
      const w = Float64Array.from(r.normals(c.K * c.K * c.C * c.out));
      const info = geometry(c, depthwise);
      const Co = depthwise ? c.C * c.out : c.out;
      const g = Float64Array.from(r.normals(c.B * info.outHeight * info.outWidth * Co));
      const ref = reference(c, x, w, g, depthwise);
      await init({ backend: 'wasm' });
      const wasm = tfGrads(c, x, w, g, depthwise, ref.OH, ref.OW, ref.Co);
      const eW = relErr(wasm.dW, ref.dW), eX = relErr(wasm.dX, ref.dX);
      assert.ok(eW <= 1e-4 && eX <= 1e-4, `wasm vs brute force ${JSON.stringify(c)}: dW ${eW}, dX ${eX}`);
      worstRef = Math.max(worstRef, eW, eX);
      if (c.dil === 1) {
        await init({ backend: 'cpu' });
        const cpu = tfGrads(c, x, w, g, depthwise, ref.OH, ref.OW, ref.Co);
        const cW = relErr(wasm.dW, Array.from(cpu.dW)), cX = relErr(wasm.dX, Array.from(cpu.dX));
        assert.ok(cW <= 1e-4 && cX <= 1e-4, `wasm vs cpu ${JSON.stringify(c)}: dW ${cW}, dX ${cX}`);
        worstCpu = Math.max(worstCpu, cW, cX);
      }
      n++;
    }
    assert.ok(n >= 30, `only ${n} cases`);
    await init({ backend: 'wasm' });
    console.log(`# ${what}: ${n} cases, worst rel. error vs float64 ${worstRef.toExponential(2)}, vs cpu ${worstCpu.toExponential(2)}`);
  });
}

test('model.fit trains a conv + depthwise model on wasm without missing kernels, and the loss falls', async () => {
  await init({ backend: 'wasm' });
  const before = tf.memory().numTensors;
  const r = rng(9);
  const model = tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: r.seedInt() }) }),
    tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: tf.initializers.heNormal({ seed: r.seedInt() }) }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: r.seedInt() }) }),
  ] });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  // two classes: bright top half vs bright bottom half
  const n = 64, xs = new Float32Array(n * 144), ys = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const cls = i % 2; ys[i * 2 + cls] = 1;
    for (let p = 0; p < 144; p++) xs[i * 144 + p] = ((p < 72) === (cls === 0) ? 1 : 0) + 0.3 * r.normal();
  }
  const x = tf.tensor4d(xs, [n, 12, 12, 1]), y = tf.tensor2d(ys, [n, 2]);
  const h = await model.fit(x, y, { epochs: 8, batchSize: 16, shuffle: false, verbose: 0 });
  const loss = h.history.loss as number[];
  assert.ok(loss.every(Number.isFinite));
  assert.ok(loss[loss.length - 1]! < 0.5 * loss[0]!, `loss ${loss.map((l) => l.toFixed(3)).join(' → ')}`);
  x.dispose(); y.dispose(); model.optimizer.dispose(); model.dispose();
  assert.equal(tf.memory().numTensors, before);
});
