/**
 * The paper index: one typed record per paper, the single source of truth for where each paper lives
 * (kernel folder and namespace, tutorial notebook, bench key prefixes, headline keys). The README's paper
 * table, the extension's template picker and the tour report are generated from it; every paper added later
 * adds one record here.
 *
 *   import * as el from 'edgelab';
 *   el.papers.find((p) => p.id === 'sws')?.notebook   // 'notebooks/sws-adc-energy.ipynb'
 */

/** `landed`: module, tutorial and bench keys exist; `planned`: the record is reserved, nothing runs yet. */
export type PaperStatus = 'landed' | 'planned';

export interface Paper {
  /** Stable id, also the kernel namespace (`el.<namespace>`). */
  readonly id: string;
  readonly title: string;
  /** arXiv identifier (e.g. '2411.04335'), or null where the paper has none. */
  readonly arxiv: string | null;
  /** Where the paper was published, in a few words. */
  readonly venue: string;
  /** Namespace on the public entry: `import * as el from 'edgelab'; el[namespace]`. */
  readonly namespace: string;
  /** Kernel folder, relative to the repository root. */
  readonly folder: string;
  /** Tutorial notebook, relative to the repository root. */
  readonly notebook: string;
  /** Bench key prefixes this paper writes in bench/results.json (recorded history; a paper may own several). */
  readonly benchPrefixes: readonly string[];
  /** The bench keys a reader looks at first. */
  readonly headlineKeys: readonly string[];
  /** Papers this one builds on, by id (the only paper-to-paper imports allowed, through their index.ts). */
  readonly buildsOn: readonly string[];
  readonly status: PaperStatus;
}

