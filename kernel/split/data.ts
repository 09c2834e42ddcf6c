/**
 * MultiViewSolids: a seeded multi-view 3-D classification set rendered in the project, standing in for the ModelNet40
 * multi-view renderings SplitNets evaluates on (arXiv 2204.04705, multi-view experiments) — no download, any size.
 *
 * Each object is one of ten procedural solids with a random rotation, a random anisotropic scale (so a cube can look
 * like a slab and a sphere like an egg), random stripe texture and random lighting. V cameras sit evenly on a ring around
 * it at a fixed elevation (random ring offset per object) and render orthographic grayscale views by sphere tracing
 * signed distance functions. Single views are ambiguous by construction (a cylinder seen end-on is a disc like a
 * sphere; a prism side-on is a rectangle like a box), which is what multi-view fusion can fix.
 *
 * Views come in ring order: with `views` = 8, taking every 2nd view gives the 4-camera ring, every 4th the 2-camera ring.
 */
import { InvalidInput, check, checkInt, describe } from '../core/errors';
import { rng, type Rng } from '../core/rng';

export const SOLID_CLASSES = [
  'sphere',
  'box',
  'cylinder',
  'cone',
  'torus',
  'octahedron',
  'capsule',
  'tri-prism',
  'hex-prism',
  'pyramid',
] as const;

/** Generator difficulty. Fix it on validation data before any fusion experiment (bench/declared/split-multiview.json). */
export interface SolidsDifficulty {
  /** Per-axis scale drawn from [1 − aspect, 1 + aspect]. */
  aspect: number;
  /** Gaussian pixel noise (image values in [0, 1]). */
  noise: number;
  /** Camera ring elevation, degrees. */
  elevationDeg: number;
  /** Stripe texture contrast in [0, 1]. */
  texture: number;
}

export const DEFAULT_DIFFICULTY: SolidsDifficulty = { aspect: 0.35, noise: 0.06, elevationDeg: 20, texture: 0.5 };

export interface SolidsOptions {
  /** Objects (balanced over classes: object i has class i mod 10). */
  n: number;
  /** Views per object on the ring. Default 8. */
  views?: number;
  /** Image side in pixels. Default 32. */
  size?: number;
  /** Seed of the class order, shapes, poses, textures and noise (default 0). */
  seed?: number;
  /** Fields that replace those of DEFAULT_DIFFICULTY (default none; ours). */
  difficulty?: Partial<SolidsDifficulty>;
}

export interface MultiViewSet {
  name: string;
  /** [n, views, size, size] floats in [0, 1], view-major per object. */
  images: Float32Array;
  labels: Int32Array;
  n: number;
  views: number;
  size: number;
  classes: string[];
  difficulty: SolidsDifficulty;
  source: string;
}

type V3 = [number, number, number];
const len2 = (x: number, y: number) => Math.sqrt(x * x + y * y);
const len3 = (x: number, y: number, z: number) => Math.sqrt(x * x + y * y + z * z);

/** Signed distance (a bound for the polytopes) of each solid at p, in object coordinates. */
function sdf(cls: number, x: number, y: number, z: number): number {
  switch (cls) {
    case 0:
      return len3(x, y, z) - 0.75;
    case 1: {
      // box
      const qx = Math.abs(x) - 0.6,
        qy = Math.abs(y) - 0.6,
        qz = Math.abs(z) - 0.6;
      return len3(Math.max(qx, 0), Math.max(qy, 0), Math.max(qz, 0)) + Math.min(Math.max(qx, qy, qz), 0);
    }
    case 2: {
      // cylinder along y
      const dx = len2(x, z) - 0.6,
        dy = Math.abs(y) - 0.7;
      return Math.min(Math.max(dx, dy), 0) + len2(Math.max(dx, 0), Math.max(dy, 0));
    }
    case 3: {
      // cone, apex up: radius 0.75 at y = −0.7, 0 at y = 0.7 (bound: max of side plane and base)
      const r = len2(x, z),
        side = (r * 1.4 + 0.75 * (y - 0.7)) / Math.sqrt(1.4 * 1.4 + 0.75 * 0.75);
      return Math.max(side, -y - 0.7, y - 0.7);
    }
    case 4:
      return len2(len2(x, z) - 0.55, y) - 0.22; // torus
    case 5:
      return (Math.abs(x) + Math.abs(y) + Math.abs(z) - 0.95) * 0.57735; // octahedron
    case 6: {
      const yy = y - Math.max(-0.45, Math.min(0.45, y));
      return len3(x, yy, z) - 0.38;
    } // capsule
    case 7: {
      // triangular prism along z
      let d = Math.abs(z) - 0.7;
      for (let k = 0; k < 3; k++) {
        const a = Math.PI / 2 + (2 * Math.PI * k) / 3;
        d = Math.max(d, x * Math.cos(a) + y * Math.sin(a) - 0.4);
      }
      return d;
    }
    case 8: {
      // hexagonal prism along z
      let d = Math.abs(z) - 0.6;
      for (let k = 0; k < 6; k++) {
        const a = (Math.PI * k) / 3;
        d = Math.max(d, x * Math.cos(a) + y * Math.sin(a) - 0.6);
      }
      return d;
    }
    default: {
      // square pyramid, apex up
      let d = -y - 0.6;
      const n = 1 / Math.sqrt(1 + 0.6 * 0.6);
      for (const [sx, sz] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ] as const)
        d = Math.max(d, (x * sx + z * sz) * 1.2 * n + (y - 0.6) * 0.6 * n);
      return d;
    }
  }
}

