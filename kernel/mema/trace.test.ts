import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatError, NotFound } from '../core/errors';
import { TraceMix, classify, parseObjdump, BRANCH_PENALTY } from './trace';

// A hand-written objdump fragment: a marker function and a loop of 2 loads, 1 vmla, a counter and a backward branch.
const OBJDUMP = `
00000100 <mema_mark>:
     100:	4770      	bx	lr

00000102 <loop>:
     102:	ecf3 7a01 	vldmia	r3!, {s15}
     106:	ed92 7a00 	vldr	s14, [r2]
     10a:	ee07 0a27 	vmla.f32	s0, s14, s15
     10e:	f852 1b04 	ldr.w	r1, [r2], #4
     112:	f852 4b04 	ldr.w	r4, [r2], #4
     116:	3801      	subs	r0, #1
     118:	d1f3      	bne.n	102 <loop>
     11a:	e8bd 8010 	ldmia.w	sp!, {r4, pc}
`;

test('cycle table: TRM classes, load pipelining, register lists, taken vs fall-through branches', () => {
  const { insns, symbols } = parseObjdump(OBJDUMP);
  assert.equal(symbols.get('mema_mark'), 0x100);
  assert.equal(insns.get(0x10a)!.size, 4);
  assert.deepEqual(classify(insns.get(0x10a)!), { cls: 'fp-mac', cycles: 3, isBranch: false });
  assert.equal(classify(insns.get(0x102)!).cycles, 2); // VLDM with one register: 1 + 1
  assert.equal(classify(insns.get(0x11a)!).cycles, 1 + 2 + BRANCH_PENALTY); // LDM {r4, pc}
  assert.equal(classify({ addr: 0, size: 4, op: 'smlad', args: 'r0, r1, r2, r0' }).cls, 'int-mac');
  assert.equal(classify({ addr: 0, size: 2, op: 'bics', args: 'r0, r1' }).cls, 'alu');
  assert.equal(classify({ addr: 0, size: 4, op: 'vpush', args: '{s16-s21}' }).cycles, 7);

  // log: marker, loop body 3× (taken, taken, fall-through to 0x11a), marker
  const log = [
    'IN: mema_mark',
    '0x00000100:  4770       bx lr',
    '',
    'Trace 0: 0x7f00 [00800408/00000100/00000010/ff000200] mema_mark',
    'IN: loop',
    ...[0x102, 0x106, 0x10a, 0x10e, 0x112, 0x116, 0x118].map((a) => `0x${a.toString(16).padStart(8, '0')}:  0000 op`),
    '',
    ...[0, 1, 2].map(() => 'Trace 0: 0x7f10 [00800408/00000102/00000010/ff000200] loop'),
    'IN: loop',
    '0x0000011a:  e8bd 8010  pop {r4, pc}',
    '',
    'Trace 0: 0x7f20 [00800408/0000011a/00000010/ff000200] loop',
    'Trace 0: 0x7f00 [00800408/00000100/00000010/ff000200] mema_mark',
  ];
  const mix = new TraceMix(insns, 0x100);
  for (const l of log) mix.line(l);
  mix.end();
  assert.equal(mix.regions.length, 1);
  const r = mix.regions[0]!;
  // body: vldm 2 + vldr 2 + vmla 3 + ldr 2 + ldr 1 (pipelined) + subs 1 + bne (1 + P taken | 1 fall-through)
  const body = 2 + 2 + 3 + 2 + 1 + 1;
  assert.equal(r.cycles, 2 * (body + 1 + BRANCH_PENALTY) + (body + 1) + (1 + 2 + BRANCH_PENALTY));
  assert.equal(r.instructions, 3 * 7 + 1);
  assert.equal(r.notTaken, 1);
  assert.deepEqual([r.byClass['fp-mac'], r.byClass['fp-load'], r.byClass.load, r.byClass.stack, r.byClass.branch], [3, 6, 6, 1, 3]);

  // an executed block never listed by in_asm, or an address objdump does not know, is a named error
  const bad = new TraceMix(insns, 0x100);
  bad.line('Trace 0: 0x7f00 [00800408/00000100/00000010/ff000200] mema_mark');
  assert.throws(() => bad.line('Trace 0: 0x7f00 [00800408/00000200/00000010/ff000200] x'), NotFound);
  const bad2 = new TraceMix(insns, 0x100);
  bad2.line('IN: x');
  bad2.line('0x00000300:  0000 op');
  assert.throws(() => bad2.line(''), NotFound);
  assert.throws(() => parseObjdump('nothing here'), FormatError);
});
