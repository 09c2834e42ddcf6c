// The paper boundaries in eslint.config.mjs (rule edgelab/paper-boundaries) catch planted violations: a copy of the tree
// gets four files that break one boundary each, eslint runs on the copy, and exactly those files fail, naming the rule
// (the untouched files of the folders involved pass).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');
const SKIP = /(^|\/)(node_modules|dist|out|\.git|\.cache|artifacts)(\/|$)|\.(bin|gz|wasm|safetensors)$/;

test('eslint fails on planted paper-boundary violations and passes on the real files', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'edgelab-lint-'));
  try {
    for (const f of ['eslint.config.mjs', 'package.json', 'tsconfig.json', 'kernel', 'extension', 'scripts', 'bench']) {
      cpSync(join(root, f), join(tmp, f), { recursive: true, filter: (src) => !SKIP.test(src.slice(root.length)) });
    }
    symlinkSync(join(root, 'node_modules'), join(tmp, 'node_modules'), 'dir');
    const plants: Record<string, string> = {
      // a paper reaching into a paper it does not build on
      'kernel/stitch/__planted.ts': "import { mapLayer } from '../cim/crossbar';\nexport const planted = mapLayer;\n",
      // a paper it builds on, but past its index.ts
      'kernel/sws/__planted.ts': "import { tileImage } from '../cim/crossbar';\nexport const planted = tileImage;\n",
      // extension code reaching into a paper's internals
      'extension/__planted.ts':
        "import type { LoadedGazeSet } from '../kernel/gaze/world/loaders';\nexport type Planted = LoadedGazeSet;\n",
      // core importing a paper
      'kernel/core/__planted.ts': "export { cka } from '../stitch';\n",
    };
    for (const [f, src] of Object.entries(plants)) writeFileSync(join(tmp, f), src);
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/eslint/bin/eslint.js'),
        '--format',
        'json',
        'kernel/stitch',
        'kernel/sws',
        'kernel/cim',
        'kernel/core',
        'extension/__planted.ts',
        'extension/gaze',
        'bench/sws.bench.ts',
      ],
      { cwd: tmp, encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    assert.equal(r.status, 1, `eslint should fail: ${r.stderr}`);
    const results = JSON.parse(r.stdout) as { filePath: string; messages: { ruleId: string | null; message: string }[] }[];
    const failing = Object.fromEntries(results.filter((x) => x.messages.length).map((x) => [x.filePath.slice(tmp.length + 1), x.messages]));
    assert.deepEqual(Object.keys(failing).sort(), Object.keys(plants).sort(), 'only the planted files fail');
    for (const [f, msgs] of Object.entries(failing)) {
      assert.equal(msgs.length, 1, `${f}: ${JSON.stringify(msgs)}`);
      assert.equal(msgs[0]!.ruleId, 'edgelab/paper-boundaries', f);
    }
    assert.match(failing['kernel/stitch/__planted.ts']![0]!.message, /stitch does not build on cim/);
    assert.match(failing['kernel/sws/__planted.ts']![0]!.message, /only through kernel\/cim\/index\.ts/);
    assert.match(failing['extension/__planted.ts']![0]!.message, /use kernel\/gaze\/index\.ts/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
