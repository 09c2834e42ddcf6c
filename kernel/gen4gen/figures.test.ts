import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compose } from './compose';
import { spriteConcept } from './data';
import { sceneFigure, paperVsOursTable } from './figures';

test('sceneFigure: a 512² scene fits the payload cap, boxes scaled with the image', () => {
  const lib = [spriteConcept('a', 'cat', [200, 100, 50]), spriteConcept('b', 'dog', [50, 100, 200])];
  const c = compose(lib, {
    canvas: 512,
    background: 'x',
    provider: 't',
    boxes: [
      { name: 'a', box: [0, 200, 256, 256] },
      { name: 'b', box: [300, 200, 200, 200] },
    ],
  });
  const f = sceneFigure(c);
  assert.equal(f.image.width, 320);
  assert.ok(Math.abs(f.boxes![0]!.w - c.instances[0]!.objectBox[2] * 0.625) < 1e-9);
  assert.equal(paperVsOursTable([{ quantity: 'q', paper: 'p', ours: 'o' }]).kind, 'table');
});
