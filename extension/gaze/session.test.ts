// The panel logic in the extension host (vscode-free) with a fake kernel API: message validation both ways, the three
// user sources, personalization numbers, cancel, and camera profiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CalibrationSession, type SessionHost } from './session';
import { parseHostMessage, parsePanelMessage, type HostMessage } from './messages';
import { fakeKernelApi, sampleProfile, FAKE_BIAS_RAD } from './testing';
import { gazeErrorsDeg } from './kernel-api';

function harness(api = fakeKernelApi(), folder: string | null = '/data/openeds') {
  const out: HostMessage[] = [];
  const opened: string[] = [];
  const saved: string[] = [];
  const host: SessionHost = {
    saveProfile: async (json) => {
      saved.push(json);
      return '/ws/gaze-profile.json';
    },
    post: (m) => {
      out.push(parseHostMessage(JSON.parse(JSON.stringify(m))));
    },
    pickFolder: async () => folder ?? undefined,
    openCamera: async () => {
      const u = 'https://cs.example/proxy/45678/0123456789abcdef0123456789abcdef/calibrate';
      opened.push(u);
      return u;
    },
  };
  return { s: new CalibrationSession(api, host), out, opened, api, saved };
}
const of = <T extends HostMessage['type']>(out: HostMessage[], t: T) =>
  out.filter((m): m is Extract<HostMessage, { type: T }> => m.type === t);

test('ready → "Ready" status; malformed panel messages are refused with a named error and do nothing', async () => {
  const { s, out, api } = harness();
  await s.handle({ type: 'ready' });
  assert.match(of(out, 'status')[0]!.text, /^Ready/);
  for (const bad of [
    null,
    'ready',
    { type: 'nope' },
    { type: 'ready', extra: 1 },
    { type: 'personalize', steps: 1e9 },
    { type: 'personalize', steps: 2.5 },
    { type: 'source', source: { kind: 'synthetic', seed: -1, user: 0, sigmaKappaDeg: 2 } },
    { type: 'source', source: { kind: 'folder', user: '../../etc' } },
    { type: 'source', source: { kind: 'camera', url: 'http://evil' } },
  ]) {
    await s.handle(bad);
  }
  const errs = of(out, 'error');
  assert.equal(errs.length, 9);
  for (const e of errs) assert.match(e.text, /^FormatError: /);
  assert.deepEqual([api.calls.synthetic.length, api.calls.scan.length, api.calls.personalize.length], [0, 0, 0]);
});

test('synthetic user → targets and images; personalize → before/after errors computed from the predictions, SVG figures', async () => {
  const { s, out, api } = harness();
  await s.handle({ type: 'personalize', steps: 10 });
  assert.match(of(out, 'error')[0]!.text, /choose a synthetic user/);
  await s.handle({ type: 'source', source: { kind: 'synthetic', seed: 3, user: 2, sigmaKappaDeg: 2 } });
  assert.deepEqual(api.calls.synthetic, [{ seed: 3, user: 2, sigmaKappaDeg: 2 }]);
  const u = of(out, 'user')[0]!;
  assert.equal(u.targets.length, 5);
  assert.equal(u.images.length, 5);
  assert.ok(u.images.every((i) => Buffer.from(i.split(',')[1]!, 'base64').subarray(1, 4).toString() === 'PNG'));
  await s.handle({ type: 'personalize', steps: 33 });
  assert.deepEqual(api.calls.personalize, [33]);
  const r = of(out, 'result')[0]!;
  // the fake's generic model is off by 4° in yaw, its personalized one by 1°: the reported means follow the geometry
  const user = await api.syntheticUser({ seed: 3, user: 2, sigmaKappaDeg: 2 });
  const g = user.heldOut.gaze;
  const expBefore = gazeErrorsDeg(
    g.map((v, i) => (i % 2 ? v : v + FAKE_BIAS_RAD)),
    g,
  );
  assert.ok(Math.abs(r.summary.beforeMeanDeg - expBefore.reduce((a, b) => a + b, 0) / expBefore.length) < 1e-9);
  assert.ok(r.summary.beforeMeanDeg > 3 && r.summary.beforeMeanDeg < 4.01, String(r.summary.beforeMeanDeg));
  assert.ok(r.summary.afterMeanDeg > 0.75 && r.summary.afterMeanDeg < 1.01, String(r.summary.afterMeanDeg));
  assert.equal(r.summary.steps, 33);
  assert.equal(r.figures.length, 2);
  const svg = Buffer.from(r.figures[0]!.svg.split(',')[1]!, 'base64').toString('utf8');
  assert.match(svg, /^<svg[\s\S]*Predicted vs true gaze/);
  assert.doesNotMatch(svg, /<script/);
  assert.match(of(out, 'status').at(-1)!.text, /^Done: mean error/);
});

