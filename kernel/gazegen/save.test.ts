import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editPath, saveEdit } from './save';
import { decodeImage } from '../core/vision/rgb';
import { InvalidInput } from '../core/errors';

test('saveEdit writes a new file named after the edit and never touches the original or an earlier edit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gazegen-save-'));
  try {
    const orig = join(dir, 'cup.png');
    writeFileSync(orig, 'ORIGINAL');
    const img = { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const a = saveEdit(orig, 'delete', img);
    const b = saveEdit(orig, 'delete', img);
    assert.equal(a, join(dir, 'cup.gazegen-delete.png'));
    assert.equal(b, join(dir, 'cup.gazegen-delete-2.png'));
    assert.deepEqual(decodeImage(new Uint8Array(readFileSync(a))).data, img.data);
    assert.equal(readFileSync(orig, 'utf8'), 'ORIGINAL');
    // an original whose own name looks like an edit output is still not overwritten
    const tricky = join(dir, 'x.gazegen-move.png');
    writeFileSync(tricky, 'KEEP');
    const c = saveEdit(join(dir, 'x.png'), 'move', img);
    assert.notEqual(c, tricky);
    assert.equal(readFileSync(tricky, 'utf8'), 'KEEP');
    const g = saveEdit(orig, 'animate', { bytes: Uint8Array.from([71, 73, 70]), ext: 'gif' });
    assert.match(g, /cup\.gazegen-animate\.gif$/);
    assert.throws(() => editPath(orig, '../../etc'), InvalidInput);
    assert.throws(() => editPath('', 'delete'), InvalidInput);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
