/**
 * Instruction mix and estimated Cortex-M4 cycles from a QEMU execution trace.
 *
 * QEMU's `-icount` gives instruction totals only. With `-d in_asm,exec,nochain` QEMU logs each translation block (TB:
 * its guest instruction addresses, "IN:" blocks) once and every TB execution ("Trace" lines; `nochain` makes every
 * execution visible). Joining the executed TBs with `arm-none-eabi-objdump -d` (address → mnemonic, operands, size)
 * gives the dynamic mix; each instruction is charged the documented Cortex-M4 timing:
 *
 *  ARM, Cortex-M4 Technical Reference Manual r0p1 (DDI 0439B), §3.3 "Instruction set summary", Table 3-1 "Cortex-M4
 *  instruction set summary" and §7.2.3 / Table 7-1 "FPU instruction set" (cycle counts):
 *   - data processing (ADD, MOV, CMP, shifts, SSAT, SXTH, …), MUL/MLA/MLS, SMULL/SMLAL/UMULL/UMLAL, SMLAD and the
 *     other DSP multiplies: 1; SDIV/UDIV: 2–12 (charged 12);
 *   - LDR/STR (byte, half, word): 2; "neighboring load and store single instructions can pipeline their address and
 *     data phases", so a single load/store directly after another one is charged 1; LDRD/STRD: 3; LDM/STM/PUSH/POP:
 *     1 + N (registers), POP/LDM including PC: + P;
 *   - branches B/BL/BX/BLX/CBZ/CBNZ: 1 + P when taken (BL/BLX/BX always), 1 when a conditional branch falls through;
 *     P (pipeline refill) "ranges from 1 to 3": we charge P = 2;
 *   - FPU: VADD/VSUB/VMUL/VNMUL/VABS/VNEG/VCMP/VCVT/VMOV/VMRS: 1; VMLA/VMLS/VNMLA/VNMLS/VFMA/VFMS/VFNMA/VFNMS: 3;
 *     VDIV/VSQRT: 14; VLDR/VSTR: 2; VLDM/VSTM/VPUSH/VPOP: 1 + N (single-precision registers);
 *   - IT: 1 (it can fold into the previous 16-bit instruction on the M4; not modelled).
 * Not modelled: flash wait states, bus contention, result-use stalls (a VMLA whose accumulator is read by the next
 * VMLA), and the load pipelining credit for FP loads. These are estimates for comparing two kernels on the same core,
 * not measurements; only a real M4 (DWT CYCCNT) gives cycles.
 */
import { FormatError, NotFound } from '../core/errors';

export const BRANCH_PENALTY = 2;

export interface Insn {
  addr: number;
  size: number;
  op: string;
  args: string;
}

/** Address → instruction from `arm-none-eabi-objdump -d` text; also the symbol table of function starts. */
export function parseObjdump(text: string): { insns: Map<number, Insn>; symbols: Map<string, number> } {
  const insns = new Map<number, Insn>();
  const symbols = new Map<string, number>();
  for (const line of text.split('\n')) {
    const s = /^([0-9a-f]{8}) <([^>]+)>:$/.exec(line);
    if (s) {
      symbols.set(s[2]!, parseInt(s[1]!, 16));
      continue;
    }
    const m = /^\s*([0-9a-f]+):\s+((?:[0-9a-f]{4}\s?){1,2})\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const hex = m[2]!.trim().split(/\s+/);
    insns.set(parseInt(m[1]!, 16), { addr: parseInt(m[1]!, 16), size: 2 * hex.length, op: m[3]!, args: m[4]!.replace(/\s*;.*$/, '') });
  }
  if (!insns.size) throw new FormatError('objdump text has no instructions (expected `arm-none-eabi-objdump -d` output)');
  return { insns, symbols };
}

/** 'stack': pushes, pops, sp-relative and pc-relative (literal pool) loads/stores — prologues, epilogues, spills and
 *  constants — kept apart from operand traffic. */
export type InsnClass = 'fp-mac' | 'fp-load' | 'fp-store' | 'fp-other' | 'int-mac' | 'load' | 'store' | 'stack' | 'branch' | 'alu';

