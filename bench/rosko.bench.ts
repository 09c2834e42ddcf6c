/**
 * Rosko SpMM (kernel/sparse) against dense and sparse baselines, one process, medians of ≥ 20 warm runs.
 *
 * Timed like the authors' rosko_sgemm: A is pre-packed (and resident in wasm memory); B copy-in + B packing +
 * kernel + C unpack/copy-out are inside the timed region. Baselines, same run and same inputs:
 *   tfjs-wasm dense matMul (XNNPACK, single thread; untransposed inputs, B tensor fixed so its packed-weights cache
 *   is warm; time = matMul + dataSync + dispose), our dense wasm GEMM (4×8 block, same generator), our CSR SpMM
 *   (same toolchain), onnxruntime-node MatMul with 1 intra-op thread (native MLAS reference, no gate).
 * Shapes: M×K ∈ {512×512, 512×2048, 2048×512} × N ∈ {256, 2048}, plus 1024³; sparsities {0, 50, 70, 80, 90, 95,
 * 98, 99.8}%, uniform random nonzeros and magnitude-pruned Gaussian.
 * Gated keys: geometric means over 512×2048×256, 2048×512×256, 1024×1024×1024, uniform, one thread; at those points
 * Rosko, CSR, tfjs and ORT runs are interleaved round by round (the machine is shared), elsewhere baselines are per shape.
 * Also writes test/fixtures/sparse/rosko-speedup.json (the full table + a speedup-vs-sparsity series payload).
 *
 * The shipped spmm (dispatcher: Rosko, CSR or dense from the analytic cost model, kernel/sparse/dispatch.ts) is timed at
 * every cell: rosko.speedup_vs_best_other_{90,98} = min over shapes of (fastest of CSR, dense wasm, tfjs-wasm dense,
 * onnxruntime-node 1 thread) ÷ spmm; *_reused_out the same with our paths writing into a reused result (opts.out). rosko.speedup_vs_tfjs_* / _ort_* time the Rosko kernel itself (roskoSpmm).
 * rosko.scaling_2_workers: RoskoPool (2 workers) vs the main-thread spmm at 90%, geomean over the shapes where the pool
 * splits (poolPlan); the others run on the calling thread (also timed forced onto the workers, in the notes);
 * rosko.scaling_2_workers_as_shipped over all shapes; rosko.scaling_2_workers_out the same products into a reused result (opts.out); rosko.pool_round_trip_ms; rosko.dispatch_overhead (spmm ÷ the
 * kernel it picked, called directly). Every cell interleaves Rosko, CSR and spmm round by round.
 * Parts (also run alone with ROSKO_BENCH=sweep|real|model|scaling):
 *   sweep  rosko.tile_gap_to_sweep: analytic tiles vs the best of a ±2× (m_c, k_c, n_c) sweep, 90% uniform
 *   real   rosko.real_speedup_vs_best_other_90: weight matrices of the shipped networks, magnitude-pruned 70–98%
 *   model  rosko.pruned_model_speedup / _accuracy_gap: the SWS PoolFormer (largepool) pruned to 90% on Rosko layers
 *          (SparseNet) vs the fastest dense path; accuracy both ways on Fashion-MNIST test images
 * --quick: 3 gated shapes, 4 sparsities, 5 runs; sweep on one shape over (m_c, n_c); real on the gaze matrices at 90%;
 * model on the 256-wide PoolFormer (widepool), 128 images.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { init, tf } from '../kernel/core/backend';
import { rng } from '../kernel/core/rng';
import { pack, toCsr } from '../kernel/sparse/pack';
import { spmm as dispatchedSpmm, roskoSpmm as spmm, csrSpmm, denseGemm, spmmKernel } from '../kernel/sparse/spmm';
import { readHardware, tileModel } from '../kernel/sparse/tiles';
import { POOL } from '../kernel/sparse/dispatch';
import { magnitudePrune } from '../kernel/sparse/layer';
import { realWeightMatrices } from '../kernel/sparse/matrices';
import { SparseNet } from '../kernel/sparse/net';
import { loadSwsModel } from '../kernel/core/models/fashion';
import { loadFashionMnist } from '../kernel/core/data';
import { RoskoPool } from '../kernel/sparse/workers';
import { speedupFigure } from '../kernel/sparse/figures';
import type { Matrix } from '../kernel/sparse/types';
import { coreProbe, record, median, geomean, timeRuns, type BenchContext, type QuickCheck } from './lib';

export const prefix = 'rosko';

/**
 * bench-quick: every rosko key is a timing ratio on a shared box, so none is compared; --quick (3 gated shapes,
 * 4 sparsities, 5 runs) checks the speedups are plausible (a kernel that broke by an order of magnitude fails).
 */
export const quickCheck: QuickCheck = {
  keys: {
    'rosko.speedup_vs_tfjs_90': { range: [0.3, 300] },
    'rosko.speedup_vs_tfjs_98': { range: [0.5, 1000] },
    'rosko.csr_speedup_vs_tfjs_90': { range: [0.05, 300] },
    'rosko.dense_wasm_over_tfjs': { range: [0.05, 20] },
    'rosko.breakeven_sparsity': { range: [0, 1] },
    'rosko.scaling_2_workers': { range: [0.2, 4] },
    'rosko.scaling_2_workers_as_shipped': { range: [0.2, 4] },
    'rosko.scaling_2_workers_out': { range: [0.2, 4] },
    'rosko.pool_round_trip_ms': { range: [0.001, 200] },
    'rosko.dispatch_overhead': { range: [0.3, 3] },
    'rosko.speedup_vs_best_other_90': { range: [0.1, 10] },
    'rosko.speedup_vs_best_other_98': { range: [0.1, 10] },
    'rosko.speedup_vs_best_other_90_reused_out': { range: [0.1, 10] },
    'rosko.speedup_vs_best_other_98_reused_out': { range: [0.1, 10] },
    'rosko.tile_gap_to_sweep': { range: [1, 5] },
    'rosko.real_speedup_vs_best_other_90': { range: [0.1, 10] },
    'rosko.pruned_model_speedup': { range: [0.1, 30] },
    'rosko.pruned_model_accuracy_gap': { range: [0, 1] },
  },
};

