/**
 * The project's ONNX writer: a small graph builder on onnx-proto (opset 13), the two reference CNNs built with it
 * (ResNet-18 and MobileNetV2 with torchvision's layer shapes and seeded weights), and an exporter for the project's
 * own tfjs Sequential models (NHWC input, transposed to NCHW inside the graph so outputs match tfjs exactly).
 *
 *   const bytes = resnet18Onnx({ seed: 1 });                // 11,689,512 parameters, 1.81 GMAC at 224²
 *   const mine = layersModelToOnnx(model);                  // a tfjs Sequential → ONNX bytes
 */
import type * as tf from '@tensorflow/tfjs';
import { onnx } from 'onnx-proto';
import { InvalidInput, UnsupportedLayer, describe } from '../core/errors';
import { rng } from '../core/rng';
import { samePads } from './table';

type Attr = number | number[] | string;
const AT = onnx.AttributeProto.AttributeType;

/** Builds one ONNX graph: inputs, float32 initializers, nodes (auto-named outputs), outputs. */
export class OnnxWriter {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inits: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private n = 0;

  private static valueInfo(name: string, shape: (number | string)[]): onnx.IValueInfoProto {
    return {
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
        },
      },
    };
  }
  /** A graph input; a string dimension is symbolic (e.g. 'batch'). */
  input(name: string, shape: (number | string)[]): string {
    this.inputs.push(OnnxWriter.valueInfo(name, shape));
    return name;
  }
  /** A float32 initializer (row-major `data` of `shape`). */
  weight(name: string, shape: number[], data: Float32Array): string {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n)
      throw new InvalidInput(`weight ${JSON.stringify(name)}: ${data.length} values for shape ${describe(shape)} (${n})`);
    this.inits.push({
      name,
      dims: shape,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }
  /** An int64 initializer (Reshape shapes). */
  int64(name: string, values: number[]): string {
    this.inits.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
    return name;
  }
  /** Append a node; returns its (first) output name. */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, name = `${op.toLowerCase()}_${this.n++}`): string {
    const out = `${name}:0`;
    const attribute = Object.entries(attrs).map(([k, v]): onnx.IAttributeProto =>
      typeof v === 'string'
        ? { name: k, type: AT.STRING, s: new TextEncoder().encode(v) }
        : Array.isArray(v)
          ? { name: k, type: AT.INTS, ints: v }
          : Number.isInteger(v)
            ? { name: k, type: AT.INT, i: v }
            : { name: k, type: AT.FLOAT, f: v },
    );
    this.nodes.push({ name, opType: op, input: inputs, output: [out], attribute });
    return out;
  }
  output(name: string, shape: (number | string)[]): void {
    this.outputs.push(OnnxWriter.valueInfo(name, shape));
  }
  /** Serialize (ModelProto, IR 8, opset 13). */
  encode(graphName = 'edgelab'): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'edgelab',
      opsetImport: [{ domain: '', version: 13 }],
      graph: { name: graphName, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** Seeded weights: He-normal conv/linear kernels, BN scale ~ U(0.5, 1.5), shift/mean ~ N(0, 0.1), var ~ U(0.5, 1.5). */
class Init {
  private readonly r;
  constructor(seed: number) {
    this.r = rng(seed);
  }
  he(shape: number[], fanIn: number): Float32Array {
    return this.r.normals(
      shape.reduce((a, b) => a * b, 1),
      0,
      Math.sqrt(2 / fanIn),
    );
  }
  uniform(n: number, lo: number, hi: number): Float32Array {
    return Float32Array.from({ length: n }, () => this.r.uniform(lo, hi));
  }
  normal(n: number, std: number): Float32Array {
    return this.r.normals(n, 0, std);
  }
}

function convBn(
  w: OnnxWriter,
  init: Init,
  x: string,
  name: string,
  cin: number,
  cout: number,
  k: number,
  stride: number,
  groups = 1,
): string {
  const W = w.weight(`${name}.weight`, [cout, cin / groups, k, k], init.he([cout, cin / groups, k, k], (cin / groups) * k * k));
  const p = (k - 1) >> 1;
  const y = w.node('Conv', [x, W], { kernel_shape: [k, k], strides: [stride, stride], pads: [p, p, p, p], group: groups }, name);
  const bn = `${name.replace(/conv(\d*)$/, 'bn$1')}`;
  const ch = [cout];
  return w.node(
    'BatchNormalization',
    [
      y,
      w.weight(`${bn}.weight`, ch, init.uniform(cout, 0.5, 1.5)),
      w.weight(`${bn}.bias`, ch, init.normal(cout, 0.1)),
      w.weight(`${bn}.running_mean`, ch, init.normal(cout, 0.1)),
      w.weight(`${bn}.running_var`, ch, init.uniform(cout, 0.5, 1.5)),
    ],
    {},
    `${bn}`,
  );
}

function linear(w: OnnxWriter, init: Init, x: string, name: string, nIn: number, nOut: number): string {
  const W = w.weight(`${name}.weight`, [nOut, nIn], init.he([nOut, nIn], nIn));
  const B = w.weight(`${name}.bias`, [nOut], init.normal(nOut, 0.01));
  return w.node('Gemm', [x, W, B], { transB: 1 }, name);
}

export interface ZooOptions {
  /** Weight seed. Default 0. */
  seed?: number;
  /** Input side (square). Default 224. */
  size?: number;
  /** Classes of the final linear layer. Default 1000. */
  classes?: number;
  /** Symbolic batch dimension ('N') instead of 1. Default true. */
  dynamicBatch?: boolean;
}

/** ResNet-18 (He et al., arXiv:1512.03385; torchvision layer names and shapes) with seeded weights, as ONNX bytes. */
export function resnet18Onnx(opts: ZooOptions = {}): Uint8Array {
  const { seed = 0, size = 224, classes = 1000, dynamicBatch = true } = opts;
  const w = new OnnxWriter(),
    init = new Init(seed);
  const b = dynamicBatch ? 'N' : 1;
  let x = w.input('input', [b, 3, size, size]);
  x = w.node('Relu', [convBn(w, init, x, 'conv1', 3, 64, 7, 2)]);
  x = w.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'maxpool');
  let cin = 64;
  [64, 128, 256, 512].forEach((c, li) => {
    for (let blk = 0; blk < 2; blk++) {
      const stride = li > 0 && blk === 0 ? 2 : 1;
      const p = `layer${li + 1}.${blk}`;
      let y = w.node('Relu', [convBn(w, init, x, `${p}.conv1`, cin, c, 3, stride)]);
      y = convBn(w, init, y, `${p}.conv2`, c, c, 3, 1);
      const sc = stride !== 1 || cin !== c ? convBn(w, init, x, `${p}.downsample.0.conv`, cin, c, 1, stride) : x;
      x = w.node('Relu', [w.node('Add', [y, sc])]);
      cin = c;
    }
  });
  x = w.node('Flatten', [w.node('GlobalAveragePool', [x], {}, 'avgpool')], { axis: 1 });
  w.output(linear(w, init, x, 'fc', 512, classes), [b, classes]);
  return w.encode('resnet18');
}

