/**
 * The project's own models (kernel/core/models): the Fashion-MNIST nets of the CIM and SWS studies (shipped trained
 * weights), or any live tf.LayersModel, as a layer table.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInput, describe } from '../core/errors';
import { SWS_MODEL_KINDS, loadSwsModel, type SwsModelKind } from '../core/models';
import { tableFromLayersModel } from './tfjs';
import type { ImportOptions, ModelTable } from './types';

/**
 * Table of a shipped Fashion-MNIST model (`'cnn'`, `'mixer'`, … = SWS_MODEL_KINDS; trained weights) or of a live
 * tf.LayersModel (which stays the caller's: it is not disposed). Needs `await init()`.
 */
export async function importOwn(model: SwsModelKind | tf.LayersModel, opts: ImportOptions = {}): Promise<ModelTable> {
  if (model instanceof tf.LayersModel) return tableFromLayersModel(model, model.name, 'own', opts);
  if (typeof model !== 'string' || !(SWS_MODEL_KINDS as readonly string[]).includes(model))
    throw new InvalidInput(
      `model must be a tf.LayersModel or one of ${SWS_MODEL_KINDS.map((k) => `'${k}'`).join(', ')}, got ${describe(model)}`,
    );
  const m = await loadSwsModel(model);
  try {
    return tableFromLayersModel(m, `fashion-mnist/${model}`, 'own', opts);
  } finally {
    m.dispose();
  }
}
