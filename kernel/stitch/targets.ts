/**
 * Sub-task targets, as the paper's targets are sub-tasks of the zoo's source task (cats vs dogs inside ImageNet;
 * arXiv 2301.01947, §4): a few classes drawn from inside the sources' label spaces, plus one cross-domain target mixing
 * Fashion-MNIST and MNIST classes. Every image has an id ('fmnist/test/123', 'mnist/train/45'); a target's
 * validation and test images are fixed, its stitching sets are drawn (seeded, class-balanced) from the rest, and none
 * of them was seen by a zoo network (Fashion-MNIST images come from the test split, MNIST ones from outside
 * `mnistZooIds()`).
 */
import { InvalidInput, describe } from '../core/errors';
import { loadFashionMnist, loadMnist, type ImageDataset } from '../core/data';
import { rng as makeRng } from '../core/rng';
import { mnistZooIds } from './zoo';
import type { LabelledImages } from './evaluate';

export interface TargetClass {
  dataset: 'fashion-mnist' | 'mnist';
  /** Label in the source dataset. */
  label: number;
  name: string;
}
export interface TargetSpec {
  name: string;
  title: string;
  kind: 'within-source' | 'cross-domain';
  classes: TargetClass[];
}

const fm = (label: number, name: string): TargetClass => ({ dataset: 'fashion-mnist', label, name });
const mn = (label: number): TargetClass => ({ dataset: 'mnist', label, name: `digit ${label}` });

/** The declared targets (bench/declared/stitch-targets.json mirrors them; a test keeps the two equal). */
export const TARGETS: TargetSpec[] = [
  {
    name: 'tops3',
    title: 'T-shirt vs pullover vs shirt',
    kind: 'within-source',
    classes: [fm(0, 'T-shirt/top'), fm(2, 'Pullover'), fm(6, 'Shirt')],
  },
  { name: 'digits358', title: 'digits 3 vs 5 vs 8', kind: 'within-source', classes: [mn(3), mn(5), mn(8)] },
  {
    name: 'cross4',
    title: 'sneaker vs sandal vs digit 1 vs digit 7',
    kind: 'cross-domain',
    classes: [fm(7, 'Sneaker'), fm(5, 'Sandal'), mn(1), mn(7)],
  },
];

/** Labelled images with an id per image. */
export interface IdImages extends LabelledImages {
  labels: Int32Array;
  ids: string[];
  classes: string[];
}

export interface TargetSplit {
  target: TargetSpec;
  /** Fixed validation images (selection only). */
  validation: IdImages;
  /** Fixed test images (read once for the reported numbers). */
  test: IdImages;
  /** Images stitching sets are drawn from, per target class. */
  pool: IdImages[];
}

export interface SplitOptions {
  /** Fixed validation images per class (default 100, the declared protocol). */
  valPerClass?: number;
  /** Fixed test images per class (default 150, the declared protocol). */
  testPerClass?: number;
}

function gather(items: { ds: ImageDataset; i: number; id: string; label: number }[], classes: string[]): IdImages {
  const n = items.length;
  const images = new Float32Array(n * 784),
    labels = new Int32Array(n);
  items.forEach((it, k) => {
    images.set(it.ds.images.subarray(it.i * 784, (it.i + 1) * 784), k * 784);
    labels[k] = it.label;
  });
  return { images, labels, n, height: 28, width: 28, ids: items.map((it) => it.id), classes };
}

/** Candidate images of one target class, in a fixed order: ids never used to train the zoo. */
function candidates(c: TargetClass, label: number): { ds: ImageDataset; i: number; id: string; label: number }[] {
  const out: { ds: ImageDataset; i: number; id: string; label: number }[] = [];
  if (c.dataset === 'fashion-mnist') {
    const ds = loadFashionMnist({ split: 'test' });
    for (let i = 0; i < ds.n; i++) if (ds.labels[i] === c.label) out.push({ ds, i, id: `fmnist/test/${i}`, label });
    return out;
  }
  const tr = loadMnist({ split: 'train' }),
    te = loadMnist({ split: 'test' });
  const zoo = new Set(mnistZooIds(tr.n));
  for (let i = 0; i < tr.n; i++) if (!zoo.has(i) && tr.labels[i] === c.label) out.push({ ds: tr, i, id: `mnist/train/${i}`, label });
  for (let i = 0; i < te.n; i++) if (te.labels[i] === c.label) out.push({ ds: te, i, id: `mnist/test/${i}`, label });
  return out;
}

