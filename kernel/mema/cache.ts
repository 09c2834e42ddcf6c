/**
 * LRU cache level for the CPU case: a set-associative, write-back, write-allocate cache with LRU replacement,
 * fed with the word-address trace of the register-level accesses of a LoopNest (A, B, C row-major, contiguous:
 * A at word 0, B after A, C after B). Counts line fills (reads from DRAM) and dirty write-backs.
 */
import { checkInt, check } from '../core/errors';
import { simulate } from './sim';
import type { LoopNest } from './types';

export interface CacheConfig {
  /** Capacity (bytes). */
  bytes: number;
  /** Line size (bytes). */
  lineBytes: number;
  /** Associativity (ways). */
  ways: number;
  /** Bytes per matrix element. Default 4 (FP32). */
  wordBytes?: number;
}
export interface CacheCounts {
  accesses: number;
  hits: number;
  fills: number;
  writebacks: number;
  /** (fills + writebacks) × lineBytes */ dramBytes: number;
}

/** A plain LRU set-associative cache over word addresses. */
export class LruCache {
  private readonly sets: number;
  private readonly wordsPerLine: number;
  private readonly tags: Float64Array;
  private readonly stamp: Float64Array;
  private readonly dirty: Uint8Array;
  private clock = 0;
  readonly counts: CacheCounts = { accesses: 0, hits: 0, fills: 0, writebacks: 0, dramBytes: 0 };
  constructor(readonly cfg: CacheConfig) {
    const wb = cfg.wordBytes ?? 4;
    checkInt('cache.lineBytes', cfg.lineBytes, wb);
    checkInt('cache.ways', cfg.ways);
    checkInt('cache.bytes', cfg.bytes, cfg.lineBytes * cfg.ways);
    check(cfg.lineBytes % wb === 0, `cache.lineBytes = ${cfg.lineBytes} must be a multiple of the word size ${wb}`);
    const lines = Math.floor(cfg.bytes / cfg.lineBytes);
    check(lines % cfg.ways === 0, `cache.bytes / lineBytes = ${lines} lines must be a multiple of ways = ${cfg.ways}`);
    this.sets = lines / cfg.ways;
    this.wordsPerLine = cfg.lineBytes / wb;
    this.tags = new Float64Array(lines).fill(-1);
    this.stamp = new Float64Array(lines);
    this.dirty = new Uint8Array(lines);
  }
  access(word: number, write: boolean): void {
    const line = Math.floor(word / this.wordsPerLine),
      set = line % this.sets,
      base = set * this.cfg.ways;
    this.counts.accesses++;
    this.clock++;
    let victim = base;
    for (let w = base; w < base + this.cfg.ways; w++) {
      if (this.tags[w] === line) {
        this.counts.hits++;
        this.stamp[w] = this.clock;
        if (write) this.dirty[w] = 1;
        return;
      }
      if (this.stamp[w]! < this.stamp[victim]!) victim = w;
    }
    if (this.tags[victim]! >= 0 && this.dirty[victim]) this.counts.writebacks++;
    this.counts.fills++;
    this.tags[victim] = line;
    this.stamp[victim] = this.clock;
    this.dirty[victim] = write ? 1 : 0;
  }
  /** Write back every dirty line (end of the kernel). */
  flush(): void {
    for (let w = 0; w < this.tags.length; w++)
      if (this.tags[w]! >= 0 && this.dirty[w]) {
        this.counts.writebacks++;
        this.dirty[w] = 0;
      }
    this.counts.dramBytes = (this.counts.fills + this.counts.writebacks) * this.cfg.lineBytes;
  }
}

/** DRAM traffic of `nest` behind an LRU cache (including the final write-back of C). */
export function simulateCache(nest: LoopNest, M: number, K: number, N: number, cfg: CacheConfig): CacheCounts {
  const cache = new LruCache(cfg);
  const base = { A: 0, B: M * K, C: M * K + K * N };
  const ld = { A: K, B: N, C: N };
  simulate(nest, M, K, N, {
    onAccess: ({ op, write, r0, c0, rows, cols }) => {
      for (let r = r0; r < r0 + rows; r++) for (let c = c0; c < c0 + cols; c++) cache.access(base[op] + r * ld[op] + c, write);
    },
  });
  cache.flush();
  return { ...cache.counts };
}
