// npm test: every suite, in order, each with a time budget; prints the time each took and one closing line
// "tests: N passed, N failed[, N skipped]". Select suites: npm test -- --suite unit,notebooks
//
//   provision  apt packages the tests need (scripts/provision.mjs)          budget  10 min
//   build      esbuild bundles + kernel .d.ts; .vsix (size budget ≤ 40 MiB)        3 min
//   static     tsc (node + web), eslint import boundaries, prettier, bench schema   4 min
//   unit       {kernel,extension,bench,scripts}/**/*.test.ts (node:test)           10 min
//   bench-quick bench/quick.ts: every bench --quick, deterministic keys vs committed  7 min
//   notebooks  test/notebooks.*.test.ts (runner vs tslab, ipykernel, nbconvert)    8 min
//   tutorials  test/tutorials.*.test.ts (every notebooks/*.ipynb with defaults)  20 min
//   browser    test/browser.*.test.ts (renderer and pages in headless Chromium)    5 min
//   vscode     test/vscode.*.test.ts (extension in code-server + Chromium)        15 min
//   qemu       test/qemu.*.test.ts (emitted C on a Cortex-M4 under QEMU)           5 min
// Budgets are kill limits per suite. unit and tutorials run two at a time (EDGELAB_TEST_JOBS, default min(2, cores)):
// their tests are independent processes (kernels, workers, random ports), and CI has 2 cores; vscode stays serial.
// Budgets are kill limits per suite. The whole run is expected within TOTAL_BUDGET_S (25 min on the 2-core machine,
// clean clone, incl. provisioning); the closing table says when it was not.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdirSync, existsSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { ensureApt, APT } from './provision.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const si = args.indexOf('--suite');
const only = si >= 0 ? args[si + 1].split(',') : null;
const artifacts = join(root, 'test', 'artifacts');
mkdirSync(artifacts, { recursive: true });

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'dist' || e === 'out' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}
const testFiles = (pred) =>
  walk(root)
    .map((p) => relative(root, p))
    .filter(pred)
    .sort();
const integration = (name) => testFiles((p) => p.startsWith(`test${'/'}${name}.`) && p.endsWith('.test.ts'));

const TOTAL_BUDGET_S = 25 * 60;
const JOBS = Math.max(1, Number(process.env.EDGELAB_TEST_JOBS) || Math.min(2, availableParallelism()));
process.env.EDGELAB_TEST_JOBS = String(JOBS); // read by test/tutorials.notebooks.test.ts
const SUITES = [
  { name: 'provision', budget: 600, kind: 'fn', fn: () => ensureApt(APT.test) },
  {
    name: 'build',
    budget: 180,
    kind: 'cmd',
    cmds: [
      [process.execPath, ['esbuild.mjs']],
      [process.execPath, ['extension/build/package-vsix.mjs']],
    ],
  },
  {
    name: 'static',
    budget: 240,
    kind: 'cmd',
    cmds: [
      [process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']],
      [
        process.execPath,
        ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.web.json'],
        { skipUnless: () => testFiles((p) => /^extension\/(renderer|webviews)\/.*\.ts$/.test(p)).length > 0 },
      ],
      [
        process.execPath,
        ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.web-tests.json'],
        { skipUnless: () => testFiles((p) => /^extension\/(renderer|webviews)\/.*\.test\.ts$/.test(p)).length > 0 },
      ],
      [process.execPath, ['node_modules/eslint/bin/eslint.js', '.']],
      [process.execPath, ['node_modules/prettier/bin/prettier.cjs', '--check', '.']],
      [process.execPath, ['--import', 'tsx', 'bench/validate.ts']],
      [process.execPath, ['--import', 'tsx', 'scripts/check-docs.ts']],
    ],
  },
  {
    name: 'unit',
    budget: 600,
    kind: 'node-test',
    concurrency: JOBS,
    files: () => testFiles((p) => /^(kernel|extension|bench|scripts)\/.*\.test\.ts$/.test(p)),
  },
  { name: 'bench-quick', budget: 420, kind: 'cmd', cmds: [[process.execPath, ['--import', 'tsx', 'bench/quick.ts']]] },
  { name: 'notebooks', budget: 480, kind: 'node-test', files: () => integration('notebooks') },
  { name: 'tutorials', budget: 1200, kind: 'node-test', files: () => integration('tutorials') },
  { name: 'browser', budget: 300, kind: 'node-test', files: () => integration('browser') },
  { name: 'vscode', budget: 900, kind: 'node-test', files: () => integration('vscode') },
  { name: 'qemu', budget: 300, kind: 'node-test', files: () => integration('qemu') },
];

function runProc(cmd, argv, budgetS, extra = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, stdio: 'inherit', detached: true, env: { ...process.env, FORCE_COLOR: '0' }, ...extra });
    const timer = setTimeout(() => {
      console.error(`\n✖ budget of ${budgetS} s exceeded: killing ${cmd} ${argv.join(' ')}`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      // A killed e2e suite cannot stop the code-server it started in its own process group (test/vscode/harness.ts):
      // end everything running from this checkout's code-server install, or it lives on and loads the next runs.
      spawnSync('pkill', ['-9', '-f', join(root, '.cache', 'code-server')]);
    }, budgetS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* group gone */
      }
      resolve({ code: code ?? 1, signal });
    });
  });
}

