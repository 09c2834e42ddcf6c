/**
 * tfjs models from local folders, without fetch (Node 20's fetch cannot read file:// URLs) and without tfjs-node.
 *
 *   const model = await loadLayersModel('models/mnist');        // reads models/mnist/model.json + its .bin shards
 *   await saveLayersModel(model, 'out/mnist');                  // writes model.json + group1-shard1of1.bin
 *   const g = await loadGraphModel('models/centernet');         // tfjs graph model (converter output)
 *   const w = loadWeightsManifest('node_modules/@vladmandic/face-api/model', 'face_recognition_model-weights_manifest.json');
 *
 * Ownership: loadLayersModel / loadGraphModel return a model the caller owns (call `model.dispose()`);
 * loadWeightsManifest returns plain typed arrays and leaves no tensor behind.
 * Missing files throw NotFound; a malformed model.json or manifest, or shards whose sizes do not match the
 * weight specs, throw FormatError.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FormatError, InvalidInput, NotFound, describe } from '../errors';
import type { DType, NdArray } from './dtypes';

type ManifestEntry = tf.io.WeightsManifestEntry;
type ManifestGroup = tf.io.WeightsManifestConfig[number];

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** Bytes one weight occupies in a shard, or null when it cannot be known up front (string weights). */
function weightBytes(w: ManifestEntry, where: string): number | null {
  if (!w || typeof w.name !== 'string') throw new FormatError(`${where}: weight entry ${describe(w)} has no name`);
  if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError(`${where}: weight ${JSON.stringify(w.name)} has shape ${describe(w.shape)}; expected non-negative integers`);
  }
  const n = w.shape.reduce((a, b) => a * b, 1);
  if (w.quantization) {
    const q = QUANT_BYTES[w.quantization.dtype];
    if (!q)
      throw new FormatError(
        `${where}: weight ${JSON.stringify(w.name)} has quantization dtype ${describe(w.quantization.dtype)}; expected uint8, uint16 or float16`,
      );
    return n * q;
  }
  if (w.dtype === 'string') return null;
  const b = DTYPE_BYTES[w.dtype];
  if (!b)
    throw new FormatError(
      `${where}: weight ${JSON.stringify(w.name)} has dtype ${describe(w.dtype)}; expected float32, int32, bool, complex64 or string`,
    );
  return n * b;
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new NotFound(`${what} ${describe(path)} does not exist`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new NotFound(`${what} ${describe(path)} could not be read: ${(e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${what} ${describe(path)} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

function checkManifest(m: unknown, where: string): ManifestGroup[] {
  if (!Array.isArray(m)) throw new FormatError(`${where}: weightsManifest must be an array of {paths, weights} groups, got ${describe(m)}`);
  m.forEach((g: ManifestGroup, i) => {
    if (!g || !Array.isArray(g.paths) || !g.paths.every((p: unknown) => typeof p === 'string') || !Array.isArray(g.weights)) {
      throw new FormatError(`${where}: weightsManifest[${i}] must be {paths: string[], weights: [...]}, got ${describe(g)}`);
    }
  });
  return m as ManifestGroup[];
}

/**
 * Read one manifest group's shards (paths relative to `dir`) and check their total size against the specs.
 * Returns the concatenated bytes.
 */
function readGroup(dir: string, g: ManifestGroup, where: string): ArrayBuffer {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const p of g.paths) {
    const file = resolve(dir, p);
    if (!existsSync(file)) throw new NotFound(`${where}: weight shard ${describe(p)} (${file}) does not exist`);
    const buf = readFileSync(file);
    parts.push(buf);
    total += buf.length;
  }
  let expected: number | null = 0;
  for (const w of g.weights) {
    const b = weightBytes(w, where);
    expected = expected === null || b === null ? null : expected + b;
  }
  if (expected !== null && expected !== total) {
    throw new FormatError(
      `${where}: weight shards ${describe(g.paths)} hold ${total} bytes but the weight specs need ${expected} (shard size mismatch)`,
    );
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const part of parts) {
    out.set(part, off);
    off += part.length;
  }
  return out.buffer;
}

function modelJsonPath(path: string): string {
  if (typeof path !== 'string' || path === '')
    throw new InvalidInput(`model path must be a folder or a .json file path, got ${describe(path)}`);
  if (path.endsWith('.json')) return resolve(path);
  return join(resolve(path), 'model.json');
}

export interface FileHandlerOptions {
  /** Shard size for saving, in bytes (default 4 MiB, the tfjs converter's default). */
  shardBytes?: number;
}

/**
 * A tf.io.IOHandler that loads `model.json` + its weight shards from a folder (or from a given .json path) and saves
 * them there (creating the folder). Weights are saved as `group1-shardKofN.bin`.
 */
export function fileHandler(path: string, options: FileHandlerOptions = {}): tf.io.IOHandler {
  const jsonPath = modelJsonPath(path);
  const dir = dirname(jsonPath);
  const shardBytes = options.shardBytes ?? 4 * 1024 * 1024;
  if (!Number.isSafeInteger(shardBytes) || shardBytes < 1)
    throw new InvalidInput(`shardBytes must be a positive integer, got ${describe(shardBytes)}`);
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = readJson(jsonPath, 'model.json') as Partial<tf.io.ModelJSON> | null;
      if (json === null || typeof json !== 'object' || Array.isArray(json))
        throw new FormatError(`${jsonPath} must hold a JSON object, got ${describe(json)}`);
      if (json.modelTopology === null || typeof json.modelTopology !== 'object') {
        throw new FormatError(
          `${jsonPath} has no modelTopology object (got ${describe(json.modelTopology)}); is this a weights manifest rather than a model?`,
        );
      }
      const manifest = checkManifest(json.weightsManifest ?? [], jsonPath);
      return tf.io.getModelArtifactsForJSON({ ...json, weightsManifest: manifest } as tf.io.ModelJSON, async (m) => {
        const specs: ManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const g of m) {
          specs.push(...g.weights);
          buffers.push(readGroup(dir, g, jsonPath));
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer)
        throw new InvalidInput('saving binary (protobuf) model topologies is not supported; expected a JSON topology');
      try {
        mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new NotFound(`could not create model folder ${describe(dir)}: ${(e as Error).message}`, { cause: e });
      }
      const data = new Uint8Array(artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0));
      const nShards = Math.max(1, Math.ceil(data.length / shardBytes));
      const paths: string[] = [];
      for (let k = 0; k < nShards; k++) {
        const name = `group1-shard${k + 1}of${nShards}.bin`;
        writeFileSync(join(dir, name), data.subarray(k * shardBytes, Math.min(data.length, (k + 1) * shardBytes)));
        paths.push(name);
      }
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJSON.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature) modelJSON.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer) modelJSON.modelInitializer = artifacts.modelInitializer;
      writeFileSync(jsonPath, JSON.stringify(modelJSON));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

async function wrapTfjs<T>(what: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof NotFound || e instanceof FormatError || e instanceof InvalidInput) throw e;
    throw new FormatError(`${what} ${describe(path)} failed: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Load a tfjs LayersModel from a folder holding model.json (or from a .json path).
 * The caller owns the returned model: call `model.dispose()` when done.
 * @throws NotFound (missing model.json or shard), FormatError (malformed JSON/topology, shard size mismatch).
 */
export async function loadLayersModel(
  path: string,
  options: {
    /** Every weight in the topology must be in the manifest, and no extra ones (tf.loadLayersModel's `strict`). Default true. */
    strict?: boolean;
  } = {},
): Promise<tf.LayersModel> {
  const handler = fileHandler(path);
  return wrapTfjs('loadLayersModel', path, () => tf.loadLayersModel(handler, { strict: options.strict ?? true }));
}

/**
 * Save a LayersModel to a folder as model.json + weight shards (the folder is created). Leaves no tensors behind.
 * Returns tfjs's save summary (byte sizes).
 */
export async function saveLayersModel(model: tf.LayersModel, path: string, options: FileHandlerOptions = {}): Promise<tf.io.SaveResult> {
  if (!(model instanceof tf.LayersModel)) throw new InvalidInput(`saveLayersModel needs a tf.LayersModel, got ${describe(model)}`);
  return model.save(fileHandler(path, options));
}

/**
 * Load a tfjs GraphModel (converter output: model.json with format "graph-model" + shards) from a folder or .json path.
 * The caller owns the returned model: call `model.dispose()` when done.
 * @throws NotFound, FormatError as loadLayersModel.
 */
export async function loadGraphModel(path: string): Promise<tf.GraphModel> {
  const handler = fileHandler(path);
  return wrapTfjs('loadGraphModel', path, () => tf.loadGraphModel(handler));
}

/** One decoded weight: float32 weights (including dequantized uint8/uint16/float16 ones) come back as Float32Array. */
export interface NamedWeight extends NdArray {
  dtype: DType;
}

/**
 * Decode a bare weights manifest (a JSON array of {paths, weights} groups, as face-api ships) and its shards into
 * typed arrays, via tf.io.decodeWeights (which dequantizes uint8/uint16/float16 quantized weights to float32).
 * Returns name → {dtype, shape, data} in manifest order. Creates tensors only transiently: none are left behind.
 * A model.json may be passed too (its weightsManifest is used).
 * @throws NotFound (missing manifest or shard), FormatError (malformed manifest, shard size mismatch, string weights).
 */
export function loadWeightsManifest(dir: string, manifestFile: string): Map<string, NamedWeight> {
  if (typeof dir !== 'string' || typeof manifestFile !== 'string') {
    throw new InvalidInput(`loadWeightsManifest(dir, manifestFile) needs two strings, got ${describe(dir)}, ${describe(manifestFile)}`);
  }
  const path = resolve(dir, manifestFile);
  let json = readJson(path, 'weights manifest');
  if (json && typeof json === 'object' && !Array.isArray(json) && 'weightsManifest' in json)
    json = (json as tf.io.ModelJSON).weightsManifest;
  const groups = checkManifest(json, path);
  const out = new Map<string, NamedWeight>();
  const base = dirname(path);
  for (const g of groups) {
    for (const w of g.weights) {
      if (w.dtype === 'string' || w.dtype === 'complex64')
        throw new FormatError(`${path}: weight ${JSON.stringify(w.name)} has dtype ${w.dtype}; only numeric weights are supported`);
    }
    const buf = readGroup(base, g, path);
    let named: tf.NamedTensorMap = {};
    try {
      named = tf.io.decodeWeights(buf, g.weights);
      for (const w of g.weights) {
        const t = named[w.name]!;
        const data = t.dataSync() as Float32Array | Int32Array | Uint8Array;
        const dtype: DType = t.dtype === 'int32' ? 'int32' : t.dtype === 'bool' ? 'bool' : 'float32';
        const copy = dtype === 'bool' ? Uint8Array.from(data) : data.slice();
        if (out.has(w.name)) throw new FormatError(`${path}: weight ${JSON.stringify(w.name)} appears twice`);
        out.set(w.name, { dtype, shape: [...t.shape], data: copy });
      }
    } catch (e) {
      if (e instanceof FormatError) throw e;
      throw new FormatError(`${path}: could not decode weights from ${describe(g.paths)}: ${(e as Error).message}`, { cause: e });
    } finally {
      for (const t of Object.values(named)) t.dispose();
    }
  }
  return out;
}

/**
 * Total number of scalar values in a weight map (from loadWeightsManifest). Named apart from gaze.countParams, which
 * counts a network spec's parameters, and from tfjs's model.countParams().
 */
export function countWeightValues(weights: Map<string, { data: { length: number } }>): number {
  let n = 0;
  for (const w of weights.values()) n += w.data.length;
  return n;
}
