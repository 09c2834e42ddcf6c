/**
 * SphereFed's fixed classifier: W ∈ R^{d×C} whose columns span the unit hypersphere's classes, derived from a seed
 * on every client (never trained, never sent). 'orthonormal' (default; WᵀW = I_C, the form used by the two third-party
 * re-implementations we know of) or 'etf' (simplex equiangular tight frame, WᵀW = C/(C−1)(I − 11ᵀ/C), FedETF's choice).
 */
import { rng } from '../core/rng';
import { InvalidInput, check, checkInt, describe } from '../core/errors';
import { orthonormalizeColumns } from '../core/linalg';

export type FixedHeadKind = 'orthonormal' | 'etf';

/** Row-major d×C Float64Array. Pure float64 arithmetic, so every client derives the same bits from `seed`. */
export function fixedHead(o: {
  /** Feature width d (≥ classes). */
  d: number;
  /** Number of classes C. */
  classes: number;
  /** Seed every client derives W from. */
  seed: number;
  /** 'orthonormal' (default; WᵀW = I_C) or 'etf' (simplex equiangular tight frame). */
  kind?: FixedHeadKind;
}): Float64Array {
  const d = checkInt('fixedHead: d', o.d, 1),
    C = checkInt('fixedHead: classes', o.classes, 2);
  const kind = o.kind ?? 'orthonormal';
  if (kind !== 'orthonormal' && kind !== 'etf')
    throw new InvalidInput(`fixedHead: kind must be 'orthonormal' or 'etf', got ${String(kind)}`);
  if (d < C) throw new InvalidInput(`fixedHead: needs d ≥ classes for orthonormal columns, got d = ${d} < classes = ${C}`);
  const r = rng(o.seed);
  // Gaussian d×C, then modified Gram–Schmidt on the columns, twice (re-orthogonalisation keeps WᵀW = I to ~1e-16)
  const W = new Float64Array(d * C);
  for (let i = 0; i < d * C; i++) W[i] = r.normal();
  orthonormalizeColumns(W, d, C, 2);
  if (kind === 'orthonormal') return W;
  // ETF: sqrt(C/(C−1)) · U (I − 11ᵀ/C): subtract each row's mean over classes, rescale (unit-norm columns).
  const f = Math.sqrt(C / (C - 1)),
    E = new Float64Array(d * C);
  for (let i = 0; i < d; i++) {
    let m = 0;
    for (let c = 0; c < C; c++) m += W[i * C + c]!;
    m /= C;
    for (let c = 0; c < C; c++) E[i * C + c] = f * (W[i * C + c]! - m);
  }
  return E;
}

/** FNV-1a over the bytes of a Float64Array, as 8 hex digits: clients report it so the server can check they agree. */
export function fingerprint(a: Float64Array): string {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The feature width and head options every federated client model spec shares (the MLP's ModelSpec, the CNN's CnnSpec). */
export interface HeadSpec {
  /** Feature width d (≥ classes for the sphere head). Default 32. */
  features?: number;
  /** Number of classes C (≥ 2). */
  classes: number;
  /** 'learned' (default; FedAvg/FedProx/FedNova) or 'sphere' (SphereFed's fixed hypersphere classifier). */
  head?: 'learned' | 'sphere';
  /** Logit scale s of the sphere head. Default 16 (the MLP pilot tried 4, 16, 40). */
  scale?: number;
  /** 'ce' (default, softmax cross-entropy) or 'mse' (½‖logits − onehot‖²). */
  loss?: 'ce' | 'mse';
  /** Fixed classifier kind for the sphere head. Default 'orthonormal'. */
  fixedHead?: FixedHeadKind;
  /** Seed of the fixed classifier (shared by all clients). Default 1234. */
  headSeed?: number;
}

/**
 * A HeadSpec with its defaults applied and checked: features 32, head 'learned', scale 16, loss 'ce', fixedHead
 * 'orthonormal', headSeed 1234; the sphere head needs features ≥ classes. Throws InvalidInput naming the bad field.
 */
export function fullHeadSpec(s: HeadSpec): Required<HeadSpec> {
  const f: Required<HeadSpec> = {
    features: checkInt('spec.features', s.features ?? 32, 1),
    classes: checkInt('spec.classes', s.classes, 2),
    head: s.head ?? 'learned',
    scale: s.scale ?? 16,
    loss: s.loss ?? 'ce',
    fixedHead: s.fixedHead ?? 'orthonormal',
    headSeed: s.headSeed ?? 1234,
  };
  check(f.head === 'learned' || f.head === 'sphere', () => `spec.head must be 'learned' or 'sphere', got ${describe(f.head)}`);
  check(f.loss === 'ce' || f.loss === 'mse', () => `spec.loss must be 'ce' or 'mse', got ${describe(f.loss)}`);
  check(Number.isFinite(f.scale) && f.scale > 0, () => `spec.scale must be > 0, got ${describe(f.scale)}`);
  if (f.head === 'sphere')
    check(f.features >= f.classes, `spec.features (${f.features}) must be ≥ classes (${f.classes}) for the sphere head`);
  return f;
}
