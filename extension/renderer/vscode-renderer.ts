/**
 * The parts of the `vscode-notebook-renderer` API this renderer uses (that package's types are not installed;
 * these mirror DefinitelyTyped's `vscode-notebook-renderer/index.d.ts`).
 */
export interface OutputItem {
  readonly id: string;
  readonly mime: string;
  readonly metadata: unknown;
  text(): string;
  json(): unknown;
  data(): Uint8Array;
  blob(): Blob;
}

export interface RendererApi {
  renderOutputItem(outputItem: OutputItem, element: HTMLElement, signal: AbortSignal): void | Promise<void>;
  disposeOutputItem?(id?: string): void;
}

export interface RendererContext<TState = unknown> {
  getState(): TState | undefined;
  setState(newState: TState): void;
  getRenderer(id: string): Promise<unknown | undefined>;
  readonly workspace: { readonly isTrusted: boolean };
  postMessage?(message: unknown): void;
  onDidReceiveMessage?: unknown;
  readonly settings?: Record<string, unknown>;
}

export type ActivationFunction<TState = unknown> = (context: RendererContext<TState>) => RendererApi | Promise<RendererApi>;
