// The COCO stand-in detector's decoding options (label-restricted NMS, tiling) on synthetic network outputs, and the
// descriptor embedder's algebra.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../core/backend';
import { blankCenterNetOutput, type CenterNetOutput } from '../core/models/centernet';
import type { RgbImage } from '../core/vision/rgb';
import { spriteConcept } from './data';
import { centernetDetector, descriptorEmbedder } from './embedders';
import { cosine } from './metrics';

const CAT = 15,
  DOG = 16;
/** A fake network output for an input of w×h: peaks (class, cell, score, distances l/t/r/b in input px). */
function fakeOutput(
  w: number,
  h: number,
  peaks: { k: number; c: number; r: number; s: number; d: [number, number, number, number] }[],
): CenterNetOutput {
  const out = blankCenterNetOutput({ gridW: 128, gridH: 128, classes: 80, imageWidth: w, imageHeight: h, inputSize: 512 });
  for (const p of peaks) {
    out.heatmap[(p.r * 128 + p.c) * 80 + p.k] = p.s;
    out.wh.set(p.d, (p.r * 128 + p.c) * 4);
  }
  return out;
}
const blank = (w: number, h: number): RgbImage => ({ width: w, height: h, data: new Uint8Array(w * h * 3) });

test('detector: a higher box of an unrequested class does not hide the requested one (label-restricted NMS, the default)', async () => {
  await init({ backend: 'wasm' });
  const fake = (im: RgbImage) =>
    Promise.resolve(
      fakeOutput(im.width, im.height, [
        { k: DOG, c: 64, r: 64, s: 0.9, d: [40, 40, 40, 40] },
        { k: CAT, c: 65, r: 64, s: 0.5, d: [40, 40, 40, 40] },
      ]),
    );
  const agnostic = await centernetDetector({ nms: 'class-agnostic' });
  const byDefault = await centernetDetector();
  try {
    agnostic.net.run = fake;
    byDefault.net.run = fake;
    assert.deepEqual(await agnostic.detect(blank(512, 512), ['cat']), [], 'class-agnostic: the dog box suppresses the cat box');
    const d = await byDefault.detect(blank(512, 512), ['cat']);
    assert.equal(d.length, 1);
    assert.equal(d[0]!.label, 'cat');
    assert.equal(d[0]!.score, 0.5);
    assert.deepEqual(d[0]!.box, [220, 216, 80, 80]);
    assert.match(byDefault.id, /label-nms/);
  } finally {
    agnostic.dispose();
    byDefault.dispose();
  }
});

test('detector tiles: boxes found in each overlapping tile map back to image pixels; cut boxes are dropped', async () => {
  await init({ backend: 'wasm' });
  const det = await centernetDetector({ tiles: 2, minScore: 0.1 });
  try {
    // every input: a small cat at the centre cell, and one touching the right edge (cut unless the tile ends at the image edge)
    det.net.run = (im: RgbImage) =>
      Promise.resolve(
        fakeOutput(im.width, im.height, [
          { k: CAT, c: 64, r: 64, s: 0.8, d: [20, 20, 20, 20] },
          { k: CAT, c: 124, r: 20, s: 0.6, d: [10, 10, 20, 10] },
        ]),
      );
    const dets = await det.detect(blank(600, 600), ['cat']);
    assert.equal(det.runs, 5, 'whole image + 2×2 tiles');
    const centres = dets
      .filter((d) => Math.abs(d.score - 0.8) < 1e-6)
      .map((d) => [d.box[0] + d.box[2] / 2, d.box[1] + d.box[3] / 2].map(Math.round));
    // whole image: centre 300; tiles of side 400 at offsets 0 and 200 (stride 200): centres 200 and 400
    assert.deepEqual(
      centres.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!),
      [
        [200, 200],
        [200, 400],
        [300, 300],
        [400, 200],
        [400, 400],
      ],
    );
    const edge = dets.filter((d) => Math.abs(d.score - 0.6) < 1e-6);
    // the edge box: kept in the whole image and the two right tiles (their right edge is the image's), dropped in the left tiles
    assert.equal(edge.length, 3);
    assert.ok(
      edge.every((d) => Math.abs(d.box[0] + d.box[2] - 600) < 1),
      JSON.stringify(edge),
    );
  } finally {
    det.dispose();
  }
});

test('descriptor embedder: the cosine is the weighted mean of the parts; same object closer than another; id says not CLIP', async () => {
  const a = spriteConcept('a', 'cat', [220, 120, 40], { period: 4 });
  const b = spriteConcept('b', 'cat', [50, 60, 210], { period: 16, views: 1 });
  const [x, y] = [a.views[0]!.image, b.views[0]!.image];
  const lab = descriptorEmbedder({ weights: { lab: 1, hog: 0 } }),
    hog = descriptorEmbedder({ weights: { lab: 0, hog: 1 } }),
    both = descriptorEmbedder({ weights: { lab: 2, hog: 1 } });
  const cos = async (e: typeof lab, p: RgbImage, q: RgbImage): Promise<number> => {
    const [u, v] = await e.embedImages([p, q]);
    return cosine(u!, v!);
  };
  const cl = await cos(lab, x, y),
    ch = await cos(hog, x, y),
    cb = await cos(both, x, y);
  assert.ok(Math.abs(cb - (2 * cl + ch) / 3) < 1e-5, `${cb} vs (2·${cl} + ${ch})/3`);
  assert.ok(cl >= 0 && ch >= 0 && cl < 0.9);
  assert.ok((await cos(both, x, a.views[1]!.image)) > cb, 'another view of the same sprite is closer than another sprite');
  assert.match(both.id, /not CLIP/);
  assert.throws(() => descriptorEmbedder({ weights: { lab: 0, hog: 0 } }), /at least one weight/);
  assert.throws(() => descriptorEmbedder({ weights: { cnn: 1 } }), /needs a cnn embedder/);
});
