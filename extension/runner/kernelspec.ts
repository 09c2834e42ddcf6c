/** Installs a Jupyter kernelspec that starts this repo's tslab (so Jupyter/nbconvert can run EdgeLab notebooks). vscode-free. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { tslabBin } from './kernel';

export interface KernelspecOptions {
  /** Kernels directory (the spec goes to `<dir>/<name>/kernel.json`). Default ~/.local/share/jupyter/kernels. */
  dir?: string;
  /** Kernelspec name. Default 'tslab'. */
  name?: string;
}

export function kernelspecJson(): { argv: string[]; display_name: string; language: string; interrupt_mode: 'signal' } {
  return { argv: [process.execPath, tslabBin(), 'kernel', '--config-path', '{connection_file}'], display_name: 'TypeScript (EdgeLab)', language: 'typescript', interrupt_mode: 'signal' };
}

/** Writes kernel.json; returns its path. */
export function installKernelspec(opts: KernelspecOptions = {}): string {
  const dir = join(opts.dir ?? join(homedir(), '.local', 'share', 'jupyter', 'kernels'), opts.name ?? 'tslab');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'kernel.json');
  writeFileSync(file, JSON.stringify(kernelspecJson(), null, 1) + '\n');
  return file;
}
