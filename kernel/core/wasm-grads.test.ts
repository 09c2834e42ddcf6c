/**
 * The wasm training kernels against a float64 brute-force reference (normwise ‖g − ref‖ ≤ 1e-4·‖ref‖)
 * over strides, paddings and dilations, and against the cpu backend where the cpu backend is itself
 * right (dilation 1; its depthwise kernels are wrong at dilation 2, measured here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { init } from './backend';
import { rng } from './rng';
import { relErr } from './testing';
import { setFastWasmKernels, WASM_REPLACED_KERNELS } from './wasm-grads';

type Pad = 'same' | 'valid';
interface Case {
  B: number;
  H: number;
  W: number;
  C: number;
  K: number;
  out: number;
  stride: number;
  dil: number;
  pad: Pad;
}

function geometry(c: Case, depthwise: boolean) {
  return tf.backend_util.computeConv2DInfo([c.B, c.H, c.W, c.C], [c.K, c.K, c.C, c.out], c.stride, c.dil, c.pad, undefined, depthwise);
}

/** float64 brute force: returns dL/dW and dL/dX for L = Σ y ⊙ g. */
function reference(c: Case, x: Float64Array, w: Float64Array, g: Float64Array, depthwise: boolean) {
  const info = geometry(c, depthwise);
  const { outHeight: OH, outWidth: OW, padInfo } = info;
  const M = depthwise ? c.out : 0,
    Co = depthwise ? c.C * c.out : c.out;
  const dW = new Float64Array(w.length),
    dX = new Float64Array(x.length);
  for (let b = 0; b < c.B; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        for (let kh = 0; kh < c.K; kh++)
          for (let kw = 0; kw < c.K; kw++) {
            const ih = oh * c.stride - padInfo.top + kh * c.dil,
              iw = ow * c.stride - padInfo.left + kw * c.dil;
            if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
            const xb = ((b * c.H + ih) * c.W + iw) * c.C;
            if (depthwise) {
              for (let ci = 0; ci < c.C; ci++)
                for (let m = 0; m < M; m++) {
                  const gv = g[((b * OH + oh) * OW + ow) * Co + ci * M + m]!;
                  const wi = ((kh * c.K + kw) * c.C + ci) * M + m;
                  dW[wi]! += x[xb + ci]! * gv;
                  dX[xb + ci]! += w[wi]! * gv;
                }
            } else {
              for (let ci = 0; ci < c.C; ci++)
                for (let co = 0; co < Co; co++) {
                  const gv = g[((b * OH + oh) * OW + ow) * Co + co]!;
                  const wi = ((kh * c.K + kw) * c.C + ci) * Co + co;
                  dW[wi]! += x[xb + ci]! * gv;
                  dX[xb + ci]! += w[wi]! * gv;
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
      const dw = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: xt, dy: gt }, {
        ...attrs,
        filterShape: wt.shape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: gt, filter: wt }, {
        ...attrs,
        inputShape: xt.shape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return { dX: dx.dataSync().slice(), dW: dw.dataSync().slice() };
    }
    const f = (xx: tf.Tensor, ww: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dil), gt));
    const [dx, dw] = tf.grads(f)([xt, wt]);
    return { dX: dx!.dataSync().slice(), dW: dw!.dataSync().slice() };
  });
}

function cases(depthwise: boolean): Case[] {
  const out: Case[] = [];
  for (const [H, W] of [
    [9, 9],
    [10, 7],
  ] as const)
    for (const K of depthwise ? [1, 3, 5] : [1, 3, 5, 9])
      for (const stride of [1, 2, 3])
        for (const pad of ['same', 'valid'] as const)
          for (const dil of depthwise ? [1, 2] : [1])
            for (const out2 of depthwise ? [1, 2] : [4]) {
              if (dil > 1 && stride > 1) continue; // tfjs requires stride 1 when dilation > 1
              if (pad === 'valid' && (K - 1) * dil + 1 > Math.min(H, W)) continue;
              out.push({ B: 2, H, W, C: 3, K, out: out2, stride, dil, pad });
            }
  // K = 9 (81 taps) takes the correlation path of Conv2DBackpropFilter, the rest the per-tap matMul path; 7×7/s7 = patch embedding
  if (!depthwise) out.push({ B: 2, H: 14, W: 21, C: 2, K: 7, out: 5, stride: 7, dil: 1, pad: 'valid' });
  return out;
}

