// SO_REUSEPORT (`listen({ reusePort: true })`) came with Node.js 22.12 and 23.1; older versions
// ignore the option, and a second server on the port fails with EADDRINUSE.
export const REUSE_PORT_NODE = '22.12 (or 23.1 and later)';

export function hasReusePort(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}
