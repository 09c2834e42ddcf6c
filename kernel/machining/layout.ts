/**
 * The official code's data layout (github.com/ALiGoo/DeepMachining; arXiv 2403.16451): a CSV manifest with one row per
 * workpiece (file path, number, name, the diameter measured at each station in a column named after the station —
 * `10mm`, `3d4mm` for 3.4 mm — the operator `offset` and the nominal `target_size`), plus per workpiece its cuts as
 * [9, L] float32 arrays (8 signal channels and the label channel, CHANNELS). The authors store a pickle per workpiece;
 * here each cut is a `.npy` (`<name>.cut<k>.npy`), which numpy and this loader both read. Extra manifest columns:
 * `length_mm` (needed for the mm → index mapping), `cuts`, `task_id`, `tool_id`.
 *
 * Users' own data in this layout load with `readDataset(dir)`; malformed manifests raise FormatError naming the line.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, NotFound, InvalidInput } from '../core/errors';
import { readNpyFile, writeNpyFile } from '../core/io/npy';
import type { Workpiece } from './types';

/** Station column name as in the official manifests: 10 → '10mm', 3.4 → '3d4mm'. */
export function stationColumn(mm: number): string {
  return `${String(mm).replace('.', 'd')}mm`;
}

function parseStation(col: string): number | null {
  const m = /^(\d+)(?:d(\d+))?mm$/.exec(col);
  return m ? Number(m[2] ? `${m[1]}.${m[2]}` : m[1]) : null;
}

const FIXED = ['filepaths', 'No', 'name', 'offset', 'target_size', 'length_mm', 'cuts', 'task_id', 'tool_id'];

/** Write workpieces (all with the same stations) as manifest.csv + one .npy per cut. */
export function writeDataset(dir: string, workpieces: readonly Workpiece[]): string {
  if (!workpieces.length) throw new InvalidInput('writeDataset needs at least one workpiece');
  const st = workpieces[0]!.stationsMm;
  mkdirSync(dir, { recursive: true });
  const cols = ['filepaths', 'No', 'name', ...st.map(stationColumn), 'offset', 'target_size', 'length_mm', 'cuts', 'task_id', 'tool_id'];
  const lines = [cols.join(',')];
  workpieces.forEach((w, i) => {
    if (w.stationsMm.join() !== st.join())
      throw new InvalidInput(`workpiece ${i} has stations [${w.stationsMm}], expected [${st}] (one manifest per station set)`);
    const name = `${w.task}_tool${w.tool}_no${String(w.index).padStart(2, '0')}`;
    w.cuts.forEach((c, k) => writeNpyFile(join(dir, `${name}.cut${k}.npy`), { dtype: 'float32', shape: [9, c.length], data: c.data }));
    lines.push(
      [
        name,
        w.index,
        name,
        ...w.diametersMm.map((d) => d.toFixed(6)),
        w.offsetMm,
        w.nominalMm,
        w.lengthMm,
        w.cuts.length,
        w.task,
        w.tool,
      ].join(','),
    );
  });
  const path = join(dir, 'manifest.csv');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Read a dataset written by writeDataset (or a user's data in the same layout). Physics fields the files do not hold are NaN. */
export function readDataset(dir: string): Workpiece[] {
  const path = join(dir, 'manifest.csv');
  if (!existsSync(path)) throw new NotFound(`no manifest.csv in ${dir}`);
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const head = lines[0]!.split(',').map((s) => s.trim());
  for (const c of ['filepaths', 'name', 'target_size', 'length_mm'])
    if (!head.includes(c)) throw new FormatError(`${path} line 1: missing column ${c} (have ${head.join(',')})`);
  const stationCols = head.filter((c) => !FIXED.includes(c) && parseStation(c) !== null);
  if (!stationCols.length) throw new FormatError(`${path} line 1: no station columns like 10mm or 3d4mm`);
  const stations = stationCols.map((c) => parseStation(c)!);
  const out: Workpiece[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const f = line.split(',').map((s) => s.trim());
    if (f.length !== head.length) throw new FormatError(`${path} line ${i + 1}: ${f.length} fields, header has ${head.length}`);
    const get = (c: string) => f[head.indexOf(c)];
    const num = (c: string, dflt?: number) => {
      const s = get(c);
      if (s === undefined) {
        if (dflt !== undefined) return dflt;
        throw new FormatError(`${path} line ${i + 1}: missing ${c}`);
      }
      const v = Number(s);
      if (!Number.isFinite(v)) throw new FormatError(`${path} line ${i + 1}: ${c} = ${JSON.stringify(s)} is not a number`);
      return v;
    };
    const nominal = num('target_size'),
      lengthMm = num('length_mm'),
      cutsN = num('cuts', 2),
      offset = num('offset', 0);
    const diam = stationCols.map((c) => num(c));
    const file = get('filepaths')!;
    const cuts = Array.from({ length: cutsN }, (_, k) => {
      const p = join(dir, `${file}.cut${k}.npy`);
      if (!existsSync(p)) throw new NotFound(`${path} line ${i + 1}: cut file ${p} not found`);
      const a = readNpyFile(p);
      if (a.shape.length !== 2 || a.shape[0] !== 9) throw new FormatError(`${p}: expected shape [9, L], got [${a.shape}]`);
      return {
        data: Float32Array.from(a.data as Float32Array),
        length: a.shape[1]!,
        rpm: NaN,
        feedMmPerMin: NaN,
        fcN: NaN,
        fpN: NaN,
        ffN: NaN,
      };
    });
    const err = diam.map((d) => d - nominal);
    out.push({
      task: get('task_id') ?? 'task',
      tool: Number(get('tool_id') ?? 0),
      index: num('No', i - 1),
      cuts,
      vbMm: NaN,
      toolMinutes: NaN,
      thermal: NaN,
      errorTrueMm: err.map(() => NaN),
      errorMeasuredMm: err,
      diametersMm: diam,
      stationsMm: stations,
      raTheoryUm: NaN,
      raUm: NaN,
      offsetMm: offset,
      nominalMm: nominal,
      lengthMm,
    });
  }
  return out;
}
