/**
 * Diagnostic for #30's speedup_vs_best_other gates: the dispatched spmm against the kernel it picks, called directly
 * (the bench's own CSR, and CSR from the packing's cached form), and Rosko, on the cells the idle run flagged
 * (512×512×2048 at 98 % and 90 %, 2048×512×2048 at 90 %); rounds interleaved with a rotating start as the bench does,
 * three repetitions of 40 rounds each. Not a bench key; run on an idle box:
 *   npx tsx scripts/sparse/dispatch-probe.ts [--out]
 * On 2026-12-07 (idle AMD EPYC) the same CSR call took 1.77 ms in one repetition and 3.35 ms in another, and identical
 * calls differed by up to 12 % within one: each call's new 4 MiB result lands on reused or fresh pages, and that, not
 * the dispatch, sets a 2-ms cell's time.
 */
import { init } from '../../kernel/core/backend';
import { rng } from '../../kernel/core/rng';
import { pack, toCsr, csrSpmm, spmm, readHardware } from '../../kernel/sparse/index';
import { csrOf } from '../../kernel/sparse/spmm';
import { median } from '../../bench/lib';
(async () => {
  await init({ backend: 'wasm' });
  const hw = readHardware();
  for (const [M, K, N, s] of [
    [512, 512, 2048, 0.98],
    [512, 512, 2048, 0.9],
    [2048, 512, 2048, 0.9],
  ] as const) {
    const r = rng(2307);
    const A = { rows: M, cols: K, data: r.normals(M * K) };
    const B = { rows: K, cols: N, data: r.normals(K * N) };
    for (let i = 0; i < A.data.length; i++) if (r.next() < s) A.data[i] = 0;
    const pk = pack(A, { N, hw });
    const csr = toCsr(A);
    // --out: every call writes into one reused result (opts.out), so no call pays for new pages
    const out = process.argv.includes('--out') ? new Float32Array(M * N) : undefined;
    const fns = [
      () => csrSpmm(csr, B, { validate: false, out }),
      () => spmm(pk, B, { validate: false, hw, out }),
      () => csrSpmm(csrOf(pk), B, { validate: false, out }),
      () => spmm(pk, B, { validate: false, kernel: 'rosko', out }),
    ];
    for (let rep = 0; rep < 3; rep++) {
      const times = fns.map(() => [] as number[]);
      for (let round = -2; round < 40; round++)
        for (let j = 0; j < fns.length; j++) {
          const i = (j + Math.max(round, 0)) % fns.length;
          const t = performance.now();
          fns[i]!();
          if (round >= 0) times[i]!.push(performance.now() - t);
        }
      console.log(
        `${M}x${K}x${N}@${s}: csr direct ${median(times[0]!).toFixed(2)}, spmm ${median(times[1]!).toFixed(2)}, csr(csrOf) ${median(times[2]!).toFixed(2)}, rosko ${median(times[3]!).toFixed(2)} ms`,
      );
    }
  }
})();
