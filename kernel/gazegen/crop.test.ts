import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInput } from '../core/errors';
import { blankCenterNetOutput, type CenterNet, type CenterNetOutput } from '../core/models/centernet';
import type { RgbImage } from '../core/vision/rgb';
import { gazeCropRect, runGazeCrops, selectWithCrops, type CropCache, type CropRun, type GazeCrop } from './crop';

test('gazeCropRect: square side scale·min(W, H), centred at the gaze, shifted inside the photo, snapped to a lattice', () => {
  assert.deepEqual(gazeCropRect(400, 200, 200, 100, 0.5), { x0: 150, y0: 50, side: 100, scale: 0.5, photoWidth: 400, photoHeight: 200 });
  const edge = gazeCropRect(400, 200, 390, 5, 0.5);
  assert.deepEqual([edge.x0, edge.y0], [300, 0], 'shifted inside at the corner');
  // snap 0.25: corners on multiples of 25 px; nearby gaze points share a crop, the gaze stays within side/8 of its centre
  const a = gazeCropRect(400, 200, 201, 99, 0.5, 0.25),
    b = gazeCropRect(400, 200, 208, 104, 0.5, 0.25);
  assert.deepEqual([a.x0, a.y0], [150, 50]);
  assert.deepEqual([b.x0, b.y0], [150, 50]);
  for (let x = 60; x < 340; x += 7) {
    const c = gazeCropRect(400, 200, x, 100, 0.5, 0.25);
    assert.equal(c.x0 % 25, 0);
    assert.ok(Math.abs(c.x0 + 50 - x) <= 12.5 + 1e-9, `gaze ${x} vs crop centre ${c.x0 + 50}`);
  }
  assert.throws(() => gazeCropRect(400, 200, 10, 10, 1.5), InvalidInput);
  assert.throws(() => gazeCropRect(400, 200, 10, 10, 0), InvalidInput);
  assert.throws(() => gazeCropRect(400, 200, 400, 10, 0.5), /outside the 400×200 photo/);
  assert.throws(() => gazeCropRect(400, 200, NaN, 10, 0.5), InvalidInput);
});

/** A detector output for a crop of side 100 (grid 25×25, input 100 px, stride 4) with one peak at cell (c, r). */
function cropOut(c: number, r: number, d: number, cls = 0, score = 0.7): CenterNetOutput {
  const o = blankCenterNetOutput({ gridW: 25, gridH: 25, classes: 2, imageWidth: 100, imageHeight: 100, inputSize: 100 });
  o.heatmap[(r * 25 + c) * 2 + cls] = score;
  o.wh.fill(d, (r * 25 + c) * 4, (r * 25 + c) * 4 + 4);
  return o;
}
const crop = (x0: number, y0: number): GazeCrop => ({ x0, y0, side: 100, scale: 0.5, photoWidth: 400, photoHeight: 200 });
const sel = { rule: 'contains' as const };

test('selectWithCrops maps crop boxes back by the crop corner and picks among them with the selection rule', () => {
  // crop at (150, 50): a peak at crop cell (12, 12) = crop px 48 with half-size 10 → crop box 38..58 → photo 188..208, 88..108
  const runs: CropRun[] = [{ crop: crop(150, 50), out: cropOut(12, 12, 10), ms: 5 }];
  const s = selectWithCrops(null, runs, 198, 98, 8, { ...sel, withFull: false });
  assert.deepEqual(s.selected?.box, [188, 88, 20, 20]);
  assert.equal(s.cropRuns, 1);
  assert.equal(s.cropMs, 5);
  assert.ok(s.cellsDecoded > 0 && s.cellsDecoded < 25 * 25, 'the crop is decoded in its gaze window only');
  // the same box, but the gaze far from it: nothing
  assert.equal(selectWithCrops(null, runs, 152, 148, 2, { ...sel, withFull: false }).selected, null);
});