for (const depthwise of [false, true]) {
  const what = depthwise ? 'DepthwiseConv2dNativeBackpropFilter/Input' : 'Conv2DBackpropFilter/Input';
  test(`wasm ${what} match the float64 brute force and the cpu backend`, async () => {
    const r = rng(depthwise ? 2 : 1);
    let worstRef = 0,
      worstCpu = 0,
      n = 0;
    for (const c of cases(depthwise)) {
      const x = Float64Array.from(r.normals(c.B * c.H * c.W * c.C));
      const w = Float64Array.from(r.normals(c.K * c.K * c.C * c.out));
      const info = geometry(c, depthwise);
      const Co = depthwise ? c.C * c.out : c.out;
      const g = Float64Array.from(r.normals(c.B * info.outHeight * info.outWidth * Co));
      const ref = reference(c, x, w, g, depthwise);
      await init({ backend: 'wasm' });
      const wasm = tfGrads(c, x, w, g, depthwise, ref.OH, ref.OW, ref.Co);
      const eW = relErr(wasm.dW, ref.dW),
        eX = relErr(wasm.dX, ref.dX);
      assert.ok(eW <= 1e-4 && eX <= 1e-4, `wasm vs brute force ${JSON.stringify(c)}: dW ${eW}, dX ${eX}`);
      worstRef = Math.max(worstRef, eW, eX);
      if (c.dil === 1) {
        await init({ backend: 'cpu' });
        const cpu = tfGrads(c, x, w, g, depthwise, ref.OH, ref.OW, ref.Co);
        const cW = relErr(wasm.dW, Array.from(cpu.dW)),
          cX = relErr(wasm.dX, Array.from(cpu.dX));
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
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [12, 12, 1],
        filters: 6,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: r.seedInt() }),
      }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: tf.initializers.heNormal({ seed: r.seedInt() }) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: r.seedInt() }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  // two classes: bright top half vs bright bottom half
  const n = 64,
    xs = new Float32Array(n * 144),
    ys = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    ys[i * 2 + cls] = 1;
    for (let p = 0; p < 144; p++) xs[i * 144 + p] = (p < 72 === (cls === 0) ? 1 : 0) + 0.3 * r.normal();
  }
  const x = tf.tensor4d(xs, [n, 12, 12, 1]),
    y = tf.tensor2d(ys, [n, 2]);
  const h = await model.fit(x, y, { epochs: 8, batchSize: 16, shuffle: false, verbose: 0 });
  const loss = h.history.loss as number[];
  assert.ok(loss.every(Number.isFinite));
  assert.ok(loss[loss.length - 1]! < 0.5 * loss[0]!, `loss ${loss.map((l) => l.toFixed(3)).join(' → ')}`);
  x.dispose();
  y.dispose();
  model.optimizer.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('wasm matMul with transposed operands, batches and fused bias/activation equals the cpu backend (the wrapped kernels)', async () => {
  const r = rng(3);
  const shapes: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [];
  for (const ta of [false, true])
    for (const tb of [false, true]) {
      shapes.push({ a: ta ? [7, 5] : [5, 7], b: tb ? [9, 7] : [7, 9], ta, tb });
      shapes.push({ a: ta ? [3, 7, 5] : [3, 5, 7], b: tb ? [3, 9, 7] : [3, 7, 9], ta, tb });
      shapes.push({ a: ta ? [2, 3, 7, 5] : [2, 3, 5, 7], b: tb ? [2, 3, 9, 7] : [2, 3, 7, 9], ta, tb });
      shapes.push({ a: ta ? [3, 7, 5] : [3, 5, 7], b: tb ? [9, 7] : [7, 9], ta, tb }); // 2-D right operand
      shapes.push({ a: ta ? [1, 7, 5] : [1, 5, 7], b: tb ? [3, 9, 7] : [3, 7, 9], ta, tb }); // broadcast batch: original kernel
    }
  const run = (backend: 'wasm' | 'cpu', s: (typeof shapes)[number], a: Float32Array, b: Float32Array, bias: Float32Array) =>
    tf.tidy(() => {
      const at = tf.tensor(a, s.a),
        bt = tf.tensor(b, s.b),
        bb = tf.tensor1d(bias);
      const plain = tf.matMul(at, bt, s.ta, s.tb);
      const fused =
        s.a.length === 2
          ? tf.fused.matMul({
              a: at as tf.Tensor2D,
              b: bt as tf.Tensor2D,
              transposeA: s.ta,
              transposeB: s.tb,
              bias: bb,
              activation: 'relu',
            })
          : plain;
      // gradients go through the transposed products (tfjs's own BatchMatMul gradient rejects broadcast batches, on every backend)
      const [ga, gb] =
        s.a.length === s.b.length && s.a[0] === s.b[0]
          ? tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, s.ta, s.tb))))([at, bt])
          : [plain, plain];
      void backend;
      return [plain, fused, ga!, gb!].map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }));
    });
  let n = 0;
  for (const s of shapes) {
    const a = Float32Array.from(r.normals(s.a.reduce((x, y) => x * y, 1))),
      b = Float32Array.from(r.normals(s.b.reduce((x, y) => x * y, 1)));
    const bias = Float32Array.from(r.normals(9));
    await init({ backend: 'cpu' });
    const want = run('cpu', s, a, b, bias);
    await init({ backend: 'wasm' });
    const got = run('wasm', s, a, b, bias);
    for (let i = 0; i < want.length; i++) {
      assert.deepEqual(got[i]!.shape, want[i]!.shape, `${JSON.stringify(s)} output ${i} shape`);
      const e = relErr(got[i]!.data, want[i]!.data);
      assert.ok(e <= 1e-5, `${JSON.stringify(s)} output ${i}: rel. error ${e}`);
      n++;
    }
  }
  assert.equal(n, shapes.length * 4);
  // the switch restores the backend's own kernels and back
  const before = WASM_REPLACED_KERNELS.map((k) => tf.getKernel(k, 'wasm').kernelFunc);
  assert.deepEqual(setFastWasmKernels(false).sort(), [...WASM_REPLACED_KERNELS].sort());
  assert.ok(WASM_REPLACED_KERNELS.every((k, i) => tf.getKernel(k, 'wasm').kernelFunc !== before[i]));
  const s0 = shapes[1]!,
    a = Float32Array.from(r.normals(15 * 7)),
    b = Float32Array.from(r.normals(3 * 63));
  const slow = run('wasm', { ...s0, ta: true, tb: true, a: [3, 7, 5], b: [3, 9, 7] }, a, b, new Float32Array(9));
  assert.deepEqual(setFastWasmKernels(false), []);
  assert.deepEqual(setFastWasmKernels(true).sort(), [...WASM_REPLACED_KERNELS].sort());
  const fast = run('wasm', { ...s0, ta: true, tb: true, a: [3, 7, 5], b: [3, 9, 7] }, a, b, new Float32Array(9));
  for (let i = 0; i < 4; i++) assert.ok(relErr(fast[i]!.data, slow[i]!.data) <= 1e-5);
});
