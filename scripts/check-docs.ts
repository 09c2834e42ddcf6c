/**
 * Doc-comment check (static suite): the public API — kernel/index.ts's own exports, every module it re-exports as a
 * namespace (`el.jobs`, `el.model`, `el.io`, each paper), and each paper and foundation folder's index.ts — has
 *  - a doc comment on every exported verb (function) and class;
 *  - a doc comment on every optional field of the options object a verb or constructor takes (a parameter named o, opts,
 *    options, spec, cfg, config or sets, or typed …Options: where units and defaults are written:
 *    "Crossbar rows (default 128)");
 *  - and, where the verb itself applies a default to such a field (`o.rows ?? 128`, `const { rows = 128 } = o`,
 *    `withDefaults({ rows: 128 }, o)`), a comment that states it: the word "default", and for a number or string literal
 *    that value (128 = 1.28e2 = "128"; 0.1 = "10 %"). A comment that names a wrong number fails.
 * Walks the exports with the TypeScript compiler API, so it follows `export { x } from './y'` and `export *` to the
 * declaration. Any gap fails (exit 1) and is listed:
 *   node --import tsx scripts/check-docs.ts            # the check
 *   node --import tsx scripts/check-docs.ts --report   # every gap, exit 0
 *   node --import tsx scripts/check-docs.ts a/index.ts # check these files instead (options declared under a/ count)
 */
import ts from 'typescript';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { papers, foundation } from '../kernel/papers';

const ROOT = join(__dirname, '..');

/** The default a verb applies to `field` of its options parameter, read from its own body: `o.field ?? d`,
 *  `const { field = d } = o`, a destructured parameter `{ field = d }`, `withDefaults({ field: d }, o)` or
 *  `{ field: d, ...o }`. A field is absent when the verb applies no default itself (it may forward `o` to a helper). */
export function defaultsApplied(
  fn: ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression | ts.ConstructorDeclaration,
  param: ts.ParameterDeclaration,
): Map<string, ts.Expression> {
  const out = new Map<string, ts.Expression>();
  const pname = ts.isIdentifier(param.name) ? param.name.text : undefined;
  const fromPattern = (b: ts.ObjectBindingPattern) => {
    for (const el of b.elements) {
      if (!el.initializer || el.dotDotDotToken) continue;
      const key = el.propertyName ?? el.name;
      if (ts.isIdentifier(key)) out.set(key.text, el.initializer);
    }
  };
  if (ts.isObjectBindingPattern(param.name)) fromPattern(param.name);
  const isP = (e: ts.Node) => !!pname && ts.isIdentifier(e) && e.text === pname;
  const fromLiteral = (lit: ts.ObjectLiteralExpression) => {
    for (const pr of lit.properties)
      if (ts.isPropertyAssignment(pr) && (ts.isIdentifier(pr.name) || ts.isStringLiteral(pr.name)) && !out.has(pr.name.text))
        out.set(pr.name.text, pr.initializer);
  };
  const visit = (n: ts.Node): void => {
    if (
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken &&
      ts.isPropertyAccessExpression(n.left) &&
      isP(n.left.expression) &&
      !out.has(n.left.name.text)
    )
      out.set(n.left.name.text, n.right);
    if (ts.isVariableDeclaration(n) && ts.isObjectBindingPattern(n.name) && n.initializer && isP(n.initializer)) fromPattern(n.name);
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'withDefaults') {
      const [d, o] = n.arguments;
      if (d && o && ts.isObjectLiteralExpression(d) && isP(o)) fromLiteral(d);
    }
    if (ts.isObjectLiteralExpression(n)) {
      const spread = n.properties.findIndex((pr) => ts.isSpreadAssignment(pr) && isP(pr.expression));
      if (spread > 0) fromLiteral(ts.factory.createObjectLiteralExpression(n.properties.slice(0, spread)));
    }
    ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return out;
}

/** A default that means "none": `{}`, `[]`, `() => {}`, `undefined`, `null`. */
function isNothing(e: ts.Expression): boolean {
  if (ts.isObjectLiteralExpression(e) || ts.isArrayLiteralExpression(e))
    return !(ts.isObjectLiteralExpression(e) ? e.properties : e.elements).length;
  if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return ts.isBlock(e.body) && !e.body.statements.length;
  return e.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(e) && e.text === 'undefined');
}

/** Does a doc comment state `def` as the default? A number or string literal must appear as written (a number in any
 *  notation: 0.001 = 1e-3, 60000 = 60_000 = 60,000 = 60 000, 0.1 = 10 %); any other expression needs the word "default". */
export function statesDefault(doc: string, def: ts.Expression): boolean {
  const text = doc.replace(/\s+/g, ' ');
  let e: ts.Expression = def;
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  if (isNothing(e)) return true;
  if (!/default/i.test(text)) return false;
  const num = ts.isNumericLiteral(e)
    ? Number(e.text)
    : ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)
      ? -Number(e.operand.text)
      : undefined;
  if (num !== undefined) {
    const close = (a: number) => Math.abs(a - num) <= 1e-12 * Math.max(1, Math.abs(num));
    for (const m of text.matchAll(/(?<![\w.])(−|-)?(\d+(?:[_, \u2009\u202f]\d{3}(?!\d))*(?:\.\d+)?(?:e[−-]?\d+)?)(\s?%)?/gi)) {
      const v = Number(m[2]!.replace(/[_, \u2009\u202f]/g, '').replace('−', '-')) * (m[1] ? -1 : 1);
      if (close(m[3] ? v / 100 : v)) return true;
    }
    return false;
  }
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return text.includes(e.text);
  return true;
}

