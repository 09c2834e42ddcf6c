/**
 * The Gen4Gen ordering study's diagnostic on the bench's 50 test compositions: CP-CLIP with an oracle detector (the
 * compositor's own boxes) and the pooled CenterNet embedder, to separate the embedder's identity signal from the COCO
 * detector's recall (the bench keys use the detector). Prints one JSON line.
 *
 *   npx tsx scripts/gen4gen/oracle-study.ts            (≈ 10 min on a loaded 2-core box)
 */
import { init } from '../../kernel/core/backend';
import { orderingStudy } from '../../kernel/gen4gen/study';
import { centernetEmbedder } from '../../kernel/gen4gen/embedders';

async function main(): Promise<void> {
  await init({ backend: 'wasm' });
  const emb = await centernetEmbedder();
  try {
    const none = { id: 'none (oracle only)', detect: async () => [] };
    const r = await orderingStudy({
      n: 50,
      split: 'test',
      embedder: emb,
      detector: none,
      progress: (d, n) => process.stderr.write(`\r${d}/${n}`),
    });
    const o = r.oracle!;
    const correctOverSwapped = r.rows.filter((x) => x.cpOracle!.correct > x.cpOracle!.swapped).length;
    console.log(
      JSON.stringify({
        embedder: r.embedder,
        ordering: o.orderingFraction,
        mean: o.mean,
        gap: o.gap,
        correctOverSwapped,
        n: r.rows.length,
      }),
    );
  } finally {
    emb.dispose();
  }
}
void main();
