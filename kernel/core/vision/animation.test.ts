import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeGif, encodeMp4, findFfmpeg } from './animation';
import { InvalidInput, NotFound } from '../errors';

const frame = (v: number) => ({ width: 6, height: 4, data: new Uint8Array(6 * 4 * 3).fill(v) });

test('encodeGif writes a looping GIF89a with one image per frame', () => {
  const gif = encodeGif([frame(10), frame(200), frame(90)], { delayMs: 50 });
  assert.equal(Buffer.from(gif.subarray(0, 6)).toString('latin1'), 'GIF89a');
  assert.equal(gif[6]! | (gif[7]! << 8), 6, 'logical screen width');
  assert.equal(gif[gif.length - 1], 0x3b, 'trailer');
  assert.ok(Buffer.from(gif).includes(Buffer.from('NETSCAPE2.0', 'latin1')), 'loop extension');
  // one image descriptor (0x2c after a graphic control block) per frame
  let images = 0;
  for (let i = 0; i + 9 < gif.length; i++) if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 2] === 4 && gif[i + 8] === 0x2c) images++;
  assert.equal(images, 3);
  assert.throws(() => encodeGif([]), InvalidInput);
  assert.throws(() => encodeGif([frame(1), { width: 3, height: 3, data: new Uint8Array(27) }]), InvalidInput);
});

test('encodeMp4 without ffmpeg is NotFound (named), and produces an MP4 where ffmpeg exists', async () => {
  await assert.rejects(encodeMp4([frame(1), frame(2)], { ffmpegPath: '/nonexistent/ffmpeg' }), NotFound);
  if (findFfmpeg()) {
    const mp4 = await encodeMp4([frame(1), frame(200)], { fps: 5 });
    assert.equal(Buffer.from(mp4.subarray(4, 8)).toString('latin1'), 'ftyp');
  }
});
