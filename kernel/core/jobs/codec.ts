/**
 * How job arguments and results travel: JSON, with every typed array (weights, statistics, data) replaced by a reference
 * to its bytes by content hash — `{ "$blob": "<sha256 hex>", "$t": "Float32Array" }` — so a payload crosses once and a job
 * is identified by the hash of its canonical JSON (object keys sorted): the same arguments → the same hash → the same
 * stored result, whichever backend or worker computes it. Numbers JSON cannot hold (NaN, ±Infinity, −0: science results
 * carry them, e.g. an undefined interval) travel as `{ "$num": "NaN" }`, so a value comes back exactly as it left.
 */
import { sha256 } from '../io/export';
import { FormatError } from '../errors';

export type Blobs = Map<string, Uint8Array>;

const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
} as const;
type TypedName = keyof typeof TYPED;

const NUMS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

export { sha256 };

/** Encode a value: canonical JSON text plus the blobs its typed arrays became. */
export function encodeValue(v: unknown): { json: string; blobs: Blobs } {
  const blobs: Blobs = new Map();
  const walk = (x: unknown): unknown => {
    if (x === null || typeof x !== 'object') {
      if (typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0))) return { $num: Object.is(x, -0) ? '-0' : String(x) };
      if (typeof x === 'function' || typeof x === 'symbol' || typeof x === 'bigint')
        throw new FormatError(`job value: a ${typeof x} cannot cross to a worker; expected JSON or typed arrays`);
      return x;
    }
    if (ArrayBuffer.isView(x)) {
      const t = x.constructor.name as TypedName;
      if (!(t in TYPED)) throw new FormatError(`job value: ${t} cannot cross; expected one of ${Object.keys(TYPED).join(', ')}`);
      const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength).slice();
      const h = sha256(bytes);
      blobs.set(h, bytes);
      return { $blob: h, $t: t };
    }
    if (x instanceof ArrayBuffer) throw new FormatError('job value: a bare ArrayBuffer cannot cross; wrap it in a Uint8Array');
    if (Array.isArray(x)) return x.map(walk);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) {
      const e = (x as Record<string, unknown>)[k];
      if (e !== undefined) out[k] = walk(e);
    }
    return out;
  };
  return { json: JSON.stringify(walk(v)), blobs };
}

/** Decode JSON text with blob references back into a value; a reference whose bytes are missing is a FormatError. */
export function decodeValue(json: string, blobs: (hash: string) => Uint8Array | undefined): unknown {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new FormatError(`job payload is not JSON (${(e as Error).message}); expected the output of encodeValue`);
  }
  const walk = (x: unknown): unknown => {
    if (x === null || typeof x !== 'object') return x;
    if (Array.isArray(x)) return x.map(walk);
    const o = x as Record<string, unknown>;
    if (typeof o.$num === 'string') {
      const n = NUMS[o.$num];
      if (n === undefined)
        throw new FormatError(`job payload: $num ${JSON.stringify(o.$num)}; expected one of ${Object.keys(NUMS).join(', ')}`);
      return n;
    }
    if (typeof o.$blob === 'string') {
      const t = o.$t as TypedName;
      if (typeof t !== 'string' || !Object.prototype.hasOwnProperty.call(TYPED, t))
        throw new FormatError(`job payload: blob ${o.$blob.slice(0, 12)} has type ${JSON.stringify(o.$t)}; expected a typed array name`);
      const b = blobs(o.$blob);
      if (!b) throw new FormatError(`job payload: blob ${o.$blob.slice(0, 12)}… is missing; expected it stored before the job ran`);
      const C = TYPED[t];
      if (b.byteLength % C.BYTES_PER_ELEMENT)
        throw new FormatError(`job payload: blob ${o.$blob.slice(0, 12)} has ${b.byteLength} bytes; not a whole number of ${t} elements`);
      const copy = b.slice();
      return new C(copy.buffer, 0, copy.byteLength / C.BYTES_PER_ELEMENT);
    }
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(o)) out[k] = walk(e);
    return out;
  };
  return walk(raw);
}

/** The blob hashes a JSON text refers to. */
export function blobRefs(json: string): string[] {
  return [...new Set([...json.matchAll(/"\$blob":"([0-9a-f]{64})"/g)].map((m) => m[1]!))];
}

/** The identity of a job: sha256 over name, version and the canonical argument JSON. */
export function argsHash(name: string, version: number, json: string): string {
  return sha256(`${name}@${version}\n${json}`);
}

/** Hash of any value's canonical encoding (e.g. a cache key for a worker-side runtime). */
export function hashValue(v: unknown): string {
  return sha256(encodeValue(v).json);
}
