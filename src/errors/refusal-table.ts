// The refusal catalogue as the Markdown table in docs/errors.md (a test keeps them equal).
import { GRPC, REFUSALS } from './refusals.js';

const grpcName = (n: number): string => Object.entries(GRPC).find(([, v]) => v === n)?.[0] ?? String(n);

export function refusalTable(): string {
  const rows = ['| code | HTTP | gRPC | retry | `reason` label | meaning |', '|---|---|---|---|---|---|'];
  for (const r of Object.values(REFUSALS)) {
    const retry = r.retryable ? 'yes: `Retry-After` / RetryInfo' : 'no';
    rows.push(`| \`${r.code}\` | ${r.http} | ${grpcName(r.grpc)} (${r.grpc}) | ${retry} | \`${r.reason}\` | ${r.meaning} |`);
  }
  return rows.join('\n');
}
