import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solvePoisson } from './poisson';
import { type CutOut, pasteCutOut } from './blend';
import { InvalidInput } from '../errors';

// Exact discrete solution: g = q (a quadratic, discrete Laplacian 6 everywhere), destination boundary f* = q + H
// with H(x, y) = sin(kx)·sinh(my), cosh(m) = 2 − cos(k), which is exactly harmonic for the 5-point stencil.
// The solution inside Ω is then q + H exactly; any stencil, sign, boundary or neighbour-indexing bug breaks it.
const k = 0.3,
  mm = Math.acosh(2 - Math.cos(k));
const q = (x: number, y: number): number => 0.5 * x * x + y * y + 0.2 * x * y;
const H = (x: number, y: number): number => (20 * Math.sin(k * x) * Math.sinh(mm * y)) / Math.sinh(mm * 20);

function grid(w: number, h: number, inside: (x: number, y: number) => boolean) {
  const dst = new Float64Array(w * h),
    src = new Float64Array(w * h),
    omega = new Uint8Array(w * h),
    truth = new Float64Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      truth[i] = q(x, y) + H(x, y);
      dst[i] = inside(x, y) ? 999 : truth[i]!; // garbage inside: the solver must not read it
      src[i] = q(x, y) + 7; // a constant offset has no gradient
      omega[i] = inside(x, y) ? 1 : 0;
    }
  return { dst, src, omega, truth };
}

test('Poisson solver reproduces an exact discrete solution on a rectangle and on a disk', () => {
  for (const [name, inside] of [
    ['rectangle', (x: number, y: number) => x >= 2 && x < 28 && y >= 2 && y < 20],
    ['disk', (x: number, y: number) => (x - 15) ** 2 + (y - 11) ** 2 < 81],
  ] as const) {
    const w = 31,
      h = 23;
    const { dst, src, omega, truth } = grid(w, h, inside);
    const r = solvePoisson(dst, src, omega, w, h, { tol: 1e-10 });
    let err = 0;
    for (let i = 0; i < w * h; i++) err = Math.max(err, Math.abs(r.values[i]! - truth[i]!));
    assert.ok(err < 1e-6, `${name}: max error ${err}`);
    assert.ok(r.iterations > 1 && r.residual <= 1e-10, `${name}: ${r.iterations} iterations, residual ${r.residual}`);
    // outside Ω the destination is returned untouched
    for (let i = 0; i < w * h; i++) if (!omega[i]) assert.equal(r.values[i], dst[i]);
  }
});

test('Poisson solver: a region touching the image border uses only in-image neighbours', () => {
  const w = 20,
    h = 12;
  const { dst, src, omega } = grid(w, h, (x, y) => x < 6 && y < 5);
  // On a border-touching Ω with a Neumann edge, the solution of Δf = Δg with f = g + c on the interior boundary is
  // f = g + c: the source shifted to meet the destination. Choose dst = src + 3 outside.
  for (let i = 0; i < w * h; i++) if (!omega[i]) dst[i] = src[i]! + 3;
  const r = solvePoisson(dst, src, omega, w, h, { tol: 1e-12 });
  for (let i = 0; i < w * h; i++) if (omega[i]) assert.ok(Math.abs(r.values[i]! - (src[i]! + 3)) < 1e-6);
});

test('Poisson solver rejects a region that is the whole image and mismatched sizes', () => {
  assert.throws(() => solvePoisson(new Float64Array(4), new Float64Array(4), new Uint8Array(4).fill(1), 2, 2), InvalidInput);
  assert.throws(() => solvePoisson(new Float64Array(4), new Float64Array(3), new Uint8Array(4), 2, 2), InvalidInput);
});

test('pasteCutOut (poisson) changes only the pasted region and matches the destination level at its boundary', () => {
  const W = 40,
    Hh = 30;
  const dst = { width: W, height: Hh, data: new Uint8Array(W * Hh * 3).fill(120) };
  for (let i = 0; i < dst.data.length; i += 3) dst.data[i] = 50 + ((i / 3) % W); // a horizontal ramp in red
  const cw = 12,
    ch = 10;
  const rgb = new Uint8Array(cw * ch * 3).fill(20);
  const region = new Uint8Array(cw * ch),
    alpha = new Float32Array(cw * ch);
  for (let y = 1; y < ch - 1; y++)
    for (let x = 1; x < cw - 1; x++) {
      region[y * cw + x] = 1;
      alpha[y * cw + x] = 1;
      if (x > 3 && x < 8 && y > 3 && y < 7) rgb.fill(120, 3 * (y * cw + x), 3 * (y * cw + x) + 3); // a bright square
    }
  const c: CutOut = {
    rgb: { width: cw, height: ch, data: rgb },
    region: { width: cw, height: ch, data: region },
    alpha: { width: cw, height: ch, data: alpha },
    origin: { x: 0, y: 0 },
    objectBox: [4, 4, 4, 3],
  };
  const res = pasteCutOut(dst, c, { x: 10, y: 8 });
  let changedOutside = 0;
  for (let i = 0; i < W * Hh; i++) {
    const same = [0, 1, 2].every((ch2) => res.image.data[3 * i + ch2] === dst.data[3 * i + ch2]);
    if (!res.region.data[i] && !same) changedOutside++;
  }
  assert.equal(changedOutside, 0);
  // the dark cut-out background (20) is lifted to the destination level (≈120 in green) — the point of Poisson
  const gCorner = res.image.data[3 * (9 * W + 11) + 1]!;
  assert.ok(gCorner > 100, `green next to the boundary should follow the destination (120), got ${gCorner}`);
  // and the square's contrast (+100) survives inside
  const gIn = res.image.data[3 * (13 * W + 15) + 1]!;
  assert.ok(gIn - gCorner > 60, `square contrast kept: inside ${gIn} vs edge ${gCorner}`);
  assert.deepEqual(res.objectBox, [14, 12, 4, 3]);
  // feather: plain copy where alpha = 1
  const fe = pasteCutOut(dst, c, { x: 10, y: 8 }, { method: 'feather' });
  assert.equal(fe.image.data[3 * (9 * W + 11) + 1], 20);
  assert.throws(() => pasteCutOut(dst, c, { x: 100, y: 100 }), InvalidInput);
});
