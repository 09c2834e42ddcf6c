// Installs a real VS Code for the end-to-end suite: code-server 4.100.3 (= VS Code 1.100.3 OSS, the newest code-server
// whose engines allow Node 20) into .cache/code-server, offline (npm registry + Debian apt only). Idempotent.
// Three tweaks make it install offline (see shared/recipes/code-server/NOTES.md, verified here):
//  - npm_config_unsafe_perm=true: code-server's postinstall refuses root otherwise;
//  - npm_config_yes=true: node-pty's postinstall runs `npx node-gyp`, which aborts with yes=false;
//  - @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache holds the tarball: we seed the cache with
//    the static rg shipped in the npm package @vscode/ripgrep-linux-x64.
// Usage: node test/vscode/setup.mjs   → prints the code-server binary path.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CS_VERSION = process.env.EDGELAB_CS_VERSION ?? '4.100.3';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PREFIX = process.env.EDGELAB_CS_PREFIX ?? join(root, '.cache', 'code-server');
export const CS_BIN = join(PREFIX, 'cs', 'node_modules', '.bin', 'code-server');
const RG_PKG = '@vscode/ripgrep-linux-x64@1.18.0';

const sh = (cmd, opts = {}) => execSync(cmd, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts }).trim();

export function setupCodeServer(log = (m) => console.error(m)) {
  const rg = join(PREFIX, 'cs', 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
  if (existsSync(CS_BIN) && existsSync(rg)) return CS_BIN;
  const pkgs = join(PREFIX, 'pkgs');
  mkdirSync(pkgs, { recursive: true });
  const tmp = join(PREFIX, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const env = {
    ...process.env,
    TMPDIR: tmp,
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  log(`setup: code-server ${CS_VERSION} into ${PREFIX}`);
  const csTgz = sh(`npm pack --silent code-server@${CS_VERSION}`, { cwd: pkgs, env }).split('\n').pop();
  const shrink = JSON.parse(
    execFileSync('tar', ['xzf', csTgz, '-O', 'package/lib/vscode/npm-shrinkwrap.json'], {
      cwd: pkgs,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    }),
  );
  const rgVer = shrink.packages['node_modules/@vscode/ripgrep'].version;
  const rgTgz = sh(`npm pack --silent @vscode/ripgrep@${rgVer}`, { cwd: pkgs, env }).split('\n').pop();
  const post = execFileSync('tar', ['xzf', rgTgz, '-O', 'package/lib/postinstall.js'], { cwd: pkgs, encoding: 'utf8' });
  const tag = /^const VERSION = '(.*)';/m.exec(post)?.[1];
  if (tag) {
    const cache = join(tmp, `vscode-ripgrep-cache-${rgVer}`);
    const asset = join(cache, `ripgrep-${tag}-x86_64-unknown-linux-musl.tar.gz`);
    if (!existsSync(asset)) {
      const binTgz = sh(`npm pack --silent ${RG_PKG}`, { cwd: pkgs, env }).split('\n').pop();
      rmSync(join(pkgs, 'rgbin'), { recursive: true, force: true });
      mkdirSync(join(pkgs, 'rgbin'));
      execFileSync('tar', ['xzf', binTgz, '-C', join(pkgs, 'rgbin')], { cwd: pkgs });
      mkdirSync(cache, { recursive: true });
      execFileSync('tar', ['czf', asset, '-C', join(pkgs, 'rgbin', 'package', 'bin'), 'rg']);
    }
    log(`setup: seeded ripgrep cache ${asset}`);
  }
  const cs = join(PREFIX, 'cs');
  mkdirSync(cs, { recursive: true });
  if (!existsSync(join(cs, 'package.json'))) writeFileSync(join(cs, 'package.json'), '{"private":true}\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', `code-server@${CS_VERSION}`], {
    cwd: cs,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (!existsSync(rg)) throw new Error(`code-server installed but ripgrep is missing at ${rg}`);
  const ver = sh(`"${CS_BIN}" --config /dev/null --version`, { env: { ...env, XDG_DATA_HOME: tmp } });
  log(`setup: ${ver.split('\n')[0]}`);
  return CS_BIN;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t = Date.now();
  console.log(setupCodeServer());
  console.error(`setup took ${((Date.now() - t) / 1000).toFixed(0)} s`);
}
