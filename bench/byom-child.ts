/**
 * Fresh-process worker of bench/byom.bench.ts: runs el.analyzeModel on one model and prints one JSON line with the
 * wall time, the stage times and peak RSS (process.resourceUsage().maxRSS), so the peak is this analysis alone.
 * Usage: node --import tsx bench/byom-child.ts <model path> [inputShape as JSON]
 *        node --import tsx bench/byom-child.ts --tfjs     (every shipped pretrained tfjs model, one line each)
 */
import { init } from '../kernel/core/backend';
import { analyzeModel } from '../kernel/model';

/** The pretrained tfjs models shipped in npm packages: @vladmandic/human graph models and face-api weights manifests. */
const HUMAN = 'node_modules/@vladmandic/human/models';
const FACE = 'node_modules/@vladmandic/face-api/model';
const TFJS: { path: string; manifest?: string; inputShape?: number[] }[] = [
  ...[
    'antispoof',
    'blazeface',
    'centernet',
    'emotion',
    'facemesh',
    'faceres',
    'handlandmark-lite',
    'iris',
    'liveness',
    'movenet-lightning',
  ].map((m) => ({ path: `${HUMAN}/${m}.json` })),
  { path: `${HUMAN}/handtrack.json`, inputShape: [1, 320, 320, 3] }, // dynamic input: its README's 320² default
  ...[
    'face_recognition_model',
    'tiny_face_detector_model',
    'face_landmark_68_model',
    'ssd_mobilenetv1_model',
    'age_gender_model',
    'face_expression_model',
  ].map((m) => ({ path: FACE, manifest: `${m}-weights_manifest.json` })),
];

async function tfjsModels() {
  for (const m of TFJS) {
    const t0 = performance.now();
    const r = await analyzeModel(m.path, { papers: 'all', prune: 0.9, batch: [1, 32], manifest: m.manifest, inputShape: m.inputShape });
    console.log(
      JSON.stringify({
        model: m.manifest ?? m.path.split('/').at(-1),
        seconds: (performance.now() - t0) / 1000,
        layers: r.table.layers.length,
        params: r.table.params,
        macs: r.table.macs,
        complete: r.table.complete,
        unsupported: r.table.unsupported.map((u) => u.op),
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
      }),
    );
  }
}

async function main() {
  const [path, shape] = process.argv.slice(2);
  if (path === '--tfjs') {
    await init({ backend: 'wasm' });
    return tfjsModels();
  }
  if (!path) throw new Error('usage: bench/byom-child.ts <model path> [inputShape JSON]');
  await init({ backend: 'wasm' });
  const t0 = performance.now();
  const r = await analyzeModel(path, {
    papers: 'all',
    prune: 0.9,
    batch: [1, 32],
    ...(shape ? { inputShape: JSON.parse(shape) as number[] } : {}),
  });
  const seconds = (performance.now() - t0) / 1000;
  const cim = r.cim!,
    sws = r.sws!;
  console.log(
    JSON.stringify({
      seconds,
      stages: r.seconds,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      layers: r.table.layers.length,
      params: r.table.params,
      macs: r.table.macs,
      complete: r.table.complete,
      cimTiles: cim.tiles,
      cimWriteReduction: cim.cellWriteReduction,
      swsPrunedGain: sws.pruned!.total.grid.sectionPartialSum! / sws.pruned!.total.sws.sectionPartialSum!,
      roskoFastestAtBatch32: r.sparse!.layers.map((l) => l.batches[1]?.fastest),
      memaMaxRatio: Math.max(...r.mema!.layers.map((l) => l.ratio)),
    }),
  );
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
