/**
 * Analytic tile sizes (sparsity-aware CAKE), ported from Rosko's `get_sparse_cache_dims`
 * (src/block_sizing_sp.cpp) and the small-M / n_c rules of `init_sparse_block_dims`.
 *
 * Notation: d = density, p = cores, m_r × n_r = microtile, L2 per core and L3 shared in bytes, ts = 4 (float),
 * sizeFact = words per stored nonzero including metadata (2.5 in the authors' latest code: value + u8 loc + u8 count
 * + i32 k index; older commits used 3.0), α = 1 (CAKE's N/M aspect factor). All sizes below are in words.
 *
 * alg 0 (authors' choice for d > 0.05):
 *   k_c = m_c^{L2} solves  sizeFact·d·x² + 2·n_r·x = L2/ts                (rounded down to m_r, capped at K)
 *   m_c^{L3} = ⌊ sqrt( (L3/ts) / (p·(sizeFact·d + α + α·p)) ) ⌋        (rounded down to m_r)
 *   if p·m_c > N: n_c = N and m_c solves sizeFact·d·p·m² + α·n_c·(1+p)·m = L3/ts
 *   m_c = (m_c^{L3} < M) ? small-M-clamped m_c : m_r                     ← the authors' fallback quirk
 * alg 1:  m_c from 3·d·p·m·k + α·p·m·k + α·p²·m² ≤ L3 with k = m, then k_c from 3·d·m_c·k_c + k_c·n_r + m_c·n_r ≤ L2
 * alg 2 (authors' choice for d ≤ 0.05):
 *   k_c' = (L2/(2·ts) − m_r·n_r) / (d·m_r + n_r);  k_c = k_c'/(d·m_r) if d·m_r < 1 else k_c';  k_c = min(k_c, K)
 *   m_c solves p²·m² + sizeFact·d·p·k_c·m + n_r·k_c − L3/ts = 0 (A_sp + B panel + C block fit L3, C stationary)
 *   if p·m_c > N: n_c = N − N mod n_r, m_c = (L3/ts − n_r·k_c)/(sizeFact·d·p·k_c + p·n_c)  else n_c = p·m_c − (p·m_c mod n_r)
 * alg 3:  k_c = ⌊ sqrt( (L3/(2·ts)) / (sizeFact·d·p + α·p + α·p²) ) ⌋, m_c = k_c rounded down to m_r
 * small-M clamp: if M < p·m_r: m_c = m_r; elif M < p·m_c: a = ⌊M/p⌋, m_c = a < m_r ? m_r : a + (m_r − a mod m_r)
 * n_c (K-first): n_c = p·m_c − (p·m_c mod n_r), or n_r when that is 0.
 *
 * `sparseCacheDims` reproduces these equations bit for bit (golden table in tiles.test.ts, rows computed by
 * hand from the authors' get_sparse_cache_dims, Rosko code release, arXiv:2307.03930). `tileModel` then applies this library's choices, each documented there.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { InvalidInput, checkInt, describe } from '../core/errors';
import { NR_CHOICES, type Hardware, type Nr, type TileModelResult } from './types';

export interface CacheDimsInput {
  M: number;
  N: number;
  K: number;
  p: number;
  mr: number;
  nr: number;
  /** bytes */
  l2: number;
  /** bytes */
  l3: number;
  density: number;
  alg: 0 | 1 | 2 | 3;
  /** words per stored nonzero (default 2.5, the authors' latest code) */
  sizeFact?: number;
  typeSize?: number;
}

const f = Math.fround;
const int = (x: number): number => Math.trunc(x);

