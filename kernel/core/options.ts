/**
 * Options merging. `{ ...defaults, ...opts }` lets a caller's explicit `undefined` (e.g. `{ steps: o.steps }` forwarded
 * from an outer call) overwrite a default; `withDefaults` keeps the default for every key the caller left undefined.
 */
export function withDefaults<D extends object, O extends object>(defaults: D, opts: O): D & O {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) out[k] = v;
  return out as D & O;
}
