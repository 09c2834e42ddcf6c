import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGrayPng } from '../../core/vision/image';
import { loadAriaRecording, loadOpenEds, parseAriaEyeGazeCsv, parseOpenEdsLabels, writeAriaRecording, writeOpenEds } from './loaders';
import { makeGazeDataset } from './synth';
import { yawPitchToVector } from '../geometry';
import { FormatError, NotFound } from '../../core/errors';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gaze-loaders-'));
}

test('OpenEDS layout: generator → files → loader round trip (labels to 1e-6 rad, pixels to 8-bit)', () => {
  const dir = tmp();
  try {
    const ds = makeGazeDataset({ split: 'val', users: 2, perUser: 4, height: 20, width: 32, seed: 3 });
    const seqs = writeOpenEds(dir, ds);
    assert.equal(seqs.length, 2);
    assert.deepEqual(readdirSync(join(dir, 'sequences', seqs[0]!)).sort(), ['000.png', '001.png', '002.png', '003.png']);
    const first = readFileSync(join(dir, 'labels', `${seqs[0]}.txt`), 'utf8').split('\n')[0]!;
    assert.match(first, /^0,-?\d\.\d+,-?\d\.\d+,\d\.\d+$/);
    const back = loadOpenEds(dir);
    assert.equal(back.n, ds.n);
    assert.deepEqual(back.groups, seqs);
    for (let i = 0; i < ds.n; i++) {
      assert.ok(Math.abs(back.gaze[2 * i]! - ds.gaze[2 * i]!) < 1e-6 && Math.abs(back.gaze[2 * i + 1]! - ds.gaze[2 * i + 1]!) < 1e-6);
    }
    for (let i = 0; i < ds.images.length; i++) assert.ok(Math.abs(back.images[i]! - ds.images[i]!) <= 0.5 / 255 + 1e-6);
    const small = loadOpenEds(dir, { height: 10, width: 16, maxPerSequence: 2 });
    assert.equal(small.n, 4);
    assert.equal(small.images.length, 4 * 160);
    // a test-style label file with 5 extra future rows still loads
    const lab = join(dir, 'labels', `${seqs[0]}.txt`);
    const extra = [4, 5, 6, 7, 8].map((k) => `${k},0,0,1`).join('\n');
    writeFileSync(lab, readFileSync(lab, 'utf8') + extra + '\n');
    assert.equal(loadOpenEds(dir).n, ds.n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OpenEDS labels: malformed rows and missing files are named errors', () => {
  const v = yawPitchToVector(0.1, -0.05);
  assert.equal(parseOpenEdsLabels(`0,${v.join(',')}\n1,${v.join(',')}\n`).frame.length, 2);
  assert.throws(() => parseOpenEdsLabels('0,0.1,0.2\n'), FormatError);
  assert.throws(() => parseOpenEdsLabels('0,a,0,1\n'), FormatError);
  assert.throws(() => parseOpenEdsLabels('0,0.5,0.5,0.5\n'), /unit vector/);
  assert.throws(() => parseOpenEdsLabels('x,0,0,1\n'), FormatError);
  assert.throws(() => loadOpenEds('/nonexistent/openeds'), NotFound);
  const dir = tmp();
  try {
    const ds = makeGazeDataset({ split: 'val', users: 1, perUser: 2, height: 8, width: 12, seed: 1 });
    const [seq] = writeOpenEds(dir, ds);
    writeFileSync(join(dir, 'sequences', seq!, '001.png'), new Uint8Array([0, 1, 2]));
    assert.throws(() => loadOpenEds(dir), FormatError);
    writeFileSync(join(dir, 'sequences', seq!, '001.png'), encodeGrayPng(12, 8, new Float32Array(96)));
    writeFileSync(join(dir, 'labels', `${seq}.txt`), '0,0,0,1\n');
    assert.throws(() => loadOpenEds(dir), /no label row for frame 1/);
    assert.equal(loadOpenEds(dir, { requireLabels: false }).gaze.filter(Number.isNaN).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Aria layout: legacy and vergence CSVs round trip; frames match by timestamp within 5 ms', () => {
  const ds = makeGazeDataset({ split: 'val', users: 1, perUser: 5, height: 12, width: 16, seed: 4 });
  for (const schema of ['legacy', 'vergence'] as const) {
    const dir = tmp();
    try {
      const [rec] = writeAriaRecording(dir, ds, { schema, depthM: 0.8 });
      const users = JSON.parse(readFileSync(join(dir, 'users.json'), 'utf8')) as { id: number; eyeRadius: number }[];
      assert.equal(users[0]!.id, ds.users[0]!.id);
      assert.equal(users[0]!.eyeRadius, ds.users[0]!.eyeRadius);
      const csv = parseAriaEyeGazeCsv(readFileSync(join(rec!, 'mps', 'eye_gaze', 'general_eye_gaze.csv'), 'utf8'));
      assert.equal(csv.schema, schema);
      assert.equal(csv.n, 5);
      const back = loadAriaRecording(rec!);
      assert.equal(back.n, 5);
      assert.equal(back.width, 16);
      for (let i = 0; i < ds.n; i++) {
        assert.ok(Math.abs(back.gaze[2 * i]! - ds.gaze[2 * i]!) < 1e-6, `${schema} yaw ${back.gaze[2 * i]} vs ${ds.gaze[2 * i]}`);
        assert.ok(Math.abs(back.gaze[2 * i + 1]! - ds.gaze[2 * i + 1]!) < 1e-6);
      }
      for (let i = 0; i < ds.images.length; i++) assert.ok(Math.abs(back.images[i]! - ds.images[i]!) <= 0.5 / 255 + 1e-6);
      // right half is the mirror image: loading it mirrored gives the same eye
      const right = loadAriaRecording(rec!, { half: 'right', mirror: true });
      assert.deepEqual(right.images, back.images);
      // a frame 7 ms away from every row is skipped
      const t = back.timestampUs![4]! + 7000;
      writeFileSync(join(rec!, 'frames', `${t}.png`), encodeGrayPng(32, 12, new Float32Array(384)));
      const again = loadAriaRecording(rec!);
      assert.equal(again.n, 5);
      assert.equal(again.skipped, 1);
      // names in nanoseconds with a prefix
      const ns = join(dir, 'ns');
      mkdirSync(join(ns, 'frames'), { recursive: true });
      cpSync(join(rec!, 'mps'), join(ns, 'mps'), { recursive: true });
      for (const f of readdirSync(join(rec!, 'frames')))
        cpSync(join(rec!, 'frames', f), join(ns, 'frames', `et_${Number(f.slice(0, -4)) * 1000 + 1234}.png`));
      assert.equal(loadAriaRecording(ns, { nameUnit: 'ns' }).n, 5);
      assert.equal(loadAriaRecording(ns).n, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('Aria CSV: missing columns and bad cells are FormatErrors naming the problem', () => {
  assert.throws(() => parseAriaEyeGazeCsv(''), FormatError);
  assert.throws(() => parseAriaEyeGazeCsv('tracking_timestamp_us,yaw_rads_cpf\n1,0.1\n'), /pitch_rads_cpf/);
  const head =
    'tracking_timestamp_us,yaw_rads_cpf,pitch_rads_cpf,depth_m,yaw_low_rads_cpf,pitch_low_rads_cpf,yaw_high_rads_cpf,pitch_high_rads_cpf';
  assert.equal(parseAriaEyeGazeCsv(`${head}\n10,0.1,0.2,1,0,0,0.2,0.3\n`).yaw[0], 0.1);
  assert.throws(() => parseAriaEyeGazeCsv(`${head}\n10,zz,0.2,1,0,0,0.2,0.3\n`), /row 2 yaw_rads_cpf/);
  assert.throws(() => parseAriaEyeGazeCsv(`${head}\n10,0.1,0.2,1,0,0,0.2,0.3\n5,0.1,0.2,1,0,0,0.2,0.3\n`), /backwards/);
  assert.throws(() => parseAriaEyeGazeCsv('tracking_timestamp_us,left_yaw_rads_cpf,pitch_rads_cpf\n'), /right_yaw_rads_cpf/);
  assert.throws(() => loadAriaRecording('/nonexistent/rec'), NotFound);
});
