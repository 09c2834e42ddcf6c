// Generates the AssemblyScript sources of the sparse (Rosko) kernels and compiles them to wasm SIMD.
//
//   node scripts/build-wasm.mjs          → kernel/sparse/assembly/kernels.ts (generated) + kernel/sparse/rosko.wasm
//
// One generator emits, in the style of Rosko's kernel_gen.py:
//   rosko_n{NR}        the KMN (C-stationary) loop nest with the row-skipping outer-product microkernel, n_r = NR
//                      (m_r is a run-time value: the C microtile lives in linear memory and is indexed by `loc`,
//                      as the authors' AVX kernels do in practice; its height only changes the row stride of C_p)
//   rosko_count_n{NR}  the same nest instrumented: counts vector multiply-adds and B-row loads (globals)
//   pack_b             B (K×N row-major) → K×n_r column panels (zero padded), panel range per worker
//   csr_spmm           row-wise CSR SpMM baseline (4 f32x4 accumulators over 16 columns)
//   gemm_4x8           dense GEMM, 4×8 register block (8 f32x4 accumulators), B packed in 8-wide panels
// Memory is imported and shared (worker_threads instantiate the same module over it).
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'kernel/sparse/assembly');
export const NR_LIST = [16, 32, 48, 64];

const hdr = (i) => `load<i32>(h, ${i * 4})`;

function rosko(NR, count) {
  const V = NR / 4;
  const holdB = V <= 8; // keep the B row in locals only while it fits V8's 16 xmm registers with a, c and a temp
  const name = `${count ? 'rosko_count' : 'rosko'}_n${NR}`;
  const bLoads = holdB ? Array.from({ length: V }, (_, v) => `        const b${v} = v128.load(brow, ${v * 16});`).join('\n') : '';
  const upd = Array.from({ length: V }, (_, v) => {
    const b = holdB ? `b${v}` : `v128.load(brow, ${v * 16})`;
    return `          v128.store(cr, f32x4.add(v128.load(cr, ${v * 16}), f32x4.mul(a, ${b})), ${v * 16});`;
  }).join('\n');
  return `
/** Rosko KMN loop nest, n_r = ${NR}${count ? ' (instrumented)' : ''}. Header h: see kernel/sparse/wasm.ts (HDR). */
export function ${name}(h: usize): void {
  const vals = <usize>${hdr(0)}, loc = <usize>${hdr(1)}, nnzOuter = <usize>${hdr(2)}, kInd = <usize>${hdr(3)};
  const tileNnz = <usize>${hdr(4)}, tileCols = <usize>${hdr(5)}, groupStart = <usize>${hdr(6)};
  const Bp = <usize>${hdr(7)}, Cp = <usize>${hdr(8)}, C = <usize>${hdr(9)};
  const M = ${hdr(10)}, K = ${hdr(11)}, N = ${hdr(12)}, mr = ${hdr(13)}, mc = ${hdr(14)}, kc = ${hdr(15)}, nc = ${hdr(16)};
  const p = ${hdr(17)}, coreLo = ${hdr(18)}, coreStep = ${hdr(19)}, Mb = ${hdr(20)}, Kb = ${hdr(21)};
  const rowStride = <usize>${hdr(23)}, panelStride = <usize>${hdr(24)}; // B: packed panels (n_r·4, K·n_r·4) or row-major (N·4, n_r·4)
  const nLo = ${hdr(25)}, nHi = ${hdr(26)}; // columns [nLo, nHi) of C (nLo a multiple of n_r): a worker's N slice
  const tileBytes = <usize>(mr * ${NR * 4});
  for (let n1 = nLo; n1 < nHi; n1 += nc) {
    const ncb = min(nc, nHi - n1);
    const npan = (ncb + ${NR - 1}) / ${NR};
    for (let b = 0; b < Mb; b++) {
      const m1 = b * p * mc;
      const blockRows = min(p * mc, M - m1);
      const perCore = blockRows == p * mc ? mc : ((((blockRows + mr - 1) / mr) + p - 1) / p) * mr;
      for (let c = coreLo; c < p; c += coreStep) {
        const r0 = c * perCore;
        const rows = min(perCore, blockRows - r0);
        if (rows <= 0) continue;
        const ntc = (rows + mr - 1) / mr;
        const cpBytes = <usize>(npan * ntc) * tileBytes;
        const cp = Cp + <usize>c * <usize>${hdr(22)};
        memory.fill(cp, 0, cpBytes);
        for (let k1 = 0; k1 < Kb; k1++) {
          const t0 = load<i32>(groupStart + (<usize>((b * Kb + k1) * p + c) << 2));
          for (let j = 0; j < npan; j++) {
            const bpanel = Bp + <usize>(n1 / ${NR} + j) * panelStride + <usize>(k1 * kc) * rowStride;
            const ctile0 = cp + <usize>(j * ntc) * tileBytes;
            for (let t = 0; t < ntc; t++) {
              const tile = <usize>(t0 + t);
              const ce = load<i32>(tileCols + ((tile + 1) << 2));
              let vp = load<i32>(tileNnz + (tile << 2));
              const ctile = ctile0 + <usize>t * tileBytes;
              for (let col = load<i32>(tileCols + (tile << 2)); col < ce; col++) {
                const brow = bpanel + <usize>load<i32>(kInd + (<usize>col << 2)) * rowStride;
${bLoads}
                const vend = vp + <i32>load<u8>(nnzOuter + <usize>col);${count ? '\n                brows++;' : ''}
                while (vp < vend) {
                  const a = v128.load32_splat(vals + (<usize>vp << 2));
                  const cr = ctile + <usize>load<u8>(loc + <usize>vp) * ${NR * 4};
${upd.replace(/^ {10}/gm, '                  ')}${count ? `\n                  madds += ${V};` : ''}
                  vp++;
                }
              }
            }
          }
        }
        // unpack C_p (m_r x n_r microtiles) into C (row-major M x N); C is written once per CB block
        for (let j = 0; j < npan; j++) {
          const col0 = n1 + j * ${NR};
          const w = min(${NR}, N - col0);
          for (let t = 0; t < ntc; t++) {
            const src0 = cp + <usize>(j * ntc + t) * tileBytes;
            const rr = min(mr, rows - t * mr);
            for (let r = 0; r < rr; r++) {
              const src = src0 + <usize>(r * ${NR * 4});
              const dst = C + ((<usize>(m1 + r0 + t * mr + r) * <usize>N + <usize>col0) << 2);
              if (w == ${NR}) {
${Array.from({ length: V }, (_, v) => `                v128.store(dst, v128.load(src, ${v * 16}), ${v * 16});`).join('\n')}
              } else {
                for (let q = 0; q < w; q++) store<f32>(dst + (<usize>q << 2), load<f32>(src + (<usize>q << 2)));
              }
            }
          }
        }
      }
    }
  }
}
`;
}

