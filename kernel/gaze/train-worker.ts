/**
 * A data-parallel training thread (parallel.ts): its own tfjs wasm backend and its own copies of the models; per task
 * it loads the shared parameters, computes one slice's loss and gradients (steps.ts) and writes the gradients into its
 * region of the shared gradient buffer.
 */
import * as tf from '@tensorflow/tfjs';
import { init } from '../core/backend';
import { serve } from '../core/workers/serve';
import { unpackModel, type StepReply, type StepRequest, type WorkerSetup } from './parallel';
import { taskLoss } from './steps';
import type { BnUpdate } from './model';
import type { GazeModel } from './types';

let setup: WorkerSetup | null = null;
let models: GazeModel[] = [];
let sync: tf.Variable[] = [];
let vars: tf.Variable[] = [];

serve<WorkerSetup, StepRequest, StepReply>({
  init: async (s) => {
    await init({ backend: 'wasm' });
    setup = s;
    models = s.models.map(unpackModel);
    sync = s.sync.map(([mi, kind, k]) => (kind === 'p' ? models[mi]!.params : models[mi]!.buffers).get(k)!);
    vars = s.vars.map(([mi, k]) => models[mi]!.params.get(k)!);
    return { backend: tf.getBackend() };
  },
  handle: (req) => {
    const s = setup!;
    const pv = new Float32Array(s.params);
    let o = 0;
    tf.tidy(() => {
      for (const v of sync) {
        v.assign(tf.tensor(pv.subarray(o, o + v.size), v.shape));
        o += v.size;
      }
    });
    const pending: BnUpdate[] = [],
      parts: Record<string, number> = {};
    const { value, grads } = tf.variableGrads(() => taskLoss(s.task, models, req.batch, pending, parts), vars);
    const total = vars.reduce((a, v) => a + v.size, 0);
    const gv = new Float32Array(s.grads, 4 * req.slot * total, total);
    let g = 0;
    for (const v of vars) {
      const t = grads[v.name];
      if (t) gv.set(t.dataSync() as Float32Array, g);
      else gv.fill(0, g, g + v.size);
      g += v.size;
    }
    const loss = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, parts, bn: pending };
  },
});
