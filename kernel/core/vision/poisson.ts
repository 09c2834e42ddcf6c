/**
 * Poisson image editing (Pérez, Gangnet & Blake, "Poisson Image Editing", SIGGRAPH 2003), written here because
 * the OpenCV.js build has no `seamlessClone`. Inside the region Ω the result f solves the discrete Poisson equation
 * with the guidance field v = ∇g of the pasted source g (or the stronger of ∇g and ∇f* with `mixed`), and equals the
 * destination f* on Ω's boundary (their Eq. 7):
 *
 *   |N_p|·f_p − Σ_{q∈N_p∩Ω} f_q = Σ_{q∈N_p∩∂Ω} f*_q + Σ_{q∈N_p} v_pq,      v_pq = g_p − g_q,
 *
 * N_p = the 4-neighbours of p inside the image. The system is symmetric positive definite whenever every connected
 * part of Ω touches a pixel outside Ω; it is solved matrix-free by conjugate gradients with a Jacobi (diagonal)
 * preconditioner. No npm sparse solver fits (ml-sparse-matrix has no solver); a matrix-free CG on the 5-point
 * stencil is ~40 lines and needs no assembled matrix.
 */
import { InvalidInput, describe } from '../errors';

export interface PoissonOptions {
  /** Stop when ‖r‖ ≤ tol·‖b‖ (default 1e-6). */
  tol?: number;
  /** Iteration cap (default 2000). */
  maxIter?: number;
  /** Mixed gradients (Pérez et al. Eq. 13): per edge, the larger of the source and destination differences (default false). */
  mixed?: boolean;
}

export interface PoissonResult {
  /** The solution on the whole grid: destination outside Ω, solved values inside. */
  values: Float64Array;
  iterations: number;
  /** Final relative residual ‖r‖/‖b‖. */
  residual: number;
}

/**
 * Solve one channel. `dst` (f*) and `src` (g) are width·height arrays on the same grid; `omega[i]` ≠ 0 marks unknowns.
 */
export function solvePoisson(
  dst: ArrayLike<number>,
  src: ArrayLike<number>,
  omega: ArrayLike<number>,
  width: number,
  height: number,
  opts: PoissonOptions = {},
): PoissonResult {
  const n = width * height;
  if (dst.length !== n || src.length !== n || omega.length !== n)
    throw new InvalidInput(
      `solvePoisson: dst/src/omega have ${dst.length}/${src.length}/${omega.length} values; expected ${width}×${height} = ${n}`,
    );
  const tol = opts.tol ?? 1e-6;
  const maxIter = opts.maxIter ?? 2000;
  if (!(tol > 0)) throw new InvalidInput(`solvePoisson: tol must be > 0, got ${describe(tol)}`);
  // index unknowns
  const idx = new Int32Array(n).fill(-1);
  const pix: number[] = [];
  for (let i = 0; i < n; i++) if (omega[i]) idx[i] = pix.push(i) - 1;
  const m = pix.length;
  const values = Float64Array.from(dst as ArrayLike<number>);
  if (m === 0) return { values, iterations: 0, residual: 0 };
  if (m === n) throw new InvalidInput('solvePoisson: the region covers the whole image; a Poisson paste needs boundary pixels outside it');
  // right-hand side b, diagonal |N_p|, neighbour lists of unknowns
  const b = new Float64Array(m),
    diag = new Float64Array(m);
  const nb = new Int32Array(m * 4).fill(-1);
  const offs = [
    [-1, 0],
    [1, 0],
    [0, -1],
    [0, 1],
  ] as const;
  for (let k = 0; k < m; k++) {
    const p = pix[k]!,
      x = p % width,
      y = (p / width) | 0;
    let s = 0,
      cnt = 0;
    for (let e = 0; e < 4; e++) {
      const qx = x + offs[e]![0],
        qy = y + offs[e]![1];
      if (qx < 0 || qy < 0 || qx >= width || qy >= height) continue;
      const q = qy * width + qx;
      cnt++;
      let v = src[p]! - src[q]!;
      if (opts.mixed) {
        const vd = dst[p]! - dst[q]!;
        if (Math.abs(vd) > Math.abs(v)) v = vd;
      }
      s += v;
      if (idx[q]! >= 0) nb[k * 4 + e] = idx[q]!;
      else s += dst[q]!;
    }
    b[k] = s;
    diag[k] = cnt;
  }
  // A·x for the unknowns
  const apply = (xv: Float64Array, out: Float64Array): void => {
    for (let k = 0; k < m; k++) {
      let s = diag[k]! * xv[k]!;
      for (let e = 0; e < 4; e++) {
        const j = nb[k * 4 + e]!;
        if (j >= 0) s -= xv[j]!;
      }
      out[k] = s;
    }
  };
  // initial guess: the source values shifted by the mean boundary mismatch is close; plain source is fine too
  const x = new Float64Array(m);
  for (let k = 0; k < m; k++) x[k] = src[pix[k]!]!;
  const r = new Float64Array(m),
    z = new Float64Array(m),
    pdir = new Float64Array(m),
    Ap = new Float64Array(m);
  apply(x, Ap);
  let bnorm = 0;
  for (let k = 0; k < m; k++) {
    r[k] = b[k]! - Ap[k]!;
    bnorm += b[k]! * b[k]!;
  }
  bnorm = Math.sqrt(bnorm) || 1;
  let rz = 0;
  for (let k = 0; k < m; k++) {
    z[k] = r[k]! / diag[k]!;
    pdir[k] = z[k]!;
    rz += r[k]! * z[k]!;
  }
  let it = 0,
    rnorm = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
  while (rnorm / bnorm > tol && it < maxIter) {
    apply(pdir, Ap);
    let pAp = 0;
    for (let k = 0; k < m; k++) pAp += pdir[k]! * Ap[k]!;
    if (!(pAp > 0)) break; // singular direction (should not happen for a valid Ω)
    const alpha = rz / pAp;
    let rr = 0,
      rzNew = 0;
    for (let k = 0; k < m; k++) {
      x[k] = x[k]! + alpha * pdir[k]!;
      r[k] = r[k]! - alpha * Ap[k]!;
      rr += r[k]! * r[k]!;
      z[k] = r[k]! / diag[k]!;
      rzNew += r[k]! * z[k]!;
    }
    const beta = rzNew / rz;
    rz = rzNew;
    for (let k = 0; k < m; k++) pdir[k] = z[k]! + beta * pdir[k]!;
    rnorm = Math.sqrt(rr);
    it++;
  }
  for (let k = 0; k < m; k++) values[pix[k]!] = x[k]!;
  return { values, iterations: it, residual: rnorm / bnorm };
}
