import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addObject, animate, makeLibraryObject, suggestBox } from './generate';
import { type RgbImage, changedPixelsOutside, emptyMask } from '../core/vision/raster';
import { InvalidInput } from '../core/errors';

function photo(w = 96, h = 72): { img: RgbImage; mask: ReturnType<typeof emptyMask> } {
  const data = new Uint8Array(w * h * 3);
  const mask = emptyMask(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const inObj = (x - 30) ** 2 / 144 + (y - 36) ** 2 / 225 <= 1;
      if (inObj) mask.data[i] = 1;
      data.set(inObj ? [230, 200, 20] : [60 + (x % 7), 80 + (y % 5), 100], 3 * i);
    }
  return { img: { width: w, height: h, data }, mask };
}

test('add: a library cut-out lands centred on the gaze point at the prior size; nothing else changes', async () => {
  const { img } = photo();
  const obj = await makeLibraryObject(img, [16, 19, 29, 35], 'banana', 'synthetic');
  assert.equal(obj.maskMethod, 'grabcut');
  const target = { width: 120, height: 90, data: new Uint8Array(120 * 90 * 3).fill(90) };
  const { box } = suggestBox(obj, { x: 80, y: 40 }, 120, 90, 0.3);
  assert.ok(Math.abs(box[3] - 27) <= 1, `height 0.3 × 90 = 27, got ${box[3]}`);
  const r = await addObject(target, obj, { x: 80, y: 40 }, { heightFrac: 0.3, blend: 'feather' }, 0);
  assert.equal(changedPixelsOutside(target, r.image, r.record.changed), 0);
  const pb = r.record.details.placedBox as number[];
  assert.ok(Math.abs(pb[0]! + pb[2]! / 2 - 80) <= 2 && Math.abs(pb[1]! + pb[3]! / 2 - 40) <= 2, `placed ${pb}`);
  // yellow object pixels arrived at the gaze point
  const c = 3 * (40 * 120 + 80);
  assert.ok(r.image.data[c]! > 180 && r.image.data[c + 2]! < 60, `centre pixel ${r.image.data.slice(c, c + 3)}`);
  await assert.rejects(addObject(target, obj, { x: Number.NaN, y: 3 }), InvalidInput);
});

test('animate: zoom frames converge on the gaze point, move frames carry the object; GIF is a GIF; deterministic', async () => {
  const { img, mask } = photo();
  const z = await animate(img, { x: 30, y: 36 }, null, { frames: 5, mp4: false }, 0);
  assert.equal(z.frames.length, 5);
  assert.deepEqual(z.frames[0]!.data, img.data, 'first zoom frame is the photo');
  assert.equal(Buffer.from(z.gif.subarray(0, 6)).toString(), 'GIF89a');
  // last zoom frame: the object (yellow) fills more of the view than in the photo
  const yellow = (f: RgbImage): number => {
    let n = 0;
    for (let i = 0; i < f.width * f.height; i++) if (f.data[3 * i]! > 180 && f.data[3 * i + 2]! < 80) n++;
    return n;
  };
  assert.ok(yellow(z.frames[4]!) > 1.5 * yellow(img), `${yellow(z.frames[4]!)} vs ${yellow(img)}`);
  const mv = await animate(
    img,
    { x: 30, y: 36 },
    { box: [16, 19, 29, 35], mask },
    { mode: 'move', to: { x: 70, y: 36 }, frames: 4, mp4: false },
    0,
  );
  const cx = (f: RgbImage): number => {
    let s = 0,
      n = 0;
    for (let i = 0; i < f.width * f.height; i++)
      if (f.data[3 * i]! > 180 && f.data[3 * i + 2]! < 80) {
        s += i % f.width;
        n++;
      }
    return s / n;
  };
  assert.ok(Math.abs(cx(mv.frames[0]!) - 30) < 3 && Math.abs(cx(mv.frames[3]!) - 70) < 3, `${cx(mv.frames[0]!)} → ${cx(mv.frames[3]!)}`);
  const again = await animate(
    img,
    { x: 30, y: 36 },
    { box: [16, 19, 29, 35], mask },
    { mode: 'move', to: { x: 70, y: 36 }, frames: 4, mp4: false },
    0,
  );
  assert.deepEqual(again.gif, mv.gif);
  const px = await animate(img, { x: 30, y: 36 }, { box: [16, 19, 29, 35], mask }, { mode: 'parallax', frames: 4, mp4: false }, 0);
  assert.equal(px.frames.length, 4);
  await assert.rejects(animate(img, { x: 30, y: 36 }, null, { mode: 'move' }), InvalidInput);
  await assert.rejects(animate(img, { x: 30, y: 36 }, null, { frames: 1 }), InvalidInput);
});
