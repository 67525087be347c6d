// The component factories the collector runs with. src/ names no component: the top-level
// components.ts registers them at start (the program's entry imports it first), and worker
// threads import that same module by its URL (`moduleUrl`) to get the same factories.
import type { ConnectorFactory, ExporterFactory, ProcessorFactory, ReceiverFactory } from './component.js';

export interface ComponentFactories {
  readonly receivers: ReadonlyMap<string, ReceiverFactory>;
  readonly processors: ReadonlyMap<string, ProcessorFactory>;
  readonly connectors: ReadonlyMap<string, ConnectorFactory>;
  readonly exporters: ReadonlyMap<string, ExporterFactory>;
  /** URL of the module that registered these, for worker threads to import */
  readonly moduleUrl: string;
}

let registered: ComponentFactories | undefined;

export function registerComponents(c: ComponentFactories): void {
  registered = c;
}

export function components(): ComponentFactories {
  if (!registered) throw new Error('no components registered: import components.js (the component registry) before starting the collector');
  return registered;
}