function randomRotation(r: Rng): number[] {
  // uniform quaternion (Shoemake) → row-major 3×3 rotation
  const u1 = r.next(),
    u2 = r.next() * 2 * Math.PI,
    u3 = r.next() * 2 * Math.PI;
  const a = Math.sqrt(1 - u1),
    b = Math.sqrt(u1);
  const qw = a * Math.sin(u2),
    qx = a * Math.cos(u2),
    qy = b * Math.sin(u3),
    qz = b * Math.cos(u3);
  return [
    1 - 2 * (qy * qy + qz * qz),
    2 * (qx * qy - qz * qw),
    2 * (qx * qz + qy * qw),
    2 * (qx * qy + qz * qw),
    1 - 2 * (qx * qx + qz * qz),
    2 * (qy * qz - qx * qw),
    2 * (qx * qz - qy * qw),
    2 * (qy * qz + qx * qw),
    1 - 2 * (qx * qx + qy * qy),
  ];
}

/** Render one object from every ring camera into `out` at `offset` (views × size × size floats). */
function renderObject(cls: number, r: Rng, V: number, S: number, d: SolidsDifficulty, out: Float32Array, offset: number): void {
  const R = randomRotation(r);
  const sc: V3 = [0, 1, 2].map(() => 1 + d.aspect * (2 * r.next() - 1)) as V3;
  const minS = Math.min(...sc);
  // world → object: p_obj = (Rᵀ p_world) / scale; distance bound scales by min(scale)
  const dist = (wx: number, wy: number, wz: number) => {
    const ox = (R[0]! * wx + R[3]! * wy + R[6]! * wz) / sc[0],
      oy = (R[1]! * wx + R[4]! * wy + R[7]! * wz) / sc[1],
      oz = (R[2]! * wx + R[5]! * wy + R[8]! * wz) / sc[2];
    return sdf(cls, ox, oy, oz) * minS;
  };
  const stripeAxis = r.int(3),
    freq = 2 + 4 * r.next(),
    phase = r.next() * 2 * Math.PI;
  const albedo = (wx: number, wy: number, wz: number) => {
    const o = [R[0]! * wx + R[3]! * wy + R[6]! * wz, R[1]! * wx + R[4]! * wy + R[7]! * wz, R[2]! * wx + R[5]! * wy + R[8]! * wz];
    return 0.75 + 0.25 * d.texture * Math.sin(freq * Math.PI * o[stripeAxis]! + phase);
  };
  const la = r.next() * 2 * Math.PI,
    le = ((0.2 + 0.6 * r.next()) * Math.PI) / 2;
  const L: V3 = [Math.cos(le) * Math.cos(la), Math.sin(le), Math.cos(le) * Math.sin(la)];
  const bg = 0.05 + 0.15 * r.next();
  const el = (d.elevationDeg * Math.PI) / 180,
    ring0 = r.next() * 2 * Math.PI;
  const half = 1.15,
    bound = 1.0 + d.aspect + 0.05,
    eps = 1e-3;
  for (let v = 0; v < V; v++) {
    const az = ring0 + (2 * Math.PI * v) / V;
    // camera looks from direction f toward the origin; right = up × f, up' = f × right
    const f: V3 = [Math.cos(el) * Math.cos(az), Math.sin(el), Math.cos(el) * Math.sin(az)];
    const rt: V3 = [f[2], 0, -f[0]];
    const rl = len2(rt[0], rt[2]);
    rt[0] /= rl;
    rt[2] /= rl;
    const up: V3 = [f[1] * rt[2] - f[2] * rt[1], f[2] * rt[0] - f[0] * rt[2], f[0] * rt[1] - f[1] * rt[0]];
    const base = offset + v * S * S;
    for (let i = 0; i < S; i++)
      for (let j = 0; j < S; j++) {
        const u = (((j + 0.5) / S) * 2 - 1) * half,
          w = (1 - ((i + 0.5) / S) * 2) * half;
        let px = f[0] * 3 + rt[0] * u + up[0] * w,
          py = f[1] * 3 + rt[1] * u + up[1] * w,
          pz = f[2] * 3 + rt[2] * u + up[2] * w;
        let val = bg;
        if (u * u + w * w < bound * bound) {
          let t = 3 - bound;
          px -= f[0] * t;
          py -= f[1] * t;
          pz -= f[2] * t;
          for (let step = 0; step < 64 && t < 3 + bound; step++) {
            const dd = dist(px, py, pz);
            if (dd < eps) {
              const nx = dist(px + eps, py, pz) - dist(px - eps, py, pz),
                ny = dist(px, py + eps, pz) - dist(px, py - eps, pz),
                nz = dist(px, py, pz + eps) - dist(px, py, pz - eps);
              const nl = len3(nx, ny, nz) || 1;
              const lam = Math.max(0, (nx * L[0] + ny * L[1] + nz * L[2]) / nl);
              val = albedo(px, py, pz) * (0.35 + 0.65 * lam);
              break;
            }
            const st = Math.max(dd * 0.9, eps * 0.5);
            t += st;
            px -= f[0] * st;
            py -= f[1] * st;
            pz -= f[2] * st;
          }
        }
        out[base + i * S + j] = Math.min(1, Math.max(0, val + d.noise * r.normal()));
      }
  }
}

