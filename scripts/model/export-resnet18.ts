/**
 * Export back on a ResNet-18-sized model: writes the project's seeded ResNet-18 (11.7 M parameters) to a temp folder,
 * runs `el.exportAnalysis(path, out, { prune: 0.9 })` (pruned ONNX, SWS sorted layout, Rosko-packed arrays, MEMA C),
 * prints seconds per export, peak RSS and file sizes, checks the pruned ONNX's sparsity and that onnxruntime runs it.
 *
 *   npx tsx scripts/model/export-resnet18.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { exportAnalysis, importOnnx, resnet18Onnx } from '../../kernel/model';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'r18-export-'));
  try {
    const src = join(dir, 'resnet18.onnx');
    writeFileSync(src, resnet18Onnx({ seed: 0 }));
    const t0 = performance.now();
    const seconds: Record<string, number> = {};
    let stage = '',
      since = t0;
    const ex = await exportAnalysis(src, join(dir, 'out'), {
      prune: 0.9,
      onProgress: (_f, s) => {
        const st = s.split(':')[0]!;
        if (st === stage) return;
        const now = performance.now();
        if (stage) seconds[stage] = (now - since) / 1000;
        [stage, since] = [st, now];
      },
    });
    const total = (performance.now() - t0) / 1000;
    const mb: Record<string, number> = {};
    for (const f of ex.files) {
      const k = f.path.startsWith('mema/') ? 'mema/' : f.path;
      mb[k] = (mb[k] ?? 0) + f.bytes / 1e6;
    }
    console.log(
      `total ${total.toFixed(1)} s; per export (s): ${JSON.stringify(seconds, (_k, v) => (typeof v === 'number' ? +v.toFixed(1) : v))}`,
    );
    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1e6).toFixed(2)} GB; ${ex.files.length} files; skipped ${ex.skipped.length}`);
    console.log(`sizes (MB): ${JSON.stringify(mb, (_k, v) => (typeof v === 'number' ? +v.toFixed(2) : v))}`);
    const t = importOnnx(join(dir, 'out', 'pruned.onnx'));
    let zeros = 0,
      n = 0;
    for (const l of t.layers) {
      const w = l.weight();
      n += w.length;
      for (const v of w) if (v === 0) zeros++;
    }
    const s = await ort.InferenceSession.create(join(dir, 'out', 'pruned.onnx'));
    const y = Object.values(
      await s.run({ input: new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.5), [1, 3, 224, 224]) }),
    )[0]!;
    await s.release();
    console.log(
      `pruned.onnx: layer sparsity ${(zeros / n).toFixed(4)}; onnxruntime output ${JSON.stringify(y.dims)}, finite ${(y.data as Float32Array).every(Number.isFinite)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
void main();