/** "kernel/cim/index.ts: verb mapLayer has no doc comment" style gaps, sorted. `own`: the folder whose declarations
 *  count as ours (options fields declared elsewhere, e.g. in a library's types, are not checked). */
export function findGaps(indexFiles: string[], own = join(ROOT, 'kernel')): string[] {
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
  const docOf = (s: ts.Symbol) => ts.displayPartsToString(s.getDocumentationComment(checker)).trim();
  for (const file of indexFiles) {
    const sf = program.getSourceFile(file);
    const mod = sf && checker.getSymbolAtLocation(sf);
    if (!mod) continue;
    const where = relative(ROOT, file);
    for (const exp of checker.getExportsOfModule(mod)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const decl = sym.valueDeclaration ?? sym.declarations?.[0];
      if (!decl) continue;
      const fn = ts.isFunctionDeclaration(decl)
        ? decl
        : ts.isVariableDeclaration(decl) &&
            decl.initializer &&
            (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer))
          ? decl.initializer
          : undefined;
      const isClass = ts.isClassDeclaration(decl);
      if (!fn && !isClass) continue;
      const name = exp.getName();
      if (!docOf(sym)) gaps.add(`${where}: ${isClass ? 'class' : 'verb'} ${name} has no doc comment`);
      // a class's options come through its constructor
      const callables = fn ? [fn] : (decl as ts.ClassDeclaration).members.filter(ts.isConstructorDeclaration);
      // fields of object-typed parameters declared in our code (options objects): each optional one documented, and
      // stating the default where the verb applies one
      for (const fn of callables)
        fn.parameters.forEach((pdecl, i) => {
          const pname = ts.isIdentifier(pdecl.name) ? pdecl.name.text : `arg${i}`;
          const pt = checker.getNonNullableType(checker.getTypeAtLocation(pdecl));
          const tname = checker.typeToString(pt);
          if (!/^(o|opts|options|spec|cfg|config|sets|arg\d)$/.test(pname) && !/Options\b/.test(tname)) return; // an options object, not data
          if (/^arg\d$/.test(pname) && !/Options\b/.test(tname)) return;
          const defaults = defaultsApplied(fn, pdecl);
          for (const prop of checker.getPropertiesOfType(pt)) {
            const pd = prop.valueDeclaration ?? prop.declarations?.[0];
            if (!pd || !(prop.flags & ts.SymbolFlags.Optional)) continue;
            const src = pd.getSourceFile().fileName;
            if (src.includes('node_modules') || !src.startsWith(own)) continue;
            const doc = docOf(prop);
            const field = `${name}(${pname}.${prop.getName()})`;
            if (!doc) gaps.add(`${where}: ${field} — optional field without a doc comment (its default and unit)`);
            else {
              const d = defaults.get(prop.getName());
              if (d && !statesDefault(doc, d))
                gaps.add(`${where}: ${field} — doc comment does not state the default the verb applies (${d.getText()})`);
            }
          }
        });
    }
  }
  return [...gaps].sort();
}

/** The public API: kernel/index.ts (the core verbs it exports at top level), every module it re-exports as a namespace
 *  (`export * as jobs from './core/jobs'`), and the index.ts of every paper and foundation folder that exists. */
export function indexFiles(): string[] {
  const entry = join(ROOT, 'kernel', 'index.ts');
  const sf = ts.createSourceFile(entry, readFileSync(entry, 'utf8'), ts.ScriptTarget.ES2022);
  const namespaces = sf.statements.flatMap((s) =>
    ts.isExportDeclaration(s) &&
    s.exportClause &&
    ts.isNamespaceExport(s.exportClause) &&
    s.moduleSpecifier &&
    ts.isStringLiteral(s.moduleSpecifier)
      ? [join(ROOT, 'kernel', s.moduleSpecifier.text)]
      : [],
  );
  const folders = [...foundation.folders, ...papers.map((p) => p.folder)].map((f) => join(ROOT, f));
  const files = [...namespaces, ...folders].map((p) => (existsSync(`${p}.ts`) ? `${p}.ts` : join(p, 'index.ts')));
  return [entry, ...new Set(files.filter(existsSync).sort())];
}

function main(): void {
  const args = process.argv.slice(2);
  const report = args.includes('--report');
  const given = args.filter((a) => !a.startsWith('--')).map((f) => resolve(f));
  const files = given.length ? given : indexFiles();
  const gaps = given.length ? findGaps(files, dirname(files[0]!)) : findGaps(files);
  const byFile = new Map<string, number>();
  for (const g of gaps) byFile.set(g.split(':')[0]!, (byFile.get(g.split(':')[0]!) ?? 0) + 1);
  console.log(
    `doc comments: ${files.length} index.ts files, ${gaps.length} gap(s)${gaps.length ? ` (${[...byFile].map(([f, n]) => `${f} ${n}`).join(', ')})` : ''}`,
  );
  if (!gaps.length) return;
  (report ? console.log : console.error)(
    `undocumented (document each: what it does, in the paper's terms; units; the default the code applies):\n${gaps.map((g) => `  ${g}`).join('\n')}`,
  );
  if (!report) process.exitCode = 1;
}

if (require.main === module) main();
