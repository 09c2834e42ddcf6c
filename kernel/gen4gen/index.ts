/**
 * Gen4Gen (Yeh, Cheng, Hsieh et al., arXiv 2402.15504): a semi-automated pipeline that composes personal concepts
 * into multi-concept scenes — foreground segmentation → LLM-guided layout → compositing → background repainting →
 * recaptioning — to build training data (MyCanvas) for multi-concept personalization, and two metrics, CP-CLIP
 * (are all concepts present and do they look like the user's?) and TI-CLIP (does the image still match the text
 * without the concept tokens?).
 *
 *   import * as el from 'edgelab';
 *   const concepts = await el.gen4gen.builtinConcepts();                  // real photos, GrabCut masks
 *   const layout = await el.gen4gen.offlineLayout().layout({ objects, seed: 0 });
 *   const comp = el.gen4gen.compose(concepts, layout, { mode: 'strict' });
 *   const scene = await el.gen4gen.blendRepainter().repaint(comp, { background: 'on the grass', seed: 0 });
 *
 * Offline, the repaint is compositing with colour harmonization (named as such), not diffusion; a user's own
 * inpainting server plugs in through `serverRepainter`. Reproducing the paper's Table 1 needs Stable Diffusion and
 * Custom Diffusion training, which this module does not do: it ships the data tooling and the metrics.
 */
export type {
  Alpha8,
  Box,
  Concept,
  ConceptView,
  Layout,
  LayoutBox,
  LayoutProvider,
  LayoutRequest,
  ComposeMode,
  PasteOrder,
  Instance,
  Composition,
  SoftMaskMode,
  Scene,
  Repainter,
} from './types';
export {
  alphaSegmenter,
  uniformBackgroundSegmenter,
  grabCutSegmenter,
  boxSegmenter,
  segmentRounds,
  makeConcept,
  loadConceptLibrary,
  foregroundOnBlack,
  writeSegmentation,
  type Segmenter,
} from './concepts';
export {
  offlineLayout,
  llmLayout,
  withFallback,
  layoutPrompt,
  parseLayoutAnswer,
  cocoFewShots,
  sizeRatios,
  SIZE_RATIO,
  BACKGROUNDS,
  LayoutParseError,
  LayoutBoundsError,
  LayoutServerError,
  type FewShot,
  type LlmTarget,
} from './layout';
export { compose, postprocessBoxes, minBoxArea, fitObject, type ComposeOptions } from './compose';
export { blendRepainter, serverRepainter, softMask, DEFAULT_BACKGROUNDS, type BlendRepainterOptions } from './repaint';
export {
  shortCaption,
  trainingPrompt,
  recaption,
  RECAPTION_INSTRUCTION,
  CaptionTooLong,
  type Recaptioner,
  type PromptStrategy,
} from './captions';
export { writeDataset, WouldOverwrite, type DatasetItem, type WriteOptions } from './writer';
export {
  cpClip,
  tiClip,
  cpFromEmbeddings,
  selectBoxes,
  backgroundPrompt,
  cosine,
  isPaperComparable,
  type Detection,
  type ImageEmbedder,
  type TextEmbedder,
  type OpenVocabDetector,
  type DuplicateLabelPolicy,
  type CpClipInput,
  type CpClipResult,
} from './metrics';
export {
  handcraftedEmbedder,
  hashedTextEmbedder,
  descriptorEmbedder,
  centernetEmbedder,
  centernetDetector,
  clipEmbedder,
  owlvitDetector,
  type DescriptorEmbedderOptions,
  type CenterNetDetectorOptions,
} from './embedders';
export {
  orderingStudy,
  orderingBreakdown,
  studySpecs,
  bootstrapMeanCi,
  oracleDetector,
  type StudyOptions,
  type StudyResult,
  type Variant,
  type OrderingBreakdown,
  type PairCounts,
} from './study';
export { builtinConcepts, conceptSpecs, LOOKALIKE_OF, EXTRA_VIEWS, type ConceptSpec } from './data';
export { sceneFigure, orderingFigure, paperVsOursTable } from './figures';
