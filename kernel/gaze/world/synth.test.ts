import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  calibrationSets,
  eyeImageGeometry,
  frameLabel,
  frameSeed,
  makeGazeDataset,
  pupilImagePosition,
  renderEye,
  sampleFrame,
  sampleUser,
  subsetDataset,
  toGazeSet,
  userOf,
} from './synth';
import { angularErrorDeg } from '../geometry';
import type { FrameState, GazeUser } from './types';
import { InvalidInput } from '../../core/errors';

const H = 32,
  W = 48;
const CLEAN = { noise: false, leds: 0, defocusProb: 0, vignetting: 0 };

/** A frame of `user` with a chosen optical axis (deg), no sensor effects. */
function frameAt(user: GazeUser, yawDeg: number, pitchDeg: number, over: Partial<FrameState> = {}): FrameState {
  const f = sampleFrame(user, 7, { frameRanges: { blinkProb: 0, glareProb: 0 }, render: CLEAN });
  return {
    ...f,
    opticalYaw: (yawDeg * Math.PI) / 180,
    opticalPitch: (pitchDeg * Math.PI) / 180,
    closure: 0,
    blink: false,
    slipMm: [0, 0, 0],
    slipDeg: [0, 0, 0],
    gain: 1,
    offset: 0,
    defocus: 0,
    glare: null,
    ...over,
  };
}

/** Pupil pixels: the difference between renders with a black and a grey pupil. Returns centroid and count. */
function pupilCentroid(user: GazeUser, f: FrameState, h = 64, w = 96, fovDeg = 58): { x: number; y: number; n: number } {
  const a = renderEye({ ...user, pupilAlbedo: 0 }, f, { height: h, width: w, render: { ...CLEAN, fovDeg } });
  const b = renderEye({ ...user, pupilAlbedo: 0.5 }, f, { height: h, width: w, render: { ...CLEAN, fovDeg } });
  let sx = 0,
    sy = 0,
    sw = 0;
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const d = b[i * w + j]! - a[i * w + j]!;
      if (d > 0) {
        sx += d * j;
        sy += d * i;
        sw += d;
      }
    }
  return { x: sx / sw, y: sy / sw, n: sw / 0.5 };
}

test('deterministic from the seed; another seed gives other users and images', () => {
  const o = { split: 'train' as const, users: 2, perUser: 4, height: H, width: W };
  const a = makeGazeDataset({ ...o, seed: 5 }),
    b = makeGazeDataset({ ...o, seed: 5 }),
    c = makeGazeDataset({ ...o, seed: 6 });
  assert.deepEqual(a.images, b.images);
  assert.deepEqual(a.gaze, b.gaze);
  assert.notDeepEqual(a.images, c.images);
  assert.notDeepEqual(a.gaze, c.gaze);
  assert.equal(a.images.length, a.n * H * W);
  for (const v of a.images) assert.ok(v >= 0 && v <= 1);
});

test('the pupil moves monotonically with yaw (image x) and pitch (image up), for both eyes', () => {
  for (const side of ['right', 'left'] as const) {
    const user = sampleUser(11, { userRanges: { sides: side } });
    const xs = [-20, -10, 0, 10, 20].map((y) => pupilCentroid(user, frameAt(user, y, 0)).x);
    for (let i = 1; i < xs.length; i++)
      assert.ok(xs[i]! > xs[i - 1]! + 0.5, `${side}: centroid x ${xs.join(', ')} should increase with yaw`);
    const ys = [-15, -5, 5, 15].map((p) => pupilCentroid(user, frameAt(user, 0, p)).y);
    for (let i = 1; i < ys.length; i++)
      assert.ok(ys[i]! < ys[i - 1]! - 0.5, `${side}: centroid row ${ys.join(', ')} should decrease (move up) with pitch`);
  }
});

