/**
 * Writing frame sequences: animated GIF with npm `gifenc` (pure JS; one palette per frame from its rgb565 quantizer),
 * and MP4 (H.264, yuv420p) through an `ffmpeg` executable when one is installed — never required.
 */
/// <reference path="./gifenc.d.ts" />
import { spawn, spawnSync } from 'node:child_process';
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import { InvalidInput, NotFound, describe } from '../errors';
import { type RgbImage, checkRgb } from './raster';

function checkFrames(frames: RgbImage[]): { width: number; height: number } {
  if (!Array.isArray(frames) || frames.length === 0)
    throw new InvalidInput(`frames must be a non-empty array of RgbImage, got ${describe(frames)}`);
  frames.forEach((f, i) => checkRgb(f, `frames[${i}]`));
  const { width, height } = frames[0]!;
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height)
      throw new InvalidInput(`frames[${i}] is ${f.width}×${f.height}; expected ${width}×${height} like frames[0]`);
  });
  return { width, height };
}

function rgba(f: RgbImage): Uint8Array {
  const out = new Uint8Array(f.width * f.height * 4);
  for (let i = 0, j = 0; i < f.data.length; i += 3, j += 4) {
    out[j] = f.data[i]!;
    out[j + 1] = f.data[i + 1]!;
    out[j + 2] = f.data[i + 2]!;
    out[j + 3] = 255;
  }
  return out;
}

/** Encode frames as an animated GIF that loops forever. `delayMs` per frame (default 100). */
export function encodeGif(frames: RgbImage[], opts: { delayMs?: number } = {}): Uint8Array {
  const { width, height } = checkFrames(frames);
  const delay = opts.delayMs ?? 100;
  if (!(delay >= 0 && delay <= 60000)) throw new InvalidInput(`delayMs must be in [0, 60000], got ${describe(delay)}`);
  const gif = GIFEncoder();
  for (const f of frames) {
    const px = rgba(f);
    const palette = quantize(px, 256);
    gif.writeFrame(applyPalette(px, palette), width, height, { palette, delay, repeat: 0 });
  }
  gif.finish();
  return gif.bytes();
}

/** The ffmpeg executable to use, or null when none runs (`ffmpeg -version` fails). */
export function findFfmpeg(path = 'ffmpeg'): string | null {
  const r = spawnSync(path, ['-version'], { stdio: 'ignore', timeout: 5000 });
  return r.status === 0 ? path : null;
}

/**
 * Encode frames as an H.264 MP4 with ffmpeg (raw RGB piped in; odd sizes padded to even). No ffmpeg → NotFound.
 */
export async function encodeMp4(frames: RgbImage[], opts: { fps?: number; ffmpegPath?: string } = {}): Promise<Uint8Array> {
  const { width, height } = checkFrames(frames);
  const fps = opts.fps ?? 10;
  if (!(fps > 0 && fps <= 120)) throw new InvalidInput(`fps must be in (0, 120], got ${describe(fps)}`);
  const exe = findFfmpeg(opts.ffmpegPath);
  if (!exe)
    throw new NotFound(
      `ffmpeg not found (tried ${JSON.stringify(opts.ffmpegPath ?? 'ffmpeg')}); install it (Debian: apt-get install ffmpeg) for MP4, or use the GIF`,
    );
  const args = [
    '-loglevel',
    'error',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${width}x${height}`,
    '-r',
    String(fps),
    '-i',
    'pipe:0',
    '-vf',
    'pad=ceil(iw/2)*2:ceil(ih/2)*2',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    'frag_keyframe+empty_moov',
    '-f',
    'mp4',
    'pipe:1',
  ];
  return await new Promise<Uint8Array>((resolve, reject) => {
    const p = spawn(exe, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [],
      err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', (e) => reject(new NotFound(`ffmpeg could not start: ${e.message}`, { cause: e })));
    p.on('close', (code) => {
      if (code === 0) resolve(new Uint8Array(Buffer.concat(out)));
      else reject(new InvalidInput(`ffmpeg exited with ${code}: ${Buffer.concat(err).toString().slice(0, 300)}`));
    });
    for (const f of frames) p.stdin.write(f.data);
    p.stdin.end();
  });
}
