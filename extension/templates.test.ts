import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyTemplate, describeNotebook, freeName, listTemplates } from './templates';
import { papers } from '../kernel/papers';

const nb = (md: string) =>
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ cell_type: 'markdown', source: md.split(/(?<=\n)/), metadata: {} }],
  });

test('templates: titles from the first heading, sorted by file name, copies never overwrite', () => {
  const t = mkdtempSync(join(tmpdir(), 'el-tpl-'));
  try {
    writeFileSync(join(t, '10-cim.ipynb'), nb('# CIM crossbars\n\nBit-sliced weights on crossbars. More text.'));
    writeFileSync(join(t, '00-welcome.ipynb'), nb('# Welcome to EdgeLab\n\nEdgeLab is a kernel! Second.'));
    writeFileSync(join(t, 'notes.txt'), 'x');
    const list = listTemplates(t);
    assert.deepEqual(
      list.map((x) => [x.name, x.title, x.detail]),
      [
        ['00-welcome.ipynb', 'Welcome to EdgeLab', 'EdgeLab is a kernel!'],
        ['10-cim.ipynb', 'CIM crossbars', 'Bit-sliced weights on crossbars.'],
      ],
    );
    const dest = mkdtempSync(join(tmpdir(), 'el-ws-'));
    const [first] = list;
    assert.ok(first);
    const a = copyTemplate(first, dest);
    const b = copyTemplate(first, dest);
    assert.equal(a, join(dest, '00-welcome.ipynb'));
    assert.equal(b, join(dest, '00-welcome-1.ipynb'));
    assert.equal(readFileSync(b, 'utf8'), readFileSync(first.file, 'utf8'));
    assert.equal(freeName(dest, '00-welcome.ipynb'), join(dest, '00-welcome-2.ipynb'));
    rmSync(dest, { recursive: true });
    writeFileSync(join(t, 'bad.ipynb'), '{');
    assert.equal(describeNotebook(join(t, 'bad.ipynb')).title, 'bad');
    assert.deepEqual(listTemplates(join(t, 'absent')), []);
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});

test('templates: every shipped tutorial has a title', () => {
  const list = listTemplates(join(__dirname, '..', 'notebooks'));
  assert.ok(list.length >= 1);
  for (const x of list) assert.notEqual(x.title, x.name.replace(/\.ipynb$/, ''), `${x.name} has no markdown heading`);
});

test('templates: the picker follows the paper index (welcome first, then papers in index order) and names each paper', () => {
  const list = listTemplates(join(__dirname, '..', 'notebooks'));
  assert.equal(list[0]?.name, '00-welcome.ipynb');
  const landed = papers.filter((p) => p.status === 'landed');
  // every landed paper's tutorial ships, carries its record, and the order is the index's
  assert.deepEqual(
    list.filter((t) => t.paper).map((t) => t.paper?.id),
    landed.map((p) => p.id),
  );
  for (const t of list.filter((x) => x.paper)) {
    assert.equal(`notebooks/${t.name}`, t.paper?.notebook);
    assert.match(t.description, new RegExp(`arXiv ${t.paper?.arxiv?.replace('.', '\\.')} · el\\.${t.paper?.namespace}$`));
  }
});
