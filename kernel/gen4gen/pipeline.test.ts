// Gen4Gen pipeline checks (arXiv 2402.15504 §3.1): geometry, non-overlap, mask/image consistency, soft mask, captions,
// determinism — on procedural sprites (exact masks), so every expected value is known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInput } from '../core/errors';
import { compose, minBoxArea, postprocessBoxes } from './compose';
import { alphaBounds } from './concepts';
import { spriteConcept } from './data';
import { offlineLayout } from './layout';
import { blendRepainter, softMask } from './repaint';
import { shortCaption, trainingPrompt, recaption, CaptionTooLong, wordCount } from './captions';
import { writeDataset, WouldOverwrite } from './writer';
import type { Layout } from './types';

const A = spriteConcept('a', 'cat', [220, 120, 40]);
const B = spriteConcept('b', 'dog', [40, 160, 220], { period: 5 });
const C = spriteConcept('c', 'cup', [90, 200, 90], { period: 11 });
const lib = [A, B, C];
const req = (seed: number) => ({ objects: lib.map((c) => ({ name: c.id, label: c.label, aspect: 1.4 })), seed });
const bg = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(128) };

test('offline layout: deterministic in the seed, boxes inside the canvas and disjoint', async () => {
  const p = offlineLayout();
  const l1 = await p.layout(req(3)),
    l2 = await p.layout(req(3)),
    l3 = await p.layout(req(4));
  assert.deepEqual(l1, l2);
  assert.notDeepEqual(l1.boxes, l3.boxes);
  for (const {
    box: [x, y, w, h],
  } of l1.boxes)
    assert.ok(x >= 0 && y >= 0 && x + w <= 512 && y + h <= 512 && w > 0 && h > 0);
  for (let i = 0; i < 3; i++)
    for (let j = i + 1; j < 3; j++) {
      const [a, b] = [l1.boxes[i]!.box, l1.boxes[j]!.box];
      assert.ok(a[0] + a[2] <= b[0] || b[0] + b[2] <= a[0] || a[1] + a[3] <= b[1] || b[1] + b[3] <= a[1], 'boxes overlap');
    }
});

test('E2.1 geometry: every concept present once, inside the canvas, aspect of its tight box kept within 1 px', async () => {
  const l = await offlineLayout().layout(req(1));
  const c = compose(lib, l, { mode: 'strict' });
  assert.deepEqual(c.instances.map((i) => i.name).sort(), ['a', 'b', 'c']);
  for (const inst of c.instances) {
    const [x, y, w, h] = inst.objectBox;
    assert.ok(x >= 0 && y >= 0 && x + w <= 512 && y + h <= 512);
    const src = alphaBounds(lib.find((k) => k.id === inst.name)!.views[0]!.mask, 70)!;
    // the object's longer side fills min(w, h) of its box; the other side follows the source aspect within 1 px
    const k = Math.min(inst.box[2], inst.box[3]) / Math.max(src[2], src[3]);
    assert.ok(Math.abs(w - src[2] * k) <= 1.5 && Math.abs(h - src[3] * k) <= 1.5, `${inst.name}: ${w}×${h} vs ${src[2] * k}×${src[3] * k}`);
  }
});

test('E2.1 min-area rule: a box below A_min grows all boxes (paper-code: area ratio on lengths; strict: √ratio)', () => {
  const l: Layout = {
    canvas: 512,
    background: 'x',
    provider: 't',
    boxes: [
      { name: 'a', box: [10, 10, 40, 40] },
      { name: 'b', box: [300, 300, 80, 80] },
    ],
  };
  const amin = minBoxArea(2, 512);
  const f = amin / 1600;
  const pc = postprocessBoxes(l, { mode: 'paper-code' }),
    st = postprocessBoxes(l, { mode: 'strict' });
  assert.equal(pc[0]![2], Math.min(512, Math.round(40 * f)));
  assert.ok(Math.abs(st[0]![2] * st[0]![3] - amin) / amin < 0.2, `strict smallest area ${st[0]![2] * st[0]![3]} vs A_min ${amin}`);
  assert.throws(() => postprocessBoxes({ ...l, boxes: [{ name: 'a', box: [500, 10, 40, 40] }, l.boxes[1]!] }), InvalidInput);
  assert.throws(() => postprocessBoxes({ ...l, boxes: [l.boxes[0]!] }), InvalidInput);
});

test('E2.2 non-overlap: strict instance masks intersect in 0 px; paper-code reports the occlusion', () => {
  const l: Layout = {
    canvas: 512,
    background: 'x',
    provider: 't',
    boxes: [
      { name: 'a', box: [100, 100, 200, 200] },
      { name: 'b', box: [180, 150, 200, 200] },
    ],
  };
  const s = compose([A, B], l, { mode: 'strict' });
  let both = 0;
  for (let p = 0; p < 512 * 512; p++) if (s.instances[0]!.mask.data[p]! > 0 && s.instances[1]!.mask.data[p]! > 0) both++;
  assert.equal(both, 0);
  const pc = compose([A, B], l, { mode: 'paper-code' });
  const hidden = pc.instances.filter((i) => i.occluded > 0);
  assert.equal(hidden.length, 1);
  assert.equal(hidden[0]!.order, 0, 'only the first-pasted object is occluded');
  assert.ok(hidden[0]!.occluded > 0.05 && hidden[0]!.occluded < 1);
});

