/**
 * The near-eye world DFT Gaze trains and is measured on (`el.gaze.world`): a procedural generator of synthetic users
 * and eye-camera frames with exact gaze labels (synth.ts), the OpenEDS2020 and Aria MPS layouts it reads and writes
 * (loaders.ts), their types (types.ts) and figures (figures.ts).
 */
export * from './synth';
export * from './loaders';
export * from './figures';
export type * from './types';
