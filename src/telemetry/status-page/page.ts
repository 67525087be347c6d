// The status page served on / of the telemetry port: one self-contained HTML document (inline
// CSS and script, no external assets), assembled once at start.
import { STATUS_PAGE_SCRIPT } from './script.js';
import { STATUS_PAGE_CSS } from './styles.js';

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ai-trace-collector status</title>
<style>${STATUS_PAGE_CSS}</style>
</head>
<body>
<header>
  <h1>ai-trace-collector</h1>
  <span id="state" class="badge">…</span>
  <span id="meta" class="dim"></span>
  <span id="error" class="lvl-error"></span>
  <span id="token"><input id="token-input" type="password" placeholder="bearer token" autocomplete="off"><button id="token-save">use token</button></span>
</header>
<main>
  <section><h2>Pipelines · receivers → processors / connectors → exporters (per second)</h2><div id="pipelines" class="empty">loading…</div></section>
  <section><h2>Buffers</h2><div id="buffers" class="gauges"></div></section>
  <section><h2>Components</h2><div id="components"></div></section>
  <section><h2>Recent warnings and errors</h2><div id="logs" class="scroll"></div></section>
  <section><h2>Fused traces (latest first)</h2><div id="traces" class="scroll"></div></section>
  <section><h2>Fused trace: spans, log events, GPU summaries, XIDs, profiler kernels</h2><div id="waterfall"></div></section>
</main>
<script>${STATUS_PAGE_SCRIPT}</script>
</body>
</html>
`;

/** Inline script and style only; data from this origin only. */
export const STATUS_PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
