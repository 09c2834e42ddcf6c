/**
 * Source-to-source fixes applied to a cell before tslab 1.0.22 compiles it (tslab-kernel.ts). tslab runs every cell as
 * a module and rewrites each name declared in an earlier cell to `exports.<name>`; two constructs slip through:
 *
 *  - object shorthand `{ hw }`: the rewrite asks the checker for the symbol at `hw`, which for a shorthand property is
 *    the *property*, not the variable, so `hw` stays a bare name and fails at run time (`ReferenceError: hw is not
 *    defined`). We write every shorthand out as `{ hw: hw }` (same meaning, also in destructuring assignments
 *    `({ a = 1 } = o)` → `({ a: a = 1 } = o)`), and the rewrite then sees an ordinary identifier.
 *  - top-level `for await`: tslab turns top-level `await` expressions into an async wrapper but does not recognise
 *    `for await`, so the cell runs in a plain function (`SyntaxError: Unexpected reserved word`). We wrap each
 *    outermost top-level `for await` statement as `await Promise.resolve().then(async () => { <statement> });`, which tslab does recognise.
 *    Limits: a `break`/`continue` inside it that targets a label *outside* it, or a `var` declared in its body and used
 *    after it, no longer work (the statement now lives in a function).
 *
 *  - `export` on a top-level declaration (`export const x = 1`): tslab exports every top-level name itself and then
 *    fails with "Cannot redeclare exported variable"; the keyword is replaced by spaces. (`export default` is left alone.)
 *
 * Only text is inserted or blanked, never a line break, so line numbers are unchanged; `originalColumn` maps a column back.
 * `ts` is passed in (the kernel uses tslab's own TypeScript) so this module bundles no compiler.
 */
import type * as TS from 'typescript';

export interface Insertion {
  pos: number;
  text: string;
}
export interface CellTransform {
  code: string;
  /** Insertions into the original source, ascending by position. */
  insertions: Insertion[];
}

function isFunctionBoundary(ts: typeof TS, n: TS.Node): boolean {
  return ts.isFunctionLike(n) || ts.isClassLike(n) || ts.isModuleDeclaration(n);
}

export function transformCell(ts: typeof TS, src: string): CellTransform {
  const sf = ts.createSourceFile('cell.ts', src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const ins: Insertion[] = [];
  const blanks: { pos: number; end: number }[] = [];
  const visit = (n: TS.Node, topLevel: boolean): void => {
    if (ts.isShorthandPropertyAssignment(n)) {
      const start = n.name.getStart(sf);
      ins.push({ pos: start, text: `${n.name.text}: ` });
    }
    if (n.parent === sf && ts.canHaveModifiers(n)) {
      // `export const x = …` at the top of a cell: tslab already exports every top-level name and then reports
      // "Cannot redeclare exported variable"; the keyword is blanked (same length, so positions do not move)
      const exp = ts.getModifiers(n)?.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      const isDefault = ts.getModifiers(n)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
      if (exp && !isDefault && !ts.isExportDeclaration(n)) blanks.push({ pos: exp.getStart(sf), end: exp.getEnd() });
    }
    if (topLevel && ts.isForOfStatement(n) && n.awaitModifier) {
      // wrap the statement (with its labels, so `continue label` inside still resolves)
      let stmt: TS.Node = n;
      while (ts.isLabeledStatement(stmt.parent)) stmt = stmt.parent;
      // not `await (async () => …)()`: tslab's TypeScript parses `await (` outside an async function as a call of a
      // function named `await`; `await <identifier>` is an await expression, which tslab runs in an async wrapper
      ins.push({ pos: stmt.getStart(sf), text: 'await Promise.resolve().then(async () => { ' }, { pos: stmt.getEnd(), text: ' });' });
      topLevel = false;
    }
    const childTop = topLevel && !isFunctionBoundary(ts, n);
    ts.forEachChild(n, (c) => visit(c, childTop));
  };
  visit(sf, true);
  for (const b of blanks) src = src.slice(0, b.pos) + ' '.repeat(b.end - b.pos) + src.slice(b.end);
  if (!ins.length) return { code: src, insertions: [] };
  // stable: equal positions keep visit order (a wrapper opening before a shorthand at the same position)
  const sorted = ins.map((x, i) => ({ ...x, i })).sort((a, b) => a.pos - b.pos || a.i - b.i);
  let code = '';
  let at = 0;
  for (const x of sorted) {
    code += src.slice(at, x.pos) + x.text;
    at = x.pos;
  }
  code += src.slice(at);
  return { code, insertions: sorted.map(({ pos, text }) => ({ pos, text })) };
}

/** The offset in the original source of an offset in the transformed code (inside inserted text → where it was inserted). */
export function originalOffset(t: CellTransform, offset: number): number {
  let added = 0;
  for (const x of t.insertions) {
    const at = x.pos + added; // where this insertion starts in the transformed code
    if (offset < at) break;
    if (offset < at + x.text.length) return x.pos;
    added += x.text.length;
  }
  return offset - added;
}

function lineStarts(s: string): number[] {
  const r = [0];
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) r.push(i + 1);
  return r;
}

/** Maps a 0-based (line, column) in the transformed code back to the original source (lines are equal). */
export function originalColumn(t: CellTransform, original: string, line: number, column: number): number {
  if (!t.insertions.length) return column;
  const tl = lineStarts(t.code);
  const ol = lineStarts(original);
  if (line >= tl.length || line >= ol.length) return column;
  return Math.max(0, originalOffset(t, tl[line]! + column) - ol[line]!); // line < both lengths (checked above)
}
