/** Image overlay: the packed pixels on a canvas (nearest-neighbour scaling), then boxes, arrows and points. */
import type { ImageOverlayFigure } from '../../../kernel/viz/types';
import { decodePacked } from '../packed';
import { hidpiCanvas, localXY, makeFrame, setMounted, tooltip } from './common';

/** RGBA bytes from 1, 3 or 4 channel pixels. */
export function toRgba(px: Uint8Array, w: number, h: number, channels: 1 | 3 | 4): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    if (channels === 1) {
      const v = px[i]!;
      out[4 * i] = v;
      out[4 * i + 1] = v;
      out[4 * i + 2] = v;
      out[4 * i + 3] = 255;
    } else if (channels === 3) {
      out[4 * i] = px[3 * i]!;
      out[4 * i + 1] = px[3 * i + 1]!;
      out[4 * i + 2] = px[3 * i + 2]!;
      out[4 * i + 3] = 255;
    } else {
      out[4 * i] = px[4 * i]!;
      out[4 * i + 1] = px[4 * i + 1]!;
      out[4 * i + 2] = px[4 * i + 2]!;
      out[4 * i + 3] = px[4 * i + 3]!;
    }
  }
  return out;
}

/** Display scale: the payload's width if given, else an integer zoom that makes the image ~400 px, within `maxW`. */
export function imageScale(w: number, h: number, maxW: number, preferredWidth?: number): number {
  const s = preferredWidth ? preferredWidth / w : Math.max(1, Math.min(8, Math.floor(400 / Math.max(w, h))));
  return Math.min(s, maxW / w);
}

export function renderImageOverlay(el: HTMLElement, f: ImageOverlayFigure): void {
  const fr = makeFrame(el, f);
  const doc = el.ownerDocument;
  const { width: w, height: h, channels } = f.image;
  const px = decodePacked(f.image.data, 'image.data') as Uint8Array;
  const s = imageScale(w, h, Math.max(120, (el.getBoundingClientRect().width || 800) - 8), f.width);
  const W = Math.ceil(w * s),
    H = Math.ceil(h * s);
  const { canvas, ctx } = hidpiCanvas(doc, W, H);
  const src = doc.createElement('canvas');
  src.width = w;
  src.height = h;
  src.getContext('2d')!.putImageData(new ImageData(toRgba(px, w, h, channels), w, h), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, 0, 0, W, H);
  const font = `bold 12px ${getComputedStyle(fr.root).fontFamily || 'sans-serif'}`;
  const label = (text: string, x: number, y: number, color: string) => {
    ctx.font = font;
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(0,0,0,0.65)';
    ctx.strokeText(text, x, y);
    ctx.fillStyle = color;
    ctx.fillText(text, x, y);
  };
  for (const b of f.boxes ?? []) {
    const c = b.color ?? '#00e676';
    ctx.strokeStyle = c;
    ctx.lineWidth = 2;
    ctx.strokeRect(b.x * s, b.y * s, b.w * s, b.h * s);
    if (b.label) label(b.label, b.x * s + 2, Math.max(12, b.y * s - 4), c);
  }
  for (const a of f.arrows ?? []) {
    const c = a.color ?? '#ffd600',
      x1 = a.x * s,
      y1 = a.y * s,
      x2 = (a.x + a.dx) * s,
      y2 = (a.y + a.dy) * s;
    const ang = Math.atan2(y2 - y1, x2 - x1),
      hl = 9;
    ctx.strokeStyle = c;
    ctx.fillStyle = c;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(x2, y2);
    ctx.lineTo(x2 - hl * Math.cos(ang - 0.4), y2 - hl * Math.sin(ang - 0.4));
    ctx.lineTo(x2 - hl * Math.cos(ang + 0.4), y2 - hl * Math.sin(ang + 0.4));
    ctx.closePath();
    ctx.fill();
    if (a.label) label(a.label, x2 + 4, y2, c);
  }
  for (const p of f.points ?? []) {
    const c = p.color ?? '#ff1744';
    ctx.beginPath();
    ctx.arc(p.x * s, p.y * s, 4.5, 0, 2 * Math.PI);
    ctx.fillStyle = c;
    ctx.fill();
    ctx.lineWidth = 1.2;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
    if (p.label) label(p.label, p.x * s + 7, p.y * s - 6, c);
  }
  canvas.dataset.scale = String(s);
  canvas.setAttribute('role', 'img');
  canvas.setAttribute(
    'aria-label',
    `${f.title ?? 'image'}: ${w}×${h} with ${f.points?.length ?? 0} points, ${f.boxes?.length ?? 0} boxes, ${f.arrows?.length ?? 0} arrows`,
  );
  fr.body.appendChild(canvas);
  const tip = tooltip(fr.body);
  const ac = new AbortController();
  canvas.addEventListener(
    'mousemove',
    (e) => {
      const [x, y] = localXY(canvas, e);
      const ix = Math.floor(x / s),
        iy = Math.floor(y / s);
      if (ix < 0 || iy < 0 || ix >= w || iy >= h) {
        tip.hide();
        return;
      }
      const k = (iy * w + ix) * channels;
      const v = channels === 1 ? `${px[k]}` : `(${Array.from(px.subarray(k, k + channels)).join(', ')})`;
      tip.show(x, y, `x ${ix}, y ${iy}: ${v}`);
    },
    { signal: ac.signal },
  );
  canvas.addEventListener('mouseleave', () => tip.hide(), { signal: ac.signal });
  setMounted(el, { kind: 'image-overlay', engine: 'canvas', root: fr.root, dispose: () => ac.abort() });
}