/** Fixed validation / test images and the stitching pool of a target (same for every stitching-set draw). */
export function targetSplit(target: TargetSpec | string, opts: SplitOptions = {}): TargetSplit {
  const t = typeof target === 'string' ? TARGETS.find((x) => x.name === target) : target;
  if (!t) throw new InvalidInput(`unknown target ${describe(target)}; declared: ${TARGETS.map((x) => x.name).join(', ')}`);
  const nv = opts.valPerClass ?? 100,
    nt = opts.testPerClass ?? 150;
  const names = t.classes.map((c) => c.name);
  const val: ReturnType<typeof candidates> = [],
    test: ReturnType<typeof candidates> = [],
    pool: IdImages[] = [];
  t.classes.forEach((c, label) => {
    const cand = candidates(c, label);
    if (cand.length < nv + nt + 8)
      throw new InvalidInput(`target ${t.name}: class ${c.name} has ${cand.length} images, fewer than ${nv} + ${nt} + 8`);
    const order = makeRng(2301_01947 + 97 * label + c.label).permutation(cand.length);
    const sorted = Array.from(order, (j) => cand[j]!);
    val.push(...sorted.slice(0, nv));
    test.push(...sorted.slice(nv, nv + nt));
    pool.push(gather(sorted.slice(nv + nt), names));
  });
  return { target: t, validation: gather(val, names), test: gather(test, names), pool };
}

/** Largest class-balanced stitching set the pool allows. */
export function maxStitchImages(split: TargetSplit): number {
  return Math.min(...split.pool.map((p) => p.n)) * split.pool.length;
}

/**
 * A class-balanced stitching set of n images (n/C per class, the remainder to the first classes), drawn with `seed`.
 * @throws InvalidInput when the pool is too small.
 */
export function drawStitchingSet(split: TargetSplit, n: number, seed: number): IdImages {
  const C = split.pool.length;
  if (!Number.isInteger(n) || n < C) throw new InvalidInput(`stitching-set size must be an integer ≥ ${C}, got ${describe(n)}`);
  if (n > maxStitchImages(split))
    throw new InvalidInput(`target ${split.target.name}: ${n} stitching images asked, the pool allows ${maxStitchImages(split)}`);
  const r = makeRng(seed);
  const images = new Float32Array(n * 784),
    labels = new Int32Array(n),
    ids: string[] = [];
  const per = Array.from({ length: C }, (_, c) => Math.floor(n / C) + (c < n % C ? 1 : 0));
  const picks: { c: number; j: number }[] = [];
  per.forEach((k, c) => r.sample(split.pool[c]!.n, k).forEach((j) => picks.push({ c, j })));
  const order = r.permutation(picks.length);
  order.forEach((o, k) => {
    const { c, j } = picks[o]!;
    const p = split.pool[c]!;
    images.set(p.images.subarray(j * 784, (j + 1) * 784), k * 784);
    labels[k] = c;
    ids.push(p.ids[j]!);
  });
  return { images, labels, n, height: 28, width: 28, ids, classes: split.validation.classes };
}

/** Throws unless the id sets are pairwise disjoint (and no id repeats inside one). */
export function assertDisjoint(sets: Record<string, { ids: string[] }>): void {
  const seen = new Map<string, string>();
  for (const [name, s] of Object.entries(sets))
    for (const id of s.ids) {
      const prev = seen.get(id);
      if (prev !== undefined) throw new InvalidInput(`image ${id} is in both ${prev} and ${name}`);
      seen.set(id, name);
    }
}
