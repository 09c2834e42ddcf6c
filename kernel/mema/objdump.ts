/**
 * Static check of a compiled register kernel from `arm-none-eabi-objdump -d` text: finds the innermost loop
 * (the last backward branch) of one function and counts FP loads, multiply-accumulates and stack accesses in it.
 */
import { NotFound } from '../core/errors';

export interface LoopStats {
  fpLoads: number;
  macs: number;
  stackAccesses: number;
  fpStores: number;
  instructions: number;
  /** Integer loads of operands (ldr/ldrh/ldrd… not from sp or pc) and SMLAD count (Q15 kernels). */
  intLoads: number;
  smlad: number;
}

/**
 * Counts in the hot loop of function `fn` (the backward-branch loop with the most multiply-accumulates) of
 * `arm-none-eabi-objdump -d` text. `depth` (default 0) is the tail-jump depth followed so far, for identical-code
 * folding (at most 3); callers leave it out. Throws NotFound when `fn` or a loop in it is missing.
 */
export function innerLoopStats(objdump: string, fn: string, depth = 0): LoopStats {
  const start = objdump.indexOf(`<${fn}>:`);
  if (start < 0) throw new NotFound(`function ${fn} not found in the objdump text`);
  const body = objdump.slice(start).split('\n\n')[0]!.split('\n').slice(1);
  const ins = body
    .map((l) => {
      const m = /^\s*([0-9a-f]+):\s+(?:[0-9a-f]{4}\s?){1,2}\s+(\S+)\s*(.*)$/.exec(l);
      return m ? { addr: parseInt(m[1]!, 16), op: m[2]!, args: m[3]! } : null;
    })
    .filter((x): x is { addr: number; op: string; args: string } => x !== null);
  // Every backward branch closes a loop; the hot loop is the one with the most multiply-accumulates (then the shortest).
  const isMac = (op: string): boolean => /^((vmla|vfma)\.f32|smlad)$/.test(op);
  let loop: typeof ins = [];
  for (const x of ins) {
    const t = /^b(?:ne|eq|gt|lt|ge|le|cc|cs|hi|ls|mi|pl)?(?:\.[nw])?$/.test(x.op) ? /^([0-9a-f]+)\s/.exec(x.args) : null;
    if (!t) continue;
    const target = parseInt(t[1]!, 16);
    if (target >= x.addr) continue;
    const l = ins.filter((y) => y.addr >= target && y.addr <= x.addr);
    const macs = l.filter((y) => isMac(y.op)).length,
      best = loop.filter((y) => isMac(y.op)).length;
    if (macs > best || (macs === best && macs > 0 && l.length < loop.length)) loop = l;
  }
  // identical-code folding: a variant may be a single tail jump to an identical function
  const tail = ins.length === 1 && /^b(\.w)?$/.test(ins[0]!.op) ? /<([^>+]+)>/.exec(ins[0]!.args) : null;
  if (!loop.length && tail && depth < 3) return innerLoopStats(objdump, tail[1]!, depth + 1);
  if (!loop.length) throw new NotFound(`no backward branch (loop) with multiply-accumulates found in ${fn}`);
  const count = (re: RegExp): number => loop.filter((x) => re.test(x.op) && !/\bpc\b/.test(x.args)).length;
  return {
    fpLoads: count(/^(vldr|vldmia)(\.32)?$/),
    macs: loop.filter((x) => /^(vmla|vfma)\.f32$/.test(x.op)).length,
    smlad: count(/^smlad$/),
    intLoads: loop.filter((x) => /^ldr/.test(x.op) && !/\b(sp|pc)\b/.test(x.args)).length,
    fpStores: count(/^(vstr|vstmia|vpush)/),
    stackAccesses: loop.filter((x) => /\bsp\b/.test(x.args) || /^(vpush|vpop|push|pop)$/.test(x.op)).length,
    instructions: loop.length,
  };
}
