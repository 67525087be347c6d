// Bearer-token check: constant-time over SHA-256 digests (so neither the token's length nor
// its bytes leak through timing). The token never appears in logs or error messages.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { AuthConfig } from './config.js';

export class AuthSetupError extends Error {}

export class BearerAuth {
  private digest: Buffer;
  private fileStamp = '';
  private lastCheck = 0;

  constructor(
    private readonly cfg: AuthConfig,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.digest = this.load();
  }

  /** the source of the token, for logs (never the token) */
  describe(): string {
    return this.cfg.bearerTokenFile ? `bearer token from file ${this.cfg.bearerTokenFile}` : `bearer token from $${this.cfg.bearerTokenEnv}`;
  }

  private load(): Buffer {
    let token: string;
    if (this.cfg.bearerTokenFile) {
      try {
        const st = statSync(this.cfg.bearerTokenFile);
        this.fileStamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
        token = readFileSync(this.cfg.bearerTokenFile, 'utf8').trim();
      } catch (e) {
        throw new AuthSetupError(`cannot read bearer_token_file ${this.cfg.bearerTokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    } else {
      token = (this.env[this.cfg.bearerTokenEnv ?? ''] ?? '').trim();
      if (token === '') throw new AuthSetupError(`environment variable ${this.cfg.bearerTokenEnv} (bearer_token_env) is empty or unset`);
    }
    if (token === '') throw new AuthSetupError(`bearer_token_file ${this.cfg.bearerTokenFile} is empty`);
    return sha256(token);
  }

  /** A rotated token file (a Kubernetes secret update) is picked up within a second. */
  private refresh(): void {
    if (!this.cfg.bearerTokenFile) return;
    const now = Date.now();
    if (now - this.lastCheck < 1000) return;
    this.lastCheck = now;
    try {
      const st = statSync(this.cfg.bearerTokenFile);
      if (`${st.mtimeMs}:${st.size}:${st.ino}` !== this.fileStamp) this.digest = this.load();
    } catch {
      // keep the last good token while the file is being replaced
    }
  }

  /** `header` is the Authorization value: `Bearer <token>` (scheme case-insensitive). */
  check(header: string | undefined): boolean {
    this.refresh();
    if (header === undefined) return false;
    const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return false;
    return timingSafeEqual(sha256(m[1]!), this.digest);
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
