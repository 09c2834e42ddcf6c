import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ensureEdgelabLink, writeShim } from './link';

function fakePackage(dir: string, marker: string) {
  mkdirSync(join(dir, 'dist', 'kernel'), { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'edgelab', main: 'dist/kernel/index.js', types: 'dist/kernel/index.d.ts' }),
  );
  writeFileSync(join(dir, 'dist', 'kernel', 'index.js'), `exports.marker = ${JSON.stringify(marker)};`);
  writeFileSync(join(dir, 'dist', 'kernel', 'index.d.ts'), 'export declare const marker: string;');
}
const resolveFrom = (dir: string) =>
  execFileSync(process.execPath, ['-e', "process.stdout.write(require('edgelab').marker)"], { cwd: dir, encoding: 'utf8' });

test('ensureEdgelabLink: links <root>/node_modules/edgelab to the extension package so require resolves from a subfolder', () => {
  const t = mkdtempSync(join(tmpdir(), 'el-link-'));
  try {
    const ext = join(t, 'exts', 'edgelab.edgelab-0.1.0');
    fakePackage(ext, 'v1');
    const ws = join(t, 'ws');
    const sub = join(ws, 'papers');
    mkdirSync(sub, { recursive: true });
    const r = ensureEdgelabLink({ from: sub, root: ws, packageDir: ext });
    assert.equal(r.action, 'linked');
    assert.equal(r.path, join(ws, 'node_modules', 'edgelab'));
    assert.equal(realpathSync(r.path), realpathSync(ext));
    assert.equal(resolveFrom(sub), 'v1');
    assert.equal(ensureEdgelabLink({ from: sub, root: ws, packageDir: ext }).action, 'exists', 'second call is a no-op');

    // a newer extension version replaces the link into the old install
    const ext2 = join(t, 'exts', 'edgelab.edgelab-0.2.0');
    fakePackage(ext2, 'v2');
    assert.equal(ensureEdgelabLink({ from: sub, root: ws, packageDir: ext2 }).action, 'linked');
    assert.equal(resolveFrom(sub), 'v2');

    // dangling link (extension uninstalled) is replaced
    rmSync(ext2, { recursive: true });
    assert.equal(ensureEdgelabLink({ from: sub, root: ws, packageDir: ext }).action, 'linked');
    assert.equal(resolveFrom(sub), 'v1');
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});

test('ensureEdgelabLink: a real install or a self-link (this repo) is left alone; a non-edgelab package dir is refused', () => {
  const t = mkdtempSync(join(tmpdir(), 'el-link-'));
  try {
    const ext = join(t, 'edgelab.edgelab-0.1.0');
    fakePackage(ext, 'ext');
    const repo = join(t, 'repo');
    fakePackage(repo, 'repo');
    mkdirSync(join(repo, 'node_modules'));
    symlinkSync('..', join(repo, 'node_modules', 'edgelab'));
    const r = ensureEdgelabLink({ from: repo, packageDir: ext });
    assert.equal(r.action, 'exists');
    assert.equal(readlinkSync(join(repo, 'node_modules', 'edgelab')), '..');
    assert.equal(resolveFrom(repo), 'repo');
    const own = join(t, 'own');
    fakePackage(join(own, 'node_modules', 'edgelab'), 'own');
    assert.equal(ensureEdgelabLink({ from: own, packageDir: ext }).action, 'exists');
    assert.equal(resolveFrom(own), 'own');
    assert.throws(() => ensureEdgelabLink({ from: own, packageDir: t }), /not the edgelab package/);
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});

test('writeShim: a two-file package re-exporting the bundled kernel (fallback where links fail)', () => {
  const t = mkdtempSync(join(tmpdir(), 'el-link-'));
  try {
    const ext = join(t, 'ext');
    fakePackage(ext, 'shimmed');
    const ws = join(t, 'ws');
    mkdirSync(ws);
    writeShim(join(ws, 'node_modules', 'edgelab'), ext);
    assert.ok(lstatSync(join(ws, 'node_modules', 'edgelab')).isDirectory());
    assert.equal(resolveFrom(ws), 'shimmed');
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});
