/** Minimal PNG encoder (8-bit gray / RGB / RGBA, filter 0) in pure TS with fflate's zlib. Node and browser. */
import { zlibSync } from 'fflate';
import { toBase64 } from './codec';
import { InvalidInput } from '../core/errors';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG uses) of bytes. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** Encode row-major 8-bit pixels with 1 (gray), 3 (RGB) or 4 (RGBA) channels as a PNG file. */
export function encodePng(width: number, height: number, channels: 1 | 3 | 4, pixels: Uint8Array): Uint8Array {
  if (pixels.length !== width * height * channels) {
    throw new InvalidInput(
      `encodePng: pixels has length ${pixels.length}; expected ${width}*${height}*${channels} = ${width * height * channels}`,
    );
  }
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return pngFile(width, height, 8, channels === 1 ? 0 : channels === 3 ? 2 : 6, raw, 6);
}

/**
 * A PNG file around filtered scanlines (PNG specification, ISO/IEC 15948; IHDR §11.2.2): signature, IHDR (width, height, bit depth,
 * colour type — 0 gray, 2 RGB, 4 gray+alpha, 6 RGBA — deflate, adaptive filtering, no interlace), one IDAT of
 * `scanlines` (each row prefixed by its filter-type byte) zlib-compressed at `level` (0–9, default 6), IEND. The
 * scanlines are not checked against the header.
 */
export function pngFile(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  scanlines: Uint8Array,
  level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 6,
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibSync(scanlines, { level })),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** PNG as a data: URL. */
export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${toBase64(png)}`;
}
