/**
 * Object masks and inpainting with OpenCV.js:
 *  - `objectMask`: GrabCut (Rother, Kolmogorov & Blake, "GrabCut", SIGGRAPH 2004) initialised with the object's box —
 *    colour GMMs for object and background, refined by graph cuts, inside a crop around the box for speed; if GrabCut
 *    finds nothing (or almost the whole box) the fallback is an ellipse inscribed in the box, and the record says so.
 *  - `inpaintRgb`: Telea (fast marching, 2004) or Navier–Stokes (Bertalmío et al., 2001) filling of a mask.
 */
import { InvalidInput, checkOneOf, describe } from '../errors';
import { type OpenCv, loadOpenCv, maskToMat, rgbToMat, withMats } from './opencv';
import { type Box, type Mask, type RgbImage, checkBox, checkMask, checkRgb, emptyMask, maskArea } from './raster';
import { cropRgb, resizeRgb } from './rgb';

export interface ObjectMaskOptions {
  /** GrabCut iterations (default 5). */
  iterations?: number;
  /** Context margin around the box for the crop GrabCut sees, as a fraction of the box's larger side (default 0.25). */
  margin?: number;
  /** OpenCV's RNG seed (GrabCut's k-means initialisation), default 0. */
  seed?: number;
  /** GrabCut runs on a copy of the crop downscaled to this longer side (px, default 200); the mask is read back at full size. */
  maxSide?: number;
}

export interface ObjectMaskResult {
  mask: Mask;
  /** 'grabcut', or 'ellipse' when GrabCut's mask covered < 5% or > 98% of the box (then the inscribed ellipse is used). */
  method: 'grabcut' | 'ellipse';
  /** Fraction of the box covered by the mask. */
  fill: number;
}

