// Readiness of each component; /readyz is ready when every registered component is.
import type { Health } from '../component.js';

export class HealthRegistry implements Health {
  private readonly state = new Map<string, { ready: boolean; reason?: string }>();

  setReady(id: string, ready: boolean, reason?: string): void {
    this.state.set(id, reason === undefined ? { ready } : { ready, reason });
  }

  remove(id: string): void {
    this.state.delete(id);
  }

  isReady(): boolean {
    for (const s of this.state.values()) if (!s.ready) return false;
    return true;
  }

  report(): Record<string, { ready: boolean; reason?: string }> {
    return Object.fromEntries(this.state);
  }
}
