/**
 * Choosing the offline scorer of the Gen4Gen ordering study on the VALIDATION compositions only (seeds 10 000 + i,
 * disjoint from the bench's test seeds 0..49). Scenes are composed once and shared; the CenterNet's raw outputs and the
 * embeddings are cached by image content, so every detector × embedder variant below costs little more than one.
 * Prints one JSON line per variant (ordering fraction, per-pair >/=/< counts, mean CP per variant, gap and its
 * bootstrap interval, network runs per scene) — every variant measured is reported.
 *
 *   nice -n 10 npx tsx scripts/gen4gen/validate-study.ts [n=20] [variant-filter-regex]
 */
import { createHash } from 'node:crypto';
import { init } from '../../kernel/core/backend';
import type { CenterNetOutput } from '../../kernel/core/models/centernet';
import type { RgbImage } from '../../kernel/core/vision/rgb';
import { builtinConcepts } from '../../kernel/gen4gen/data';
import { centernetDetector, centernetEmbedder, descriptorEmbedder, handcraftedEmbedder } from '../../kernel/gen4gen/embedders';
import type { ImageEmbedder } from '../../kernel/gen4gen/metrics';
import { orderingStudy, type StudyOptions } from '../../kernel/gen4gen/study';

const hash = (im: RgbImage): string => createHash('sha1').update(im.data).digest('hex') + `${im.width}x${im.height}`;

function cachedEmbedder(e: ImageEmbedder): ImageEmbedder {
  const c = new Map<string, Float32Array>();
  return {
    id: e.id,
    async embedImages(imgs) {
      const miss = imgs.filter((im) => !c.has(hash(im)));
      if (miss.length) (await e.embedImages(miss)).forEach((v, i) => c.set(hash(miss[i]!), v));
      return imgs.map((im) => c.get(hash(im))!);
    },
  };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20);
  const only = new RegExp(process.argv[3] ?? '.');
  await init({ backend: 'wasm' });
  const concepts = await builtinConcepts();
  const cnn = await centernetEmbedder();
  const cnnC = cachedEmbedder(cnn);
  const embedders: Record<string, ImageEmbedder> = {
    'centernet-avg': cnnC,
    handcrafted96: cachedEmbedder(handcraftedEmbedder()),
    'lab+hog': cachedEmbedder(descriptorEmbedder()),
    lab: cachedEmbedder(descriptorEmbedder({ weights: { lab: 1, hog: 0 } })),
    hog: cachedEmbedder(descriptorEmbedder({ weights: { lab: 0, hog: 1 } })),
    'lab+hog+cnn': cachedEmbedder(descriptorEmbedder({ weights: { lab: 1, hog: 1, cnn: 1 }, cnn: cnnC })),
    'lab2+hog': cachedEmbedder(descriptorEmbedder({ weights: { lab: 2, hog: 1 } })),
  };
  // raw network outputs cached by tile content, shared by every detector variant (the decode is cheap)
  const raw = new Map<string, CenterNetOutput>();
  let netRuns = 0;
  const detectors: Record<string, Awaited<ReturnType<typeof centernetDetector>>> = {};
  const detCfgs: Record<string, Parameters<typeof centernetDetector>[0]> = {
    'agnostic-0.05': { minScore: 0.05, nms: 'class-agnostic' },
    'label-0.05': { minScore: 0.05, nms: 'requested-labels' },
    'label-0.03': { minScore: 0.03, nms: 'requested-labels' },
    'label-0.1': { minScore: 0.1, nms: 'requested-labels' },
    'label-tiles2-0.05': { minScore: 0.05, nms: 'requested-labels', tiles: 2 },
    'label-tiles2-0.1': { minScore: 0.1, nms: 'requested-labels', tiles: 2 },
    'agnostic-tiles2-0.05': { minScore: 0.05, nms: 'class-agnostic', tiles: 2 },
  };
  for (const [k, cfg] of Object.entries(detCfgs)) {
    const d = await centernetDetector(cfg);
    const run0 = d.net.run.bind(d.net);
    d.net.run = async (im: RgbImage) => {
      const key = hash(im);
      let out = raw.get(key);
      if (!out) (netRuns++, raw.set(key, (out = await run0(im))));
      // decode mutates nothing but the label-restricted mode zeroes channels: hand out a copy
      return { ...out, heatmap: out.heatmap.slice() };
    };
    detectors[k] = d;
  }
  const sceneCache: NonNullable<StudyOptions['sceneCache']> = new Map();
  const t0 = Date.now();
  for (const [dk, det] of Object.entries(detectors))
    for (const [ek, emb] of Object.entries(embedders)) {
      const name = `${dk} × ${ek}`;
      if (!only.test(name)) continue;
      const runs0 = det.runs;
      const r = await orderingStudy({
        n,
        split: 'validation',
        embedder: emb,
        detector: det,
        concepts,
        scoreThreshold: 0.0001,
        sceneCache,
        oracle: true,
      });
      const f = (x: number): number => Math.round(x * 1000) / 1000;
      console.log(
        JSON.stringify({
          variant: name,
          n: r.rows.length,
          ordering: r.orderingFraction,
          breakdown: r.breakdown,
          mean: Object.fromEntries(Object.entries(r.mean).map(([k, v]) => [k, f(v)])),
          gap: [f(r.gap.mean), f(r.gap.ciLow), f(r.gap.ciHigh)],
          oracle: {
            ordering: r.oracle!.orderingFraction,
            gap: [f(r.oracle!.gap.mean), f(r.oracle!.gap.ciLow), f(r.oracle!.gap.ciHigh)],
            breakdown: r.oracle!.breakdown,
          },
          correctDetected: r.rows.filter((x) => x.detected.correct > 0).length,
          // kept boxes / boxes on a true object of their label, summed over compositions, per variant
          boxes: Object.fromEntries(
            (['correct', 'swapped', 'missing', 'random'] as const).map((v) => [
              v,
              [r.rows.reduce((t, x) => t + x.detected[v], 0), r.rows.reduce((t, x) => t + x.onTarget[v], 0)],
            ]),
          ),
          runsPerScene: (det.runs - runs0) / (4 * r.rows.length),
          detector: r.detector,
          embedder: r.embedder,
          elapsedS: Math.round((Date.now() - t0) / 1000),
          netRuns,
        }),
      );
    }
  cnn.dispose();
  for (const d of Object.values(detectors)) d.dispose();
}
void main();
