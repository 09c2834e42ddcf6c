// Jupyter wire codec: signing, verification, tampering, framing errors (no kernel needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decode, encode, makeMessage, newSession, SignatureError, WireFormatError, DELIMITER } from '../extension/runner/protocol';

const key = 'a3f1c0ffee';

test('encode signs header|parent|metadata|content with HMAC-SHA256 after the delimiter; decode round-trips', () => {
  const msg = makeMessage('execute_request', { code: 'console.log(1)' }, { session: newSession() });
  const frames = encode(msg, key);
  assert.equal(frames[0]?.toString(), DELIMITER);
  const h = createHmac('sha256', key);
  for (const f of frames.slice(2, 6)) h.update(f);
  assert.equal(frames[1]?.toString(), h.digest('hex'));
  const back = decode(frames, key);
  assert.deepEqual(back.header, msg.header);
  assert.deepEqual(back.content, { code: 'console.log(1)' });
  assert.equal(back.identities?.length, 0);
});

test('decode keeps routing identities before the delimiter and extra buffers after content', () => {
  const msg = makeMessage('status', { execution_state: 'idle' }, { session: 's' });
  msg.identities = [Buffer.from('peer-1')];
  msg.buffers = [Buffer.from([1, 2, 3])];
  const back = decode(encode(msg, key), key);
  assert.equal(back.identities?.[0]?.toString(), 'peer-1');
  assert.deepEqual([...(back.buffers?.[0] ?? [])], [1, 2, 3]);
});

test('a tampered content frame or a wrong key is rejected with SignatureError', () => {
  const frames = encode(makeMessage('execute_request', { code: '1' }, { session: 's' }), key);
  const tampered = frames.slice();
  tampered[5] = Buffer.from(JSON.stringify({ code: 'process.exit(1)' }));
  assert.throws(() => decode(tampered, key), SignatureError);
  assert.throws(() => decode(frames, 'other-key'), SignatureError);
  const badSig = frames.slice();
  badSig[1] = Buffer.from('0'.repeat(64));
  assert.throws(
    () => decode(badSig, key),
    (e: Error) => e instanceof SignatureError && /HMAC-SHA256/.test(e.message),
  );
});

test('malformed frames are rejected with WireFormatError', () => {
  const frames = encode(makeMessage('x', {}, { session: 's' }), key);
  assert.throws(() => decode(frames.slice(1), key), WireFormatError); // no delimiter
  assert.throws(() => decode(frames.slice(0, 4), key), WireFormatError); // too few frames
});

test('an empty key disables signing (per spec) and accepts any signature', () => {
  const frames = encode(makeMessage('x', { a: 1 }, { session: 's' }), '');
  assert.equal(frames[1]?.toString(), '');
  assert.deepEqual(decode(frames, '').content, { a: 1 });
});
