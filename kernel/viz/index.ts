/** Figure payloads (types, MIME ids) and their builders and static fallbacks. */
export * from './types';
export { pack, unpack, toBase64, fromBase64, round, type Unpacked } from './codec';
export {
  heatmap,
  series,
  imageOverlay,
  table,
  crossbarMap,
  sparsityPattern,
  ckaMatrix,
  checkSize,
  MAX_PAYLOAD_BYTES,
  COLOR_SCALES,
  type HeatmapOptions,
  type SeriesOptions,
  type ImageOverlayOptions,
  type TableOptions,
  type CrossbarMapOptions,
  type SparsityPatternOptions,
  type CkaMatrixOptions,
} from './builders';
export { fallback, summary, toBundle, formatCell, type Fallback } from './svg';
export { encodePng, crc32 } from './png';
export { color, colorRgb, PALETTE } from './color';
export { paperVsOursTable, type PaperRow } from './paper';
