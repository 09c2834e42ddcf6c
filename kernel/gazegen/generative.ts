/**
 * Generative backends for GazeGen's edits (Hsieh et al., arXiv 2411.04335, §3.3): the paper regenerates edited regions
 * with Stable Diffusion; offline, the default backend is classical (OpenCV inpainting), and a user's own
 * AUTOMATIC1111-style server can be plugged in. The client lives in `core/vision/diffusion.ts`, shared with Gen4Gen's
 * background repaint; this file keeps GazeGen's names for it.
 */
export * from '../core/vision/diffusion';
