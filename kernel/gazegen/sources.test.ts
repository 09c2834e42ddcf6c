import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatError, InvalidInput } from '../core/errors';
import { init } from '../core/backend';
import { collect, dftGazeSource, formatGazeCsv, parseGazeCsv, pushSource, syntheticTrace, traceSource } from './sources';
import { angleBetweenPointsDeg, makeView } from './view';

const view = makeView(640, 480, 90);

test('trace CSV: round trip, documented columns, named errors for bad rows', async () => {
  const tr = syntheticTrace(view, [{ x: 100, y: 100, durationMs: 100 }]);
  const back = parseGazeCsv(formatGazeCsv(tr), view);
  assert.equal(back.length, tr.length);
  for (const [i, s] of back.entries()) assert.ok(Math.abs(s.x - tr[i]!.x) < 1e-3 && Math.abs(s.errPx - tr[i]!.errPx) < 1e-3);
  const src = traceSource('t_ms,x,y\n0,10,20\n16,11,21\n', view);
  const got = await collect(src);
  assert.equal(got.length, 2);
  assert.ok(got[0]!.errPx > 0, 'err_px derived from the source error when the column is absent');
  assert.throws(
    () => parseGazeCsv('time,x,y\n0,1,2', view),
    (e: Error) => e instanceof FormatError && /t_ms,x,y/.test(e.message),
  );
  assert.throws(
    () => parseGazeCsv('t_ms,x,y\n0,1,2\n5,NaN,2', view),
    (e: Error) => e instanceof FormatError && /line 3/.test(e.message),
  );
  assert.throws(() => parseGazeCsv('t_ms,x,y\n10,1,2\n5,1,2', view), /back in time/);
  assert.throws(() => parseGazeCsv('', view), FormatError);
});

test('push source (mouse stand-in): samples come out in order; NaN is InvalidInput', async () => {
  const m = pushSource(view, 'mouse');
  const it = collect(m);
  m.push(10, 10, 0);
  m.push(12, 11, 16);
  setTimeout(() => {
    m.push(13, 12, 33);
    m.end();
  }, 5);
  const s = await it;
  assert.deepEqual(
    s.map((q) => q.t),
    [0, 16, 33],
  );
  assert.throws(() => pushSource(view).push(NaN, 1, 0), InvalidInput);
});

test('DFT Gaze source: the synthetic user really looks at the scripted points (truth within 8°: session slippage), predictions within the model’s error', async () => {
  await init({ backend: 'wasm' });
  const script = [
    { x: 420, y: 150, durationMs: 100 },
    { x: 250, y: 330, durationMs: 100 },
  ];
  const s = await collect(dftGazeSource({ view, script, hz: 30 }));
  assert.equal(s.length, 6);
  for (const [i, q] of s.entries()) {
    const target = script[i < 3 ? 0 : 1]!;
    // the truth differs from the target by the user's headset slippage (a few degrees); a sign error in the pitch or yaw
    // projection would put it ≥ 30° away (both targets are ~16° off-centre on both axes)
    assert.ok(angleBetweenPointsDeg(view, [q.trueX!, q.trueY!], [target.x, target.y]) < 8, `frame ${i}: truth ${q.trueX}, ${q.trueY}`);
    assert.ok(angleBetweenPointsDeg(view, [q.x, q.y], [q.trueX!, q.trueY!]) < 25, `frame ${i}: prediction ${q.x}, ${q.y}`);
    assert.ok(q.errPx > 0);
  }
  assert.ok(s[3]!.t > s[2]!.t);
  assert.throws(() => dftGazeSource({ view, script: [] }), InvalidInput);
});