/** The authors' equations, ported exactly (C int/float/double semantics). Returns m_c, k_c, n_c. */
export function sparseCacheDims(o: CacheDimsInput): { mc: number; kc: number; nc: number } {
  const { M, N, K, p, mr, nr, density: d, alg } = o;
  const ts = o.typeSize ?? 4,
    sf = o.sizeFact ?? 2.5,
    alpha = 1;
  const L2 = o.l2,
    L3 = o.l3;
  const b = 2 * nr;
  let mcL2 = 0,
    mcL3 = 0,
    kcL2 = 0;
  let ncFixed: number | null = null;
  if (alg === 0) {
    const a = sf * d;
    mcL2 = int((-b + Math.sqrt(b * b + 4 * a * (L2 / ts))) / (2 * a));
    mcL2 -= mcL2 % mr;
    mcL3 = int(Math.sqrt(L3 / ts / (p * (a + alpha + alpha * p))));
    mcL3 -= mcL3 % mr;
    if (p * mcL3 > N) {
      ncFixed = N;
      const qa = a * p,
        qb = alpha * N * (1 + p);
      mcL3 = int((-qb + Math.sqrt(qb * qb + 4 * qa * (L3 / ts))) / (2 * qa));
      mcL3 -= mcL3 % mr;
    }
  } else if (alg === 1) {
    mcL3 = int(Math.sqrt(L3 / ts / (p * (3.0 * d + alpha + alpha * p))));
    mcL3 -= mcL3 % mr;
    kcL2 = int((L2 / ts - nr * mcL3) / (3.0 * d * mcL3 + nr));
  } else if (alg === 2) {
    const df = f(d);
    const kcTmp = f((f(L2) / (ts * 2) - mr * nr) / f(df * mr + nr));
    kcL2 = f(df * mr) < 1 ? int(f(kcTmp / f(df * mr))) : int(kcTmp);
    kcL2 = kcL2 > K ? K : kcL2;
    const aq = f(p * p),
      bq = f(sf * df * p * kcL2),
      cq = f(f(L3) / ts - nr * kcL2);
    mcL3 = int((-bq + Math.sqrt(f(f(bq * bq) + f(4 * aq * cq)))) / (2.0 * aq));
    mcL3 -= mcL3 % mr;
    if (p * mcL3 > N) {
      ncFixed = N - (N % nr);
      mcL3 = int(f(f(f(L3) / ts - nr * kcL2) / f(sf * df * p * kcL2 + p * ncFixed)));
      mcL3 -= mcL3 % mr;
    }
  } else if (alg === 3) {
    const coeff = f(sf * d * p + alpha * p + alpha * p * p);
    kcL2 = int(Math.sqrt(f(f(L3) / (ts * 2.0)) / coeff));
    mcL3 = kcL2 - (kcL2 % mr);
  } else {
    throw new InvalidInput(`alg must be 0, 1, 2 or 3, got ${describe(alg)}`);
  }
  let mcRet = mcL3;
  if (M < p * mr) mcRet = mr;
  else if (M < p * mcRet) {
    let a = int(M / p);
    if (a < mr) mcRet = mr;
    else {
      a += mr - (a % mr);
      mcRet = a;
    }
  }
  let nc = ncFixed ?? p * mcRet - ((p * mcRet) % nr);
  if (nc === 0) nc = nr;
  if (alg === 0) return { mc: mcL3 < M ? mcRet : mr, kc: mcL2 < K ? mcL2 : K, nc };
  return { mc: mcRet, kc: kcL2, nc };
}

function parseSize(s: string): number {
  const m = /^(\d+)\s*([KMG]?)/i.exec(s.trim());
  if (!m) return NaN;
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * mult;
}

/**
 * This machine's caches (from /sys/devices/system/cpu/cpu0/cache/index*) and core count
 * (os.availableParallelism()). Any field can be overridden; missing sysfs falls back to 32 KiB / 256 KiB / 8 MiB.
 */
