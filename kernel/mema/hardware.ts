/** Hardware presets (the authors' MEMA-MM code and its roofline constants, arXiv:2304.05544) and a validated constructor for user-defined ones. */
import { validateHardware } from './cost';
import type { Hardware } from './types';

/** Cortex-M4F (nRF52840 on the Arduino Nano 33 BLE, the board of MEMA's M4 results): 32 single-precision registers s0–s31;
 *  256 KiB SRAM (Nordic nRF52840 product specification); ~13 usable GPRs. */
export const CORTEX_M4: Hardware = { name: 'cortex-m4', registers: 32, gprs: 13, sramBytes: 256 * 1024, wordBytes: 4 };
/**
 * Ours, not from the paper: a smaller Cortex-M4F part with 64 KiB SRAM (the size of e.g. ST's STM32F401xB/C), to show the
 * SRAM constraint binding — 17 of the 20 FP32 benchmark layers do not fit with A, B and C resident.
 */
export const CORTEX_M4_64K: Hardware = { ...CORTEX_M4, name: 'cortex-m4-64k (ours)', sramBytes: 64 * 1024 };
/** Cortex-M7 (STM32F767): same FP register file (fpv5-sp: 32 × 32-bit), 512 KiB SRAM. */
export const CORTEX_M7: Hardware = { name: 'cortex-m7', registers: 32, gprs: 13, sramBytes: 512 * 1024, wordBytes: 4 };
/**
 * Cortex-A72 (Raspberry Pi 4): NEON has 32 × 128-bit registers = 128 FP32 words at the register level;
 * external memory here is the 1 MiB shared L2 treated as "SRAM"; the L1d cache (32 KiB, 64 B lines, 2-way) is listed.
 */
export const CORTEX_A72: Hardware = {
  name: 'cortex-a72',
  registers: 128,
  gprs: 28,
  sramBytes: 1024 * 1024,
  wordBytes: 4,
  cache: { bytes: 32 * 1024, lineBytes: 64, ways: 2 },
};

export const PRESETS: Readonly<Record<string, Hardware>> = {
  'cortex-m4': CORTEX_M4,
  'cortex-m4-64k': CORTEX_M4_64K,
  'cortex-m7': CORTEX_M7,
  'cortex-a72': CORTEX_A72,
};

/** A user-defined hardware description; throws InvalidInput for zero registers or too small SRAM. */
export function defineHardware(hw: Partial<Hardware> & { name: string; registers: number; sramBytes: number }): Hardware {
  const full: Hardware = { gprs: 13, wordBytes: 4, ...hw };
  validateHardware(full);
  return full;
}
