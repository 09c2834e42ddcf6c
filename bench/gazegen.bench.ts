/**
 * GazeGen (arXiv 2411.04335) selection: gaze-restricted decoding of a real COCO detector on hand-labelled real photos,
 * with gaze noise drawn from the shipped DFT Gaze student's per-frame errors on unseen users. Protocol declared in
 * bench/declared/gazegen-selection.json; the selection rule and edit settings were chosen on the validation photos of
 * bench/declared/gazegen-validated.json and the recorded keys are measured on its TEST photos only, enlarged by the photos
 * declared in bench/declared/gazegen-test2.json before the detector ran on them (the earlier rule, 'contains', is
 * measured on the same test photos in the same run as the baseline). The bench also prints, per test object, whether
 * the detector sees it at all (bench/artifacts/gazegen-test-objects.json): the ceiling of any selection rule.
 *
 *   npm run bench -- --only gazegen            (selection ≈ 2–4 min, crop, edits ≈ 7 min on a shared 2-core box)
 *   npm run bench -- --only gazegen --quick    (5 photos, 10 points per object)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { init } from '../kernel/core/backend';
import { decodeCenterNet, iou, loadCenterNet, type CenterNet } from '../kernel/core/models/centernet';
import { loadPhoto } from '../kernel/core/vision/photos';
import { resizeRgb } from '../kernel/core/vision/rgb';
import { loadFrameErrors, loadLabels } from '../kernel/gazegen/data';
import { loadLabelledPhoto, selectionStudy, type ObjectResult } from '../kernel/gazegen/evaluate';
import type { LabelledPhoto } from '../kernel/gazegen/types';
import { selectObject } from '../kernel/gazegen/select';
import { errorPx, makeView } from '../kernel/gazegen/view';
import { median, record, type BenchContext, type QuickCheck } from './lib';

import { loadValidated, measureEdits, testPhotos, TEST2_DECLARATION } from './gazegen-edits';
import { measureCrop } from './gazegen-crop';
export const prefix = 'gazegen';

const QUICK_PHOTOS = ['coffee', 'motorcycle', 'messi', 'robin', 'march-pastoral'];

export const quickCheck: QuickCheck = {
  keys: {
    'gazegen.selection_rate': { tol: 0.001 },
    'gazegen.selection_objects': { tol: 0 },
    'gazegen.wrong_selection_rate': { tol: 0.001 },
    'gazegen.restricted_top1_agreement': { tol: 0.001 },
    'gazegen.restricted_cell_fraction': { tol: 0.001 },
    'gazegen.restricted_decode_speedup': { range: [1.5, 10000] },
    'gazegen.restricted_select_speedup': { range: [0.5, 100] },
    'gazegen.select_ms': { range: [1, 60000] },
  },
};

export async function run(ctx: BenchContext): Promise<void> {
  await init({ backend: 'wasm' });
  const q = ctx.quick;
  const frame = loadFrameErrors();
  const v = loadValidated();
  const chosen = v.selection.chosen;
  // the test photos only (quick: the quick photos, whatever their split, as a smoke check of the same code)
  const test = testPhotos();
  const labels = loadLabels().filter((p) => (q ? QUICK_PHOTOS.includes(p.photo) : test.includes(p.photo)));
  const det = await loadCenterNet();
  try {
    const load0 = loadavg()[0]!;
    const studyOpts = { errorsDeg: frame.errors, pointsPerObject: q ? 10 : 20, seed: 0 };
    const s = await selectionStudy(det, labels, { ...studyOpts, select: chosen, onPhoto: (p, i, n) => ctx.log(`  ${i}/${n} ${p}`) });
    // the earlier rule ('contains': best-scoring box holding the point, else nearest centre) on the same photos and points
    const old = await selectionStudy(det, labels, { ...studyOpts, select: { rule: 'contains' } });
    // end to end at 640×480: detector run + decode + selection rule, one gaze point at each labelled object's centre
    const view = makeView(640, 480, 90);
    const est = [...frame.errors].sort((a, b) => a - b)[Math.floor(0.95 * frame.errors.length)]!;
    const runMs: number[] = [],
      resMs: number[] = [],
      fullMs: number[] = [];
    for (const p of labels.slice(0, q ? 2 : 6)) {
      const img = resizeRgb(loadPhoto(p.photo), 480, 640);
      await det.run(img); // warm-up of this shape
      for (let rep = 0; rep < (q ? 2 : 3); rep++) {
        const t0 = performance.now();
        const out = await det.run(img);
        runMs.push(performance.now() - t0);
        for (const o of p.objects.slice(0, 3)) {
          const x = Math.min(639, ((o.box[0] + o.box[2] / 2) * 640) / p.width),
            y = Math.min(479, ((o.box[1] + o.box[3] / 2) * 480) / p.height);
          const err = errorPx(view, est, x, y);
          const a = performance.now();
          selectObject(out, x, y, err, chosen);
          const b = performance.now();
          selectObject(out, x, y, err, { ...chosen, restrict: false });
          fullMs.push(performance.now() - b);
          resMs.push(b - a);
        }
      }
    }
    const run = median(runMs),
      res = median(resMs),
      full = median(fullMs);
    const load1 = loadavg()[0]!;
    const loadNote = `MEASURED UNDER LOAD: load average ${load0.toFixed(1)}→${load1.toFixed(1)} on 2 cores shared with other jobs: timings are plausibility only`;
    const chosenNote = `rule ${JSON.stringify(chosen)} chosen on the ${v.split.validation.length} validation photos (bench/declared/gazegen-validated.json lists every variant measured there); measured once on the ${q ? 'quick' : 'test'} photos (${labels.map((p) => p.photo).join(', ')}${q ? '' : `: the test split there plus the photos added in ${TEST2_DECLARATION}, declared before the detector ran on them`})`;
    const oldNote = `earlier rule 'contains' on the same points: selection ${old.selectionRate.toFixed(3)}, wrong ${old.wrongRate.toFixed(3)}, agreement ${old.agreement.toFixed(3)}`;
    const setup = `${labels.length} photos, ${s.objects.length} hand-labelled objects, ${s.points} gaze points (${q ? 10 : 20}/object, seed 0), 90° FOV, noise = DFT Gaze student per-frame errors on unseen users (median ${s.medianErrorDeg.toFixed(2)}°, estimate p95 ${s.errorEstimateDeg.toFixed(2)}°; ${frame.model}); declared in bench/declared/gazegen-selection.json`;
    const big = s.objects.filter((o) => o.large);
    const bigWrong =
      big.reduce((t, o) => t + o.wrong, 0) /
      Math.max(
        1,
        big.reduce((t, o) => t + o.points, 0),
      );
    const failing = big.filter((o) => o.hits / o.points < 0.5).map((o) => `${o.photo}/${o.label}`);
    const seen = q ? [] : await detectorSees(det, labels, s.objects);
    const unseen = seen.filter((r) => r.large && !r.seen).map((r) => `${r.photo}/${r.label}`);
    const ceiling = q
      ? ''
      : ` The detector does not see ${unseen.length} of the ${big.length} large objects at all (no box of the class with IoU ≥ 0.5 at score ≥ 0.2: ${unseen.join(', ') || 'none'}), so no selection rule can exceed ${(big.length - unseen.length).toString()}/${big.length} = ${((big.length - unseen.length) / Math.max(1, big.length)).toFixed(3)} here (per object: bench/artifacts/gazegen-test-objects.json).`;
    if (!q) {
      ctx.log('per test object: restricted hits / full hits / wrong, and the best box of its class (IoU ≥ 0.5) vs what outscores it');
      for (const r of seen)
        ctx.log(
          `  ${r.large ? 'L' : ' '} ${r.photo}/${r.label} ${r.radiusDeg.toFixed(1)}°: ${r.hits}/${r.fullHits}/${r.wrong} of ${r.points}; class ${r.classScore === null ? 'none' : r.classScore.toFixed(2)}${r.top ? `, top ${r.top.label} ${r.top.score.toFixed(2)}` : ''}${r.seen ? '' : ' — NOT SEEN'}`,
        );
      if (ctx.artifacts) {
        const dir = join(__dirname, 'artifacts');
        mkdirSync(dir, { recursive: true });
        writeFileSync(
          join(dir, 'gazegen-test-objects.json'),
          JSON.stringify(
            {
              about: `GazeGen test objects (${TEST2_DECLARATION}): selection hits per object (restricted decode, full decode, wrong) over ${studyOpts.pointsPerObject} gaze points, and whether the detector sees the object at all (its class, IoU ≥ 0.5 with the hand box, score ≥ 0.2) from a full decode without NMS at score ≥ 0.02; top = the best-scoring box of any class with IoU ≥ 0.5. Written by npm run bench -- --only gazegen.`,
              rule: chosen,
              objects: seen,
            },
            null,
            1,
          ) + '\n',
        );
      }
    }
    ctx.log(
      `selection ${s.selectionRate.toFixed(3)} over ${s.largeObjects} large objects (full decode ${s.fullSelectionRate.toFixed(3)}), wrong ${s.wrongRate.toFixed(3)}, agreement ${s.agreement.toFixed(3)}, cells ${s.cellFraction.toFixed(3)}, decode ${full.toFixed(2)}/${res.toFixed(2)} ms, run ${run.toFixed(0)} ms`,
    );
    record(
      {
        'gazegen.selection_rate': {
          value: +s.selectionRate.toFixed(4),
          unit: 'fraction',
          baseline: { name: 'same rule on the full decode of the same heatmaps', value: +s.fullSelectionRate.toFixed(4), unit: 'fraction' },
          notes: `hits (IoU ≥ 0.5 with the hand box and the same COCO class) over gaze points at the ${s.largeObjects} objects whose angular radius ≥ 2× the median error; ${chosenNote}; ${oldNote}; ${setup}. Large objects with < 50% hits: ${failing.join(', ') || 'none'} (full decode on the same objects: ${big
            .filter((o) => o.hits / o.points < 0.5)
            .map((o) => `${o.fullHits}/${o.points}`)
            .join(', ')}).${ceiling} Target ≥ 0.95${s.selectionRate >= 0.95 ? ' met' : ' not met'}.`,
        },
        'gazegen.selection_objects': {
          value: s.largeObjects,
          unit: 'count',
          notes: `objects with angular radius (half the smaller box side, from the box centre) ≥ 2 × ${s.medianErrorDeg.toFixed(2)}° at 90° FOV, of ${s.objects.length} labelled on the ${q ? 'quick' : 'test'} photos (target ≥ 20${s.largeObjects >= 20 ? ' met' : ` not met: the listed offline photo packages hold no further independent photo with a large COCO object (${TEST2_DECLARATION} lists every photo looked at and why it was left out)`}); ${setup}`,
        },
        'gazegen.wrong_selection_rate': {
          value: +s.wrongRate.toFixed(4),
          unit: 'fraction',
          notes: `a box matching another labelled object (IoU ≥ 0.5, more than with the target), over all ${s.objects.length} objects; the 'likelihood' rule abstains (no selection) when a second object is ≥ ambiguity × as likely given the gaze error; over the large objects alone ${bigWrong.toFixed(4)}; ${oldNote}. Target ≤ 0.02${s.wrongRate <= 0.02 ? ' met' : ' not met'}. ${chosenNote}; ${setup}`,
        },
        'gazegen.restricted_top1_agreement': {
          value: +s.agreement.toFixed(4),
          unit: 'fraction',
          notes: `restricted and full decode, same rule, select the same box (IoU ≥ 0.9, same class) or both nothing; ${s.agreementWhenSelected.toFixed(4)} over the points where the full decode selects something. Disagreements: gaze inside a large box whose centre peak lies outside the window. ${oldNote}. ${chosenNote}; ${setup}`,
        },
        'gazegen.restricted_cell_fraction': {
          value: +s.cellFraction.toFixed(4),
          unit: 'fraction',
          notes: `mean share of the 128×128 heatmap cells decoded (window ±k, k = ceil(errPx / cell) + 1 per axis); ${chosenNote}; ${setup}`,
        },
        'gazegen.restricted_decode_speedup': {
          value: +(full / res).toFixed(2),
          unit: 'ratio',
          baseline: { name: 'full decode (peaks + boxes + NMS + rule), ms', value: +full.toFixed(3), unit: 'ms' },
          notes: `decode alone, same heatmap, medians over ${fullMs.length} gaze points at 640×480 (restricted ${res.toFixed(3)} ms); also in the study at native sizes: ${s.fullDecodeMs.toFixed(2)} / ${s.restrictedDecodeMs.toFixed(2)} ms; ${loadNote}`,
        },
        'gazegen.restricted_select_speedup': {
          value: +((run + full) / (run + res)).toFixed(3),
          unit: 'ratio',
          baseline: { name: 'detector run at 640×480 (wasm), ms', value: +run.toFixed(1), unit: 'ms' },
          notes: `end to end (detector run + decode + rule), full ÷ restricted: the restriction saves only decode time, the network still runs on the whole photo, so the end-to-end gain is small; ${loadNote}`,
        },
        'gazegen.select_ms': {
          value: +(run + res).toFixed(1),
          unit: 'ms',
          notes: `gaze point → selected box at 640×480: median detector run (${run.toFixed(1)} ms, wasm 1 thread, ${runMs.length} runs on ${labels.slice(0, q ? 2 : 6).length} photos) + median restricted decode and rule (${res.toFixed(3)} ms); ${loadNote}`,
        },
      },
      { command: ctx.command },
    );
  } finally {
    det.dispose();
  }
  // the gaze-centred crop (settings declared in bench/declared/gazegen-crop.json) and the edit checks (delete / move,
  // judged by the detector itself; ~7 min) run in the full bench only
  if (!q) await measureCrop(ctx);
  if (!q) await measureEdits(ctx, { photos: test, chosen: v.edits?.chosen });
}

/** Per object: the selection outcome and whether the detector sees the object at all (its class at IoU ≥ 0.5, score ≥ 0.2). */
interface ObjectSight extends ObjectResult {
  /** Best score of a box of the object's class with IoU ≥ 0.5 with the hand box (full decode, no NMS), or null. */
  classScore: number | null;
  /** The best-scoring box of any class with IoU ≥ 0.5 with the hand box. */
  top: { label: string; score: number } | null;
  seen: boolean;
}

async function detectorSees(det: CenterNet, photos: readonly LabelledPhoto[], results: readonly ObjectResult[]): Promise<ObjectSight[]> {
  const out: ObjectSight[] = [];
  for (const p of photos) {
    const dets = decodeCenterNet(await det.run(loadLabelledPhoto(p)), { minScore: 0.02, iou: 1, maxDetections: 5000 }).detections;
    for (const [oi, o] of p.objects.entries()) {
      const r = results.find((x) => x.photo === p.photo && x.index === oi)!;
      const over = dets.filter((d) => iou(d.box, o.box) >= 0.5).sort((a, b) => b.score - a.score);
      const cls = over.find((d) => d.label === o.label);
      out.push({
        ...r,
        classScore: cls ? +cls.score.toFixed(3) : null,
        top: over[0] ? { label: over[0].label, score: +over[0].score.toFixed(3) } : null,
        seen: !!cls && cls.score >= 0.2,
      });
    }
  }
  return out;
}