export function readHardware(overrides: Partial<Omit<Hardware, 'source'>> = {}, sysfs = '/sys/devices/system/cpu/cpu0/cache'): Hardware {
  const hw: Hardware = { l1: 32 * 1024, l2: 256 * 1024, l3: 8 * 1024 * 1024, cores: availableParallelism(), source: 'default' };
  if (existsSync(sysfs)) {
    for (const e of readdirSync(sysfs).filter((x) => /^index\d+$/.test(x))) {
      try {
        const level = Number(readFileSync(`${sysfs}/${e}/level`, 'utf8'));
        const type = readFileSync(`${sysfs}/${e}/type`, 'utf8').trim();
        const size = parseSize(readFileSync(`${sysfs}/${e}/size`, 'utf8'));
        if (!Number.isFinite(size) || type === 'Instruction') continue;
        if (level === 1) hw.l1 = size;
        else if (level === 2) hw.l2 = size;
        else if (level === 3) hw.l3 = size;
        hw.source = 'sysfs';
      } catch {
        /* unreadable entry: keep default */
      }
    }
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    checkInt(`hw.${k}`, v, 1);
    (hw as unknown as Record<string, number>)[k] = v;
    hw.source = hw.source === 'default' ? 'override' : `${hw.source}+override`;
  }
  return hw;
}

export interface TileModelOptions {
  /** Force the equation set (default: 0 when d > 0.05, else 2, as the authors ran DLMC). */
  alg?: 0 | 1 | 2 | 3;
  /** Microtile rows m_r, 1..255 (default: pickMicrotile — the tallest multiple of 8 whose C tile fits L1d/3, ≤ 248). */
  mr?: number;
  /** Microtile width n_r, one of NR_CHOICES (default: pickMicrotile — 32). */
  nr?: Nr;
  /** Keep the authors' alg-0 fallback m_c = m_r when the L3 tile exceeds M (default false: it makes every CB block
   *  2·m_r rows tall, so B panels are re-streamed for each of M/(2·m_r) blocks; we keep the small-M clamp instead). */
  quirks?: boolean;
  /** Words per stored nonzero including metadata in the cache equations (default 2.5, the authors' latest code). */
  sizeFact?: number;
  /** Largest C_p block per core in bytes (default: L2; 0 = no cap, the authors' tiles). */
  maxCpBytes?: number;
}

/**
 * Microtile choice (ours; the paper's code uses 6×16, 20×96 when d·m_r ≥ 1 (AVX2), 30×128 (AVX-512 DLMC runs)).
 * In wasm the C microtile lives in linear memory (as in the authors' kernels, whose `loc`-indexed accumulators the
 * compiler keeps in L1), so m_r only sets how many nonzeros share one B-row load and how many tiles there are.
 * Rule: n_r = 32 (8 B vectors held in registers), m_r = the tallest multiple of 8 whose C tile m_r·n_r·4 bytes fits
 * L1d/3 (our "wasm-aware" rule), at most 248 (u8 `loc`). On this machine (L1d 48 KiB) that is 128×32.
 * Measured here (sweep m_r ∈ {8,16,32,64,128} × n_r ∈ {16,32,64}, 1024³ / 512×2048×256 / 2048×512×256,
 * d ∈ {0.3, 0.1, 0.02}): the tallest tiles were fastest or within noise at every density, and n_r = 32 beat 16 and 64
 * in most cells (n_r = 64 needs 16 B vectors, more than V8's 16 xmm registers hold).
 */
export function pickMicrotile(hw: Hardware): { mr: number; nr: Nr } {
  const nr: Nr = 32;
  const fit = Math.floor(hw.l1 / 3 / (nr * 4));
  const mr = Math.max(8, Math.min(248, fit - (fit % 8)));
  return { mr, nr };
}

/**
 * Tile sizes (m_r, n_r, m_c, k_c, n_c, p) for an M×K sparse A of density d (fraction of nonzeros, 0–1) times a dense
 * K×N B on `hw`: the cache-blocking equations of arXiv:2307.03930's code (module comment), clamped; `why` explains
 * each decision.
 */