const common = `// @ts-nocheck -- AssemblyScript (compiled by scripts/build-wasm.mjs with asc), not Node TypeScript.
// GENERATED by scripts/build-wasm.mjs: edit the generator, not this file.

export let madds: i64 = 0;
export let brows: i64 = 0;
export function resetCounts(): void { madds = 0; brows = 0; }
export function getMadds(): f64 { return <f64>madds; }
export function getBrows(): f64 { return <f64>brows; }

/** B (K x N row-major at h[0]) -> panels of K x nr at h[1] (zero padded past N); panels [h[5], h[6]). */
export function pack_b(h: usize): void {
  const B = <usize>${hdr(0)}, Bp = <usize>${hdr(1)}, K = ${hdr(2)}, N = ${hdr(3)}, nr = ${hdr(4)}, j0 = ${hdr(5)}, j1 = ${hdr(6)};
  for (let j = j0; j < j1; j++) {
    const col0 = j * nr;
    const w = min(nr, N - col0);
    let dst = Bp + (<usize>j * <usize>K * <usize>nr << 2);
    let src = B + (<usize>col0 << 2);
    const rowBytes = <usize>N << 2;
    if (w == nr) {
      for (let k = 0; k < K; k++) {
        for (let q = 0; q < nr; q += 4) v128.store(dst + (<usize>q << 2), v128.load(src + (<usize>q << 2)));
        dst += <usize>nr << 2; src += rowBytes;
      }
    } else {
      for (let k = 0; k < K; k++) {
        for (let q = 0; q < nr; q++) store<f32>(dst + (<usize>q << 2), q < w ? load<f32>(src + (<usize>q << 2)) : 0);
        dst += <usize>nr << 2; src += rowBytes;
      }
    }
  }
}

/** CSR SpMM: C[M x N] = A_csr * B[K x N], rows [h[7], h[8]). h: rowPtr, colIdx, vals, B, C, M, N, r0, r1. */
export function csr_spmm(h: usize): void {
  const rowPtr = <usize>${hdr(0)}, colIdx = <usize>${hdr(1)}, vals = <usize>${hdr(2)}, B = <usize>${hdr(3)}, C = <usize>${hdr(4)};
  const N = ${hdr(6)}, r0 = ${hdr(7)}, r1 = ${hdr(8)};
  const rowBytes = <usize>N << 2;
  const n16 = N & ~15, n4 = N & ~3;
  for (let i = r0; i < r1; i++) {
    const e0 = load<i32>(rowPtr + (<usize>i << 2)), e1 = load<i32>(rowPtr + (<usize>(i + 1) << 2));
    const crow = C + <usize>i * rowBytes;
    for (let j = 0; j < n16; j += 16) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      const bj = B + (<usize>j << 2);
      for (let e = e0; e < e1; e++) {
        const a = v128.load32_splat(vals + (<usize>e << 2));
        const br = bj + <usize>load<i32>(colIdx + (<usize>e << 2)) * rowBytes;
        c0 = f32x4.add(c0, f32x4.mul(a, v128.load(br, 0)));
        c1 = f32x4.add(c1, f32x4.mul(a, v128.load(br, 16)));
        c2 = f32x4.add(c2, f32x4.mul(a, v128.load(br, 32)));
        c3 = f32x4.add(c3, f32x4.mul(a, v128.load(br, 48)));
      }
      const cj = crow + (<usize>j << 2);
      v128.store(cj, c0, 0); v128.store(cj, c1, 16); v128.store(cj, c2, 32); v128.store(cj, c3, 48);
    }
    for (let j = n16; j < n4; j += 4) {
      let c0 = f32x4.splat(0);
      for (let e = e0; e < e1; e++) {
        const a = v128.load32_splat(vals + (<usize>e << 2));
        c0 = f32x4.add(c0, f32x4.mul(a, v128.load(B + <usize>load<i32>(colIdx + (<usize>e << 2)) * rowBytes + (<usize>j << 2))));
      }
      v128.store(crow + (<usize>j << 2), c0);
    }
    for (let j = n4; j < N; j++) {
      let s: f32 = 0;
      for (let e = e0; e < e1; e++) s += load<f32>(vals + (<usize>e << 2)) * load<f32>(B + <usize>load<i32>(colIdx + (<usize>e << 2)) * rowBytes + (<usize>j << 2));
      store<f32>(crow + (<usize>j << 2), s);
    }
  }
}

@inline function store8(dst: usize, x0: v128, x1: v128, w: i32, tmp: usize): void {
  if (w == 8) { v128.store(dst, x0, 0); v128.store(dst, x1, 16); return; }
  v128.store(tmp, x0, 0); v128.store(tmp, x1, 16);
  for (let q = 0; q < w; q++) store<f32>(dst + (<usize>q << 2), load<f32>(tmp + (<usize>q << 2)));
}

/** Dense GEMM C[M x N] = A[M x K] * B, B packed as K x 8 panels; rows [h[6], h[7]); h[8] = row block mc; h[9] = 32-byte scratch. */
export function gemm_4x8(h: usize): void {
  const A = <usize>${hdr(0)}, Bp = <usize>${hdr(1)}, C = <usize>${hdr(2)}, K = ${hdr(3)}, N = ${hdr(4)};
  const r0 = ${hdr(6)}, r1 = ${hdr(7)}, mcb = ${hdr(8)}, tmp = <usize>${hdr(9)};
  const np = (N + 7) >> 3;
  const aRow = <usize>K << 2, cRow = <usize>N << 2;
  for (let ib = r0; ib < r1; ib += mcb) {
    const ie = min(ib + mcb, r1);
    for (let j = 0; j < np; j++) {
      const bp0 = Bp + (<usize>j * <usize>K << 5);
      const w = min(8, N - j * 8);
      let i = ib;
      for (; i + 4 <= ie; i += 4) {
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        let a0 = A + <usize>i * aRow, bp = bp0;
        const aEnd = a0 + aRow;
        for (; a0 < aEnd; a0 += 4, bp += 32) {
          const b0 = v128.load(bp, 0), b1 = v128.load(bp, 16);
          let a = v128.load32_splat(a0);
          c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
          a = v128.load32_splat(a0 + aRow);
          c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
          a = v128.load32_splat(a0 + 2 * aRow);
          c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
          a = v128.load32_splat(a0 + 3 * aRow);
          c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
        }
        const cd = C + <usize>i * cRow + (<usize>(j * 8) << 2);
        store8(cd, c00, c01, w, tmp); store8(cd + cRow, c10, c11, w, tmp);
        store8(cd + 2 * cRow, c20, c21, w, tmp); store8(cd + 3 * cRow, c30, c31, w, tmp);
      }
      for (; i < ie; i++) {
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
        let a0 = A + <usize>i * aRow, bp = bp0;
        const aEnd = a0 + aRow;
        for (; a0 < aEnd; a0 += 4, bp += 32) {
          const a = v128.load32_splat(a0);
          c0 = f32x4.add(c0, f32x4.mul(a, v128.load(bp, 0))); c1 = f32x4.add(c1, f32x4.mul(a, v128.load(bp, 16)));
        }
        store8(C + <usize>i * cRow + (<usize>(j * 8) << 2), c0, c1, w, tmp);
      }
    }
  }
}
`;

const src = common + NR_LIST.map((nr) => rosko(nr, false) + rosko(nr, true)).join('');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'kernels.ts'), src);
const asc = join(root, 'node_modules/assemblyscript/bin/asc.js');
const out = join(root, 'kernel/sparse/rosko.wasm');
execFileSync(
  process.execPath,
  [
    asc,
    join(dir, 'kernels.ts'),
    '-o',
    out,
    '-O3',
    '--runtime',
    'stub',
    '--noAssert',
    '--enable',
    'simd',
    '--enable',
    'threads',
    '--enable',
    'bulk-memory',
    '--importMemory',
    '--sharedMemory',
    '--initialMemory',
    '1',
    '--maximumMemory',
    '32768',
    '--use',
    'abort=',
  ],
  { stdio: 'inherit', cwd: root },
);
const bytes = readFileSync(out).length;
console.log(`build-wasm: ${out} (${bytes} bytes), n_r ∈ {${NR_LIST.join(', ')}}`);
