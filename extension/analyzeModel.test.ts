import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analysisNotebook, analysisPath } from './analyzeModel';

test('analyze-model notebook: the model path is a JSON string literal in the first analysis cell; the first cell imports edgelab', () => {
  const p = '/tmp/it\'s "my" model.onnx';
  const nb = JSON.parse(analysisNotebook(p)) as {
    cells: { cell_type: string; source: string }[];
    metadata: { kernelspec: { name: string } };
  };
  assert.equal(nb.metadata.kernelspec.name, 'tslab');
  assert.match(nb.cells[0]!.source, /^import \* as el from 'edgelab';/);
  const analyze = nb.cells.find((c) => c.source.includes('el.analyzeModel'))!;
  assert.ok(analyze.source.includes(`const modelPath = ${JSON.stringify(p)};`));
  assert.ok(analyze.source.includes('onProgress'));
});

test('analysis notebook names: beside the model, folder name for model.json, never overwriting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'an-'));
  assert.equal(analysisPath(join(dir, 'resnet.onnx')), join(dir, 'resnet-analysis.ipynb'));
  writeFileSync(join(dir, 'resnet-analysis.ipynb'), '{}');
  assert.equal(analysisPath(join(dir, 'resnet.onnx')), join(dir, 'resnet-analysis-2.ipynb'));
  assert.equal(analysisPath(join(dir, 'blaze', 'model.json')), join(dir, 'blaze', 'blaze-analysis.ipynb'));
});

test('analysis notebook: the export cell writes nothing until a folder is set, then calls el.exportAnalysis on the report', () => {
  const nb = JSON.parse(analysisNotebook('/m/r.onnx')) as { cells: { cell_type: string; source: string }[] };
  const ex = nb.cells.at(-1)!;
  assert.equal(ex.cell_type, 'code');
  assert.match(ex.source, /^const exportTo = '';/);
  assert.match(ex.source, /if \(exportTo\) .*el\.exportAnalysis\(report, exportTo\)/);
  // the example in the comment is valid JS that turns the model path into a folder name
  const example = /e\.g\. (.*)$/m.exec(ex.source)![1]!;
  assert.equal(new Function('modelPath', `return ${example};`)('/m/r.onnx'), '/m/r-export');
});
