// Supported Node.js versions: 22 and 24 (Node 20 reached end of life in April 2026). On an
// older Node the CLI says so in one line, instead of the AWS SDK's multi-line warning that it
// would otherwise print on the first S3 call (`cat s3://…`, the S3 exporter).
export const MIN_NODE_MAJOR = 22;

/** The one-line notice for `version` (process.version), or undefined when it is supported. */
export function unsupportedNodeNotice(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? 0);
  if (major >= MIN_NODE_MAJOR) return undefined;
  return `ai-trace-collector: Node.js ${version} is not supported (use Node.js 22 or 24); continuing`;
}

/** Prints the notice once, and turns off the SDK's own version warning (we give ours). */
export function checkNodeVersion(env: NodeJS.ProcessEnv = process.env, write: (s: string) => void = (s) => process.stderr.write(s)): void {
  env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const notice = unsupportedNodeNotice(process.version);
  if (notice) write(`${notice}\n`);
}
