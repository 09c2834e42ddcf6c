/**
 * MEMA's C kernels for a user's own matmul layers (MEMA, arXiv:2304.05544 §4): per conv (as im2col matmul) or dense
 * layer of an imported layer table, the register kernel of the layer's two-level schedule on an MCU preset
 * (`deriveTwoLevel` → `emitFp32`), with a wrapper that fixes the layer's sizes, one header declaring them all and a
 * manifest. Each `.c` compiles on its own (`arm-none-eabi-gcc -mcpu=cortex-m4 … -c`) and all of them link together
 * (every symbol carries the layer's name).
 *
 *   mema.exportKernels(table, 'out/', { hardware: 'cortex-m4' })   // out/mema/el_<layer>.c, mema_layers.h, manifest.json
 *
 * What is emitted is the register-level schedule over operands the core addresses directly (SRAM, or memory-mapped
 * flash for the weights); the SRAM tiling of the two-level schedule (which panels to copy from flash) is reported in
 * the manifest, not emitted as code.
 */
import { provenance, safeNames, writeExport, type ExportFile, type Provenance, type WriteExportOptions } from '../core/io';
import type { AnalyzeCommon, ModelTable } from '../model/types';
import { layerSchedules, memaHardware } from './analyze';
import { emitFp32 } from './emit';
import type { Hardware } from './types';

export interface KernelExportOptions extends AnalyzeCommon {
  /** MCU preset name (PRESETS) or a Hardware. Default 'cortex-m4'. */
  hardware?: string | Hardware;
  /** Provenance written into every file. Default: built from the table and these options. */
  provenance?: Provenance;
}

/** One exported kernel: the layer, its C file, the wrapper `fn(A, B, C)` and the kernel `kernel(A, B, C, M, K, N)`. */
export interface ExportedKernel {
  name: string;
  file: string;
  fn: string;
  kernel: string;
  M: number;
  K: number;
  N: number;
  schedule: string;
  residency: string;
}

const comment = (s: string) => s.replace(/\*\//g, '* /');

/**
 * The files of a kernel export (nothing written): `mema/<fn>.c` per matmul layer, `mema/mema_layers.h`,
 * `mema/manifest.json`; plus the kernels and the layers skipped (depthwise, unknown shapes, no feasible schedule).
 */
export function kernelFiles(
  table: ModelTable,
  opts: KernelExportOptions = {},
): { files: ExportFile[]; kernels: ExportedKernel[]; skipped: { name: string; reason: string }[] } {
  const hw = memaHardware(opts.hardware, 'mema.exportKernels');
  const prov =
    opts.provenance ?? provenance({ name: table.source, format: table.format, sha256: table.sha256 ?? null }, { hardware: hw.name });
  const { layers, skipped } = layerSchedules(table, hw, opts);
  const fns = safeNames(layers.map((l) => `el_${table.layers[l.index]!.name}`));
  const files: ExportFile[] = [];
  const kernels = layers.map((l, i): ExportedKernel => {
    const name = table.layers[l.index]!.name;
    const fn = fns[i]!;
    const nest = l.schedule.register.nest;
    const { name: kernel, code } = emitFp32(nest, { prefix: fn });
    const k: ExportedKernel = {
      name,
      file: `mema/${fn}.c`,
      fn,
      kernel,
      M: l.M,
      K: l.K,
      N: l.N,
      schedule: `${l.schedule.register.name} ${nest.m}×${nest.k}×${nest.n}`,
      residency: l.schedule.sram.residency,
    };
    const head = [
      `/* EdgeLab export: MEMA (arXiv:2304.05544) register kernel for layer ${comment(JSON.stringify(name))}.`,
      ` * C[M×N] = A[M×K]·B[K×N] with M = ${l.M} outputs, K = ${l.K} inputs per output, N = ${l.N} output positions.`,
      ` * A: the layer's weights [out][in], row-major (conv: inputs in the source file's order, ONNX cin·kh·kw);`,
      ` * B: the input patches (im2col) [K][N]; C: the outputs [M][N]; all float32, row-major, no bias or activation.`,
      ` * Schedule on ${comment(hw.name)}: register ${k.schedule} (stationary tile in registers); SRAM residency '${k.residency}'`,
      ` * (${l.schedule.flash.total} flash↔SRAM words in the two-level schedule; the SRAM tiling is not emitted).`,
      ` * Build: arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -ffp-contract=off -O2 -c ${fn}.c`,
      ` * Provenance: ${comment(JSON.stringify(prov))}`,
      ` */`,
      `#include "mema_layers.h"`,
    ].join('\n');
    const wrapper = `/* Layer ${comment(JSON.stringify(name))} with its sizes fixed. */\nvoid ${fn}(const float *A, const float *B, float *C) { ${kernel}(A, B, C, ${l.M}, ${l.K}, ${l.N}); }\n`;
    files.push({ path: k.file, what: 'mema-c', data: `${head}\n${code}\n${wrapper}` });
    return k;
  });
  const header = [
    `/* EdgeLab export: MEMA kernels of ${comment(JSON.stringify(table.source))} on ${comment(hw.name)} (see manifest.json). */`,
    '#ifndef EDGELAB_MEMA_LAYERS_H',
    '#define EDGELAB_MEMA_LAYERS_H',
    ...kernels.flatMap((k) => [
      `/* ${comment(JSON.stringify(k.name))}: ${k.M}×${k.K}×${k.N}, ${k.schedule} */`,
      `void ${k.fn}(const float *A, const float *B, float *C);`,
      `void ${k.kernel}(const float *A, const float *B, float *C, int M, int K, int N);`,
    ]),
    '#endif',
    '',
  ].join('\n');
  files.push({ path: 'mema/mema_layers.h', what: 'mema-c', data: header });
  files.push({
    path: 'mema/manifest.json',
    what: 'manifest',
    data:
      JSON.stringify(
        {
          format: 'edgelab-mema-c-v1',
          provenance: prov,
          hardware: hw,
          call: '<fn>(A, B, C): A = weights [M][K], B = im2col inputs [K][N], C = outputs [M][N], float32 row-major',
          kernels,
          skipped,
        },
        null,
        1,
      ) + '\n',
  });
  return { files, kernels, skipped };
}

/**
 * Write MEMA's C kernel for every matmul layer of `table` to `dir/mema/` (one `.c` per layer, `mema_layers.h`,
 * `manifest.json`). Refuses to overwrite existing files unless `overwrite`. Pure arithmetic and text.
 */
export function exportKernels(table: ModelTable, dir: string, opts: KernelExportOptions & WriteExportOptions = {}) {
  const r = kernelFiles(table, opts);
  return { files: writeExport(dir, r.files, { overwrite: opts.overwrite }), kernels: r.kernels, skipped: r.skipped };
}
