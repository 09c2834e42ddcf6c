// Desktop suite: the extension in a real desktop VS Code through @vscode/test-electron, for machines that have VS Code.
// CI (offline) runs the code-server suite test/vscode.e2e.test.ts instead: test-electron cannot download VS Code here.
//
//   npm i -D @vscode/test-electron@2.5.2      (not in package.json; install it where VS Code is available)
//   VSCODE_EXECUTABLE=/usr/bin/code node test/vscode/desktop/run.mjs      (or: code on PATH; or let test-electron download)
//
// Runs the extension from this repo (extensionDevelopmentPath = repo root, after `node esbuild.mjs`) in a fresh user-data
// dir with other extensions disabled, opens a temp workspace outside the repo, and executes suite.cjs in the extension host.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const require = createRequire(import.meta.url);
let runTests;
try {
  ({ runTests } = require('@vscode/test-electron'));
} catch {
  console.error('@vscode/test-electron is not installed. Install it where VS Code is available: npm i -D @vscode/test-electron@2.5.2');
  process.exit(2);
}
function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const ws = mkdtempSync(join(tmpdir(), 'edgelab-desktop-ws-'));
const user = mkdtempSync(join(tmpdir(), 'edgelab-desktop-user-'));
cpSync(join(root, 'test', 'fixtures', 'notebooks', 'figures-all-kinds.ipynb'), join(ws, 'figures-all-kinds.ipynb'));
let code = 1;
try {
  code = await runTests({
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE ?? which('code'),
    extensionDevelopmentPath: root,
    extensionTestsPath: join(here, 'suite.cjs'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${user}`],
    extensionTestsEnv: { EDGELAB_DESKTOP_WS: ws },
  });
} catch (e) {
  console.error(`desktop suite failed: ${e?.message ?? e}`);
} finally {
  rmSync(ws, { recursive: true, force: true });
  rmSync(user, { recursive: true, force: true });
}
process.exit(code);
