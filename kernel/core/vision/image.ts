/**
 * Image helpers any paper uses on real pictures (moved here from the DFT Gaze loaders so later papers need no
 * paper-to-paper import): decodePng (8/16-bit gray, gray+alpha, RGB, RGBA, palette; non-interlaced) → grayscale
 * floats, encodeGrayPng, resizeArea (box-filter resampling) and fitImage (centre-crop to the aspect, then resample;
 * OpenEDS 640×400 → 32×64). Malformed files → FormatError naming the file and what was expected.
 */
import { unzlibSync } from 'fflate';
import { FormatError, InvalidInput, checkInt, describe } from '../errors';
import { crc32, encodePng } from '../../viz/png';

/** A decoded image as grayscale floats in [0, 1] (RGB → Rec. 601 luma; alpha ignored). */
export interface GrayImage {
  width: number;
  height: number;
  data: Float32Array;
}

const PNG_SIG = [137, 80, 78, 71, 13, 10, 26, 10];

/** Decode a PNG file to grayscale floats. `name` labels errors. */
export function decodePng(bytes: Uint8Array, name = 'png'): GrayImage {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInput(`decodePng: expected a Uint8Array, got ${describe(bytes)}`);
  if (bytes.length < 8 || PNG_SIG.some((b, i) => bytes[i] !== b)) throw new FormatError(`${name}: not a PNG file (bad signature)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8,
    width = 0,
    height = 0,
    depth = 0,
    ctype = -1,
    interlace = 0;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new FormatError(`${name}: truncated PNG chunk header at byte ${pos}`);
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    if (pos + 12 + len > bytes.length) throw new FormatError(`${name}: PNG chunk ${type} of ${len} bytes runs past the end of the file`);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (crc32(bytes, pos + 4, pos + 8 + len) !== dv.getUint32(pos + 8 + len))
      throw new FormatError(`${name}: PNG chunk ${type} has a bad CRC`);
    if (type === 'IHDR') {
      if (len !== 13) throw new FormatError(`${name}: IHDR has ${len} bytes; expected 13`);
      const h = new DataView(data.buffer, data.byteOffset, 13);
      width = h.getUint32(0);
      height = h.getUint32(4);
      depth = data[8]!;
      ctype = data[9]!;
      interlace = data[12]!;
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    pos += 12 + len;
  }
  if (ctype < 0) throw new FormatError(`${name}: PNG has no IHDR chunk`);
  if (!sawEnd) throw new FormatError(`${name}: PNG is truncated (no IEND chunk)`);
  if (width === 0 || height === 0 || width > 16384 || height > 16384)
    throw new FormatError(`${name}: PNG size ${width}×${height} is outside 1..16384`);
  if (interlace !== 0) throw new FormatError(`${name}: interlaced PNGs are not supported; re-save without interlacing`);
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[ctype];
  if (channels === undefined) throw new FormatError(`${name}: PNG color type ${ctype} is invalid; expected 0, 2, 3, 4 or 6`);
  if (!(depth === 8 || depth === 16) || (ctype === 3 && depth !== 8))
    throw new FormatError(`${name}: PNG bit depth ${depth} (color type ${ctype}) is not supported; expected 8 or 16 (palette: 8)`);
  if (ctype === 3 && !palette) throw new FormatError(`${name}: palette PNG without a PLTE chunk`);
  let raw: Uint8Array;
  try {
    const total = idat.reduce((s, c) => s + c.length, 0);
    const z = new Uint8Array(total);
    let o = 0;
    for (const c of idat) {
      z.set(c, o);
      o += c.length;
    }
    raw = unzlibSync(z);
  } catch (e) {
    throw new FormatError(`${name}: PNG image data does not inflate (${(e as Error).message})`, { cause: e });
  }
  const bpp = (channels * depth) / 8,
    stride = width * bpp;
  if (raw.length < (stride + 1) * height)
    throw new FormatError(`${name}: PNG image data has ${raw.length} bytes; expected ${(stride + 1) * height} for ${width}×${height}`);
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!,
      src = y * (stride + 1) + 1,
      dst = y * stride,
      prev = dst - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[dst + x - bpp]! : 0,
        b = y > 0 ? px[prev + x]! : 0,
        c = x >= bpp && y > 0 ? px[prev + x - bpp]! : 0;
      const v = raw[src + x]!;
      let r: number;
      switch (f) {
        case 0:
          r = v;
          break;
        case 1:
          r = v + a;
          break;
        case 2:
          r = v + b;
          break;
        case 3:
          r = v + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c,
            pa = Math.abs(p - a),
            pb = Math.abs(p - b),
            pc = Math.abs(p - c);
          r = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new FormatError(`${name}: PNG row ${y} has filter type ${f}; expected 0..4`);
      }
      px[dst + x] = r & 255;
    }
  }
  const out = new Float32Array(width * height);
  const sample = (i: number, ch: number): number =>
    depth === 8 ? px[i * bpp + ch]! / 255 : ((px[i * bpp + 2 * ch]! << 8) | px[i * bpp + 2 * ch + 1]!) / 65535;
  for (let i = 0; i < width * height; i++) {
    if (ctype === 3) {
      const k = px[i]!;
      if (3 * k + 2 >= palette!.length) throw new FormatError(`${name}: palette index ${k} outside the ${palette!.length / 3}-entry PLTE`);
      out[i] = (0.299 * palette![3 * k]! + 0.587 * palette![3 * k + 1]! + 0.114 * palette![3 * k + 2]!) / 255;
    } else if (channels >= 3) out[i] = 0.299 * sample(i, 0) + 0.587 * sample(i, 1) + 0.114 * sample(i, 2);
    else out[i] = sample(i, 0);
  }
  return { width, height, data: out };
}

/** Encode grayscale floats in [0, 1] as an 8-bit grayscale PNG. */
export function encodeGrayPng(width: number, height: number, data: ArrayLike<number>): Uint8Array {
  const px = new Uint8Array(width * height);
  for (let i = 0; i < px.length; i++) {
    const v = Math.round(data[i]! * 255);
    px[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return encodePng(width, height, 1, px);
}

/**
 * Resample a grayscale image to h×w with a box filter (exact area weights; for upsampling it is bilinear-like
 * nearest-area). Crops nothing: aspect changes stretch.
 */
export function resizeArea(src: ArrayLike<number>, sh: number, sw: number, h: number, w: number): Float32Array {
  if (src.length !== sh * sw) throw new InvalidInput(`resizeArea: source has ${src.length} pixels; expected ${sh}×${sw}`);
  checkInt('resizeArea: h', h, 1, 16384);
  checkInt('resizeArea: w', w, 1, 16384);
  if (sh === h && sw === w) return Float32Array.from(src);
  const weights = (n: number, m: number): { i0: Int32Array; ws: Float32Array[] } => {
    // output cell k covers input [k·n/m, (k+1)·n/m)
    const i0 = new Int32Array(m),
      ws: Float32Array[] = [];
    const s = n / m;
    for (let k = 0; k < m; k++) {
      let a = k * s,
        b = (k + 1) * s;
      if (s < 1) {
        const c = (a + b) / 2;
        a = Math.max(0, c - 0.5);
        b = Math.min(n, c + 0.5);
      }
      const lo = Math.floor(a),
        hi = Math.min(n, Math.ceil(b));
      const wk = new Float32Array(hi - lo);
      let tot = 0;
      for (let i = lo; i < hi; i++) {
        const v = Math.min(b, i + 1) - Math.max(a, i);
        wk[i - lo] = v;
        tot += v;
      }
      for (let i = 0; i < wk.length; i++) wk[i] = wk[i]! / tot;
      i0[k] = lo;
      ws.push(wk);
    }
    return { i0, ws };
  };
  const X = weights(sw, w),
    Y = weights(sh, h);
  const tmp = new Float32Array(sh * w);
  for (let y = 0; y < sh; y++)
    for (let k = 0; k < w; k++) {
      const lo = X.i0[k]!,
        wk = X.ws[k]!;
      let s = 0;
      for (let i = 0; i < wk.length; i++) s += wk[i]! * src[y * sw + lo + i]!;
      tmp[y * w + k] = s;
    }
  const out = new Float32Array(h * w);
  for (let k = 0; k < h; k++) {
    const lo = Y.i0[k]!,
      wk = Y.ws[k]!;
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = 0; i < wk.length; i++) s += wk[i]! * tmp[(lo + i) * w + x]!;
      out[k * w + x] = s;
    }
  }
  return out;
}

/**
 * Fit an image to h×w: 'crop' (default) centre-crops to the target aspect ratio first, then box-resamples (no
 * distortion of the eye's shape); 'stretch' resamples the whole image.
 */
export function fitImage(
  src: ArrayLike<number>,
  sh: number,
  sw: number,
  h: number,
  w: number,
  fit: 'crop' | 'stretch' = 'crop',
): Float32Array {
  if (fit !== 'crop' && fit !== 'stretch') throw new InvalidInput(`fitImage: fit must be 'crop' or 'stretch', got ${describe(fit)}`);
  if (fit === 'stretch' || sh * w === sw * h) return resizeArea(src, sh, sw, h, w);
  let ch = sh,
    cw = sw;
  if (sw * h > sh * w) cw = Math.max(1, Math.round((sh * w) / h));
  else ch = Math.max(1, Math.round((sw * h) / w));
  const y0 = Math.floor((sh - ch) / 2),
    x0 = Math.floor((sw - cw) / 2);
  const crop = new Float32Array(ch * cw);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) crop[y * cw + x] = src[(y0 + y) * sw + x0 + x]!;
  return resizeArea(crop, ch, cw, h, w);
}