/** Render a MultiViewSolids set (deterministic for a seed; balanced classes in shuffled order). */
export function multiViewSolids(o: SolidsOptions): MultiViewSet {
  const n = checkInt('multiViewSolids: n', o?.n, 1, 1_000_000);
  const V = checkInt('multiViewSolids: views', o.views ?? 8, 1, 64);
  const S = checkInt('multiViewSolids: size', o.size ?? 32, 8, 256);
  const d: SolidsDifficulty = { ...DEFAULT_DIFFICULTY, ...o.difficulty };
  for (const k of ['aspect', 'noise', 'elevationDeg', 'texture'] as const)
    check(Number.isFinite(d[k]) && d[k] >= 0, () => `multiViewSolids: difficulty.${k} must be a finite number ≥ 0, got ${describe(d[k])}`);
  if (d.aspect >= 0.9) throw new InvalidInput(`multiViewSolids: difficulty.aspect = ${d.aspect} must be < 0.9 (scales stay positive)`);
  const r = rng(o.seed ?? 0);
  const order = r.permutation(n);
  const images = new Float32Array(n * V * S * S),
    labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = order[i]! % SOLID_CLASSES.length;
    renderObject(labels[i]!, r.fork(i), V, S, d, images, i * V * S * S);
  }
  return {
    name: 'MultiViewSolids',
    images,
    labels,
    n,
    views: V,
    size: S,
    classes: [...SOLID_CLASSES],
    difficulty: d,
    source: `rendered by edgelab kernel/split/data.ts (seed ${o.seed ?? 0}); MIT licence`,
  };
}

/** The images of view `v` of every object as [n, size, size] (a copy). */
export function viewImages(set: MultiViewSet, v: number): Float32Array {
  checkInt('viewImages: v', v, 0, set.views - 1);
  const S2 = set.size * set.size,
    out = new Float32Array(set.n * S2);
  for (let i = 0; i < set.n; i++) out.set(set.images.subarray((i * set.views + v) * S2, (i * set.views + v + 1) * S2), i * S2);
  return out;
}

/** Ring subsets: V cameras evenly spaced out of the rendered ring (`views` must be a multiple of V). */
export function ringViews(set: MultiViewSet, V: number): number[] {
  check(
    Number.isInteger(V) && V >= 1 && set.views % V === 0,
    () => `ringViews: V = ${describe(V)} must divide the ${set.views} rendered views`,
  );
  return Array.from({ length: V }, (_, k) => (k * set.views) / V);
}
