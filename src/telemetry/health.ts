// Health of each component, keyed by kind and id ("receiver/otlp", "exporter/otlp": a
// receiver and an exporter may share an id, as in the Collector). Components report through
// a view scoped to their kind; /readyz, /status and the status page read the whole.
import type { Health } from '../component.js';

export type HealthKind = 'receiver' | 'processor' | 'connector' | 'exporter';

export interface ComponentHealth {
  ready: boolean;
  reason?: string;
}

export const healthKey = (kind: HealthKind, id: string): string => `${kind}/${id}`;

export class HealthRegistry {
  private readonly state = new Map<string, ComponentHealth>();

  /** Sets by full key (`kind/id`): what the flush worker forwards. */
  set(key: string, ready: boolean, reason?: string): void {
    this.state.set(key, reason === undefined ? { ready } : { ready, reason });
  }

  /** The view a component of `kind` reports through: it names itself by its id alone. */
  scope(kind: HealthKind): Health {
    return scopedHealth({ setReady: (key, ready, reason) => this.set(key, ready, reason) }, kind);
  }

  get(kind: HealthKind, id: string): ComponentHealth | undefined {
    return this.state.get(healthKey(kind, id));
  }

  /** Every component that reported, by `kind/id`. */
  report(): Record<string, ComponentHealth> {
    return Object.fromEntries(this.state);
  }
}

/** The same scoping over any Health (the flush worker's forwarder). */
export function scopedHealth(health: Health, kind: HealthKind): Health {
  return { setReady: (id, ready, reason) => health.setReady(healthKey(kind, id), ready, reason) };
}