const SHAPES: { M: number; K: number; N: number; gated: boolean }[] = [
  { M: 512, K: 2048, N: 256, gated: true },
  { M: 2048, K: 512, N: 256, gated: true },
  { M: 1024, K: 1024, N: 1024, gated: true },
  { M: 512, K: 512, N: 256, gated: false },
  { M: 512, K: 512, N: 2048, gated: false },
  { M: 512, K: 2048, N: 2048, gated: false },
  { M: 2048, K: 512, N: 2048, gated: false },
];
const SPARSITIES = [0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.998];

function ortMatMul(M: number, K: number, N: number, threads: number): Promise<ort.InferenceSession> {
  const f = onnx.TensorProto.DataType.FLOAT;
  const vi = (name: string, dims: number[]) => ({
    name,
    type: { tensorType: { elemType: f, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'mm',
      node: [{ opType: 'MatMul', input: ['A', 'B'], output: ['C'] }],
      input: [vi('A', [M, K]), vi('B', [K, N])],
      output: [vi('C', [M, N])],
    },
  });
  return ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
}

/**
 * Medians of `runs` rounds; each round runs every fn once, in a new seeded random order (after 2 warm rounds). A random
 * order, not a rotation: rotating the start keeps the cyclic order, so a fn always ran right after the same neighbour —
 * after dense GEMM's 4 MiB sweep of A, the dispatched spmm measured 5–15 % slower than the same CSR call run after Rosko
 * (2026-12-07 idle run, 98 %, results in a reused buffer), a bias of the schedule, not of the code.
 */
async function interleaved(fns: (() => unknown)[], runs: number): Promise<number[]> {
  const times = fns.map(() => [] as number[]);
  const order = rng(0x1ea7);
  for (let round = -2; round < runs; round++) {
    const perm = order.permutation(fns.length);
    for (let j = 0; j < fns.length; j++) {
      const i = perm[j]!;
      const t = performance.now();
      await fns[i]!();
      if (round >= 0) times[i]!.push(performance.now() - t);
    }
  }
  return times.map(median);
}

/** Sparsity at which speedup crosses 1 (linear interpolation in log speedup); 0 if ≥ 1 at s = 0, 1 if never. */
function breakeven(s: number[], sp: number[]): number {
  if (sp[0]! >= 1) return 0;
  for (let i = 1; i < s.length; i++)
    if (sp[i]! >= 1) {
      const a = Math.log(sp[i - 1]!),
        b = Math.log(sp[i]!);
      return s[i - 1]! + ((s[i]! - s[i - 1]!) * (0 - a)) / (b - a);
    }
  return 1;
}

/** One shape's 2-worker measurement: the main-thread spmm, the pool as shipped (splits only when poolPlan says so), the pool forced onto the workers; interleaved. */
async function scalingCell(
  pool: RoskoPool,
  pk: ReturnType<typeof pack>,
  B: Matrix,
  hw: ReturnType<typeof readHardware>,
  runs: number,
): Promise<{ split: boolean; one: number; auto: number; forced: number; oneOut: number; forcedOut: number; note: string }> {
  const N = B.cols;
  const d = pool.plan(pk, N, { hw });
  // the same products writing into a result buffer reused across calls (opts.out; shared memory for the pool, so its
  // workers write it directly): what a layer run image after image does, without a new result's fresh pages per call
  const outMain = new Float32Array(pk.M * N),
    outShared = new Float32Array(new SharedArrayBuffer(pk.M * N * 4));
  const [one, auto, forced, oneOut, forcedOut] = await interleaved(
    [
      () => dispatchedSpmm(pk, B, { validate: false, hw }),
      () => pool.spmm(pk, B, { validate: false, hw }),
      () => pool.spmm(pk, B, { validate: false, hw, useWorkers: true }),
      () => dispatchedSpmm(pk, B, { validate: false, hw, out: outMain }),
      () => pool.spmm(pk, B, { validate: false, hw, useWorkers: true, out: outShared }),
    ],
    runs,
  );
  const note = `${pk.M}x${pk.K}x${N} ${d.kernel}${d.kernel === 'rosko' || d.split === 'n' ? ` ${d.split}-split` : ''}: ${d.workers > 1 ? 'split' : 'NOT split'} (${(d.oneNs / 1e6).toFixed(2)} → ${(d.poolNs / 1e6).toFixed(2)} ms predicted); measured 1 thread ${one!.toFixed(2)} ms, pool ${auto!.toFixed(2)} ms (×${(one! / auto!).toFixed(2)}), forced onto 2 workers ${forced!.toFixed(2)} ms (×${(one! / forced!).toFixed(2)}); into a reused result: 1 thread ${oneOut!.toFixed(2)} ms, 2 workers ${forcedOut!.toFixed(2)} ms (×${(oneOut! / forcedOut!).toFixed(2)})`;
  return { split: d.workers > 1, one: one!, auto: auto!, forced: forced!, oneOut: oneOut!, forcedOut: forcedOut!, note };
}

/** Median round trip of a product too small to matter, forced onto both workers (what POOL.roundNs prices). */
async function poolRoundTrip(pool: RoskoPool, runs: number): Promise<number> {
  const A: Matrix = { rows: 8, cols: 8, data: new Float32Array(64).fill(1) };
  const pk = pack(A, { N: 8, mr: 8, mc: 8, kc: 8, p: 2, nr: 16, nc: 16 });
  const B: Matrix = { rows: 8, cols: 8, data: new Float32Array(64).fill(1) };
  const [t] = await interleaved([() => pool.spmm(pk, B, { validate: false, kernel: 'csr', useWorkers: true })], runs);
  return t!;
}

/** The scaling keys from per-shape cells: geomean over the shapes the pool splits, and over all shapes as shipped. */
function scalingEntries(cells: Awaited<ReturnType<typeof scalingCell>>[], roundTrip: number, env: string): Parameters<typeof record>[0] {
  const split = cells.filter((c) => c.split);
  const none = cells.filter((c) => !c.split);
  const base = { name: 'the shipped spmm (dispatched), main thread, same inputs, interleaved', value: 1, unit: 'x' };
  const why = none.length
    ? `; not split (the pool runs spmm on the calling thread: predicted gain below ${POOL.minGain}× once a ${(POOL.roundNs / 1e6).toFixed(2)} ms message round is paid): ${none.length} shape(s), forced onto 2 workers for comparison`
    : '';
  const out: Parameters<typeof record>[0] = {
    'rosko.scaling_2_workers': {
      value: +geomean(split.map((c) => c.one / c.forced)).toFixed(3),
      unit: 'x',
      baseline: base,
      notes: `RoskoPool (2 workers) vs the main-thread spmm, both dispatched, 90% uniform, geomean over the ${split.length} of ${cells.length} shapes where the pool's cost model (poolPlan) splits; target ≥ 1.6 needs two free cores${why}; ${cells.map((c) => c.note).join('; ')}; ${env}`,
    },
    'rosko.scaling_2_workers_as_shipped': {
      value: +geomean(cells.map((c) => c.one / c.auto)).toFixed(3),
      unit: 'x',
      baseline: base,
      notes: `RoskoPool as shipped (splitting only where poolPlan says so) vs the main-thread spmm, geomean over all ${cells.length} shapes; ${env}`,
    },
    'rosko.scaling_2_workers_out': {
      value: +geomean(split.map((c) => c.oneOut / c.forcedOut)).toFixed(3),
      unit: 'x',
      baseline: { ...base, name: `${base.name}, both writing C into a result buffer reused across calls (opts.out)` },
      notes: `as rosko.scaling_2_workers, but both sides write C into a buffer the caller reuses (opts.out: ordinary memory for the main thread, a SharedArrayBuffer the workers write directly for the pool), so neither pays a new result's fresh pages per call — a fresh shared result costs the pool's workers more than a fresh ordinary array costs the main thread (scripts/sparse/pool-phases.ts); geomean over the same ${split.length} shapes, forced onto 2 workers; ${env}`,
    },
    'rosko.pool_round_trip_ms': {
      value: +roundTrip.toFixed(3),
      unit: 'ms',
      notes: `median of an 8×8×8 CSR product forced onto both workers (post, wake, answer); the pool's cost model assumes ${(POOL.roundNs / 1e6).toFixed(2)} ms per round (POOL.roundNs, a guess that allows for a busy core); ${env}`,
    },
  };
  // no shape split: no scaling to report (the as-shipped key says what the pool did)
  if (!split.length) {
    delete out['rosko.scaling_2_workers'];
    delete out['rosko.scaling_2_workers_out'];
  }
  return out;
}

/**
 * ROSKO_BENCH=scaling: only the 2-worker scaling keys: the main-thread spmm, the pool as shipped and the pool forced onto
 * both workers, interleaved round by round on the 7 shapes at 90% uniform sparsity (≈ 1 min idle; run it on an
 * otherwise idle machine).
 */
async function scalingOnly(ctx: BenchContext): Promise<void> {
  const hw = readHardware();
  const load0 = loadavg()[0]!,
    probe = await coreProbe();
  const pool = await RoskoPool.create({ workers: 2 });
  const r = rng(2307);
  const cells: Awaited<ReturnType<typeof scalingCell>>[] = [];
  const rt = await poolRoundTrip(pool, 50);
  for (const { M, K, N } of SHAPES) {
    const A: Matrix = { rows: M, cols: K, data: r.normals(M * K) };
    for (let i = 0; i < A.data.length; i++) if (r.next() < 0.9) A.data[i] = 0;
    const B: Matrix = { rows: K, cols: N, data: r.normals(K * N) };
    cells.push(await scalingCell(pool, pack(A, { N, hw }), B, hw, 30));
    ctx.log(cells[cells.length - 1]!.note);
  }
  await pool.close();
  const env = `load ${load0.toFixed(1)}→${loadavg()[0]!.toFixed(1)}, two-core probe ${probe.toFixed(2)} cores free; 30 interleaved runs per median`;
  record(scalingEntries(cells, rt, env), { command: `ROSKO_BENCH=scaling ${ctx.command}` });
}

/**
 * Empirical tile sweep: every (m_c, k_c, n_c) in {½, 1, 2}³ × the analytic tiles (m_c, n_c rounded to m_r / n_r; k_c ≤ K),
 * each packed and timed (interleaved rounds); gap = analytic time ÷ best swept time per shape (≥ 1 up to noise, since
 * the analytic point is in the sweep), geomean over shapes. Also times the authors' uncapped tiles (maxCpBytes: 0).
 */
async function tileSweep(ctx: BenchContext, hw: ReturnType<typeof readHardware>): Promise<Parameters<typeof record>[0]> {
  // quick: one shape, m_c × n_c only (k_c analytic)
  const shapes = ctx.quick ? SHAPES.filter((x) => x.gated).slice(0, 1) : SHAPES;
  const runs = ctx.quick ? 3 : 7;
  const r = rng(4);
  const gaps: number[] = [],
    notes: string[] = [];
  for (const { M, K, N } of shapes) {
    const A: Matrix = { rows: M, cols: K, data: r.normals(M * K) };
    for (let i = 0; i < A.data.length; i++) if (r.next() < 0.9) A.data[i] = 0;
    const B: Matrix = { rows: K, cols: N, data: r.normals(K * N) };
    const t = tileModel(hw, { M, K, N }, 0.1);
    const raw = tileModel(hw, { M, K, N }, 0.1, { maxCpBytes: 0 });
    const round = (v: number, q: number, hi: number) => Math.max(q, Math.min(Math.ceil(hi / q) * q, Math.round(v / q) * q));
    const cfgs = new Map<string, { mc: number; kc: number; nc: number }>();
    for (const fm of [0.5, 1, 2])
      for (const fk of ctx.quick ? [1] : [0.5, 1, 2])
        for (const fn of [0.5, 1, 2]) {
          const c = { mc: round(t.mc * fm, t.mr, M), kc: Math.max(1, Math.min(K, Math.round(t.kc * fk))), nc: round(t.nc * fn, t.nr, N) };
          cfgs.set(`${c.mc}/${c.kc}/${c.nc}`, c);
        }
    const keyA = `${t.mc}/${t.kc}/${t.nc}`,
      keyRaw = `${raw.mc}/${raw.kc}/${raw.nc}`;
    cfgs.set(keyRaw, { mc: raw.mc, kc: raw.kc, nc: raw.nc });
    const list = [...cfgs.entries()];
    const pks = list.map(([, c]) => pack(A, { mr: t.mr, nr: t.nr, p: t.p, ...c }));
    const times = await interleaved(
      pks.map((pk) => () => spmm(pk, B, { validate: false })),
      runs,
    );
    const iA = list.findIndex(([k]) => k === keyA),
      iRaw = list.findIndex(([k]) => k === keyRaw);
    let iBest = 0;
    times.forEach((x, i) => {
      if (x < times[iBest]!) iBest = i;
    });
    gaps.push(times[iA]! / times[iBest]!);
    notes.push(
      `${M}x${K}x${N}: analytic ${keyA} ${times[iA]!.toFixed(2)} ms, best ${list[iBest]![0]} ${times[iBest]!.toFixed(2)} ms (×${(times[iA]! / times[iBest]!).toFixed(2)}), uncapped ${keyRaw} ${times[iRaw]!.toFixed(2)} ms`,
    );
    ctx.log(`sweep ${notes[notes.length - 1]} (${list.length} configs)`);
  }
  return {
    'rosko.tile_gap_to_sweep': {
      value: +geomean(gaps).toFixed(3),
      unit: 'x',
      baseline: {
        name: 'best of the ±2× sweep of (m_c, k_c, n_c) around the analytic tiles, same run',
        value: gaps.length,
        unit: 'shapes',
      },
      notes: `analytic (C_p capped at L2) time ÷ best swept time, 90% uniform, geomean; min-of-27 medians favours the sweep under noise; ${notes.join('; ')}; ${runs} interleaved runs per median; load ${loadavg()[0]!.toFixed(1)}`,
    },
  };
}

/** Matrices of real trained networks, magnitude-pruned: Rosko, CSR, dense wasm and the dispatched spmm, N = 256. */
async function realMatrices(ctx: BenchContext, hw: ReturnType<typeof readHardware>): Promise<Parameters<typeof record>[0]> {
  const mats = await realWeightMatrices(ctx.quick ? { which: ['gaze'] } : {});
  const runs = ctx.quick ? 3 : 11;
  const sps = ctx.quick ? [0.9] : [0.7, 0.8, 0.9, 0.95, 0.98];
  const N = 256;
  const r = rng(5);
  const at90: number[] = [],
    notes: string[] = [];
  for (const { name, A } of mats) {
    const B: Matrix = { rows: A.cols, cols: N, data: r.normals(A.cols * N) };
    for (const s of sps) {
      const P: Matrix = { ...A, data: magnitudePrune(A.data, s) };
      const pk = pack(P, { N, hw }),
        csr = toCsr(P);
      const k = spmmKernel(pk, N, hw);
      const [tr, tc, td, tx] = await interleaved(
        [
          () => spmm(pk, B, { validate: false }),
          () => csrSpmm(csr, B, { validate: false }),
          () => denseGemm(P, B, { validate: false }),
          () => dispatchedSpmm(pk, B, { validate: false, hw }),
        ],
        runs,
      );
      const best = Math.min(tr!, tc!, td!);
      if (s === 0.9) at90.push(Math.min(tc!, td!) / tx!);
      const line = `${name} ${Math.round(s * 100)}%: rosko ${tr!.toFixed(2)}, csr ${tc!.toFixed(2)}, dense ${td!.toFixed(2)}, spmm→${k} ${tx!.toFixed(2)} ms (${(best / tx!).toFixed(2)} of best)`;
      notes.push(line);
      ctx.log(`real ${line}`);
    }
  }
  return {
    'rosko.real_speedup_vs_best_other_90': {
      value: +Math.min(...at90).toFixed(3),
      unit: 'x',
      baseline: { name: 'fastest of CSR and dense wasm on the same pruned matrix, same run', value: at90.length, unit: 'matrices' },
      notes: `min over real weight matrices (SWS PoolFormers, gaze teacher, face-api; A = Wᵀ, magnitude-pruned per matrix, B 256 random columns) of fastest other ÷ dispatched spmm at 90%; ${notes.join('; ')}; ${runs} interleaved runs per median; load ${loadavg()[0]!.toFixed(1)}`,
    },
  };
}

/**
 * End to end: the SWS PoolFormer at BERT-large width ('largepool'), every weight layer magnitude-pruned to 90% (one shot,
 * no fine-tuning), on Rosko layers (SparseNet) vs the fastest dense path (tfjs-wasm predict, or our dense wasm GEMM in
 * the same harness); Fashion-MNIST test images, accuracy both ways, time per image.
 */
async function prunedModel(ctx: BenchContext): Promise<Parameters<typeof record>[0]> {
  // quick: the 4× narrower PoolFormer (widepool), so bench-quick stays within its budget
  const kind = ctx.quick ? 'widepool' : 'largepool';
  const model = await loadSwsModel(kind);
  try {
    for (const l of model.layers)
      if (l.getClassName() === 'Conv2D' || l.getClassName() === 'Dense') {
        const [k, ...rest] = l.getWeights();
        const t = tf.tensor(magnitudePrune(k!.dataSync() as Float32Array, 0.9), k!.shape);
        l.setWeights([t, ...rest]);
        t.dispose();
      }
    const net = SparseNet.fromModel(model);
    const test = loadFashionMnist({ split: 'test', limit: ctx.quick ? 128 : 2000, seed: 2 });
    const batch = 64;
    const x = Float32Array.from(test.images);
    const argmax = (y: ArrayLike<number>, b: number) => {
      let m = 0;
      for (let j = 1; j < 10; j++) if (y[b * 10 + j]! > y[b * 10 + m]!) m = j;
      return m;
    };
    let okT = 0,
      okR = 0,
      agree = 0,
      maxDiff = 0,
      maxAbs = 0;
    for (let i0 = 0; i0 < test.n; i0 += batch) {
      const b = Math.min(batch, test.n - i0);
      const xb = x.subarray(i0 * 784, (i0 + b) * 784).slice();
      const yt = tf.tidy(() => (model.predict(tf.tensor4d(xb, [b, 28, 28, 1])) as ReturnType<typeof tf.tensor>).dataSync().slice());
      const yr = net.predict(xb, b, { kernel: 'rosko' });
      for (let j = 0; j < yt.length; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(yt[j]! - yr[j]!));
        maxAbs = Math.max(maxAbs, Math.abs(yt[j]!));
      }
      for (let j = 0; j < b; j++) {
        const a = argmax(yt, j),
          c = argmax(yr, j);
        if (a === test.labels[i0 + j]) okT++;
        if (c === test.labels[i0 + j]) okR++;
        if (a === c) agree++;
      }
    }
    const xb = x.subarray(0, batch * 784).slice();
    const xt = tf.tensor4d(xb, [batch, 28, 28, 1]);
    const runs = ctx.quick ? 3 : 9;
    const [tTf, tRosko, tAuto, tDense] = await interleaved(
      [
        () => tf.tidy(() => (model.predict(xt) as ReturnType<typeof tf.tensor>).dataSync()),
        () => net.predict(xb, batch, { kernel: 'rosko' }),
        () => net.predict(xb, batch, { kernel: 'auto' }),
        () => net.predict(xb, batch, { kernel: 'dense' }),
      ],
      runs,
    );
    xt.dispose();
    const bestDense = Math.min(tTf!, tDense!);
    const per = (t: number) => `${((t / batch) * 1000).toFixed(0)} µs/image`;
    const env = `${runs} interleaved runs of a ${batch}-image batch; load ${loadavg()[0]!.toFixed(1)}`;
    const desc = `SWS ${kind} (PoolFormer, ${kind === 'largepool' ? '1024 wide, FFN 4096' : '256 wide, FFN 1024'}), every weight layer magnitude-pruned to ${(100 * net.sparsity).toFixed(1)}% (one shot, not fine-tuned)`;
    ctx.log(
      `model ${desc}: tfjs ${per(tTf!)}, rosko ${per(tRosko!)}, spmm auto ${per(tAuto!)}, dense wasm ${per(tDense!)}; accuracy tfjs ${okT}/${test.n}, rosko ${okR}/${test.n}, agree ${agree}`,
    );
    return {
      'rosko.pruned_model_speedup': {
        value: +(bestDense / tRosko!).toFixed(3),
        unit: 'x',
        baseline: {
          name: `fastest dense path: ${tTf! <= tDense! ? 'tfjs-wasm predict (XNNPACK, 1 thread)' : 'our dense wasm GEMM in the same harness'}`,
          value: +((bestDense / batch) * 1000).toFixed(1),
          unit: 'µs/image',
        },
        notes: `${desc}; Rosko layers ${per(tRosko!)}, dispatched spmm layers ${per(tAuto!)}, dense wasm GEMM layers ${per(tDense!)}, tfjs-wasm predict ${per(tTf!)}; ${env}`,
      },
      'rosko.pruned_model_accuracy_gap': {
        value: +((Math.abs(okT - okR) / test.n) * 100).toFixed(3),
        unit: 'points',
        baseline: { name: 'tfjs predict on the same pruned model', value: +((okT / test.n) * 100).toFixed(2), unit: '% accuracy' },
        notes: `${desc}; Fashion-MNIST test ${test.n} images (seed 2): tfjs ${okT}, Rosko layers ${okR} correct, same argmax on ${agree}/${test.n}, max |Δlogit| ${maxDiff.toExponential(2)} (max |logit| ${maxAbs.toFixed(2)}); one-shot 90% pruning without fine-tuning costs most of the model's accuracy (the SWS study fine-tunes; that model is not shipped): this key checks the kernels, not the pruning`,
      },
    };
  } finally {
    model.dispose();
  }
}

