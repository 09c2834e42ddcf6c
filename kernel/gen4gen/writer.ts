/**
 * The dataset writer: a MyCanvas-style folder per composition (Gen4Gen, arXiv 2402.15504, §3.2), deterministic from the
 * seed — the same inputs give byte-identical PNG, JSON and CSV files (no timestamps, fixed key order).
 *
 *   <root>/<compId>_<a+b+c>/images/img_000000.png        the repainted scene
 *                          masks/mask_000000.png         union alpha of the objects
 *                          masks/inst_000000_<id>.png    one alpha per concept instance
 *                          meta/img_000000.json          boxes, concepts, paste order, seed, background, soft-mask mode
 *                          captions.csv                  image, short_caption, detailed_caption, background_prompt
 *                          report.csv, params.json       mirroring the released code's report and parameters
 * Nothing already on disk is overwritten unless `overwrite: true` (checked before anything is written).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInput, describe } from '../core/errors';
import { encodeRgbPng } from '../core/vision/rgb';
import { encodePng } from '../viz/png';
import type { Alpha8, Instance, Scene } from './types';

/** One image of the dataset: the scene plus its captions. */
export interface DatasetItem {
  scene: Scene;
  shortCaption: string;
  detailedCaption?: string;
}

export interface WriteOptions {
  /** Composition index (folder prefix, default 0). */
  compId?: number;
  /** Replace an existing non-empty folder (default false: refuse). */
  overwrite?: boolean;
  /** Extra parameters recorded in params.json (e.g. the layout provider's settings). */
  params?: Record<string, unknown>;
}

/** Refused: the folder already holds a dataset and `overwrite` is not set. */
export class WouldOverwrite extends InvalidInput {}

const pad = (i: number): string => String(i).padStart(6, '0');
const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const maskPng = (m: Alpha8): Uint8Array => encodePng(m.width, m.height, 1, m.data);

/** Stable JSON: keys in insertion order as built here, 2-space indent, trailing newline. */
const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/** Write one composition's images, masks, metadata and captions. Returns the folder written. */
export function writeDataset(root: string, items: readonly DatasetItem[], o: WriteOptions = {}): { dir: string; files: string[] } {
  if (typeof root !== 'string' || !root) throw new InvalidInput(`writeDataset: root must be a folder path, got ${describe(root)}`);
  if (!Array.isArray(items) || items.length === 0) throw new InvalidInput('writeDataset: no items; expected at least one scene');
  const names = items[0]!.scene.composition.instances.map((i: { name: string }) => i.name);
  for (const it of items) {
    const n = it.scene.composition.instances.map((i: { name: string }) => i.name);
    if (n.join('+') !== names.join('+'))
      throw new InvalidInput(
        `writeDataset: all items of a composition must hold the same concepts; got ${n.join('+')} beside ${names.join('+')}`,
      );
  }
  const dir = join(root, `${o.compId ?? 0}_${names.join('+')}`);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !o.overwrite)
    throw new WouldOverwrite(`writeDataset: ${dir} already holds files; pass overwrite: true to replace them`);
  for (const sub of ['images', 'masks', 'meta']) mkdirSync(join(dir, sub), { recursive: true });
  const files: string[] = [];
  const put = (rel: string, data: Uint8Array | string): void => {
    writeFileSync(join(dir, rel), data);
    files.push(rel);
  };
  const captions = ['image,short_caption,detailed_caption,background_prompt'];
  const report = ['check,directory,image_id,background_scenes,background_prompt'];
  for (const [k, it] of items.entries()) {
    const s = it.scene,
      c = s.composition;
    const id = pad(k);
    put(`images/img_${id}.png`, encodeRgbPng(s.image));
    put(`masks/mask_${id}.png`, maskPng(c.mask));
    for (const inst of c.instances) put(`masks/inst_${id}_${inst.name}.png`, maskPng(inst.mask));
    put(
      `meta/img_${id}.json`,
      json({
        image: `images/img_${id}.png`,
        size: [c.image.width, c.image.height],
        concepts: c.instances.map((i: Instance) => ({
          id: i.name,
          label: i.label,
          box: i.box,
          objectBox: i.objectBox,
          view: i.view,
          pasteOrder: i.order,
          occluded: Math.round(i.occluded * 1e6) / 1e6,
        })),
        mode: c.mode,
        pasteOrderRule: c.pasteOrder,
        seed: c.seed,
        layoutProvider: c.layout.provider,
        ...(c.layout.fallbackReason ? { fallbackReason: c.layout.fallbackReason } : {}),
        background: s.background,
        backgroundPrompt: c.layout.background,
        repainter: s.repainter,
        softMask: s.softMask,
      }),
    );
    captions.push([`img_${id}.png`, it.shortCaption, it.detailedCaption ?? '', c.layout.background].map(csvCell).join(','));
    report.push(['1', `${o.compId ?? 0}_${names.join('+')}`, id, csvCell(s.background), csvCell(c.layout.background)].join(','));
  }
  put('captions.csv', captions.join('\n') + '\n');
  put('report.csv', report.join('\n') + '\n');
  put('params.json', json({ concepts: names, images: items.length, ...(o.params ?? {}) }));
  return { dir, files };
}
