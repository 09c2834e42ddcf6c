/**
 * Loader and memory manager for rosko.wasm (built by `node scripts/build-wasm.mjs`, committed).
 *
 * The .wasm is read from disk, located by core/assets ('rosko-wasm': $EDGELAB_ASSETS, beside the bundle, the repo).
 *
 * One shared WebAssembly.Memory per process (imported by the module, `shared: true`), so worker_threads can
 * instantiate the same module over it (workers.ts). Allocation is a bump arena: packed matrices are uploaded once
 * and cached (weights are pre-packed), per-call scratch (B, packed B, C_p, C) sits above them.
 */
import { readFileSync } from 'node:fs';
import { resolveAsset } from '../core/assets';
import { InvalidInput } from '../core/errors';

// tsconfig has no "dom" lib, so the WebAssembly API is typed locally (the subset used), without touching globals.
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface Exports {
  pack_b(h: number): void;
  csr_spmm(h: number): void;
  gemm_4x8(h: number): void;
  resetCounts(): void;
  getMadds(): number;
  getBrows(): number;
  [name: string]: unknown;
}

/** Path of rosko.wasm (core/assets: $EDGELAB_ASSETS/rosko.wasm, beside the bundle, kernel/sparse/rosko.wasm). */
export function wasmPath(): string {
  return resolveAsset('rosko-wasm');
}

const PAGE = 65536;
const MAX_PAGES = 32768; // must equal --maximumMemory in scripts/build-wasm.mjs
/** Header slots: 256 bytes each, slot 0 = main thread, 1.. = workers. */
export const HEADER_BASE = 4096;
export const HEADER_BYTES = 256;
const ARENA_BASE = 65536;

export class Engine {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly ex: Exports;
  /** Set while a RoskoPool call is in flight: scratch memory belongs to it, so synchronous calls must wait. */
  busy = false;
  private persistTop = ARENA_BASE;
  private generation = 0;
  private readonly cache = new WeakMap<object, { gen: number; ptrs: number[] }>();

  constructor() {
    this.module = new WA.Module(readFileSync(wasmPath()));
    this.memory = new WA.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    this.ex = new WA.Instance(this.module, { env: { memory: this.memory } }).exports as unknown as Exports;
  }

  get buffer(): ArrayBufferLike {
    return this.memory.buffer;
  }

  /** Make sure the memory holds at least `end` bytes. */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES)
      throw new InvalidInput(
        `sparse kernels need ${(end / 2 ** 20).toFixed(0)} MiB of wasm memory; the maximum is ${(MAX_PAGES * PAGE) / 2 ** 30} GiB`,
      );
    this.memory.grow(pages);
  }

  /**
   * Upload typed arrays of a persistent object (cached by object identity). Returns their byte offsets.
   * When the arena would not fit, the cache is dropped and uploads restart at the bottom.
   */
  upload(key: object, arrays: ArrayBufferView[], owner: 'sync' | 'pool' = 'sync'): number[] {
    const hit = this.cache.get(key);
    if (hit && hit.gen === this.generation) return hit.ptrs;
    // a new upload moves the arena top into the scratch a running pool call is using
    this.guard(owner);
    const need = arrays.reduce((s, a) => s + align(a.byteLength), 0);
    if (this.persistTop + need > (MAX_PAGES * PAGE) / 2) {
      this.generation++;
      this.persistTop = ARENA_BASE;
    }
    const ptrs: number[] = [];
    this.ensure(this.persistTop + need);
    const u8 = new Uint8Array(this.memory.buffer);
    for (const a of arrays) {
      ptrs.push(this.persistTop);
      u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), this.persistTop);
      this.persistTop += align(a.byteLength);
    }
    this.cache.set(key, { gen: this.generation, ptrs });
    return ptrs;
  }

  /** Throws when a pool call owns the memory and a synchronous call (owner 'sync') wants it: call before upload/scratch. */
  guard(owner: 'sync' | 'pool' = 'sync'): void {
    if (this.busy && owner === 'sync')
      throw new InvalidInput(
        'a RoskoPool.spmm call is still running on the shared wasm memory; await it before calling spmm/csrSpmm/denseGemm',
      );
  }

  /** Scratch regions above the persistent arena (valid until the next call). */
  scratch(bytes: number[], owner: 'sync' | 'pool' = 'sync'): number[] {
    this.guard(owner);
    let top = this.persistTop;
    const out = bytes.map((b) => {
      const o = top;
      top += align(b);
      return o;
    });
    this.ensure(top);
    return out;
  }

  /** Write i32 header words into slot `slot`; returns its address. */
  header(slot: number, words: number[]): number {
    const h = HEADER_BASE + slot * HEADER_BYTES;
    new Int32Array(this.memory.buffer, h, words.length).set(words);
    return h;
  }

  f32(off: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, off, n);
  }
}

const align = (n: number): number => Math.ceil(n / 64) * 64;

let engine: Engine | null = null;
/** The process-wide engine (lazy). */
export function getEngine(): Engine {
  engine ??= new Engine();
  return engine;
}