function ellipseMask(b: Box, width: number, height: number): Mask {
  const m = emptyMask(width, height);
  const [bx, by, bw, bh] = b;
  const cx = bx + bw / 2,
    cy = by + bh / 2,
    rx = bw / 2,
    ry = bh / 2;
  for (let y = by; y < by + bh; y++)
    for (let x = bx; x < bx + bw; x++) if (((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2 <= 1) m.data[y * width + x] = 1;
  return m;
}

function seedCv(cv: OpenCv, seed: number): void {
  // OpenCV's global RNG drives GrabCut's k-means; reseeding before every call makes the mask a function of the input.
  cv.setRNGSeed?.(seed);
}

/** The object's mask inside `box` (pixels outside the box are never inside the mask). */
export async function objectMask(img: RgbImage, box: Box, opts: ObjectMaskOptions = {}): Promise<ObjectMaskResult> {
  checkRgb(img);
  const b = checkBox(box, img.width, img.height);
  const [bx, by, bw, bh] = b;
  const iters = opts.iterations ?? 5;
  const marginFrac = opts.margin ?? 0.25;
  if (!(Number.isInteger(iters) && iters >= 1 && iters <= 50))
    throw new InvalidInput(`objectMask: iterations must be an integer in [1, 50], got ${describe(iters)}`);
  if (!(marginFrac >= 0 && marginFrac <= 2)) throw new InvalidInput(`objectMask: margin must be in [0, 2], got ${describe(marginFrac)}`);
  const out = emptyMask(img.width, img.height);
  if (bw < 4 || bh < 4) {
    const e = ellipseMask(b, img.width, img.height);
    return { mask: e, method: 'ellipse', fill: maskArea(e) / (bw * bh) };
  }
  const cv = await loadOpenCv();
  const mg = Math.round(marginFrac * Math.max(bw, bh)) + 2;
  const cx0 = Math.max(0, bx - mg),
    cy0 = Math.max(0, by - mg);
  const cx1 = Math.min(img.width, bx + bw + mg),
    cy1 = Math.min(img.height, by + bh + mg);
  const cw = cx1 - cx0,
    ch = cy1 - cy0;
  let crop: RgbImage = cropRgb(img, cx0, cy0, cw, ch);
  // GrabCut's cost grows with the pixel count (≈40 s for a 300×450 crop here): segment a copy whose longer side is
  // at most `maxSide` px and read the mask back at full resolution (nearest neighbour).
  const maxSide = opts.maxSide ?? 200;
  const k = Math.min(1, maxSide / Math.max(cw, ch));
  const sw = Math.max(8, Math.round(cw * k)),
    sh = Math.max(8, Math.round(ch * k));
  if (sw !== cw || sh !== ch) crop = resizeRgb(crop, sh, sw);
  const fx = sw / cw,
    fy = sh / ch;
  // GrabCut needs background pixels inside its crop: shrink the rect by one pixel where the box touches the crop edge.
  const rx = Math.max(1, Math.round((bx - cx0) * fx)),
    ry = Math.max(1, Math.round((by - cy0) * fy));
  const rw = Math.min(sw - 1 - rx, Math.round((bx + bw - cx0) * fx) - rx),
    rh = Math.min(sh - 1 - ry, Math.round((by + bh - cy0) * fy) - ry);
  let fg = 0;
  if (rw >= 2 && rh >= 2) {
    const src = rgbToMat(cv, crop);
    const mask = new cv.Mat();
    const bgd = new cv.Mat(),
      fgd = new cv.Mat();
    withMats([src, mask, bgd, fgd], () => {
      seedCv(cv, opts.seed ?? 0);
      cv.grabCut(src, mask, new cv.Rect(rx, ry, rw, rh), bgd, fgd, iters, cv.GC_INIT_WITH_RECT);
      const md = mask.data;
      for (let gy = by; gy < by + bh; gy++)
        for (let gx = bx; gx < bx + bw; gx++) {
          const sx = Math.min(sw - 1, Math.floor((gx - cx0 + 0.5) * fx)),
            sy = Math.min(sh - 1, Math.floor((gy - cy0 + 0.5) * fy));
          const v = md[sy * sw + sx]!;
          if (v === cv.GC_FGD || v === cv.GC_PR_FGD) {
            out.data[gy * img.width + gx] = 1;
            fg++;
          }
        }
    });
  }
  const fill = fg / (bw * bh);
  if (fill < 0.05 || fill > 0.98) {
    const e = ellipseMask(b, img.width, img.height);
    return { mask: e, method: 'ellipse', fill: maskArea(e) / (bw * bh) };
  }
  return { mask: out, method: 'grabcut', fill };
}

export type InpaintMethod = 'telea' | 'ns';

/** Fill the pixels of `mask` from their surroundings. Pixels outside the mask come back bit-identical. */
export async function inpaintRgb(img: RgbImage, mask: Mask, opts: { method?: InpaintMethod; radius?: number } = {}): Promise<RgbImage> {
  checkRgb(img);
  checkMask(mask, img.width, img.height);
  const method = checkOneOf('inpaint method', opts.method ?? 'telea', ['telea', 'ns'] as const);
  const radius = opts.radius ?? 5;
  if (!(radius >= 1 && radius <= 50)) throw new InvalidInput(`inpaint radius must be in [1, 50] px, got ${describe(radius)}`);
  if (maskArea(mask) === 0) throw new InvalidInput('inpaint: the mask is empty (0 pixels to fill); expected at least one');
  if (maskArea(mask) === img.width * img.height)
    throw new InvalidInput('inpaint: the mask covers the whole image; nothing is left to fill from');
  const cv = await loadOpenCv();
  const src = rgbToMat(cv, img),
    m = maskToMat(cv, mask),
    dst = new cv.Mat();
  return withMats([src, m, dst], () => {
    cv.inpaint(src, m, dst, radius, method === 'telea' ? cv.INPAINT_TELEA : cv.INPAINT_NS);
    const out = img.data.slice();
    // copy back only the masked pixels, so the outside is the input byte for byte whatever OpenCV does
    for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) for (let c = 0; c < 3; c++) out[3 * i + c] = dst.data[3 * i + c]!;
    return { width: img.width, height: img.height, data: out };
  });
}
