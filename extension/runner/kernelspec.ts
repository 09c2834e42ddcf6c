/** Installs a Jupyter kernelspec that starts this repo's tslab (so Jupyter/nbconvert can run EdgeLab notebooks). vscode-free. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { kernelArgv } from './kernel';

export interface KernelspecOptions {
  /** Kernels directory (the spec goes to `<dir>/<name>/kernel.json`). Default ~/.local/share/jupyter/kernels. */
  dir?: string;
  /** Kernelspec name. Default 'tslab'. */
  name?: string;
}

/**
 * The kernel.json: Node (this process's executable) running EdgeLab's kernel entry from this installation (repo or
 * extension). The entry resolves `edgelab` and the packages installed with it from that installation whenever the
 * notebook's own folder does not have them, so a notebook anywhere can `import * as el from 'edgelab'`.
 */
export function kernelspecJson(): { argv: string[]; display_name: string; language: string; interrupt_mode: 'signal' } {
  return { argv: kernelArgv('tslab').argv, display_name: 'TypeScript (EdgeLab)', language: 'typescript', interrupt_mode: 'signal' };
}

/** Writes kernel.json; returns its path. */
export function installKernelspec(opts: KernelspecOptions = {}): string {
  const dir = join(opts.dir ?? join(homedir(), '.local', 'share', 'jupyter', 'kernels'), opts.name ?? 'tslab');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'kernel.json');
  writeFileSync(file, JSON.stringify(kernelspecJson(), null, 1) + '\n');
  return file;
}

/** A kernel kind from an installed kernelspec folder (its kernel.json argv and interrupt_mode), for startKernel({ kind }). */
export function kindFromKernelspec(dir: string): { argv: string[]; interruptMode: 'signal' | 'message'; name: string } {
  const file = join(dir, 'kernel.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { argv?: unknown; interrupt_mode?: unknown };
  if (!Array.isArray(spec.argv) || !spec.argv.length || !spec.argv.every((a) => typeof a === 'string')) {
    throw new Error(`${file}: argv must be a non-empty array of strings, got ${JSON.stringify(spec.argv)}`);
  }
  return { argv: spec.argv as string[], interruptMode: spec.interrupt_mode === 'message' ? 'message' : 'signal', name: basename(dir) };
}
