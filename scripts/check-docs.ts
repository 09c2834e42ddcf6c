/**
 * Doc-comment check (static suite): every exported verb of each paper's index.ts (kernel/papers.ts folders, plus the
 * foundation's) has a doc comment, and every optional field of the options object it takes has one too (that is where
 * units and defaults are written: "Crossbar rows (default 128)"). Walks the exports with the TypeScript compiler API, so
 * it follows `export { x } from './y'` and `export *` to the declaration.
 *
 * Known gaps are listed in docs/api-undocumented.json (a ratchet): the check fails on a gap not listed there, and on a
 * listed gap that has been fixed (so the list only shrinks). Regenerate the list after documenting:
 *   node --import tsx scripts/check-docs.ts --write
 * Report only: node --import tsx scripts/check-docs.ts --report
 */
import ts from 'typescript';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { papers, foundation } from '../kernel/papers';

const ROOT = join(__dirname, '..');
export const KNOWN = join(ROOT, 'docs', 'api-undocumented.json');

/** "kernel/cim/index.ts: verb mapLayer has no doc comment" style gaps, sorted. */
export function findGaps(indexFiles: string[]): string[] {
  const program = ts.createProgram(indexFiles, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    esModuleInterop: true,
    resolveJsonModule: true,
  });
  const checker = program.getTypeChecker();
  const gaps = new Set<string>();
  const hasDoc = (s: ts.Symbol) => ts.displayPartsToString(s.getDocumentationComment(checker)).trim().length > 0;
  for (const file of indexFiles) {
    const sf = program.getSourceFile(file);
    const mod = sf && checker.getSymbolAtLocation(sf);
    if (!mod) continue;
    const where = relative(ROOT, file);
    for (const exp of checker.getExportsOfModule(mod)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const decl = sym.valueDeclaration ?? sym.declarations?.[0];
      if (!decl) continue;
      const isVerb =
        ts.isFunctionDeclaration(decl) ||
        (ts.isVariableDeclaration(decl) &&
          !!decl.initializer &&
          (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer)));
      const isClass = ts.isClassDeclaration(decl);
      if (!isVerb && !isClass) continue;
      const name = exp.getName();
      if (!hasDoc(sym)) gaps.add(`${where}: ${isClass ? 'class' : 'verb'} ${name} has no doc comment`);
      if (!isVerb) continue;
      // fields of object-typed parameters declared in our code (options objects): each optional one documented
      const type = checker.getTypeOfSymbolAtLocation(sym, decl);
      for (const sig of type.getCallSignatures()) {
        for (const p of sig.getParameters()) {
          const pt = checker.getTypeOfSymbolAtLocation(p, decl);
          const tname = checker.typeToString(checker.getNonNullableType(pt));
          if (!/^(o|opts|options)$/.test(p.getName()) && !/Options\b/.test(tname)) continue; // an options object, not data
          for (const prop of checker.getPropertiesOfType(checker.getNonNullableType(pt))) {
            const pd = prop.valueDeclaration ?? prop.declarations?.[0];
            if (!pd || !(prop.flags & ts.SymbolFlags.Optional)) continue;
            const src = pd.getSourceFile().fileName;
            if (src.includes('node_modules') || !src.startsWith(join(ROOT, 'kernel'))) continue;
            if (!hasDoc(prop))
              gaps.add(`${where}: ${name}(${p.getName()}.${prop.getName()}) — optional field without a doc comment (its default and unit)`);
          }
        }
      }
    }
  }
  return [...gaps].sort();
}

/** index.ts of every paper folder and foundation folder that exists (a planned paper has none yet). */
export function indexFiles(): string[] {
  const folders = [...foundation.folders, ...papers.map((p) => p.folder)];
  return [...new Set(folders)].map((f) => join(ROOT, f, 'index.ts')).filter(existsSync);
}

function main(): void {
  const args = process.argv.slice(2);
  const files = indexFiles();
  const gaps = findGaps(files);
  if (args.includes('--write')) {
    writeFileSync(KNOWN, JSON.stringify(gaps, null, 1) + '\n');
    console.log(`${gaps.length} known gap(s) written to ${relative(ROOT, KNOWN)}`);
    return;
  }
  const byFile = new Map<string, number>();
  for (const g of gaps) byFile.set(g.split(':')[0]!, (byFile.get(g.split(':')[0]!) ?? 0) + 1);
  if (args.includes('--report')) {
    for (const g of gaps) console.log(g);
  }
  console.log(
    `doc comments: ${files.length} index.ts files, ${gaps.length} gap(s)${gaps.length ? ` (${[...byFile].map(([f, n]) => `${f} ${n}`).join(', ')})` : ''}`,
  );
  const known = new Set(existsSync(KNOWN) ? (JSON.parse(readFileSync(KNOWN, 'utf8')) as string[]) : []);
  const added = gaps.filter((g) => !known.has(g));
  const fixed = [...known].filter((g) => !gaps.includes(g));
  if (added.length)
    console.error(`new undocumented exports (document them: what it does, units, defaults):\n${added.map((g) => `  ${g}`).join('\n')}`);
  if (fixed.length)
    console.error(
      `documented since ${relative(ROOT, KNOWN)} was written (remove them: node --import tsx scripts/check-docs.ts --write):\n${fixed.map((g) => `  ${g}`).join('\n')}`,
    );
  if (added.length || fixed.length) process.exit(1);
}

if (require.main === module) main();
