// `EdgeLab: Open Gaze Calibration` (extension/calibration.ts) with the vscode module mocked: the panel's message
// loop, the camera page opened through env.asExternalUri + env.openExternal (a code-server-style proxy URI here), the
// profile POSTed to the real loopback server reaching the panel, and the server closing with the panel.
import { vscodeMock, envMock } from './vscode-mock-env';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { openCalibration, setGazeKernelFactory } from '../calibration';
import { fakeKernelApi, sampleProfile } from './testing';
import { parseHostMessage, type HostMessage } from './messages';

const root = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'edgelab-gaze-panel-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Enough of vscode.Uri for the panel: parse, path, with({ path }), toString. */
class MockUri {
  private readonly u: URL;
  constructor(s: string) {
    this.u = new URL(s);
  }
  get path() {
    return this.u.pathname;
  }
  with(c: { path?: string }) {
    const x = new URL(this.u.href);
    if (c.path !== undefined) x.pathname = c.path;
    return new MockUri(x.href);
  }
  toString() {
    return this.u.href;
  }
}
type Listener = (m: unknown) => void;

function mockVscode() {
  const posted: HostMessage[] = [];
  const external: string[] = [];
  let onMessage: Listener = () => undefined;
  let onDispose = () => undefined as void;
  const panel = {
    webview: {
      cspSource: 'https://x.vscode-cdn.net',
      html: '',
      asWebviewUri: (u: { fsPath: string }) => ({ toString: () => `https://x.vscode-cdn.net${u.fsPath}` }),
      postMessage: (m: unknown) => {
        posted.push(parseHostMessage(JSON.parse(JSON.stringify(m))));
        return Promise.resolve(true);
      },
      onDidReceiveMessage: (l: Listener) => {
        onMessage = l;
        return { dispose() {} };
      },
    },
    onDidDispose: (l: () => void) => {
      onDispose = l;
      return { dispose() {} };
    },
  };
  const m = vscodeMock as unknown as Record<string, any>;
  m.window.createWebviewPanel = (
    _id: string,
    _title: string,
    _col: unknown,
    opts: { enableScripts: boolean; localResourceRoots: { fsPath: string }[] },
  ) => {
    assert.equal(opts.enableScripts, true);
    assert.deepEqual(
      opts.localResourceRoots.map((r) => r.fsPath.slice(root.length)),
      ['/dist/webviews', '/media'],
    );
    return panel;
  };
  m.window.showOpenDialog = async () => [{ fsPath: '/data/openeds' }];
  m.window.showSaveDialog = async () => ({ fsPath: join(tmp, 'profile.json') });
  m.workspace.fs = { writeFile: async (u: { fsPath: string }, b: Uint8Array) => writeFileSync(u.fsPath, b) };
  m.Uri.parse = (s: string) => new MockUri(s);
  // code-server maps a loopback URI to its /proxy/<port>/ root and drops the path (as code-server 4.100.3 does)
  envMock.asExternalUri = async (u) => new MockUri(`https://cs.example/proxy/${new URL(String(u)).port}/`);
  envMock.openExternal = async (u) => {
    external.push(String(u));
    return true;
  };
  return { posted, external, panel, send: (msg: unknown) => onMessage(msg), dispose: () => onDispose() };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

test('panel: synthetic user and personalize run in the host through the kernel API; camera page via asExternalUri/openExternal; profile POST lands in the panel; closing the panel stops the server', async () => {
  if (!existsSync(join(root, 'dist/webviews/gaze-camera.js')))
    execFileSync(process.execPath, ['esbuild.mjs', '--only', 'webviews'], { cwd: root });
  const v = mockVscode();
  const api = fakeKernelApi();
  setGazeKernelFactory(async () => api);
  const ctx = { extensionUri: { fsPath: root, scheme: 'file' }, subscriptions: [] };
  const { panel } = openCalibration(ctx as never);
  try {
    await flow(v, panel.webview.html, api);
  } finally {
    v.dispose();
  }
  await settle();
});

async function flow(v: ReturnType<typeof mockVscode>, html: string, api: ReturnType<typeof fakeKernelApi>): Promise<void> {
  assert.match(html, /script-src 'nonce-[A-Za-z0-9]+'/);
  assert.match(html, /id="synthetic"[\s\S]*id="folder"[\s\S]*id="camera"/);

  v.send({ type: 'ready' });
  v.send({ type: 'source', source: { kind: 'synthetic', seed: 1, user: 4, sigmaKappaDeg: 2 } });
  await settle();
  v.send({ type: 'personalize', steps: 12 });
  await settle();
  assert.deepEqual(api.calls.personalize, [12]);
  assert.ok(v.posted.some((m) => m.type === 'result'));

  v.send({ type: 'source', source: { kind: 'camera' } });
  for (let i = 0; i < 100 && !v.external.length; i++) await settle();
  assert.equal(v.external.length, 1, JSON.stringify(v.posted.filter((m) => m.type === 'error')));
  const ext = new URL(v.external[0]!);
  assert.equal(ext.host, 'cs.example');
  const [, , port, token, page] = ext.pathname.split('/');
  assert.match(token!, /^[0-9a-f]{32}$/);
  assert.equal(page, 'calibrate');
  assert.equal(
    v.posted.filter((m) => m.type === 'camera')[0]?.type === 'camera' && (v.posted.find((m) => m.type === 'camera') as { url: string }).url,
    v.external[0],
  );

  const res = await fetch(`http://127.0.0.1:${port}/${token}/profile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sampleProfile()),
  });
  assert.equal(res.status, 200);
  await settle();
  const prof = v.posted.find((m) => m.type === 'profile');
  assert.ok(prof && prof.type === 'profile' && prof.summary.meanPx === 10);
  v.send({ type: 'saveProfile' });
  for (let i = 0; i < 50 && !existsSync(join(tmp, 'profile.json')); i++) await settle();
  assert.deepEqual(JSON.parse(readFileSync(join(tmp, 'profile.json'), 'utf8')), sampleProfile());

  portOpen = Number(port);
}

let portOpen = 0;
test('after the panel closed, the camera server is gone', async () => {
  assert.ok(portOpen > 0);
  const port = portOpen;
  const state = await new Promise<string>((resolve) => {
    const s = connect({ host: '127.0.0.1', port: Number(port) }, () => {
      s.destroy();
      resolve('open');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
  assert.equal(state, 'ECONNREFUSED');
});
