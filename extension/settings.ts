/**
 * EdgeLab's VS Code settings (package.json `contributes.configuration`, one table here) and how they reach the kernel.
 *
 * A kernel started by the EdgeLab controller gets each kernel setting as the environment variable in its row, so a
 * notebook behaves the same whether it runs in VS Code (settings) or elsewhere — Jupyter, the CLI runner, `npm start`
 * (environment variables, set by the user). Settings scoped `window` or `machine` are read when a kernel starts; changing
 * one applies to kernels started afterwards (restart the kernel to apply it to an open notebook).
 *
 * This module has no `vscode` import: the extension passes a getter (`vscode.workspace.getConfiguration('edgelab').get`),
 * so the mapping is unit-tested in plain Node.
 */

export interface SettingSpec {
  /** Key under `edgelab.` (e.g. 'assetsFolder' → `edgelab.assetsFolder`). */
  key: string;
  /** Environment variable the kernel reads (null: used by the extension itself). */
  env: string | null;
  type: 'string' | 'boolean';
  default: string | boolean;
  enum?: readonly string[];
  scope: 'machine' | 'window' | 'resource';
  description: string;
}

/** Every EdgeLab setting. package.json's `contributes.configuration` must list exactly these (settings.test.ts checks). */
export const SETTINGS: readonly SettingSpec[] = [
  {
    key: 'assetsFolder',
    env: 'EDGELAB_ASSETS',
    type: 'string',
    default: '',
    scope: 'machine',
    description:
      'Folder searched first for EdgeLab assets (model zoos, shipped weights, datasets), before the extension bundle and the source tree. Empty: not used.',
  },
  {
    key: 'backend',
    env: 'EDGELAB_BACKEND',
    type: 'string',
    default: 'auto',
    enum: ['auto', 'tensorflow', 'wasm', 'cpu'],
    scope: 'window',
    description:
      "Compute backend el.init() uses when a notebook does not name one. 'auto' tries tensorflow (if @tensorflow/tfjs-node is installed), then wasm, then cpu.",
  },
  {
    key: 'jobs.redisUrl',
    env: 'EDGELAB_REDIS_URL',
    type: 'string',
    default: '',
    scope: 'machine',
    description:
      'Redis URL (redis:// or rediss://, with user and password if your server needs them) for distributed sweeps, benchmarks and federated rounds. Empty: jobs run in worker threads of the kernel itself.',
  },
  {
    key: 'gazegen.diffusionUrl',
    env: 'EDGELAB_DIFFUSION_URL',
    type: 'string',
    default: '',
    scope: 'machine',
    description:
      'Base URL of your own AUTOMATIC1111-style img2img inpainting server for GazeGen edits. Empty (default): the classical, offline edits only; nothing is sent anywhere.',
  },
  {
    key: 'camera.bindAddress',
    env: null,
    type: 'string',
    default: '127.0.0.1',
    scope: 'machine',
    description:
      'Address the live-camera gaze page listens on. Loopback only by default; any other address also needs edgelab.camera.allowRemote, because the page streams camera frames.',
  },
  {
    key: 'camera.allowRemote',
    env: null,
    type: 'boolean',
    default: false,
    scope: 'machine',
    description:
      'Allow edgelab.camera.bindAddress to be a non-loopback address (other machines on the network could then open the camera page).',
  },
  {
    key: 'tour.outputFolder',
    env: 'EDGELAB_TOUR_OUT',
    type: 'string',
    default: '',
    scope: 'machine',
    description: 'Where the tour (npm start) writes its report and executed notebooks. Empty: out/tour in the EdgeLab folder.',
  },
];

export type SettingGetter = (key: string) => unknown;

/** The environment variables a kernel started now gets from the settings (only those set to a non-default value). */
export function kernelEnv(get: SettingGetter): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of SETTINGS) {
    if (!s.env) continue;
    const v = get(s.key);
    if (v === undefined || v === null || v === '' || v === s.default) continue;
    env[s.env] = String(v);
  }
  return env;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * The address the camera page binds to: the setting when it is loopback, or when it is not and allowRemote is on;
 * otherwise 127.0.0.1 with a warning to show the user.
 */
export function cameraBindAddress(get: SettingGetter): { address: string; warning?: string } {
  const raw = get('camera.bindAddress');
  const address = typeof raw === 'string' && raw.trim() ? raw.trim() : '127.0.0.1';
  if (LOOPBACK.test(address)) return { address };
  if (get('camera.allowRemote') === true)
    return {
      address,
      warning: `EdgeLab: the camera page listens on ${address}; other machines that can reach it can open it (edgelab.camera.allowRemote is on).`,
    };
  return {
    address: '127.0.0.1',
    warning: `EdgeLab: edgelab.camera.bindAddress is ${address}, which is not loopback; the camera page stays on 127.0.0.1 unless you also turn on edgelab.camera.allowRemote.`,
  };
}

/** The `contributes.configuration` block package.json carries, generated from SETTINGS (settings.test.ts compares). */
export function configurationContribution(): {
  title: string;
  properties: Record<string, Record<string, unknown>>;
} {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const s of SETTINGS)
    properties[`edgelab.${s.key}`] = {
      type: s.type,
      default: s.default,
      ...(s.enum ? { enum: [...s.enum] } : {}),
      scope: s.scope,
      markdownDescription: s.env ? `${s.description}\n\nKernel environment variable: \`${s.env}\`.` : s.description,
    };
  return { title: 'EdgeLab', properties };
}

/**
 * What a settings change means for the user, given which `edgelab.*` keys it touched (`affects` = VS Code's
 * ConfigurationChangeEvent.affectsConfiguration on `edgelab.<key>`):
 *  - `kernel`: settings that reach a kernel as environment variables. A running kernel process keeps the environment
 *    it started with (and el.init() has chosen its backend), so these need a kernel restart; the extension offers it.
 *  - `extension`: settings the extension reads itself when it needs them (the camera page: its next start).
 */
export function classifyChange(affects: (key: string) => boolean): { kernel: SettingSpec[]; extension: SettingSpec[] } {
  const hit = SETTINGS.filter((s) => affects(s.key));
  return { kernel: hit.filter((s) => s.env), extension: hit.filter((s) => !s.env) };
}

/** The question the extension asks when kernel settings changed while kernels run (null: nothing to ask). */
export function restartPrompt(kernel: readonly SettingSpec[], notebooks: readonly string[]): string | null {
  if (!kernel.length || !notebooks.length) return null;
  const keys = kernel.map((s) => `edgelab.${s.key}`).join(', ');
  const which = notebooks.length === 1 ? `the kernel of ${notebooks[0]}` : `the ${notebooks.length} running EdgeLab kernels`;
  return `EdgeLab: ${keys} changed. A running kernel keeps the settings it started with; restart ${which} to apply the change?`;
}
