import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixationTimeout, awaitSecondFixation, deleteObject, moveObject, moveScale, restyleObject } from './edit';
import { type Mask, type RgbImage, changedPixelsOutside, emptyMask, maskArea } from '../core/vision/raster';
import { labStats } from '../core/vision/color';
import { availablePhotos, loadPhoto } from '../core/vision/photos';
import { InvalidInput } from '../core/errors';
import { rng } from '../core/rng';

/** A textured 160×120 scene: noisy green-grey ground with a red disk (the object) and a blue square (another one). */
function scene(seed = 1): { img: RgbImage; red: Mask; blue: Mask } {
  const W = 160,
    H = 120;
  const r = rng(seed);
  const data = new Uint8Array(W * H * 3);
  const red = emptyMask(W, H),
    blue = emptyMask(W, H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const n = r.normal(0, 6);
      let c = [90 + 0.3 * y + n, 120 + n, 95 + 0.2 * x + n];
      if ((x - 50) ** 2 + (y - 60) ** 2 <= 18 ** 2) {
        c = [200 + n, 40 + n, 35 + n];
        red.data[i] = 1;
      } else if (x >= 105 && x < 135 && y >= 20 && y < 50) {
        c = [30 + n, 50 + n, 190 + n];
        blue.data[i] = 1;
      }
      for (let k = 0; k < 3; k++) data[3 * i + k] = Math.max(0, Math.min(255, Math.round(c[k]!)));
    }
  return { img: { width: W, height: H, data }, red, blue };
}

const meanRed = (img: RgbImage, m: Mask): number => {
  let s = 0,
    n = 0;
  for (let i = 0; i < m.data.length; i++)
    if (m.data[i]) {
      s += img.data[3 * i]! - img.data[3 * i + 1]!;
      n++;
    }
  return s / n;
};

test('delete: object gone, only the capped dilated mask changes, input untouched, deterministic', async () => {
  const { img, red } = scene();
  const before = img.data.slice();
  const sel = { box: [30, 40, 41, 41] as [number, number, number, number], label: 'apple' };
  const a = await deleteObject(img, sel, {}, 3);
  assert.deepEqual(img.data, before, 'the input image is not modified');
  assert.equal(changedPixelsOutside(img, a.image, a.record.changed), 0, 'bit-identical outside the dilated mask');
  assert.ok(a.record.dilatedArea <= 1.5 * a.record.objectArea, `dilated ${a.record.dilatedArea} vs object ${a.record.objectArea}`);
  assert.equal(a.record.maskMethod, 'grabcut');
  // GrabCut found the disk (IoU with the true disk)
  const rec = a.record.changed;
  let inter = 0;
  for (let i = 0; i < red.data.length; i++) if (red.data[i] && rec.data[i]) inter++;
  assert.ok(inter / maskArea(red) > 0.95, `dilated mask covers the object: ${inter / maskArea(red)}`);
  assert.ok(
    meanRed(img, red) > 120 && meanRed(a.image, red) < 20,
    `red−green on the object: ${meanRed(img, red)} → ${meanRed(a.image, red)}`,
  );
  const b = await deleteObject(img, sel, {}, 3);
  assert.deepEqual(b.image.data, a.image.data, 'same seed, same bytes');
  const ns = await deleteObject(img, { ...sel, mask: red }, { inpaint: 'ns' }, 3);
  assert.equal(ns.record.maskMethod, 'given');
  assert.equal(changedPixelsOutside(img, ns.image, ns.record.changed), 0);
});

test('move: object appears at the destination, hole filled, only source + destination regions change', async () => {
  const { img, red } = scene();
  for (const blend of ['poisson', 'feather'] as const) {
    const r = await moveObject(img, { box: [30, 40, 41, 41], mask: red }, { x: 100, y: 90 }, { blend }, 5);
    assert.equal(changedPixelsOutside(img, r.image, r.record.changed), 0, `${blend}: bit-identical outside`);
    const db = r.record.details.destinationBox as number[];
    assert.ok(Math.abs(db[0]! + db[2]! / 2 - 100) <= 1 && Math.abs(db[1]! + db[3]! / 2 - 90) <= 1, `${blend}: destination box ${db}`);
    const dest = emptyMask(img.width, img.height);
    for (let y = 80; y < 100; y++) for (let x = 90; x < 110; x++) dest.data[y * img.width + x] = 1;
    assert.ok(meanRed(r.image, dest) > 100, `${blend}: red at destination ${meanRed(r.image, dest)}`);
    assert.ok(meanRed(r.image, red) < 20, `${blend}: hole filled ${meanRed(r.image, red)}`);
  }
  // destination near the border: shifted inward, still inside the image
  const edge = await moveObject(img, { box: [30, 40, 41, 41], mask: red }, { x: 158, y: 118 }, {}, 5);
  assert.equal(edge.record.details.shiftedInside, true);
  assert.equal(changedPixelsOutside(img, edge.image, edge.record.changed), 0);
});