export const papers: readonly Paper[] = [
  {
    id: 'gaze',
    title: 'DFT Gaze: the compact gaze estimator of GazeGen (ConvNeXt V2 teacher, masked distillation, adapters)',
    arxiv: '2411.04335',
    venue: 'ICIP 2025; the gaze model of arXiv 2411.04335',
    namespace: 'gaze',
    folder: 'kernel/gaze',
    notebook: 'notebooks/dft-gaze.ipynb',
    benchPrefixes: ['gaze', 'gazedata'],
    headlineKeys: ['gaze.teacher_error_deg_unseen', 'gaze.student_error_deg_unseen', 'gaze.personalization_reduction_unseen'],
    buildsOn: [],
    status: 'landed',
  },
  {
    id: 'gazegen',
    title: 'GazeGen: Gaze-Driven User Interaction for Visual Content Generation',
    arxiv: '2411.04335',
    venue: 'arXiv 2024',
    namespace: 'gazegen',
    folder: 'kernel/gazegen',
    notebook: 'notebooks/gazegen.ipynb',
    benchPrefixes: ['gazegen'],
    headlineKeys: ['gazegen.selection_rate', 'gazegen.restricted_top1_agreement', 'gazegen.restricted_decode_speedup'],
    buildsOn: ['gaze'],
    status: 'landed',
  },
  {
    id: 'cim',
    title: 'Efficient Reprogramming of Memristive Crossbars for DNNs: Weight Sorting and Bit Stucking',
    arxiv: '2410.21730',
    venue: 'arXiv 2024 (Farias, Kung)',
    namespace: 'cim',
    folder: 'kernel/cim',
    notebook: 'notebooks/cim-reprogramming.ipynb',
    benchPrefixes: ['cim'],
    headlineKeys: ['cim.reprogram_reduction_cnn', 'cim.accuracy_drop_cnn', 'cim.reprogram_reduction_transformer'],
    buildsOn: [],
    status: 'landed',
  },
  {
    id: 'sws',
    title: 'Sorted Weight Sectioning for Energy-Efficient Unstructured Sparse DNNs on Compute-in-Memory Crossbars',
    arxiv: '2410.11298',
    venue: 'arXiv 2024 (Farias, Kung)',
    namespace: 'sws',
    folder: 'kernel/sws',
    notebook: 'notebooks/sws-adc-energy.ipynb',
    benchPrefixes: ['sws'],
    headlineKeys: ['sws.adc_energy_reduction_sparse_net', 'sws.sorting_gain_same_adc_policy', 'sws.accuracy_drop_sparse'],
    buildsOn: ['cim'],
    status: 'landed',
  },
  {
    id: 'rosko',
    title: 'Rosko: Row Skipping Outer Products for Sparse Matrix Multiplication Kernels',
    arxiv: '2307.03930',
    venue: 'arXiv 2023',
    namespace: 'sparse',
    folder: 'kernel/sparse',
    notebook: 'notebooks/rosko-spmm.ipynb',
    benchPrefixes: ['rosko'],
    headlineKeys: ['rosko.speedup_vs_tfjs_90', 'rosko.speedup_vs_tfjs_98', 'rosko.speedup_vs_best_other_90', 'rosko.scaling_2_workers'],
    buildsOn: [],
    status: 'landed',
  },
  {
    id: 'mema',
    title: 'MEMA Runtime Framework: Minimizing External Memory Accesses for TinyML on Microcontrollers',
    arxiv: '2304.05544',
    venue: 'arXiv 2023',
    namespace: 'mema',
    folder: 'kernel/mema',
    notebook: 'notebooks/mema-tinyml.ipynb',
    benchPrefixes: ['mema'],
    headlineKeys: [
      'mema.closed_form_matches_search',
      'mema.max_ratio_to_lower_bound',
      'mema.cycle_gain_vs_cmsis_style',
      'mema.instruction_ratio_qemu',
    ],
    buildsOn: [],
    status: 'landed',
  },
  {
    id: 'stitch',
    title: 'StitchNet: Composing Neural Networks from Pre-Trained Fragments',
    arxiv: '2301.01947',
    venue: 'IEEE ICMLA 2023',
    namespace: 'stitch',
    folder: 'kernel/stitch',
    notebook: 'notebooks/stitchnet.ipynb',
    benchPrefixes: ['stitch'],
    headlineKeys: ['stitch.best_stitched_acc', 'stitch.best_original_acc'],
    buildsOn: [],
    status: 'landed',
  },
  {
    id: 'federated',
    title: 'SphereFed: Hyperspherical Federated Learning',
    arxiv: '2207.09413',
    venue: 'ECCV 2022',
    namespace: 'federated',
    folder: 'kernel/federated',
    notebook: 'notebooks/spherefed.ipynb',
    benchPrefixes: ['fed'],
    headlineKeys: ['fed.spherefed_acc_a005', 'fed.fedavg_ridge_acc_a005'],
    buildsOn: [],
    status: 'landed',
  },
  {
    id: 'split',
    title: 'SplitNets: Designing Neural Architectures for Efficient Distributed Computing on Head-Mounted Systems',
    arxiv: '2204.04705',
    venue: 'CVPR 2022',
    namespace: 'split',
    folder: 'kernel/split',
    notebook: 'notebooks/splitnets.ipynb',
    benchPrefixes: ['split'],
    headlineKeys: ['split.latency_gain_vs_aggregator_only', 'split.split_accuracy_drop_points', 'split.evolution_success_seeds'],
    buildsOn: [],
    status: 'landed',
  },
  {
    id: 'machining',
    title: 'DeepMachining: Online Prediction of Machining Errors of Lathe Machines',
    arxiv: '2403.16451',
    venue: 'arXiv 2024',
    namespace: 'machining',
    folder: 'kernel/machining',
    notebook: 'notebooks/deepmachining.ipynb',
    benchPrefixes: ['machining'],
    headlineKeys: [
      'machining.mae_finetuned_um',
      'machining.finetune_gain_vs_scratch',
      'machining.finetune_gain_vs_zeroshot',
      'machining.mae_ridge_um',
    ],
    buildsOn: [],
    status: 'landed',
  },
  {
    id: 'gen4gen',
    title: 'Gen4Gen: Generative Data Pipeline for Generative Multi-Concept Composition',
    arxiv: '2402.15504',
    venue: 'arXiv 2024',
    namespace: 'gen4gen',
    folder: 'kernel/gen4gen',
    notebook: 'notebooks/gen4gen.ipynb',
    benchPrefixes: ['gen4gen'],
    headlineKeys: ['gen4gen.cp_correct_minus_swapped', 'gen4gen.ordering_fraction', 'gen4gen.images_per_s'],
    buildsOn: ['gaze', 'gazegen'],
    status: 'landed',
  },
];

/** The foundation is not a paper but owns bench keys and the welcome notebook. */
export const foundation = {
  folders: ['kernel/core', 'kernel/viz'],
  notebook: 'notebooks/00-welcome.ipynb',
  benchPrefixes: ['train', 'byom', 'jobs'],
} as const;

/** The record for a bench key prefix (`'fed'` → SphereFed), or undefined for the foundation's own prefixes. */
export function paperForBenchPrefix(prefix: string): Paper | undefined {
  return papers.find((p) => p.benchPrefixes.includes(prefix));
}