/** MobileNetV2 (Sandler et al., arXiv:1801.04381; torchvision shapes, width 1.0) with seeded weights, as ONNX bytes. */
export function mobilenetV2Onnx(opts: ZooOptions = {}): Uint8Array {
  const { seed = 0, size = 224, classes = 1000, dynamicBatch = true } = opts;
  const w = new OnnxWriter(),
    init = new Init(seed);
  const b = dynamicBatch ? 'N' : 1;
  const relu6 = (v: string) =>
    w.node('Clip', [v, w.weight(`clip_min_${v}`, [], new Float32Array([0])), w.weight(`clip_max_${v}`, [], new Float32Array([6]))]);
  let x = w.input('input', [b, 3, size, size]);
  x = relu6(convBn(w, init, x, 'features.0.conv', 3, 32, 3, 2));
  let cin = 32,
    idx = 1;
  const settings: [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  for (const [t, c, n, s] of settings) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1,
        hidden = cin * t,
        p = `features.${idx++}`;
      let y = x;
      if (t !== 1) y = relu6(convBn(w, init, y, `${p}.expand.conv`, cin, hidden, 1, 1));
      y = relu6(convBn(w, init, y, `${p}.dw.conv`, hidden, hidden, 3, stride, hidden));
      y = convBn(w, init, y, `${p}.project.conv`, hidden, c, 1, 1);
      x = stride === 1 && cin === c ? w.node('Add', [x, y]) : y;
      cin = c;
    }
  }
  x = relu6(convBn(w, init, x, `features.${idx}.conv`, cin, 1280, 1, 1));
  x = w.node('Flatten', [w.node('GlobalAveragePool', [x])], { axis: 1 });
  w.output(linear(w, init, x, 'classifier.1', 1280, classes), [b, classes]);
  return w.encode('mobilenet_v2');
}

/** tfjs activation names → ONNX ops (one node each). */
function activation(w: OnnxWriter, x: string, act: string | undefined, name: string): string {
  switch (act ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return w.node('Relu', [x], {}, `${name}/relu`);
    case 'relu6':
      return w.node(
        'Clip',
        [x, w.weight(`${name}/min`, [], new Float32Array([0])), w.weight(`${name}/max`, [], new Float32Array([6]))],
        {},
        `${name}/relu6`,
      );
    case 'sigmoid':
      return w.node('Sigmoid', [x], {}, `${name}/sigmoid`);
    case 'tanh':
      return w.node('Tanh', [x], {}, `${name}/tanh`);
    case 'softmax':
      return w.node('Softmax', [x], { axis: -1 }, `${name}/softmax`);
    default:
      throw new UnsupportedLayer(
        `layer ${name}: activation ${describe(act)} has no ONNX export; expected linear, relu, relu6, sigmoid, tanh or softmax`,
      );
  }
}

