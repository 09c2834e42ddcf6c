/**
 * Chooses the gaze-centred crop's settings (kernel/gazegen/crop.ts) on the VALIDATION photos of
 * bench/declared/gazegen-validated.json only (the test photos are never loaded here), scoring every variant on the
 * same gaze points and crop runs; prints one line per variant and writes them all as JSON for the declaration.
 *
 *   nice -n 10 npx tsx scripts/gazegen/crop-validation.ts [out.json] [--points N]   (default 20 points/object)
 */
import { writeFileSync } from 'node:fs';
import { init } from '../../kernel/core/backend';
import { loadCenterNet } from '../../kernel/core/models/centernet';
import { loadFrameErrors, loadLabels } from '../../kernel/gazegen/data';
import { cropSelectionStudy, type CropVariant } from '../../kernel/gazegen/crop-study';
import { loadValidated } from '../../bench/gazegen-edits';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const pi = args.indexOf('--points');
  const points = pi >= 0 ? Number(args[pi + 1]) : 20;
  const out = args.find((a, i) => !a.startsWith('--') && i !== pi + 1) ?? '/tmp/gazegen-crop-validation.json';
  await init({ backend: 'wasm' });
  const v = loadValidated();
  const chosen = v.selection.chosen;
  const photos = loadLabels().filter((p) => v.split.validation.includes(p.photo));
  const scales = [0.35, 0.6];
  const variants: CropVariant[] = [{ name: 'no crop (validated rule)', scales: [], options: { ...chosen } }];
  const combos: number[][] = [[0.35], [0.6], [0.35, 0.6]];
  for (const sc of combos) {
    const tag = `crop ${sc.join('+')}`;
    for (const minScore of [0.15, 0.2, 0.3])
      variants.push({ name: `${tag} + full, drop cut, minScore ${minScore}`, scales: sc, options: { ...chosen, minScore } });
    variants.push({ name: `${tag} + full, keep cut`, scales: sc, options: { ...chosen, dropTruncated: false } });
    variants.push({ name: `${tag} only, drop cut`, scales: sc, options: { ...chosen, withFull: false } });
    variants.push({ name: `${tag} only, keep cut`, scales: sc, options: { ...chosen, withFull: false, dropTruncated: false } });
    variants.push({ name: `${tag} + full, drop cut, rule contains`, scales: sc, options: { ...chosen, rule: 'contains' } });
  }
  const det = await loadCenterNet();
  const t0 = Date.now();
  try {
    const s = await cropSelectionStudy(det, photos, {
      errorsDeg: loadFrameErrors().errors,
      pointsPerObject: points,
      seed: 0,
      scales,
      snap: 0.25,
      variants,
      onPhoto: (p, i, n) => console.error(`  ${i}/${n} ${p} (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
    });
    const rows = s.variants.map((r) => ({
      name: r.name,
      sel: +r.selectionRate.toFixed(3),
      wrong: +r.wrongRate.toFixed(3),
      all: +r.allRate.toFixed(3),
      cellsPerPoint: Math.round(r.cellsPerPoint),
      cellFraction: +r.cellFraction.toFixed(3),
      cropRuns: r.cropRuns,
      cropMs: Math.round(r.cropMs),
      distinctCropRuns: r.distinctCropRuns,
      largeMisses: r.objects.filter((o) => o.large && o.hits / o.points < 0.5).map((o) => `${o.photo}/${o.label} ${o.hits}/${o.points}`),
    }));
    for (const r of rows)
      console.log(
        `${r.name.padEnd(48)} sel ${r.sel.toFixed(3)} wrong ${r.wrong.toFixed(3)} all ${r.all.toFixed(3)} cells ${r.cellFraction.toFixed(3)} runs ${r.cropRuns} ms ${r.cropMs}  ${r.largeMisses.join('; ')}`,
      );
    writeFileSync(
      out,
      JSON.stringify(
        {
          photos: photos.map((p) => p.photo),
          points: s.points,
          pointsPerObject: points,
          scales,
          snap: 0.25,
          largeObjects: s.variants[0]!.largeObjects,
          medianErrorDeg: s.medianErrorDeg,
          errorEstimateDeg: s.errorEstimateDeg,
          fullRunMs: Math.round(s.fullRunMs),
          seconds: Math.round((Date.now() - t0) / 1000),
          rows,
        },
        null,
        1,
      ),
    );
    console.error(`wrote ${out}`);
  } finally {
    det.dispose();
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
