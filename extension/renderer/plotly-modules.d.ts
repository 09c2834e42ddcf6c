// Minimal typings for the plotly.js partial-bundle modules (plotly.js ships types for its main entry only).
declare module 'plotly.js/lib/core' {
  interface PlotlyCore {
    register(modules: unknown[]): void;
    react(gd: HTMLElement, data: object[], layout?: object, config?: object): Promise<HTMLElement>;
    purge(gd: HTMLElement): void;
    version: string;
  }
  const Plotly: PlotlyCore;
  export default Plotly;
}
declare module 'plotly.js/lib/heatmap' {
  const m: unknown;
  export default m;
}
declare module 'plotly.js/lib/scatter' {
  const m: unknown;
  export default m;
}
