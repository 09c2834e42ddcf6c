/**
 * npx tsx extension/runner/cli.ts run <in.ipynb> [-o out.ipynb] [--kernel tslab|ipykernel] [--timeout <s>]
 * npx tsx extension/runner/cli.ts install-kernelspec [--dir <kernels dir>] [--name tslab]
 * Exit code 1 when a cell fails (the executed notebook is still written).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { runNotebook, sourceOf } from './notebook';
import { installKernelspec } from './kernelspec';
import type { KernelKind } from './kernel';

function arg(args: string[], ...names: string[]): string | undefined {
  for (const n of names) {
    const i = args.indexOf(n);
    if (i >= 0) return args[i + 1];
  }
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'install-kernelspec') {
    console.log(installKernelspec({ dir: arg(rest, '--dir'), name: arg(rest, '--name') }));
    return 0;
  }
  if (cmd !== 'run' || !rest[0] || rest[0].startsWith('-')) {
    console.error(
      'usage: cli.ts run <in.ipynb> [-o out.ipynb] [--kernel tslab|ipykernel] [--timeout <seconds per cell>]\n       cli.ts install-kernelspec [--dir <kernels dir>] [--name <name>]',
    );
    return 2;
  }
  const input = rest[0];
  const out = arg(rest, '-o', '--output');
  const kernel = arg(rest, '--kernel') as KernelKind | undefined;
  if (kernel && kernel !== 'tslab' && kernel !== 'ipykernel') {
    console.error(`--kernel must be tslab or ipykernel, got ${kernel}`);
    return 2;
  }
  const timeout = arg(rest, '--timeout');
  const r = await runNotebook(input, {
    kernel,
    timeoutPerCellMs: timeout ? Number(timeout) * 1000 : undefined,
    onCell: (e) => {
      if (e.phase === 'start') process.stderr.write(`[${e.index}] ${sourceOf(e.cell).split('\n')[0]!.slice(0, 70)}\n`);
      if (e.phase === 'end') process.stderr.write(`[${e.index}] ${e.result?.status}\n`);
    },
  });
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(r.notebook, null, 1) + '\n');
  }
  if (r.ok) {
    console.log(`ok: ${input} in ${(r.totalMs / 1000).toFixed(1)} s${out ? ` → ${out}` : ''}`);
    return 0;
  }
  console.error(`failed at cell ${r.failedCell}: ${r.error?.ename}: ${r.error?.evalue}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (c) => {
    process.exitCode = c;
  },
  (e: Error) => {
    console.error(e.stack ?? e.message);
    process.exitCode = 1;
  },
);
