import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pack } from '../../kernel/viz/codec';
import { base64ByteLength, byteLength, decodePacked, elementCount, PayloadError } from './packed';

test('decodePacked round-trips every dtype through the kernel packer', () => {
  const cases: [Parameters<typeof pack>[1], number[]][] = [
    ['uint8', [0, 1, 255, 7]],
    ['int8', [-128, 127, 0, -1]],
    ['int16', [-32768, 32767, 300, -2]],
    ['uint16', [0, 65535, 1234, 9]],
    ['int32', [-2147483648, 2147483647, 5, -70000]],
    ['float32', [0.5, -1.25, 3e8, 0]],
  ];
  for (const [dtype, values] of cases) {
    const d = decodePacked(pack(values, dtype, [2, 2]), dtype);
    assert.deepEqual(Array.from(d), values, dtype);
  }
});

test("'bit' decodes MSB first and ignores the padding bits of the last byte", () => {
  // 0b10100000 0b1xxxxxxx: elements 0, 2 and 8 set, 9 elements.
  const d = decodePacked({ dtype: 'bit', shape: [3, 3], b64: btoa(String.fromCharCode(0xa0, 0xff)) });
  assert.deepEqual(Array.from(d), [1, 0, 1, 0, 0, 0, 0, 0, 1]);
  const bits = Array.from({ length: 37 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));
  assert.deepEqual(Array.from(decodePacked(pack(bits, 'bit', [37]))), bits);
});

test('decodePacked names the field when bytes and shape disagree or the base64 is bad', () => {
  assert.throws(
    () => decodePacked({ dtype: 'int16', shape: [3], b64: btoa('abcd') }, 'weights'),
    (e: unknown) => e instanceof PayloadError && /weights/.test(e.message) && /6 bytes, got 4/.test(e.message),
  );
  assert.throws(
    () => decodePacked({ dtype: 'uint8', shape: [2], b64: 'A$==' }, 'cells'),
    (e: unknown) => e instanceof PayloadError && /cells/.test(e.message),
  );
});

test('byte counts match without decoding', () => {
  assert.equal(elementCount([3, 4, 5]), 60);
  assert.throws(() => elementCount([2, -1]), PayloadError);
  assert.throws(() => elementCount('3'), PayloadError);
  assert.equal(byteLength('bit', 9), 2);
  assert.equal(byteLength('float32', 9), 36);
  for (const n of [0, 1, 2, 3, 4, 5, 100]) {
    const p = pack(new Array(n).fill(1), 'uint8', [n]);
    assert.equal(base64ByteLength(p.b64), n, `n=${n}`);
  }
});