function parseTap(path) {
  const r = { pass: 0, fail: 0, skipped: 0, todo: 0, cancelled: 0 };
  if (!existsSync(path)) return null;
  const txt = readFileSync(path, 'utf8');
  for (const k of Object.keys(r)) {
    const m = [...txt.matchAll(new RegExp(`^# ${k} (\\d+)$`, 'gm'))].pop();
    if (m) r[k] = Number(m[1]);
  }
  return r;
}

const totals = { pass: 0, fail: 0, skipped: 0 };
const rows = [];
const t00 = Date.now();
for (const s of SUITES) {
  if (only && !only.includes(s.name)) continue;
  const t0 = Date.now();
  console.log(`\n━━ suite ${s.name} (budget ${s.budget} s) ━━`);
  let status = 'ok',
    counts = { pass: 0, fail: 0, skipped: 0 };
  if (s.kind === 'fn') {
    try {
      s.fn();
      counts.pass = 1;
    } catch (e) {
      console.error(e.message);
      status = 'FAILED';
      counts.fail = 1;
    }
  } else if (s.kind === 'cmd') {
    for (const [cmd, argv, opt] of s.cmds) {
      if (opt?.skipUnless && !opt.skipUnless()) {
        console.log(`(not run: ${argv.join(' ')} has no inputs yet)`);
        continue;
      }
      console.log(`$ ${[cmd === process.execPath ? 'node' : cmd, ...argv].join(' ')}`);
      const r = await runProc(cmd, argv, s.budget);
      if (r.code === 0) counts.pass++;
      else {
        counts.fail++;
        status = 'FAILED';
      }
    }
  } else {
    const files = s.files();
    if (!files.length) {
      console.log('(no test files in this suite yet)');
      rows.push([s.name, 'empty', 0, 0, 0, 0]);
      continue;
    }
    const tap = join(artifacts, `${s.name}.tap`);
    const r = await runProc(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${s.concurrency ?? 1}`,
        `--test-timeout=${s.budget * 1000}`,
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${tap}`,
        ...files,
      ],
      s.budget,
    );
    const c = parseTap(tap);
    if (c) counts = { pass: c.pass, fail: c.fail + c.cancelled, skipped: c.skipped + c.todo };
    if (r.code !== 0 || counts.fail) {
      status = 'FAILED';
      if (!counts.fail) counts.fail = 1;
    }
  }
  const secs = (Date.now() - t0) / 1000;
  totals.pass += counts.pass;
  totals.fail += counts.fail;
  totals.skipped += counts.skipped;
  rows.push([s.name, status, secs, counts.pass, counts.fail, counts.skipped]);
  console.log(`━━ ${s.name}: ${status} in ${secs.toFixed(1)} s (${counts.pass} passed, ${counts.fail} failed)`);
}
console.log('\nsuite       status   seconds  passed  failed  skipped');
for (const [n, st, secs, p, f, sk] of rows)
  console.log(
    `${n.padEnd(11)} ${String(st).padEnd(8)} ${secs.toFixed(1).padStart(7)} ${String(p).padStart(7)} ${String(f).padStart(7)} ${String(sk).padStart(8)}`,
  );
const total = (Date.now() - t00) / 1000;
console.log(`total ${total.toFixed(1)} s${only ? '' : ` (CI budget ${TOTAL_BUDGET_S} s${total > TOTAL_BUDGET_S ? ': OVER BUDGET' : ''})`}`);
console.log(`tests: ${totals.pass} passed, ${totals.fail} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.fail ? 1 : 0);
