import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSynthCli } from './synth';
import { loadAriaRecording, loadOpenEds } from '../../kernel/gaze/world/loaders';
import { InvalidInput } from '../../kernel/core/errors';

test('scripts/gaze/synth.ts writes OpenEDS and Aria layouts that the loaders read back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaze-cli-'));
  try {
    const r = runSynthCli([
      '--format',
      'openeds',
      '--out',
      join(dir, 'oe'),
      '--users',
      '2',
      '--per-user',
      '6',
      '--height',
      '12',
      '--width',
      '16',
      '--sigma-kappa',
      '2',
    ]);
    assert.equal(r.images, 12);
    const oe = loadOpenEds(join(dir, 'oe'));
    assert.equal(oe.n, 12);
    assert.equal(oe.groups.length, 2);
    assert.equal(oe.width, 16);
    const a = runSynthCli([
      '--format',
      'aria',
      '--out',
      join(dir, 'aria'),
      '--users',
      '1',
      '--per-user',
      '4',
      '--height',
      '12',
      '--width',
      '16',
      '--schema',
      'vergence',
    ]);
    const rec = loadAriaRecording(a.folders[0]!);
    assert.equal(rec.n, 4);
    assert.equal(rec.width, 16);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => runSynthCli(['--format', 'png', '--out', '/tmp/x']), InvalidInput);
  assert.throws(() => runSynthCli(['--format', 'aria']), InvalidInput);
  assert.throws(() => runSynthCli(['--format', 'aria', '--out', '/tmp/x', '--bogus', '1']), InvalidInput);
  assert.throws(() => runSynthCli(['--format', 'aria', '--out', '/tmp/x', '--users', 'two']), InvalidInput);
});