const COND = '(?:eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?';
const re = (s: string): RegExp => new RegExp(`^(?:${s})${COND}$`);
const RE = {
  fpMac: re('vn?ml[as]\\.f32|vfn?m[as]\\.f32'),
  fpDiv: re('vdiv\\.f32|vsqrt\\.f32'),
  fpLdSt1: re('vldr(?:\\.32)?|vstr(?:\\.32)?'),
  fpMulti: re('vldm(?:ia|db)?(?:\\.32)?|vstm(?:ia|db)?(?:\\.32)?|vpush(?:\\.32)?|vpop(?:\\.32)?'),
  ld1: re('ldr(?:b|h|sb|sh)?'),
  st1: re('str(?:b|h)?'),
  ldst2: re('ldrd|strd'),
  multi: re('ldm(?:ia|db|fd)?|stm(?:ia|db|fd)?|push|pop'),
  branch: re('b|bl|blx|bx|cbz|cbnz'),
  intMac: re(
    'sml[as]dx?|smua?dx?|smusdx?|smlal[bt]?[bt]?|smlaldx?|mla|mls|mul|muls|smull|umull|smlal|umlal|smla[bt][bt]|smul[bt][bt]|smmul|smmla',
  ),
  div: re('sdiv|udiv'),
};

function regCount(args: string): number {
  const list = /\{([^}]*)\}/.exec(args);
  if (!list) return 1;
  let n = 0;
  for (const part of list[1]!.split(',')) {
    const r = /([rsd])(\d+)\s*-\s*[rsd](\d+)/.exec(part.trim());
    const w = part.trim().startsWith('d') ? 2 : 1;
    n += r ? (parseInt(r[3]!, 10) - parseInt(r[2]!, 10) + 1) * w : part.trim() ? w : 0;
  }
  return n;
}

/** Class and cycles of one instruction (branch cycles for the taken case; a fall-through is charged in `TraceMix`). */
export function classify(insn: Insn): { cls: InsnClass; cycles: number; isBranch: boolean } {
  const c = classifyOp(insn);
  const op = insn.op.toLowerCase();
  const onStack = /^v?(push|pop)/.test(op) || /\[(sp|pc)\b|^sp!|\bsp!/.test(insn.args);
  return onStack && /load|store/.test(c.cls) ? { ...c, cls: 'stack' } : c;
}

function classifyOp(insn: Insn): { cls: InsnClass; cycles: number; isBranch: boolean } {
  const op = insn.op.toLowerCase().replace(/\.[wn]$/, '');
  const pcInList = /\{[^}]*\bpc\b[^}]*\}/.test(insn.args);
  if (RE.fpMac.test(op)) return { cls: 'fp-mac', cycles: 3, isBranch: false };
  if (RE.fpDiv.test(op)) return { cls: 'fp-other', cycles: 14, isBranch: false };
  if (RE.fpLdSt1.test(op)) return { cls: op.startsWith('vldr') ? 'fp-load' : 'fp-store', cycles: 2, isBranch: false };
  if (RE.fpMulti.test(op))
    return { cls: /^v(ldm|pop)/.test(op) ? 'fp-load' : 'fp-store', cycles: 1 + regCount(insn.args), isBranch: false };
  if (op.startsWith('v')) return { cls: 'fp-other', cycles: 1, isBranch: false };
  if (RE.ldst2.test(op)) return { cls: op.startsWith('ldr') ? 'load' : 'store', cycles: 3, isBranch: false };
  if (RE.multi.test(op)) {
    const load = /^(ldm|pop)/.test(op);
    return {
      cls: load ? 'load' : 'store',
      cycles: 1 + regCount(insn.args) + (load && pcInList ? BRANCH_PENALTY : 0),
      isBranch: load && pcInList,
    };
  }
  if (RE.ld1.test(op)) {
    const toPc = /^pc\b/.test(insn.args);
    return { cls: 'load', cycles: 2 + (toPc ? BRANCH_PENALTY : 0), isBranch: toPc };
  }
  if (RE.st1.test(op)) return { cls: 'store', cycles: 2, isBranch: false };
  if (RE.branch.test(op)) return { cls: 'branch', cycles: 1 + BRANCH_PENALTY, isBranch: true };
  if (RE.div.test(op)) return { cls: 'alu', cycles: 12, isBranch: false };
  if (RE.intMac.test(op)) return { cls: 'int-mac', cycles: 1, isBranch: false };
  return { cls: 'alu', cycles: 1, isBranch: false };
}

export interface Mix {
  instructions: number;
  cycles: number;
  byClass: Record<InsnClass, number>;
  /** Conditional branches that fell through (charged 1 instead of 1 + P). */
  notTaken: number;
}

