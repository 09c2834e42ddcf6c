/**
 * Bring your own model: el.analyzeModel(path, { papers: 'all', prune: 0.9, batch: [1, 32] }) on ResNet-18 written by
 * the project's ONNX writer (11.7 M parameters, seeded weights), in a fresh child process (bench/byom-child.ts) so
 * the peak RSS is the analysis alone. Targets: ≤ 120 s and ≤ 2 GB on 2 cores. The box is shared: the 1-minute load
 * average before and after is recorded with the timing, and a run under load says so in its notes.
 *   byom.resnet18_seconds   wall time of the analysis (import + four papers, Rosko/CSR/dense timings included)
 *   byom.resnet18_peak_gb   process.resourceUsage().maxRSS of the child
 * --quick: the same on MobileNetV2 at 224² (3.5 M parameters) → byom.mobilenetv2_seconds / _peak_gb.
 *   byom.tfjs_models_max_seconds  the same call on each shipped pretrained tfjs model (11 @vladmandic/human graph
 *                                 models, 6 face-api weights manifests), one fresh process; per-model times in notes
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mobilenetV2Onnx, resnet18Onnx } from '../kernel/model';
import { record, type BenchContext, type QuickCheck } from './lib';

export const prefix = 'byom';

export const quickCheck: QuickCheck = {
  keys: {
    'byom.mobilenetv2_seconds': { range: [1, 600] },
    'byom.mobilenetv2_peak_gb': { range: [0.05, 4] },
  },
};

interface ChildOut {
  seconds: number;
  stages: Record<string, number>;
  maxRssBytes: number;
  layers: number;
  params: number;
  macs: number;
  complete: boolean;
  cimTiles: number;
  cimWriteReduction: number;
  swsPrunedGain: number;
  roskoFastestAtBatch32: string[];
  memaMaxRatio: number;
}

export async function run(ctx: BenchContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'byom-bench-'));
  try {
    const name = ctx.quick ? 'mobilenetv2' : 'resnet18';
    const path = join(dir, `${name}.onnx`);
    writeFileSync(path, ctx.quick ? mobilenetV2Onnx({ seed: 0 }) : resnet18Onnx({ seed: 0 }));
    const loadBefore = loadavg()[0]!;
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'byom-child.ts'), path], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const loadAfter = loadavg()[0]!;
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as ChildOut;
    const cores = cpus().length;
    const loaded = Math.max(loadBefore, loadAfter) > cores;
    const env = `1-min load ${loadBefore.toFixed(1)} before / ${loadAfter.toFixed(1)} after on ${cores} cores${loaded ? ' — MEASURED UNDER LOAD (shared box): an idle machine is faster' : ''}`;
    const stages = Object.entries(r.stages)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ');
    const facts = `${r.layers} layers, ${r.params} params, ${(r.macs / 1e9).toFixed(3)} GMAC, complete=${r.complete}; CIM ${r.cimTiles} tiles, cell writes ÷${r.cimWriteReduction.toFixed(2)}; SWS pruned ADC gain ${r.swsPrunedGain.toFixed(2)}×; MEMA max ext/bound ${r.memaMaxRatio.toFixed(2)}`;
    ctx.log(`${name}: ${r.seconds.toFixed(1)} s (${stages}), peak ${(r.maxRssBytes / 1e9).toFixed(2)} GB; ${facts}; ${env}`);
    record(
      {
        [`byom.${name}_seconds`]: {
          value: r.seconds,
          unit: 's',
          notes: `el.analyzeModel(papers 'all', prune 0.9, batch [1, 32], Rosko/CSR/dense timed on 64 columns and scaled) in a fresh process; target ≤ 120 s; stages: ${stages}; ${facts}; ${env}`,
        },
        [`byom.${name}_peak_gb`]: {
          value: r.maxRssBytes / 1e9,
          unit: 'GB',
          notes: `process.resourceUsage().maxRSS of the fresh child process; target ≤ 2 GB; ${env}`,
        },
      },
      { command: ctx.command },
    );
    if (!ctx.quick) tfjsModels(ctx);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tfjsModels(ctx: BenchContext): void {
  const loadBefore = loadavg()[0]!;
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'byom-child.ts'), '--tfjs'], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const loadAfter = loadavg()[0]!;
  const rows = out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { model: string; seconds: number; params: number; macs: number; complete: boolean; maxRssBytes: number });
  const per = rows
    .map(
      (r) =>
        `${r.model} ${r.seconds.toFixed(1)} s (${(r.params / 1e6).toFixed(2)} M params, ${Number.isFinite(r.macs) ? (r.macs / 1e6).toFixed(0) + ' MMAC' : 'MACs unknown: no topology'})`,
    )
    .join('; ');
  const peak = Math.max(...rows.map((r) => r.maxRssBytes)) / 1e9;
  const env = `1-min load ${loadBefore.toFixed(1)} before / ${loadAfter.toFixed(1)} after on ${cpus().length} cores${Math.max(loadBefore, loadAfter) > cpus().length ? ' — MEASURED UNDER LOAD (shared box)' : ''}`;
  ctx.log(`tfjs models: ${per}; peak ${peak.toFixed(2)} GB; ${env}`);
  record(
    {
      'byom.tfjs_models_max_seconds': {
        value: Math.max(...rows.map((r) => r.seconds)),
        unit: 's',
        notes: `el.analyzeModel(papers 'all', prune 0.9, batch [1, 32]) on each of ${rows.length} shipped pretrained tfjs models in one fresh process (peak RSS ${peak.toFixed(2)} GB): ${per}; ${env}`,
      },
    },
    { command: ctx.command },
  );
}