test('moveScale: ground rule grows objects brought toward the camera, keep does not', () => {
  assert.equal(moveScale('keep', 100, 200, 300), 1);
  assert.ok(Math.abs(moveScale('ground', 200, 280, 300) - (280 - 120) / (200 - 120)) < 1e-12);
  assert.equal(moveScale('ground', 200, 100, 300), 1, 'above the horizon → keep');
  assert.equal(moveScale('ground', 121.5, 299, 300), 2, 'clamped');
});

test('restyle: target Lab statistics move to the reference, nothing outside target + edge band changes', async () => {
  const { img, red, blue } = scene();
  const r = await restyleObject(img, { box: [30, 40, 41, 41], mask: red }, { box: [105, 20, 30, 30], mask: blue }, {}, 0);
  assert.equal(changedPixelsOutside(img, r.image, r.record.changed), 0);
  const want = labStats(img, red),
    before = labStats(img, blue),
    after = labStats(r.image, blue);
  for (let c = 0; c < 3; c++)
    assert.ok(
      Math.abs(after.mean[c]! - want.mean[c]!) < 0.25 * Math.abs(before.mean[c]! - want.mean[c]!) + 2,
      `channel ${c}: ${before.mean[c]} → ${after.mean[c]} (ref ${want.mean[c]})`,
    );
});

test('bad input: empty mask, box outside, NaN destination, second fixation timeout → named errors', async () => {
  const { img } = scene();
  await assert.rejects(deleteObject(img, { box: [10, 10, 20, 20], mask: emptyMask(img.width, img.height) }), InvalidInput);
  await assert.rejects(deleteObject(img, { box: [150, 100, 40, 40] }), InvalidInput);
  await assert.rejects(deleteObject(img, { box: [Number.NaN, 0, 4, 4] }), InvalidInput);
  await assert.rejects(moveObject(img, { box: [30, 40, 41, 41] }, { x: Number.NaN, y: 3 }), InvalidInput);
  await assert.rejects(moveObject(img, { box: [30, 40, 41, 41] }, { x: 500, y: 3 }), InvalidInput);
  await assert.rejects(deleteObject({ width: 2, height: 2, data: new Uint8Array(5) }, { box: [0, 0, 1, 1] }), InvalidInput);
  const never = new Promise<{ x: number; y: number }>(() => {});
  await assert.rejects(
    awaitSecondFixation(never, { timeoutMs: 30 }),
    (e: unknown) => e instanceof FixationTimeout && /30 ms/.test((e as Error).message),
  );
  assert.deepEqual(await awaitSecondFixation(Promise.resolve({ x: 1, y: 2 }), { timeoutMs: 30 }), { x: 1, y: 2 });
});

test('on a real photo, delete and move leave every pixel outside their regions bit-identical, and the regions are tight', async (t) => {
  if (!availablePhotos().includes('coffee')) return t.skip('skimage photos not installed (Debian python3-skimage)');
  const img = loadPhoto('coffee');
  const cup: [number, number, number, number] = [173, 18, 234, 289]; // the hand box of kernel/gazegen/labels.json
  const boxArea = cup[2] * cup[3];
  // pixels of `m` outside box `b` grown by `pad` on every side
  const outsideGrown = (m: Mask, b: readonly number[], pad: number): number => {
    let n = 0;
    for (let y = 0; y < m.height; y++)
      for (let x = 0; x < m.width; x++)
        if (m.data[y * m.width + x] && (x < b[0]! - pad || y < b[1]! - pad || x >= b[0]! + b[2]! + pad || y >= b[1]! + b[3]! + pad)) n++;
    return n;
  };
  for (const region of ['box', 'mask'] as const) {
    const del = await deleteObject(img, { box: cup, label: 'cup' }, { region }, 0);
    assert.equal(changedPixelsOutside(img, del.image, del.record.changed), 0, `${region} delete: bit-identical outside its region`);
    assert.ok(
      del.record.changedPixels > 0.3 * del.record.objectArea,
      `${region} delete changed the object (${del.record.changedPixels} px)`,
    );
    assert.ok(
      maskArea(del.record.changed) <= 1.5 * del.record.objectArea + 1,
      `${region}: region ≤ 1.5× the object (the cap), not the whole photo`,
    );
    assert.equal(outsideGrown(del.record.changed, cup, del.record.dilation.radius + 1), 0, `${region}: region within the box + dilation`);
  }
  const mv = await moveObject(img, { box: cup, label: 'cup' }, { x: 470, y: 200 }, { region: 'box', blend: 'feather' }, 0);
  assert.equal(changedPixelsOutside(img, mv.image, mv.record.changed), 0, 'move: bit-identical outside source + destination');
  const dest = mv.record.details.destinationBox as number[];
  let stray = 0;
  const pad = mv.record.dilation.radius + 1;
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      if (!mv.record.changed.data[y * img.width + x]) continue;
      const inB = (b: readonly number[]) => x >= b[0]! - pad && y >= b[1]! - pad && x < b[0]! + b[2]! + pad && y < b[1]! + b[3]! + pad;
      if (!inB(cup) && !inB(dest)) stray++;
    }
  assert.equal(stray, 0, 'the move region is the source and destination (dilated), nothing else');
  assert.ok(maskArea(mv.record.changed) < 2 * 1.5 * boxArea + 1, 'move region ≤ two capped boxes');
});
