import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset, stationColumn, writeDataset } from './layout';
import { defaultMachine, sampleTask, toolLife } from './lathe';
import { fitNorm, makeWindows } from './data';
import { FormatError } from '../core/errors';

test('dataset layout: manifest + .npy cuts round-trip; windows from the files equal windows from memory', () => {
  assert.equal(stationColumn(3.4), '3d4mm');
  assert.equal(stationColumn(10), '10mm');
  const dir = mkdtempSync(join(tmpdir(), 'machining-'));
  try {
    const life = toolLife(defaultMachine(), sampleTask('lay', 6), { workpieces: 2, seed: 4, timeScale: 0.05 });
    writeDataset(dir, life);
    const head = readFileSync(join(dir, 'manifest.csv'), 'utf8').split('\n')[0]!;
    assert.match(head, /^filepaths,No,name,.*mm,.*mm,.*mm,offset,target_size,length_mm,cuts,task_id,tool_id$/);
    const back = readDataset(dir);
    assert.equal(back.length, 2);
    assert.deepEqual(back[1]!.cuts[1]!.data, life[1]!.cuts[1]!.data);
    assert.deepEqual(back[0]!.stationsMm, life[0]!.stationsMm);
    for (let s = 0; s < 3; s++) assert.ok(Math.abs(back[1]!.errorMeasuredMm[s]! - life[1]!.errorMeasuredMm[s]!) < 2e-6);
    const st = fitNorm(life);
    const a = makeWindows(life, st, { seq: 32, mode: 'test' }),
      b = makeWindows(back, st, { seq: 32, mode: 'test' });
    assert.deepEqual(a.time, b.time);
    // malformed manifest: named line
    const m = readFileSync(join(dir, 'manifest.csv'), 'utf8').split('\n');
    m[2] = m[2]!.replace(/,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*$/, (x) => x.replace(/^,[^,]*/, ',oops'));
    writeFileSync(join(dir, 'manifest.csv'), m.join('\n'));
    assert.throws(
      () => readDataset(dir),
      (e: unknown) => e instanceof FormatError && /line 3: offset = "oops" is not a number/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