test('labels follow the rendered optical axis plus kappa; images change with gaze', () => {
  const user = sampleUser(3);
  const f1 = frameAt(user, -10, 5),
    f2 = frameAt(user, 12, -8);
  const l1 = frameLabel(user, f1),
    l2 = frameLabel(user, f2);
  const dLabel = angularErrorDeg(l1.yaw, l1.pitch, l2.yaw, l2.pitch);
  const dOpt = angularErrorDeg((-10 * Math.PI) / 180, (5 * Math.PI) / 180, (12 * Math.PI) / 180, (-8 * Math.PI) / 180);
  assert.ok(Math.abs(dLabel - dOpt) < 1.5, `label difference ${dLabel}° vs optical difference ${dOpt}°`);
  // visual axis differs from optical by about kappa (≈ 5.2° at the population mean)
  const k = angularErrorDeg(l1.yaw, l1.pitch, l1.opticalYaw, l1.opticalPitch);
  assert.ok(k > 4 && k < 6.5, `kappa angle ${k}°`);
  const a = renderEye(user, f1, { height: H, width: W }),
    b = renderEye(user, f2, { height: H, width: W });
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff += Math.abs(a[i]! - b[i]!);
  assert.ok(diff / a.length > 0.01, `mean abs image difference ${diff / a.length}`);
});

test('sigma_kappa changes labels only: images are byte-identical', () => {
  const o = { split: 'test' as const, users: 3, perUser: 6, height: H, width: W, seed: 2 };
  const a = makeGazeDataset({ ...o, sigmaKappaDeg: 0 }),
    b = makeGazeDataset({ ...o, sigmaKappaDeg: 2 });
  assert.deepEqual(a.images, b.images);
  assert.notDeepEqual(a.gaze, b.gaze);
  assert.deepEqual(a.optical, b.optical);
  // per-user offset: the label shift is the same for every frame of a user (within the rotation's nonlinearity)
  const shifts = new Map<number, number[]>();
  for (let i = 0; i < a.n; i++) {
    const s = shifts.get(a.userId[i]!) ?? [];
    s.push(b.gaze[2 * i]! - a.gaze[2 * i]!);
    shifts.set(a.userId[i]!, s);
  }
  for (const s of shifts.values()) assert.ok(Math.max(...s) - Math.min(...s) < 0.01, `yaw shifts within a user ${s}`);
});

test('blink frames are flagged and hide the pupil', () => {
  const ds = makeGazeDataset({ split: 'train', users: 2, perUser: 40, height: H, width: W, seed: 4, frameRanges: { blinkProb: 0.5 } });
  const nb = ds.blink.reduce((s, v) => s + v, 0);
  assert.ok(nb > 15 && nb < 65, `blinks ${nb} of ${ds.n}`);
  const user = sampleUser(9);
  const open = pupilCentroid(user, frameAt(user, 0, 0));
  const closed = pupilCentroid(user, frameAt(user, 0, 0, { closure: 1, blink: true }));
  const mostly = pupilCentroid(user, frameAt(user, 0, 0, { closure: 0.85, blink: true }));
  assert.ok(open.n > 20, `open-eye pupil pixels ${open.n}`);
  assert.ok(!(closed.n > 0.05 * open.n), `closed-eye pupil pixels ${closed.n} vs open ${open.n}`);
  assert.ok(!(mostly.n > 0.5 * open.n), `85%-closed pupil pixels ${mostly.n} vs open ${open.n}`);
});

test('unseenUsers splits have disjoint users; seenUsers share users with disjoint frames', () => {
  const o = { users: 3, perUser: 5, height: 16, width: 24, seed: 1 };
  const tr = makeGazeDataset({ ...o, split: 'train' }),
    te = makeGazeDataset({ ...o, split: 'test' });
  const ut = new Set(tr.userId),
    ue = new Set(te.userId);
  for (const u of ue) assert.ok(!ut.has(u));
  const so = { ...o, protocol: 'seenUsers' as const };
  const str = makeGazeDataset({ ...so, split: 'train', perUser: 20 }),
    ste = makeGazeDataset({ ...so, split: 'test' });
  assert.deepEqual([...new Set(str.userId)].sort(), [...new Set(ste.userId)].sort());
  const key = (d: typeof str, i: number) => `${d.userId[i]}:${d.frame[i]}`;
  const trainFrames = new Set(Array.from({ length: str.n }, (_, i) => key(str, i)));
  for (let i = 0; i < ste.n; i++) assert.ok(!trainFrames.has(key(ste, i)), `frame ${key(ste, i)} in both splits`);
  // the same user id renders the same person in every split
  assert.deepEqual(userOf(1, 0), str.users[0]);
});