const emptyMix = (): Mix => ({
  instructions: 0,
  cycles: 0,
  notTaken: 0,
  byClass: { 'fp-mac': 0, 'fp-load': 0, 'fp-store': 0, 'fp-other': 0, 'int-mac': 0, load: 0, store: 0, stack: 0, branch: 0, alu: 0 },
});

interface Block {
  insns: { insn: Insn; cls: InsnClass; cycles: number; single: boolean }[];
  /** Cycles of the block when its last instruction is a taken branch / not taken. */
  taken: number;
  fallCycles: number;
  fallthrough: number;
  condBranch: boolean;
}

/**
 * Streaming reader of a QEMU `-d in_asm,exec,nochain` log. Regions are delimited by executions of the marker function
 * (`markerPc`): executions between the 1st and 2nd marker form region 0, between the 3rd and 4th region 1, and so on.
 * Feed it lines in log order with `line()`, then read `regions`.
 */
export class TraceMix {
  readonly regions: Mix[] = [];
  private blocks = new Map<number, Block>();
  private pending: number[] | null = null;
  private pendingPc = -1;
  private inside = false;
  private markers = 0;
  private prev: Block | null = null;
  constructor(
    private readonly insns: Map<number, Insn>,
    private readonly markerPc: number,
  ) {}

  private build(addrs: number[]): Block {
    const out: Block['insns'] = [];
    let prevSingle = false;
    for (const a of addrs) {
      const insn = this.insns.get(a);
      if (!insn) throw new NotFound(`address 0x${a.toString(16)} from the QEMU trace is not an instruction in the objdump text`);
      const c = classify(insn);
      const single = (c.cls === 'load' || c.cls === 'store' || c.cls === 'stack') && c.cycles === 2 && !insn.op.startsWith('v');
      // TRM: a single load/store right after another pipelines its address phase: 1 cycle
      out.push({ insn, cls: c.cls, cycles: single && prevSingle ? 1 : c.cycles, single });
      prevSingle = single;
    }
    const last = out[out.length - 1]!;
    const total = out.reduce((s, x) => s + x.cycles, 0);
    const op = last.insn.op.toLowerCase().replace(/\.[wn]$/, '');
    const condBranch = last.cls === 'branch' && (/^cbn?z$/.test(op) || /^b(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)$/.test(op));
    return {
      insns: out,
      taken: total,
      fallCycles: condBranch ? total - BRANCH_PENALTY : total,
      fallthrough: last.insn.addr + last.insn.size,
      condBranch,
    };
  }

  line(l: string): void {
    if (l.startsWith('IN:')) {
      this.pending = [];
      return;
    }
    if (this.pending) {
      const m = /^0x([0-9a-f]+):/.exec(l);
      if (m) {
        const a = parseInt(m[1]!, 16);
        if (this.pending.length === 0) this.pendingPc = a;
        this.pending.push(a);
        return;
      }
      if (this.pending.length) this.blocks.set(this.pendingPc, this.build(this.pending));
      this.pending = null;
    }
    if (!l.startsWith('Trace ')) return;
    const t = /\[[0-9a-f]+\/([0-9a-f]+)\//.exec(l);
    if (!t) throw new FormatError(`unexpected QEMU exec line: ${l.slice(0, 120)}`);
    const pc = parseInt(t[1]!, 16);
    if (pc === this.markerPc) {
      this.settle(null, pc);
      this.markers++;
      this.inside = this.markers % 2 === 1;
      if (this.inside) this.regions.push(emptyMix());
      this.prev = null;
      return;
    }
    this.settle(this.blocks.get(pc) ?? null, pc);
  }

  /** Charge the previous block now that the next pc (taken or fall-through) is known. */
  private settle(next: Block | null, pc: number): void {
    const b = this.prev;
    if (b && this.inside) {
      const mix = this.regions[this.regions.length - 1]!;
      const fell = b.condBranch && pc === b.fallthrough;
      mix.cycles += fell ? b.fallCycles : b.taken;
      if (fell) mix.notTaken++;
      mix.instructions += b.insns.length;
      for (const x of b.insns) mix.byClass[x.cls]++;
    }
    if (next === null && pc !== this.markerPc && this.inside) {
      throw new NotFound(`QEMU executed a block at 0x${pc.toString(16)} that was never listed by in_asm`);
    }
    this.prev = next;
  }

  /** Flush a trailing "IN:" block (call at end of input). */
  end(): void {
    if (this.pending?.length) this.blocks.set(this.pendingPc, this.build(this.pending));
    this.pending = null;
  }
}
