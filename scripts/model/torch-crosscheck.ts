/**
 * Optional cross-check of the model importer against PyTorch (not run in CI: Debian's python3-torch and
 * python3-torchvision pull in many packages). Builds torchvision's ResNet-18 and MobileNetV2 (random weights), counts
 * each Conv2d / Linear layer's weight elements and MACs in torch (forward hooks on a 1×3×224×224 input), exports the
 * net to ONNX with torch.onnx.export, imports that file with `el.model.importModel` and compares layer by layer.
 *
 *   sudo apt install python3-torch python3-torchvision     # once; then:
 *   npx tsx scripts/model/torch-crosscheck.ts [--python /usr/bin/python3]
 *
 * Exits 0 with a message when torch is not importable (nothing to compare), 1 on any mismatch.
 * Per layer: weight elements (nOut·nIn) and MACs must be equal. Totals: torch's parameter count is printed next to the
 * table's; they differ by design when the exporter folds BatchNorm into the conv (eval mode): the table then sees a conv
 * bias of C and no BatchNorm (2C), so table = torch − Σ C over folded BatchNorms.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importModel } from '../../kernel/model';

const arg = process.argv.indexOf('--python');
const candidates = arg > 0 ? [process.argv[arg + 1]!] : ['python3', '/usr/bin/python3'];
const python = candidates.find((p) => spawnSync(p, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0);
if (!python) {
  console.log(
    `torch cross-check skipped: none of ${candidates.join(', ')} can import torch and torchvision.\n` +
      "Install Debian's packages (many dependencies, so not in CI): sudo apt install python3-torch python3-torchvision\n" +
      'then run: npx tsx scripts/model/torch-crosscheck.ts --python /usr/bin/python3',
  );
  process.exit(0);
}

const PY = String.raw`
import json, sys, torch, torchvision
name, path = sys.argv[1], sys.argv[2]
m = getattr(torchvision.models, name)(weights=None).eval()
rows = []
def hook(mod, inp, out):
    w = mod.weight
    if isinstance(mod, torch.nn.Conv2d):
        n_in = (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
        macs = out.numel() // out.shape[0] * n_in
    else:
        n_in = mod.in_features
        macs = out.numel() // out.shape[0] * n_in
    rows.append({'name': mod._el_name, 'nOut': w.shape[0], 'nIn': n_in, 'macs': int(macs)})
for n, mod in m.named_modules():
    if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
        mod._el_name = n
        mod.register_forward_hook(hook)
x = torch.zeros(1, 3, 224, 224)
with torch.no_grad():
    m(x)
torch.onnx.export(m, x, path, opset_version=13, input_names=['input'], output_names=['logits'])
print(json.dumps({'params': sum(p.numel() for p in m.parameters()), 'layers': rows, 'torch': torch.__version__}))
`;

async function main(python: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'torch-xcheck-'));
  let bad = 0;
  try {
    const py = join(dir, 'count.py');
    writeFileSync(py, PY);
    for (const net of ['resnet18', 'mobilenet_v2']) {
      const onnx = join(dir, `${net}.onnx`);
      const r = spawnSync(python, [py, net, onnx], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) {
        console.error(`${net}: torch failed:\n${r.stderr.slice(-2000)}`);
        bad++;
        continue;
      }
      const want = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
        params: number;
        torch: string;
        layers: { name: string; nOut: number; nIn: number; macs: number }[];
      };
      const t = await importModel(onnx);
      console.log(
        `\n${net} (torch ${want.torch}): torch ${want.layers.length} layers, ${want.params} params; table ${t.layers.length} layers, ${t.params} params, complete ${t.complete}`,
      );
      if (t.layers.length !== want.layers.length) {
        console.error(`  layer count differs: ${t.layers.length} vs torch ${want.layers.length}`);
        bad++;
      }
      want.layers.forEach((w, i) => {
        const l = t.layers[i];
        const ok = l && l.nOut === w.nOut && l.nIn === w.nIn && l.macs === w.macs;
        if (!ok) {
          bad++;
          console.error(
            `  ✗ ${w.name}: torch ${w.nOut}×${w.nIn}, ${w.macs} MACs; table ${l ? `${l.name} ${l.nOut}×${l.nIn}, ${l.macs} MACs` : 'missing'}`,
          );
        }
      });
      const macs = want.layers.reduce((s, l) => s + l.macs, 0);
      console.log(
        `  MACs: torch ${macs}, table ${t.macs}${macs === t.macs ? ' ✓' : ' ✗'}; per-layer shapes and MACs ${bad ? 'differ' : 'equal ✓'}`,
      );
      if (macs !== t.macs) bad++;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return bad;
}

void main(python).then((bad) => process.exit(bad ? 1 : 0));