export async function run(ctx: BenchContext): Promise<void> {
  await init({ backend: 'wasm' });
  const part = process.env.ROSKO_BENCH;
  if (part === 'scaling') return scalingOnly(ctx);
  if (part === 'sweep' || part === 'real' || part === 'model') {
    const hw0 = readHardware();
    const e = part === 'sweep' ? await tileSweep(ctx, hw0) : part === 'real' ? await realMatrices(ctx, hw0) : await prunedModel(ctx);
    record(e, { command: `ROSKO_BENCH=${part} ${ctx.command}` });
    for (const [k, v] of Object.entries(e)) ctx.log(`${k} = ${v.value} ${v.unit}`);
    return;
  }
  const runs = ctx.quick ? 5 : 20;
  // the speedup_vs_best_other cells (uniform 90 / 98 %) get 3× the rounds: when the dispatcher picks the fastest kernel,
  // the gate ratio compares that kernel with itself, and a min over 7 shapes of 20-round medians sat 3–6 % under 1 from
  // noise alone (a CSR cell measured 0.94 against the same CSR call)
  const gateRuns = ctx.quick ? runs : 3 * runs;
  const shapes = ctx.quick ? SHAPES.filter((s) => s.gated) : SHAPES;
  const sparsities = ctx.quick ? [0, 0.7, 0.9, 0.98] : SPARSITIES;
  const hw = readHardware();
  const load0 = loadavg()[0]!;
  const probe0 = await coreProbe();
  ctx.log(
    `hw: L1 ${hw.l1 >> 10} KiB, L2 ${hw.l2 >> 10} KiB, L3 ${hw.l3 >> 20} MiB, ${hw.cores} cores (${hw.source}); load ${load0.toFixed(2)}; free cores (probe) ${probe0.toFixed(2)}`,
  );
  const pool = await RoskoPool.create({ workers: 2 });
  const roundTrip = await poolRoundTrip(pool, 50);
  const med = async (fn: () => unknown): Promise<number> => median(await timeRuns(fn, runs, 2));
  type Row = {
    shape: string;
    gated: boolean;
    dist: string;
    s: number;
    nnz: number;
    rosko: number;
    roskoRowB: number;
    csr: number;
    tfjs: number;
    dense: number;
    ort: number;
    /** the shipped (dispatched) spmm and the kernel it chose */
    disp: number;
    dispKernel: string;
    /** at the gate sparsities (uniform 90 / 98 %): our kernels and spmm writing into a reused result (opts.out) */
    reused?: { rosko: number; csr: number; dense: number; disp: number };
    flops: number;
    tiles: string;
  };
  const rows: Row[] = [];
  const scaling: Awaited<ReturnType<typeof scalingCell>>[] = [];
  const r = rng(2307);
  for (const sh of shapes) {
    const { M, K, N } = sh;
    const name = `${M}x${K}x${N}`;
    const full: Matrix = { rows: M, cols: K, data: r.normals(M * K) };
    const B: Matrix = { rows: K, cols: N, data: r.normals(K * N) };
    const flops = 2 * M * K * N;
    // dense baselines (sparsity-independent)
    const ta = tf.tensor2d(full.data, [M, K]),
      tb = tf.tensor2d(B.data, [K, N]);
    const tTfjs = await med(() => {
      const c = tf.matMul(ta, tb);
      c.dataSync();
      c.dispose();
    });
    const tDense = await med(() => denseGemm(full, B, { validate: false }));
    const sess = await ortMatMul(M, K, N, 1);
    const oa = new ort.Tensor('float32', full.data, [M, K]),
      ob = new ort.Tensor('float32', B.data, [K, N]);
    const tOrt = await med(async () => {
      const o = await sess.run({ A: oa, B: ob });
      void (o.C!.data as Float32Array)[0];
    });
    ctx.log(
      `${name}: tfjs ${tTfjs.toFixed(2)} ms (${(flops / tTfjs / 1e6).toFixed(1)} GFLOP/s), dense wasm ${tDense.toFixed(2)} ms (${(flops / tDense / 1e6).toFixed(1)}), ort-1t ${tOrt.toFixed(2)} ms (${(flops / tOrt / 1e6).toFixed(1)})`,
    );
    const order = Int32Array.from({ length: M * K }, (_, i) => i).sort((a, b) => Math.abs(full.data[a]!) - Math.abs(full.data[b]!));
    const u = new Float32Array(M * K).map(() => r.next());
    for (const dist of ['uniform', 'magnitude'] as const) {
      for (const s of sparsities) {
        const A: Matrix = { rows: M, cols: K, data: full.data.slice() };
        if (dist === 'uniform') {
          for (let i = 0; i < A.data.length; i++) if (u[i]! < s) A.data[i] = 0;
        } else {
          const k = Math.round(s * M * K);
          for (let i = 0; i < k; i++) A.data[order[i]!] = 0;
        }
        const pk = pack(A, { N, hw });
        const csr = toCsr(A);
        let tRosko: number,
          tCsr: number,
          tTf = tTfjs,
          tO = tOrt,
          tRowB = NaN,
          tDisp: number;
        const dispKernel = spmmKernel(pk, N, hw);
        const cellRuns = dist === 'uniform' && (s === 0.9 || s === 0.98) ? gateRuns : runs;
        if (sh.gated && dist === 'uniform') {
          // gated points: Rosko, CSR, tfjs, ORT (and Rosko reading B row-major) interleaved round by round so load drift hits all alike
          [tRosko, tCsr, tTf, tO, tRowB, tDisp] = (await interleaved(
            [
              () => spmm(pk, B, { validate: false }),
              () => csrSpmm(csr, B, { validate: false }),
              () => {
                const c = tf.matMul(ta, tb);
                c.dataSync();
                c.dispose();
              },
              async () => {
                const o = await sess.run({ A: oa, B: ob });
                void (o.C!.data as Float32Array)[0];
              },
              () => spmm(pk, B, { validate: false, packB: false }),
              () => dispatchedSpmm(pk, B, { validate: false, hw }),
            ],
            cellRuns,
          )) as [number, number, number, number, number, number];
        } else {
          // the Rosko kernel, the CSR kernel and the dispatched spmm interleaved round by round (measured one after the
          // other, load drift showed as a dispatch gap: 512×512×2048 at 90 %, spmm→rosko 12.49 ms vs the same rosko call 9.11)
          [tRosko, tCsr, tDisp] = (await interleaved(
            [
              () => spmm(pk, B, { validate: false }),
              () => csrSpmm(csr, B, { validate: false }),
              () => dispatchedSpmm(pk, B, { validate: false, hw }),
            ],
            cellRuns,
          )) as [number, number, number];
        }
        // the gate sparsities again with every one of our paths writing C into one reused result (opts.out): a new
        // result's pages are a per-call cost of up to ~1.5 ms that varies with the allocator's state (the same CSR call
        // measured 1.77 and 3.35 ms in two repetitions: scripts/sparse/dispatch-probe.ts), larger than the gaps judged here
        let reused: Row['reused'];
        if (dist === 'uniform' && (s === 0.9 || s === 0.98)) {
          const out = new Float32Array(M * N);
          const [ro, co, de, di] = await interleaved(
            [
              () => spmm(pk, B, { validate: false, out }),
              () => csrSpmm(csr, B, { validate: false, out }),
              () => denseGemm(full, B, { validate: false, out }),
              () => dispatchedSpmm(pk, B, { validate: false, hw, out }),
            ],
            cellRuns,
          );
          reused = { rosko: ro!, csr: co!, dense: de!, disp: di! };
        }
        const tm = `${pk.mr}x${pk.nr} mc${pk.mc} kc${pk.kc} nc${pk.nc}`;
        rows.push({
          reused,
          shape: name,
          gated: sh.gated,
          dist,
          s,
          nnz: pk.nnz,
          rosko: tRosko,
          roskoRowB: tRowB,
          csr: tCsr,
          tfjs: tTf,
          dense: tDense,
          ort: tO,
          disp: tDisp,
          dispKernel,
          flops,
          tiles: tm,
        });
        let extra = Number.isNaN(tRowB) ? '' : `; row-major B ×${(tTf / tRowB).toFixed(2)}`;
        if (dist === 'uniform' && s === 0.9) {
          // the 2-worker pool (as shipped and forced onto the workers) against the shipped main-thread spmm, interleaved
          const cell = await scalingCell(pool, pk, B, hw, runs);
          scaling.push(cell);
          extra += `, ${cell.note}`;
        }
        extra += `; spmm → ${dispKernel} ${tDisp.toFixed(2)} ms`;
        ctx.log(
          `  ${dist} ${(100 * s).toFixed(1)}%: rosko ${tRosko.toFixed(2)} ms ×${(tTf / tRosko).toFixed(2)} vs tfjs, ×${(tO / tRosko).toFixed(2)} vs ort; csr ×${(tTf / tCsr).toFixed(2)}; ${tm}; ${((2 * pk.nnz * N) / tRosko / 1e6).toFixed(1)} eff. GFLOP/s${extra}`,
        );
      }
    }
    ta.dispose();
    tb.dispose();
    await sess.release();
  }
  await pool.close();
  const probe1 = await coreProbe();
  const load1 = loadavg()[0]!;

  const gated = rows.filter((x) => x.gated && x.dist === 'uniform');
  const at = (s: number) => gated.filter((x) => x.s === s);
  const gm = (xs: number[]) => geomean(xs);
  const tfjsGflops = gm(
    [...new Set(gated.map((x) => x.shape))].map((sh) => {
      const x = gated.find((y) => y.shape === sh)!;
      return x.flops / x.tfjs / 1e6;
    }),
  );
  const ortGflops = gm(
    [...new Set(gated.map((x) => x.shape))].map((sh) => {
      const x = gated.find((y) => y.shape === sh)!;
      return x.flops / x.ort / 1e6;
    }),
  );
  const tfjsBase = {
    name: 'tfjs-wasm dense matMul (XNNPACK, 1 thread), geomean over the 3 gated shapes',
    value: +tfjsGflops.toFixed(2),
    unit: 'GFLOP/s',
  };
  const ortBase = {
    name: 'onnxruntime-node MatMul (1 intra-op thread), geomean over the 3 gated shapes',
    value: +ortGflops.toFixed(2),
    unit: 'GFLOP/s',
  };
  const env = `load ${load0.toFixed(1)}→${load1.toFixed(1)} on ${hw.cores} vCPUs shared with other jobs; two-core probe ${probe0.toFixed(2)}→${probe1.toFixed(2)} cores free; ${runs} runs per median (uniform 90 / 98 % cells: ${gateRuns})`;
  const sp = (s: number, base: 'tfjs' | 'ort', k: 'rosko' | 'csr' | 'roskoRowB' = 'rosko') => gm(at(s).map((x) => x[base] / x[k]));
  const beByShape = [...new Set(gated.map((x) => x.shape))].map((sh) => {
    const xs = gated.filter((x) => x.shape === sh);
    return breakeven(
      xs.map((x) => x.s),
      xs.map((x) => x.tfjs / x.rosko),
    );
  });
  const entries: Parameters<typeof record>[0] = {};
  if (at(0.9).length) {
    entries['rosko.speedup_vs_tfjs_90'] = {
      value: +sp(0.9, 'tfjs').toFixed(3),
      unit: 'x',
      baseline: tfjsBase,
      notes: `target ≥ 3; ${env}`,
    };
    entries['rosko.speedup_vs_ort_90'] = {
      value: +sp(0.9, 'ort').toFixed(3),
      unit: 'x',
      baseline: ortBase,
      notes: `the Rosko kernel itself (not the dispatcher) vs onnxruntime-node MatMul, 1 intra-op thread; native reference, no target; ${env}`,
    };
    entries['rosko.rowmajor_b_speedup_vs_tfjs_90'] = {
      value: +sp(0.9, 'tfjs', 'roskoRowB').toFixed(3),
      unit: 'x',
      baseline: tfjsBase,
      notes: `Rosko with packB: false; ${env}`,
    };
    entries['rosko.csr_speedup_vs_tfjs_90'] = {
      value: +sp(0.9, 'tfjs', 'csr').toFixed(3),
      unit: 'x',
      baseline: tfjsBase,
      notes: `our CSR SpMM (row-wise, register accumulators); ${env}`,
    };
  }
  if (at(0.98).length) {
    entries['rosko.speedup_vs_tfjs_98'] = {
      value: +sp(0.98, 'tfjs').toFixed(3),
      unit: 'x',
      baseline: tfjsBase,
      notes: `target ≥ 8; ${env}`,
    };
    entries['rosko.speedup_vs_ort_98'] = {
      value: +sp(0.98, 'ort').toFixed(3),
      unit: 'x',
      baseline: ortBase,
      notes: `the Rosko kernel itself (not the dispatcher) vs onnxruntime-node MatMul, 1 intra-op thread; native reference, no target; ${env}`,
    };
    entries['rosko.rowmajor_b_speedup_vs_tfjs_98'] = {
      value: +sp(0.98, 'tfjs', 'roskoRowB').toFixed(3),
      unit: 'x',
      baseline: tfjsBase,
      notes: `Rosko with packB: false (kernel reads B row-major, no panel packing pass); ${env}`,
    };
    entries['rosko.csr_speedup_vs_tfjs_98'] = { value: +sp(0.98, 'tfjs', 'csr').toFixed(3), unit: 'x', baseline: tfjsBase, notes: env };
  }
  if (at(0.7).length)
    entries['rosko.speedup_vs_tfjs_70'] = { value: +sp(0.7, 'tfjs').toFixed(3), unit: 'x', baseline: tfjsBase, notes: env };
  if (at(0.95).length)
    entries['rosko.speedup_vs_tfjs_95'] = { value: +sp(0.95, 'tfjs').toFixed(3), unit: 'x', baseline: tfjsBase, notes: env };
  // break-even of the geometric-mean speedup curve (a geomean of per-shape fractions is 0 as soon as one shape wins at 0%)
  const gmCurve = sparsities.map((s) => sp(s, 'tfjs'));
  entries['rosko.breakeven_sparsity'] = {
    value: +breakeven(sparsities, gmCurve).toFixed(4),
    unit: 'fraction',
    baseline: tfjsBase,
    notes: `sparsity where the geomean (3 gated shapes) speedup over tfjs-wasm dense crosses 1, interpolated in log speedup; geomean speedup at ${sparsities.map((s, i) => `${(100 * s).toFixed(1)}%: ${gmCurve[i]!.toFixed(2)}`).join(', ')}; per shape ${beByShape.map((b) => b.toFixed(3)).join(', ')}; 0 = faster already at 0%; target ≤ 0.75; ${env}`,
  };
  Object.assign(entries, scalingEntries(scaling, roundTrip, env));
  // the shipped spmm against the fastest other path per cell (CSR, our dense wasm, tfjs-wasm dense, onnxruntime 1 thread)
  for (const s of [0.9, 0.98]) {
    const cells = rows.filter((x) => x.dist === 'uniform' && x.s === s);
    if (!cells.length) continue;
    const per = cells.map((x) => {
      const others = { csr: x.csr, 'dense wasm': x.dense, tfjs: x.tfjs, ort: x.ort };
      const [bestName, best] = Object.entries(others).reduce((a, b) => (b[1] < a[1] ? b : a));
      return {
        r: best / x.disp,
        note: `${x.shape}: spmm→${x.dispKernel} ${x.disp.toFixed(2)} ms vs ${bestName} ${best.toFixed(2)} ms (rosko ${x.rosko.toFixed(2)}, csr ${x.csr.toFixed(2)}, dense ${x.dense.toFixed(2)}, tfjs ${x.tfjs.toFixed(2)}, ort ${x.ort.toFixed(2)}) ×${(best / x.disp).toFixed(2)}`,
      };
    });
    entries[`rosko.speedup_vs_best_other_${Math.round(s * 100)}`] = {
      value: +Math.min(...per.map((x) => x.r)).toFixed(3),
      unit: 'x',
      baseline: {
        name: 'fastest of CSR, dense wasm, tfjs-wasm dense, onnxruntime-node (1 intra-op thread), per cell',
        value: per.length,
        unit: 'cells',
      },
      notes: `min over shapes of (fastest other ÷ dispatched spmm), uniform ${Math.round(s * 100)}%; gate ≥ 0.95; dispatcher constants fitted on 5 of the 7 shapes, 2 held out, as declared in bench/declared/rosko-dispatch-split.json; ${per.map((x) => x.note).join('; ')}; ${env}`,
    };
  }
  // the same comparison with our paths writing into a reused result (tfjs and onnxruntime allocate theirs, as their APIs
  // do: they can only lose by it, and neither is the fastest other path at 90 or 98 % in any cell measured so far)
  for (const s of [0.9, 0.98]) {
    const cells = rows.filter((x) => x.dist === 'uniform' && x.s === s && x.reused);
    if (!cells.length) continue;
    const per = cells.map((x) => {
      const u = x.reused!;
      const others = { csr: u.csr, 'dense wasm': u.dense, tfjs: x.tfjs, ort: x.ort };
      const [bestName, best] = Object.entries(others).reduce((a, b) => (b[1] < a[1] ? b : a));
      const direct = x.dispKernel === 'rosko' ? u.rosko : x.dispKernel === 'csr' ? u.csr : u.dense;
      return {
        r: best / u.disp,
        note: `${x.shape}: spmm→${x.dispKernel} ${u.disp.toFixed(2)} ms (direct ${direct.toFixed(2)}) vs ${bestName} ${best.toFixed(2)} ms (rosko ${u.rosko.toFixed(2)}, csr ${u.csr.toFixed(2)}, dense ${u.dense.toFixed(2)}) ×${(best / u.disp).toFixed(2)}`,
      };
    });
    entries[`rosko.speedup_vs_best_other_${Math.round(s * 100)}_reused_out`] = {
      value: +Math.min(...per.map((x) => x.r)).toFixed(3),
      unit: 'x',
      baseline: {
        name: 'fastest of CSR, dense wasm (both into a reused result), tfjs-wasm dense, onnxruntime-node (1 intra-op thread), per cell',
        value: per.length,
        unit: 'cells',
      },
      notes: `as rosko.speedup_vs_best_other_${Math.round(s * 100)}, but spmm, Rosko, CSR and dense wasm write C into one result buffer reused across calls (opts.out), interleaved in their own rounds, so the allocator's fresh pages (up to ~1.5 ms per call, varying from run to run) do not decide 2-ms cells; tfjs and onnxruntime allocate their outputs as their APIs do; ${per.map((x) => x.note).join('; ')}; ${env}`,
    };
  }
  // the dispatched spmm against a direct call of the kernel it picked (same cell, interleaved): what dispatching costs
  const ov = rows
    .filter((x) => x.dist === 'uniform' && (x.s === 0.9 || x.s === 0.98) && x.dispKernel !== 'dense')
    .map((x) => {
      const direct = x.dispKernel === 'rosko' ? x.rosko : x.csr;
      return {
        r: x.disp / direct,
        note: `${x.shape} ${Math.round(x.s * 100)}% →${x.dispKernel} ${x.disp.toFixed(2)} vs ${direct.toFixed(2)} ms`,
      };
    });
  if (ov.length)
    entries['rosko.dispatch_overhead'] = {
      value: +Math.max(...ov.map((x) => x.r)).toFixed(3),
      unit: 'x',
      baseline: {
        name: 'the chosen kernel called directly (roskoSpmm / csrSpmm), same cell, interleaved',
        value: ov.length,
        unit: 'cells',
      },
      notes: `max over uniform 90/98% cells of dispatched spmm ÷ the same kernel called directly (1 = no cost; tested to do the same engine work: kernel/sparse/dispatch.test.ts); geomean ${geomean(ov.map((x) => x.r)).toFixed(3)}; ${ov.map((x) => x.note).join('; ')}; ${env}`,
    };
  const allShapes = [...new Set(rows.map((x) => x.shape))];
  entries['rosko.dense_wasm_over_tfjs'] = {
    value: +gm(
      allShapes.map((sh) => {
        const x = rows.find((y) => y.shape === sh)!;
        return x.tfjs / x.dense;
      }),
    ).toFixed(3),
    unit: 'x',
    baseline: tfjsBase,
    notes: `our dense 4×8 wasm GEMM (same generator) over tfjs-wasm dense, geomean over ${allShapes.length} shapes; ${env}`,
  };
  const mag = rows.filter((x) => x.gated && x.dist === 'magnitude' && x.s === 0.9);
  if (mag.length)
    entries['rosko.magnitude_speedup_vs_tfjs_90'] = {
      value: +gm(mag.map((x) => x.tfjs / x.rosko)).toFixed(3),
      unit: 'x',
      baseline: tfjsBase,
      notes: `magnitude-pruned Gaussian; ${env}`,
    };
  Object.assign(entries, await tileSweep(ctx, hw), await realMatrices(ctx, hw), await prunedModel(ctx));
  record(entries, { command: ctx.command });

  // full table + speedup-vs-sparsity figure for the notebook / report
  const traces = allShapes.flatMap((sh) =>
    (['rosko', 'csr'] as const).map((k) => {
      const xs = rows.filter((x) => x.shape === sh && x.dist === 'uniform');
      return { name: `${k} ${sh}`, sparsity: xs.map((x) => x.s), speedup: xs.map((x) => +(x.tfjs / x[k]).toFixed(3)) };
    }),
  );
  const fig = speedupFigure(traces, { title: 'Rosko (wasm SIMD) and CSR vs tfjs-wasm dense, one thread, uniform sparsity' });
  const dir = join(__dirname, '..', 'test', 'fixtures', 'sparse');
  mkdirSync(dir, { recursive: true });
  // the full table only (quick runs are partial; scripts/sparse/fit-dispatch.ts fits the dispatcher to this file)
  if (ctx.artifacts && !ctx.quick)
    writeFileSync(
      join(dir, 'rosko-speedup.json'),
      JSON.stringify({ measuredAt: new Date().toISOString(), command: ctx.command, env, hw, rows, figure: fig }, null, 1) + '\n',
    );
  for (const [k, v] of Object.entries(entries))
    ctx.log(`${k} = ${v.value} ${v.unit}${v.baseline ? ` (baseline ${v.baseline.value} ${v.baseline.unit})` : ''}`);
}
