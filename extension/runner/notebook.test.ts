// errorOf: how a failed cell is named in the runner's result (CLI, tour report, tests). tslab reports errors only as
// stderr text, so the name and message are read from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf } from './notebook';
import type { ExecuteResult } from './kernel';

const failed = (stderr: string): ExecuteResult => ({
  status: 'error',
  executionCount: 3,
  reply: { status: 'error' },
  outputs: [{ output_type: 'stream', name: 'stderr', text: stderr }],
});

test('an EdgeLab error thrown in a cell is named by its class and message, not by the last line of the dump', () => {
  const e = errorOf(
    failed(
      [
        'NotFound: Fashion-MNIST train files not found in /usr/share/datasets/fashion-mnist. Install them with: apt-get install -y dataset-fashion-mnist',
        '    at Object.loadFashionMnist (/w/dist/kernel/index.js:6336:13)',
        '    at evalmachine.<anonymous>:3:26 {',
        "  code: 'NOT_FOUND'",
        '}',
      ].join('\n'),
    ),
  );
  assert.equal(e.ename, 'NotFound');
  assert.match(e.evalue, /^Fashion-MNIST train files not found/);
  assert.equal(e.traceback.length, 5);
});

test('plain Error and TypeScript diagnostics keep their names', () => {
  assert.deepEqual(
    [errorOf(failed('Error: boom\n    at evalmachine.<anonymous>:1:7\n')).ename, errorOf(failed('Error: boom\n    at x\n')).evalue],
    ['Error', 'boom'],
  );
  const c = errorOf(failed("1:7 - Cannot find name 'nope'.\n"));
  assert.equal(c.ename, 'CompileError');
  assert.match(c.evalue, /Cannot find name 'nope'/);
  // kernel-reported errors (ipykernel) win over stderr parsing
  const k = errorOf({
    ...failed('noise'),
    outputs: [{ output_type: 'error', ename: 'ZeroDivisionError', evalue: 'division by zero', traceback: [] }],
  });
  assert.deepEqual([k.ename, k.evalue], ['ZeroDivisionError', 'division by zero']);
});
