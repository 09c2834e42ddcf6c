/**
 * Energy-only diagnostic for the SWS gate model (no fine-tune, seconds): one-shot 90 % magnitude pruning of every layer
 * (per-layer scope, not the bench's global threshold), sorted + remapped vs unsorted under sectionMax, for all crossbar
 * layers and for the fan-in ≥ 1024 channel-MLP layers alone.  npx tsx scripts/sws/scope-diagnostic.ts
 */
import { init } from '../../kernel/core/backend';
import { mapModel } from '../../kernel/cim';
import { pruneInt8 } from '../../kernel/sws/prune';
import { layerVectors, swsEnergy, reduction } from '../../kernel/sws/study';
import { loadSwsModel } from '../../kernel/core/models/fashion';
async function main() {
  await init({ backend: 'wasm' });
  const m = await loadSwsModel('large');
  const v = layerVectors(m),
    L = mapModel(m).layers;
  const red = (e: ReturnType<typeof swsEnergy>) => reduction(e, 'remapped', 'sectionMax', 'unsorted', 'sectionMax');
  const p = L.map((l) => pruneInt8(l, 0.9));
  const e = swsEnergy(p.map((layer, i) => ({ layer, vectors: v[i]! })));
  console.log(
    'per-layer 90% one-shot: total',
    red(e).toFixed(3),
    e.perLayer
      .map((l) => `${l.nOut}x${l.nIn} ${(l.energy.unsorted / 1e6).toFixed(0)}M→${(l.energy.remapped / 1e6).toFixed(0)}M`)
      .join('; '),
  );
  const big = [3, 4, 5];
  const eb = swsEnergy(big.map((i) => ({ layer: p[i]!, vectors: v[i]! })));
  console.log('per-layer 90%, fan-in ≥ 1024 layers only', red(eb).toFixed(3));
}
void main();