export function tileModel(
  hw: Hardware,
  shape: { M: number; K: number; N: number },
  density: number,
  opts: TileModelOptions = {},
): TileModelResult {
  const M = checkInt('shape.M', shape.M),
    K = checkInt('shape.K', shape.K),
    N = checkInt('shape.N', shape.N);
  if (typeof density !== 'number' || !(density >= 0 && density <= 1))
    throw new InvalidInput(`density must be in [0, 1], got ${describe(density)}`);
  const cores = checkInt('hw.cores', hw.cores);
  const d = Math.max(density, 1e-6);
  const micro = pickMicrotile(hw);
  const mr = opts.mr !== undefined ? checkInt('mr', opts.mr, 1, 255) : micro.mr;
  const nr = opts.nr ?? micro.nr;
  if (!NR_CHOICES.includes(nr)) throw new InvalidInput(`nr must be one of ${NR_CHOICES.join(', ')}, got ${describe(nr)}`);
  const alg = opts.alg ?? (d > 0.05 ? 0 : 2);
  const raw = sparseCacheDims({ M, N, K, p: cores, mr, nr, l2: hw.l2, l3: hw.l3, density: d, alg, sizeFact: opts.sizeFact });
  const why = [
    `L1 ${hw.l1 >> 10} KiB, L2 ${hw.l2 >> 10} KiB, L3 ${hw.l3 >> 20} MiB, p = ${cores} (${hw.source}); density ${d.toPrecision(3)}`,
    `microtile ${mr}×${nr}: ≈${(d * mr).toFixed(2)} nonzeros per stored column share one B-row load; C tile ${(mr * nr * 4) >> 10} KiB ≤ L1/3`,
    `alg ${alg} (${alg === 0 ? 'd > 0.05' : alg === 2 ? 'd ≤ 0.05' : 'forced'}): m_c=${raw.mc}, k_c=${raw.kc}, n_c=${raw.nc}`,
  ];
  let { mc, kc, nc } = raw;
  if (alg === 0 && !opts.quirks && mc === mr && M > cores * mr) {
    let a = Math.floor(M / cores);
    a = a < mr ? mr : a + ((mr - (a % mr)) % mr);
    why.push(`alg 0 fell back to m_c = m_r because the L3 tile exceeds M; using the small-M clamp m_c = ${a} instead (quirks: false)`);
    mc = a;
  }
  mc = Math.max(mr, mc);
  kc = Math.max(1, Math.min(kc, K));
  nc = Math.max(nr, nc - (nc % nr));
  // C_p cap (ours): the authors' equations keep a core's C_p block (m_c × n_c) in L3 ("C stationary"); in wasm, where the
  // C microtile is read and written through memory on every multiply-add, a C_p larger than L2 is re-fetched from L3 on
  // every k_c block and panel. A sweep on 2048×512×2048 and 1024³ at 90 % (bench ROSKO_BENCH=sweep) found the analytic
  // 8 MiB / 2.2 MiB blocks 1.2–1.4× slower than blocks within L2, so m_c and n_c shrink by the same factor until
  // m_c·min(n_c, N)·4 ≤ maxCpBytes (default L2).
  const cap = opts.maxCpBytes ?? hw.l2;
  const ncEff = Math.min(nc, Math.ceil(N / nr) * nr);
  const mcEff = Math.min(mc, Math.ceil(M / cores / mr) * mr || mr);
  if (cap > 0 && mcEff * ncEff * 4 > cap) {
    const f = Math.sqrt(cap / (mcEff * ncEff * 4));
    const mc2 = Math.max(mr, Math.floor((mcEff * f) / mr) * mr),
      nc2 = Math.max(nr, Math.floor((ncEff * f) / nr) * nr);
    why.push(
      `C_p block ${mcEff}×${ncEff} (${((mcEff * ncEff * 4) / 2 ** 20).toFixed(2)} MiB) exceeds ${(cap / 2 ** 10).toFixed(0)} KiB: m_c=${mc2}, n_c=${nc2}`,
    );
    mc = mc2;
    nc = nc2;
  }
  if (mc !== raw.mc || kc !== raw.kc || nc !== raw.nc) why.push(`clamped to m_c=${mc}, k_c=${kc}, n_c=${nc}`);
  return { mr, nr, mc, kc, nc, p: cores, alg, raw, why };
}
