/**
 * Types of the SplitNets port (Dong, De Salvo, Li, Liu, Li, Qu, Kung: "SplitNets: Designing Neural Architectures for
 * Efficient Distributed Computing on Head-Mounted Systems", CVPR 2022, arXiv 2204.04705).
 *
 * A network is a stack of phases (Sec. 3, Fig. 3 of the paper: each phase has a split-module slot, flexible blocks
 * before a stride-2 block, and flexible blocks after it), followed by a classifier head. A split point `s` says that the
 * camera sensor runs phases 1..s and the aggregator the rest; the split module (reduce on the sensor, recover/fuse on
 * the aggregator) sits at that boundary.
 */

/** An activation shape (height, width, channels), batch dimension left out. */
export interface Shape {
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

/** One layer of the cost model. Convolutions use 'same' padding: H_out = ceil(H / stride). */
export type LayerSpec =
  | {
      readonly kind: 'conv';
      readonly name: string;
      readonly k: number;
      readonly cout: number;
      readonly stride?: number;
      readonly bias?: boolean;
    }
  | { readonly kind: 'dwconv'; readonly name: string; readonly k: number; readonly stride?: number; readonly bias?: boolean }
  | { readonly kind: 'dense'; readonly name: string; readonly cout: number; readonly bias?: boolean }
  /** Global average pooling: additions only, counted as 0 MACs. */
  | { readonly kind: 'gap'; readonly name: string };

/** The cost of one layer on a given input shape (exact integer counts). */
export interface LayerCost {
  readonly name: string;
  readonly kind: LayerSpec['kind'];
  readonly in: Shape;
  readonly out: Shape;
  /** Multiply-accumulates. */
  readonly macs: number;
  /** Weights + biases. */
  readonly params: number;
  /** Elements of the input and output activations (for peak-memory accounting). */
  readonly inElems: number;
  readonly outElems: number;
}

/** One phase of the searchable network: flexible blocks, a stride-2 block, flexible blocks. */
export interface PhaseConfig {
  /** Output channels of every conv in the phase. */
  readonly width: number;
  /** Kernel size of every conv in the phase (3 or 5). */
  readonly kernel: number;
  /** Stride-1 blocks before the stride-2 block. */
  readonly nPre: number;
  /** Stride-1 blocks after the stride-2 block. */
  readonly nPost: number;
}

/**
 * One point of the joint architecture + split space.
 * `split` = 0: all on the aggregator (the sensor sends the raw image at native resolution, uint8).
 * `split` = s in 1..P-1: the sensor runs phases 1..s, then the reduce module (1×1 conv to `reduce` channels, optional
 * `bits`-bit quantizer); the aggregator recovers (1×1 conv back) and runs the rest.
 * `split` = P: all on the sensor (phases and head); the sensor sends the class logits.
 */
export interface SplitConfig {
  readonly resolution: number;
  readonly phases: readonly PhaseConfig[];
  readonly split: number;
  /** Channels c′ after the reduce 1×1 conv, or null for no reduce module (a plain split, Neurosurgeon-style). */
  readonly reduce: number | null;
  /** Bits per transmitted value (uniform quantizer), or null for float32 (32 bits). */
  readonly bits: number | null;
}

/** Hardware constants of one system. All numbers are configuration; each preset names where each one comes from. */
export interface Preset {
  readonly name: string;
  readonly description: string;
  readonly sensor: {
    /** Peak multiply-accumulates per second of the on-sensor processor. */
    readonly macsPerSecond: number;
    /** Fraction of peak reached on conv layers (0, 1]. */
    readonly utilization: number;
    /** On-sensor memory for weights + activations, bytes (hard constraint). */
    readonly memoryBytes: number;
    /** Energy per MAC, joules. */
    readonly energyPerMac: number;
  };
  readonly aggregator: { readonly macsPerSecond: number; readonly utilization: number; readonly energyPerMac: number };
  readonly link: {
    /** Link rate in bits per second. */
    readonly bitsPerSecond: number;
    /** Payload bits per packet; a transfer is rounded up to whole packets. */
    readonly packetBits: number;
    /** Fixed cost per transfer, seconds (set-up, headers, synchronization). */
    readonly overheadSeconds: number;
    /** Energy per transmitted bit, joules. */
    readonly energyPerBit: number;
    /** true: all views share one link (bits add up); false: one link per sensor (the slowest transfer counts). */
    readonly shared: boolean;
  };
  /** Bytes per stored activation value and per weight on the sensor. */
  readonly bytesPerActivation: number;
  readonly bytesPerWeight: number;
  /** Native camera image that all-on-aggregator sends (uint8 per value). */
  readonly nativeImage: Shape;
  /** Where each constant comes from (field path → source or "ours: …"). */
  readonly sources: Readonly<Record<string, string>>;
}

/** Where the time, bits, energy and sensor memory of one configuration go. */
export interface CostBreakdown {
  readonly sensorMacs: number;
  readonly aggregatorMacs: number;
  /** Payload bits one view sends, before packet rounding. */
  readonly bitsPerView: number;
  /** Bits on the wire (packet-rounded), summed over views on a shared link, per link otherwise. */
  readonly linkBits: number;
  readonly sensorSeconds: number;
  readonly linkSeconds: number;
  readonly aggregatorSeconds: number;
  readonly latencySeconds: number;
  readonly energyJoules: number;
  readonly sensorPeakBytes: number;
  readonly sensorParams: number;
  readonly aggregatorParams: number;
  readonly feasible: boolean;
  readonly views: number;
}