test('calibration sets: 5 calibration frames per test user, disjoint held-out frames', () => {
  const ds = makeGazeDataset({ split: 'test', users: 2, perUser: 12, height: 16, width: 24, seed: 8, sigmaKappaDeg: 2 });
  const sets = calibrationSets(ds);
  assert.equal(sets.length, 2);
  for (const s of sets) {
    assert.equal(s.calib.length, 5);
    for (const i of s.calib) assert.equal(ds.userId[i], s.userId);
    for (const i of s.heldOut) {
      assert.ok(!s.calib.includes(i));
      assert.equal(ds.blink[i], 0);
    }
    const sub = subsetDataset(ds, s.calib);
    assert.equal(sub.n, 5);
    assert.deepEqual(sub.images.subarray(0, 16 * 24), ds.images.subarray(s.calib[0]! * 384, s.calib[0]! * 384 + 384));
  }
  const gs = toGazeSet(ds);
  assert.equal(gs.images.data, ds.images);
  assert.equal(gs.images.n, ds.n);
});

test('bad options are named errors', () => {
  assert.throws(() => makeGazeDataset({ split: 'nope' as never }), InvalidInput);
  assert.throws(() => makeGazeDataset({ split: 'train', height: 3 }), InvalidInput);
  assert.throws(() => makeGazeDataset({ split: 'train', sigmaKappaDeg: -1 }), InvalidInput);
  assert.throws(() => makeGazeDataset({ split: 'train', users: 1001 }), InvalidInput); // would reach the val ids
  assert.throws(() => sampleUser(1, { userRanges: { eyeRadiusMm: [13, 12] } }), InvalidInput);
  assert.throws(
    () => renderEye(sampleUser(1), sampleFrame(sampleUser(1), 1), { height: 8, width: 8, out: new Float32Array(3) }),
    InvalidInput,
  );
});

test('a left eye is the mirror image of the same right eye looking the mirrored way', () => {
  const base = sampleUser(21, { userRanges: { sides: 'right', slipMm: 0, slipDeg: 0 } });
  const left: GazeUser = { ...base, side: 'left', kappaYaw: -base.kappaYaw }; // kappa is nasal: mirrored too
  const f = frameAt(base, 12, 6);
  const a = renderEye(base, f, { height: H, width: W, render: { ...CLEAN, leds: 6 } });
  const b = renderEye(left, { ...f, opticalYaw: -f.opticalYaw }, { height: H, width: W, render: { ...CLEAN, leds: 6 } });
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) assert.equal(b[i * W + j], a[i * W + W - 1 - j]);
  // and its label is the mirrored label (kappa is nasal for both eyes)
  const la = frameLabel(base, f),
    lb = frameLabel(left, { ...f, opticalYaw: -f.opticalYaw });
  assert.ok(Math.abs(la.yaw + lb.yaw) < 1e-9 && Math.abs(la.pitch - lb.pitch) < 1e-9);
});

test('pool split: other users, more glare; abort and progress work', () => {
  const pool = makeGazeDataset({ split: 'pool', users: 4, perUser: 50, height: 8, width: 12, seed: 1, render: { noise: false } });
  assert.ok(pool.userId.every((u) => u >= 5000));
  const ac = new AbortController();
  let calls = 0;
  assert.throws(
    () =>
      makeGazeDataset({
        split: 'train',
        users: 2,
        perUser: 300,
        height: 8,
        width: 12,
        signal: ac.signal,
        onProgress: () => {
          calls++;
          ac.abort();
        },
      }),
    (e: Error) => e.name === 'Aborted',
  );
  assert.equal(calls, 1);
  const ds = makeGazeDataset({
    split: 'train',
    users: 1,
    perUser: 10,
    height: 8,
    width: 12,
    onProgress: (d, t) => {
      calls = d * 1000 + t;
    },
  });
  assert.equal(calls, 10 * 1000 + ds.n);
});