test('folder source: picker → scan → user list; choosing a user loads it from that folder; cancelled picker does nothing', async () => {
  const { s, out, api } = harness(fakeKernelApi({ users: ['seq-a', 'seq-b'] }));
  await s.handle({ type: 'source', source: { kind: 'folder' } });
  assert.deepEqual(api.calls.scan, ['/data/openeds']);
  assert.deepEqual(of(out, 'folder')[0]!.users, ['seq-a', 'seq-b']);
  assert.equal(of(out, 'user').length, 0, 'two users: wait for a choice');
  await s.handle({ type: 'source', source: { kind: 'folder', user: 'seq-b' } });
  assert.deepEqual(api.calls.folderUser, [['/data/openeds', 'seq-b']]);
  assert.equal(of(out, 'user')[0]!.label, 'OpenEDS seq-b');
  const h2 = harness(fakeKernelApi(), null);
  await h2.s.handle({ type: 'source', source: { kind: 'folder' } });
  assert.equal(h2.api.calls.scan.length, 0);
  // one user: loaded straight away
  const h3 = harness(fakeKernelApi({ users: ['only'] }));
  await h3.s.handle({ type: 'source', source: { kind: 'folder' } });
  assert.deepEqual(h3.api.calls.folderUser, [['/data/openeds', 'only']]);
});

test('cancel stops a running personalization; a second long request while busy is refused', async () => {
  const { s, out } = harness(fakeKernelApi({ slowMs: 5000 }));
  await s.handle({ type: 'source', source: { kind: 'synthetic', seed: 0, user: 0, sigmaKappaDeg: 0 } });
  const run = s.handle({ type: 'personalize', steps: 5 });
  await new Promise((r) => setTimeout(r, 20));
  await s.handle({ type: 'source', source: { kind: 'camera' } });
  assert.match(of(out, 'error')[0]!.text, /^Busy/);
  const t0 = Date.now();
  await s.handle({ type: 'cancel' });
  await run;
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(of(out, 'error').at(-1)!.text, 'Cancelled.');
  assert.equal(of(out, 'result').length, 0);
});

test('camera: opens the page and reports the URL; a profile becomes a summary + figure message and can be saved', async () => {
  const { s, out, opened, saved } = harness();
  await s.handle({ type: 'saveProfile' });
  assert.match(of(out, 'error')[0]!.text, /no camera profile to save yet/);
  assert.equal(saved.length, 0);
  await s.handle({ type: 'source', source: { kind: 'camera' } });
  assert.equal(opened.length, 1);
  assert.equal(of(out, 'camera')[0]!.url, opened[0]);
  s.onProfile(sampleProfile());
  const p = of(out, 'profile')[0]!;
  assert.equal(p.summary.meanPx, 10);
  assert.equal(p.summary.distanceCm, 60);
  assert.equal(p.figures.length, 1);
  assert.equal(s.last.profile?.validation.meanDeg, 0.25);
  await s.handle({ type: 'saveProfile' });
  assert.deepEqual(JSON.parse(saved[0]!), sampleProfile());
  assert.match(of(out, 'status').at(-1)!.text, /saved to \/ws\/gaze-profile\.json/);
});

test('host messages are validated too: unknown keys, script URLs and oversized payloads are refused', () => {
  assert.throws(() => parseHostMessage({ type: 'status', text: 'x', busy: false, html: '<b>' }), /unexpected keys/);
  assert.throws(
    () => parseHostMessage({ type: 'user', label: 'x', targets: [], heldOut: 1, images: ['javascript:alert(1)'] }),
    /images\[0\]/,
  );
  assert.throws(() => parseHostMessage({ type: 'camera', url: 'javascript:alert(1)' }), /camera\.url/);
  assert.throws(() => parseHostMessage({ type: 'result', summary: {}, figures: [] }), /summary\.user is missing/);
  assert.throws(() => parseHostMessage({ type: 'error', text: 'x'.repeat(5000) }), /error\.text/);
  assert.deepEqual(parsePanelMessage({ type: 'source', source: { kind: 'folder', user: 'seq 01.a' } }), {
    type: 'source',
    source: { kind: 'folder', user: 'seq 01.a' },
  });
});