test('selectWithCrops drops boxes a crop edge inside the photo cut off, keeps those on a photo edge', () => {
  // a box reaching the crop's left edge (crop px 0..40): cut off when the crop starts at x0 = 150 (inside the photo) …
  const cut: CropRun[] = [{ crop: crop(150, 50), out: cropOut(5, 12, 20), ms: 1 }];
  const a = selectWithCrops(null, cut, 165, 98, 10, { ...sel, withFull: false });
  assert.equal(a.selected, null);
  assert.equal(a.truncated, 1);
  const kept = selectWithCrops(null, cut, 165, 98, 10, { ...sel, withFull: false, dropTruncated: false });
  assert.deepEqual(kept.selected?.box, [150, 78, 40, 40]);
  // … but whole when the crop starts at the photo's edge (x0 = 0)
  const edge: CropRun[] = [{ crop: crop(0, 50), out: cropOut(5, 12, 20), ms: 1 }];
  const b = selectWithCrops(null, edge, 15, 98, 10, { ...sel, withFull: false });
  assert.deepEqual(b.selected?.box, [0, 78, 40, 40]);
  assert.equal(b.truncated, 0);
});

test('selectWithCrops pools the full-photo decode with the crops: NMS keeps the higher score of overlapping boxes', () => {
  // the full photo 400×200 stretched to a 400² input, 100×100 grid (stride 4): cell (49, 49) → photo (196, 98); distances
  // left/right 10, top/bottom 20 input px → photo box 186..206 × 88..108, a weaker class-1 box on the crop's object
  const full = blankCenterNetOutput({ gridW: 100, gridH: 100, classes: 2, imageWidth: 400, imageHeight: 200, inputSize: 400 });
  const at = 49 * 100 + 49;
  full.heatmap[at * 2 + 1] = 0.3;
  full.wh.set([10, 20, 10, 20], at * 4);
  const runs: CropRun[] = [{ crop: crop(150, 50), out: cropOut(12, 12, 10, 0, 0.7), ms: 3 }];
  const both = selectWithCrops(full, runs, 198, 98, 8, sel);
  assert.equal(both.selected?.cls, 0, 'the crop’s stronger class wins');
  assert.equal(both.detections.length, 1, 'one object after NMS');
  const fullOnly = selectWithCrops(full, [], 198, 98, 8, sel);
  assert.equal(fullOnly.selected?.cls, 1);
  assert.ok(both.cellsDecoded > fullOnly.cellsDecoded, 'crop cells are counted on top of the full window');
  assert.throws(() => selectWithCrops(null, runs, 198, 98, 8, sel), /withFull needs the full-photo output/);
  assert.throws(() => selectWithCrops(null, [], 198, 98, 8, { withFull: false }), /nothing to select from/);
});

test('runGazeCrops runs the detector on the cut pixels, once per distinct snapped crop when given a cache', async () => {
  const W = 40,
    H = 20;
  const img: RgbImage = { width: W, height: H, data: new Uint8Array(W * H * 3).map((_, i) => i % 251) };
  const seen: RgbImage[] = [];
  const det = {
    run: async (x: RgbImage) => {
      seen.push(x);
      return cropOut(0, 0, 1);
    },
  } as unknown as CenterNet;
  const cache: CropCache = new Map();
  const r1 = await runGazeCrops(det, img, 20, 10, [0.5, 1], { snap: 0.25, cache });
  const r2 = await runGazeCrops(det, img, 21, 10, [0.5, 1], { snap: 0.25, cache });
  assert.equal(seen.length, 2, 'the second point reuses both crops');
  assert.deepEqual(
    r2.map((r) => r.ms),
    [0, 0],
  );
  assert.deepEqual(
    r1.map((r) => [r.crop.x0, r.crop.y0, r.crop.side]),
    [
      [15, 6, 10], // step round(0.25 · 10) = 3: corner (round(15/3)·3, round(5/3)·3)
      [10, 0, 20],
    ],
  );
  // the first crop holds exactly the photo's pixels at (15..24, 6..15)
  const c = seen[0]!;
  assert.deepEqual([c.width, c.height], [10, 10]);
  for (const [cx, cy] of [
    [0, 0],
    [9, 9],
    [3, 7],
  ] as const)
    for (let k = 0; k < 3; k++) assert.equal(c.data[(cy * 10 + cx) * 3 + k], img.data[((cy + 6) * W + cx + 15) * 3 + k]);
  await runGazeCrops(det, img, 20, 10, [0.5]);
  assert.equal(seen.length, 3, 'no cache, a new run');
});