test('flipLeft mirrors left-eye images and negates their yaw; right eyes untouched', () => {
  const o = { split: 'train' as const, users: 6, perUser: 2, height: 8, width: 12, seed: 3 };
  const a = makeGazeDataset(o),
    b = makeGazeDataset({ ...o, flipLeft: true });
  let lefts = 0;
  for (let k = 0; k < a.n; k++) {
    const left = a.users.find((u) => u.id === a.userId[k])!.side === 'left';
    assert.equal(b.flipped[k], left ? 1 : 0);
    assert.equal(a.flipped[k], 0);
    if (left) lefts++;
    assert.equal(b.gaze[2 * k], left ? -a.gaze[2 * k]! : a.gaze[2 * k]);
    assert.equal(b.gaze[2 * k + 1], a.gaze[2 * k + 1]);
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < 12; j++) {
        assert.equal(b.images[k * 96 + i * 12 + j], a.images[k * 96 + i * 12 + (left ? 11 - j : j)]);
      }
  }
  assert.ok(lefts > 0 && lefts < a.n);
});

test('pupilImagePosition matches the rendered pupil; inFrame flags pupils outside a wide crop', () => {
  for (const side of ['right', 'left'] as const) {
    const user = sampleUser(5, { userRanges: { sides: side } });
    for (const [y, p] of [
      [0, 0],
      [15, -10],
      [-20, 12],
    ] as const) {
      const f = frameAt(user, y, p);
      const c = pupilCentroid(user, f, 64, 96);
      const q = pupilImagePosition(user, f, { height: 64, width: 96 });
      // the centroid is of the refracted, perspective, partly lid-covered pupil: within ~1 mm (3 px at 64×96)
      assert.ok(
        Math.hypot(c.x + 0.5 - q.x, c.y + 0.5 - q.y) < 3,
        `${side} (${y}, ${p}): centroid (${c.x + 0.5}, ${c.y + 0.5}) vs projection (${q.x}, ${q.y})`,
      );
      assert.equal(q.inFrame, true);
    }
  }
  const ds = makeGazeDataset({ split: 'train', users: 30, perUser: 20, height: 32, width: 64, seed: 1 });
  const out = ds.inFrame.reduce((s, v) => s + (v ? 0 : 1), 0);
  assert.ok(out > 0 && out < 0.1 * ds.n, `out-of-frame pupils ${out} of ${ds.n}`);
  // a pupil whose centre projects off the image is at least about half cut off (reference: a 110° view, same pixels/mm)
  const k = ds.inFrame.indexOf(0);
  const user = ds.users.find((u) => u.id === ds.userId[k])!;
  const f = { ...sampleFrame(user, frameSeed(1, user.id, ds.frame[k]!), {}), closure: 0 };
  const fpx = (fov: number, w: number) => w / 2 / Math.tan((fov * Math.PI) / 360);
  const vis = pupilCentroid(user, f, 32, 64).n;
  const ref = pupilCentroid(user, f, 96, 192, 110).n * (fpx(58, 64) / fpx(110, 192)) ** 2;
  assert.ok(ref > 10 && !(vis > 0.6 * ref), `out-of-frame pupil still ${vis} of ${ref} pixels visible`);
});

test('eyeImageGeometry: the eyeball centre does not move with gaze, the pupil moves around it, radius matches distance', () => {
  const user = sampleUser(13, { userRanges: { sides: 'right' } });
  const gs = [-20, -10, 0, 10, 20].map((y) => eyeImageGeometry(user, frameAt(user, y, 0), { height: 48, width: 64 }));
  for (const g of gs) assert.ok(Math.abs(g.centre.x - gs[0]!.centre.x) < 1e-9 && Math.abs(g.centre.y - gs[0]!.centre.y) < 1e-9);
  for (let i = 1; i < gs.length; i++) assert.ok(gs[i]!.pupil.x - gs[i]!.centre.x > gs[i - 1]!.pupil.x - gs[i - 1]!.centre.x);
  const f = 32 / Math.tan((29 * Math.PI) / 180);
  const r = gs[0]!.radiusPx;
  assert.ok(r > (user.eyeRadius * f) / (user.cameraDistance + 4) && r < (user.eyeRadius * f) / (user.cameraDistance - 4), `radius ${r}px`);
  assert.deepEqual(pupilImagePosition(user, frameAt(user, 10, 0), { height: 48, width: 64 }), {
    x: gs[3]!.pupil.x,
    y: gs[3]!.pupil.y,
    inFrame: gs[3]!.inFrame,
  });
});
