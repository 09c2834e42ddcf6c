/**
 * `EdgeLab: Analyze Model…` (edgelab.analyzeModel): on an .onnx, model.json or .safetensors file (explorer context
 * menu, or a file picker from the command palette) it writes `<model>-analysis.ipynb` beside the model from the
 * template below, opens it on the EdgeLab controller and runs it. The notebook calls `el.analyzeModel` with an
 * in-place progress bar; stop it with the notebook's interrupt. Its last cell exports the analysed weights and MEMA's C
 * kernels (`el.exportAnalysis`) once a folder is set. `analysisNotebook` is vscode-free (tested in node).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type * as vscodeApi from 'vscode';

const MODEL_FILTERS = { Models: ['onnx', 'json', 'safetensors'] };

/** The notebook (nbformat 4 JSON) that analyzes `modelPath` (absolute path, written into the first code cell). */
export function analysisNotebook(modelPath: string): string {
  const code = (id: string, src: string) => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: src, id });
  const md = (id: string, src: string) => ({ cell_type: 'markdown', metadata: {}, source: src, id });
  const cells = [
    code('setup', "import * as el from 'edgelab';\nawait el.init();"),
    md(
      'title',
      `# ${basename(modelPath)}: every hardware view\n\nImported with \`el.model.importModel\`; CIM reprogramming (arXiv:2410.21730), SWS ADC energy (arXiv:2410.11298), Rosko sparse matmul (arXiv:2307.03930) and MEMA schedules (arXiv:2304.05544) of each weighted layer. Edit the options and re-run; interrupt the kernel to stop.`,
    ),
    code(
      'analyze',
      `const modelPath = ${JSON.stringify(modelPath)};\n` +
        "const bar = el.progress(1000, 'analyzing');\n" +
        'let report;\n' +
        'try {\n' +
        "  report = await el.analyzeModel(modelPath, { papers: 'all', prune: 0.9, batch: [1, 32], onProgress: (f, stage) => bar.set(Math.round(f * 1000), stage) });\n" +
        '  bar.done();\n' +
        '} catch (e) {\n' +
        '  bar.stop(String(e));\n' +
        '  throw e;\n' +
        '}\n' +
        'el.showText(`${report.table.layers.length} layers, ${(report.table.params / 1e6).toFixed(2)} M parameters; stage seconds ${JSON.stringify(report.seconds)}`);\n' +
        "if (!report.table.complete) el.showText(`INCOMPLETE — unsupported: ${report.table.unsupported.map((u) => `${u.op} ×${u.nodes.length} (${u.reason})`).join('; ')}`);",
    ),
    md('figures', '## Layers × papers, where the cost is, the layer table, the largest layer on a crossbar and its sparsity pattern'),
    code('show', 'for (const f of report.figures) el.show(f);'),
    md(
      'export-md',
      "## Take it away\n\nSet `exportTo` to a folder and re-run the cell: `el.exportAnalysis` writes the pruned model (a runnable `pruned.onnx` for an ONNX file), the SWS sorted layout, the Rosko-packed weights, MEMA's C kernels for the matmul layers and a manifest (source SHA-256, options, every file's hash). Existing files are kept unless `overwrite: true`.",
    ),
    code(
      'export',
      "const exportTo = ''; // e.g. modelPath.replace(/\\.[^./]+$/, '') + '-export'\n" +
        "if (exportTo) el.showText((await el.exportAnalysis(report, exportTo)).files.map((f) => `${f.path} ${(f.bytes / 1024).toFixed(1)} KB`).join('\\n'));",
    ),
  ];
  return (
    JSON.stringify(
      {
        cells,
        metadata: {
          kernelspec: { name: 'tslab', display_name: 'TypeScript (EdgeLab)', language: 'typescript' },
          language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
        },
        nbformat: 4,
        nbformat_minor: 5,
      },
      null,
      1,
    ) + '\n'
  );
}

/** `<dir>/<model>-analysis.ipynb`, or `-analysis-2`, … when taken. */
export function analysisPath(modelPath: string): string {
  const stem = basename(modelPath).replace(/\.(onnx|json|safetensors)$/i, '');
  const base = join(dirname(modelPath), `${stem === 'model' ? basename(dirname(modelPath)) : stem}-analysis`);
  let p = `${base}.ipynb`;
  for (let i = 2; existsSync(p); i++) p = `${base}-${i}.ipynb`;
  return p;
}

/** Registers edgelab.analyzeModel; `controllerId` is the EdgeLab notebook controller's id. */
export function registerAnalyzeModel(
  vscode: typeof vscodeApi,
  context: vscodeApi.ExtensionContext,
  controllerId: string,
): vscodeApi.Disposable {
  return vscode.commands.registerCommand('edgelab.analyzeModel', async (uri?: vscodeApi.Uri) => {
    const file =
      uri instanceof vscode.Uri
        ? uri
        : (
            await vscode.window.showOpenDialog({
              canSelectFiles: true,
              canSelectMany: false,
              filters: MODEL_FILTERS,
              openLabel: 'Analyze this model',
            })
          )?.[0];
    if (!file) return;
    const dest = analysisPath(file.fsPath);
    writeFileSync(dest, analysisNotebook(file.fsPath));
    const nb = await vscode.workspace.openNotebookDocument(vscode.Uri.file(dest));
    await vscode.window.showNotebookDocument(nb);
    await vscode.commands.executeCommand('notebook.selectKernel', { id: controllerId, extension: context.extension.id });
    await vscode.commands.executeCommand('notebook.execute');
    return dest;
  });
}