test('E2.3 mask/image consistency before repaint: black outside the union mask, the foreground where alpha = 255', async () => {
  const c = compose(lib, await offlineLayout().layout(req(2)), { mode: 'strict' });
  let inside = 0;
  for (let p = 0; p < 512 * 512; p++) {
    if (c.mask.data[p] === 0) {
      assert.equal(
        c.image.data[3 * p]! + c.image.data[3 * p + 1]! + c.image.data[3 * p + 2]!,
        0,
        `pixel ${p} outside the mask is not black`,
      );
    } else if (c.mask.data[p] === 255) {
      inside++;
      // every sprite pixel has a channel ≥ 0.55·160 = 88: an object pixel that stayed black was not pasted
      assert.ok(Math.max(c.image.data[3 * p]!, c.image.data[3 * p + 1]!, c.image.data[3 * p + 2]!) >= 60, `object pixel ${p} is dark`);
    }
  }
  assert.ok(inside > 1000);
});

test('E2.4 soft mask: 5×5 average gives a ≤ 2 px transition each side, 255 inside and 0 outside', () => {
  const m = { width: 40, height: 40, data: new Uint8Array(1600) };
  for (let y = 10; y < 30; y++) for (let x = 10; x < 30; x++) m.data[y * 40 + x] = 255;
  const s = softMask(m, 'paper-5x5-avg');
  const row = Array.from(s.data.subarray(20 * 40, 21 * 40));
  assert.equal(row[7], 0);
  assert.equal(row[12], 255);
  assert.ok(row[8]! > 0 && row[11]! < 255 && row[8]! < row[9]! && row[9]! < row[10]! && row[10]! < row[11]!);
  assert.ok(row.filter((v) => v > 0 && v < 255).length <= 8);
  const code = softMask(m, 'code-box11+rescale');
  assert.equal(code.data[20 * 40 + 20], 255);
  assert.equal(code.data[20 * 40 + 9], 0, 'the code rescale maps values below 50 % to 0 (the mask shrinks outside)');
  assert.ok(code.data[20 * 40 + 10]! > 0 && code.data[20 * 40 + 10]! < 255);
});

test('repaint: object pixels kept where the soft mask is 255 (harmonize 0), background photo elsewhere', async () => {
  const c = compose(lib, await offlineLayout().layout(req(5)), { mode: 'strict' });
  const r = blendRepainter({ backgrounds: { flat: bg }, harmonize: 0 });
  const s = await r.repaint(c, { background: 'flat', seed: 0 });
  assert.match(s.repainter, /not diffusion/);
  const soft = softMask(c.mask);
  for (let p = 0; p < 512 * 512; p += 97) {
    if (soft.data[p] === 255) for (let ch = 0; ch < 3; ch++) assert.equal(s.image.data[3 * p + ch], c.image.data[3 * p + ch]);
    if (soft.data[p] === 0) assert.equal(s.image.data[3 * p], 128);
  }
  await assert.rejects(r.repaint(c, { background: 'nope', seed: 0 }), InvalidInput);
});

test('E2.5 captions: each token once, background phrase, spatial words agree with centres, training prompt strategies', async () => {
  const c = compose(lib, await offlineLayout().layout({ ...req(6), backgrounds: ['in the garden'] }), { mode: 'strict' });
  const cap = shortCaption(c, lib);
  for (const k of lib) assert.equal(cap.split(k.token).length - 1, 1, `${k.token} in ${cap}`);
  assert.ok(cap.endsWith('in the garden'));
  const sp = shortCaption(c, lib, { spatial: true });
  const order = [...c.instances]
    .sort((a, b) => a.objectBox[0] + a.objectBox[2] / 2 - (b.objectBox[0] + b.objectBox[2] / 2))
    .map((i) => `<${i.name}>`);
  assert.ok(sp.indexOf(order[0]!) < sp.indexOf(order[1]!) && sp.indexOf(order[1]!) < sp.indexOf(order[2]!), sp);
  const tp = trainingPrompt(c, lib, { globalToken: '<abc>' });
  assert.equal(tp.split('<abc>').length - 1, 1);
  for (const k of lib) assert.ok(tp.split(k.token).length - 1 >= 2);
  assert.ok(tp.includes('in the garden'));
  const long = { id: 'v', describe: async () => Array.from({ length: 31 }, () => 'word').join(' ') };
  await assert.rejects(recaption(long, c.image), CaptionTooLong);
  const ok = { id: 'v', describe: async () => 'a cat and a dog on grass', tokenize: (t: string) => t.split(' ').map((_, i) => i) };
  assert.equal(wordCount(await recaption(ok, c.image)), 7);
});

test('E2.6 determinism: the same seed writes byte-identical files; an existing folder is not overwritten', async () => {
  const make = async () => {
    const c = compose(lib, await offlineLayout().layout(req(7)), { mode: 'paper-code', seed: 7 });
    const s = await blendRepainter({ backgrounds: { flat: bg } }).repaint(c, { background: 'flat', seed: 7 });
    return [{ scene: s, shortCaption: shortCaption(c, lib) }];
  };
  const d1 = mkdtempSync(join(tmpdir(), 'g4g-')),
    d2 = mkdtempSync(join(tmpdir(), 'g4g-'));
  const w1 = writeDataset(d1, await make()),
    w2 = writeDataset(d2, await make());
  assert.deepEqual(w1.files, w2.files);
  assert.ok(w1.files.includes('masks/inst_000000_a.png') && w1.files.includes('meta/img_000000.json') && w1.files.includes('captions.csv'));
  for (const f of w1.files) assert.ok(readFileSync(join(w1.dir, f)).equals(readFileSync(join(w2.dir, f))), `${f} differs`);
  const before = readFileSync(join(w1.dir, 'images/img_000000.png'));
  const other = await make();
  assert.throws(() => writeDataset(d1, other), WouldOverwrite);
  assert.ok(readFileSync(join(w1.dir, 'images/img_000000.png')).equals(before));
  writeDataset(d1, other, { overwrite: true });
  assert.equal(readdirSync(w1.dir).length, 6);
});