/**
 * Export a tfjs Sequential CNN/MLP (Conv2D, DepthwiseConv2D, Dense, MaxPooling2D, AveragePooling2D,
 * GlobalAveragePooling2D, Flatten, Activation, Dropout) to ONNX. The graph input stays NHWC like the tfjs model; it is
 * transposed to NCHW at the start and back before Flatten, so the ONNX outputs equal tfjs's. Node names are the tfjs
 * layer names. Reads the weights once (dataSync); leaves no tensors behind.
 * @throws UnsupportedLayer for any other layer class or activation.
 */
export function layersModelToOnnx(model: tf.LayersModel): Uint8Array {
  const inShape = model.inputs[0]!.shape;
  if (inShape.length !== 4 && inShape.length !== 2)
    throw new InvalidInput(`layersModelToOnnx: input shape ${describe(inShape)}; expected [batch, h, w, c] or [batch, features]`);
  const w = new OnnxWriter();
  let x = w.input('input', ['N', ...(inShape.slice(1) as number[])]);
  let nchw = false;
  if (inShape.length === 4) {
    x = w.node('Transpose', [x], { perm: [0, 3, 1, 2] }, 'to_nchw');
    nchw = true;
  }
  for (const l of model.layers) {
    const cls = l.getClassName();
    const cfg = l.getConfig() as Record<string, unknown>;
    const vals = l.getWeights().map((t) => t.dataSync() as Float32Array);
    const inS = (l.input as tf.SymbolicTensor).shape;
    const pads = (k: number[], s: number[]) => {
      if (cfg.padding !== 'same') return [0, 0, 0, 0];
      const [h0, h1] = samePads(inS[1]!, k[0]!, s[0]!),
        [w0, w1] = samePads(inS[2]!, k[1]!, s[1]!);
      return [h0, w0, h1, w1];
    };
    switch (cls) {
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const ks = l.getWeights()[0]!.shape as [number, number, number, number];
        const [kh, kw, cin, c3] = ks;
        const s = (cfg.strides as number[]) ?? [1, 1];
        const dw = cls === 'DepthwiseConv2D';
        const cout = dw ? cin * c3 : c3;
        // tfjs [kh, kw, cin, cout|mult] → ONNX [cout, cin|1, kh, kw]
        const W = new Float32Array(vals[0]!.length);
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++)
            for (let c = 0; c < cin; c++)
              for (let o = 0; o < c3; o++) {
                const src = ((i * kw + j) * cin + c) * c3 + o;
                W[dw ? ((c * c3 + o) * kh + i) * kw + j : ((o * cin + c) * kh + i) * kw + j] = vals[0]![src]!;
              }
        const ins = [x, w.weight(`${l.name}/kernel`, [cout, dw ? 1 : cin, kh, kw], W)];
        if (vals[1]) ins.push(w.weight(`${l.name}/bias`, [cout], vals[1]));
        x = w.node('Conv', ins, { kernel_shape: [kh, kw], strides: s, pads: pads([kh, kw], s), group: dw ? cin : 1 }, l.name);
        x = activation(w, x, cfg.activation as string, l.name);
        break;
      }
      case 'Dense': {
        const [nIn, nOut] = l.getWeights()[0]!.shape as [number, number];
        const ins = [x, w.weight(`${l.name}/kernel`, [nIn, nOut], vals[0]!)];
        if (vals[1]) ins.push(w.weight(`${l.name}/bias`, [nOut], vals[1]));
        x = w.node('Gemm', ins, {}, l.name);
        x = activation(w, x, cfg.activation as string, l.name);
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const k = cfg.poolSize as number[],
          s = (cfg.strides as number[]) ?? k;
        x = w.node(cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x], { kernel_shape: k, strides: s, pads: pads(k, s) }, l.name);
        break;
      }
      case 'GlobalAveragePooling2D':
        x = w.node('Flatten', [w.node('GlobalAveragePool', [x], {}, l.name)], { axis: 1 }, `${l.name}/flatten`);
        nchw = false;
        break;
      case 'Flatten':
        if (nchw) x = w.node('Transpose', [x], { perm: [0, 2, 3, 1] }, `${l.name}/to_nhwc`);
        x = w.node('Flatten', [x], { axis: 1 }, l.name);
        nchw = false;
        break;
      case 'Activation':
        x = activation(w, x, cfg.activation as string, l.name);
        break;
      case 'Dropout':
      case 'InputLayer':
        break;
      default:
        throw new UnsupportedLayer(
          `layersModelToOnnx: layer ${l.name} (${cls}) has no ONNX export; expected Conv2D, DepthwiseConv2D, Dense, pooling, Flatten, Activation or Dropout`,
        );
    }
  }
  if (nchw) x = w.node('Transpose', [x], { perm: [0, 2, 3, 1] }, 'to_nhwc');
  w.output(x, ['N', ...(model.outputs[0]!.shape.slice(1) as number[])]);
  return w.encode(model.name);
}
