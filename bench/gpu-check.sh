#!/usr/bin/env bash
# Runs the collector with the NVML receiver against the real NVIDIA driver for ~30 s, under a
# GPU load (a PyTorch matmul loop when PyTorch with CUDA is installed), then prints what it
# collected: the last sample of every metric per GPU, and every GPU event (Xid, ECC, ...).
# Needs: an NVIDIA GPU and driver (libnvidia-ml.so.1), node >= 20, `npm ci` done.
# Usage: bench/gpu-check.sh [seconds]     (ATC_NVML_LIBRARY=/path/to/libnvidia-ml.so.1 to override)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-30}"
WORK="$(mktemp -d -t atc-gpu-check-XXXXXX)"
trap 'kill ${LOAD_PID:-} ${COL_PID:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=index,name,uuid,driver_version --format=csv || echo "nvidia-smi not found (continuing: the receiver needs only libnvidia-ml)"
[ -f dist/main.js ] || npx tsc -p tsconfig.json

cat > "$WORK/config.yaml" <<YAML
receivers:
  nvml:
    library_path: ${ATC_NVML_LIBRARY:-libnvidia-ml.so.1}
    collection_interval: 1s
    required: true
    events: { wait_timeout: 500ms, types: [xid, ecc_single_bit, ecc_double_bit, clock, gpu_unavailable, pstate] }
exporters:
  file: { directory: $WORK/data, compression: none, fsync: false }
spill: { directory: $WORK/spill }
service:
  telemetry:
    metrics: { endpoint: 127.0.0.1:0 }
    logs: { level: info }
  pipelines:
    metrics: { receivers: [nvml], exporters: [file] }
    logs: { receivers: [nvml], exporters: [file] }
YAML

node dist/main.js run --config "$WORK/config.yaml" >"$WORK/collector.log" 2>&1 &
COL_PID=$!
sleep 3
if ! kill -0 "$COL_PID" 2>/dev/null; then cat "$WORK/collector.log"; echo "collector failed to start"; exit 1; fi

if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "GPU load: PyTorch bf16 matmul loop on every GPU for ${SECONDS_TO_RUN}s"
  python3 - "$SECONDS_TO_RUN" >"$WORK/load.log" 2>&1 <<'PY' &
import sys, time, torch
end = time.time() + float(sys.argv[1]) - 5
xs = [torch.randn(8192, 8192, device=f"cuda:{i}", dtype=torch.bfloat16) for i in range(torch.cuda.device_count())]
n = 0
while time.time() < end:
    for x in xs:
        x @ x
    n += 1
    if n % 50 == 0:
        torch.cuda.synchronize()
print("matmul rounds", n)
PY
  LOAD_PID=$!
else
  echo "PyTorch with CUDA not found: sampling an idle GPU"
fi

sleep "$SECONDS_TO_RUN"
kill -TERM "$COL_PID"
wait "$COL_PID" || true
[ -n "${LOAD_PID:-}" ] && wait "$LOAD_PID" 2>/dev/null || true
grep -E '"NVML receiver started"|NVML is not available|is lost|failed' "$WORK/collector.log" | head -20 || true

node dist/main.js cat "$WORK/data" > "$WORK/all.jsonl"
node - "$WORK/all.jsonl" <<'JS'
const lines = require('fs').readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const last = new Map(); const count = new Map(); const events = [];
const v = (a) => a && Object.values(a)[0];
for (const req of lines) {
  for (const rm of req.resourceMetrics ?? []) for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) {
    for (const p of (m.gauge ?? m.sum).dataPoints) {
      const at = Object.fromEntries((p.attributes ?? []).map((a) => [a.key, v(a.value)]));
      const extra = ['hw.gpu.task', 'nvml.clocks_event.reason', 'process.pid', 'hw.state', 'error.type'].filter((k) => at[k] !== undefined).map((k) => `${k}=${at[k]}`).join(' ');
      const key = `${at['gpu.index']} ${m.name}${extra ? ' {' + extra + '}' : ''} [${m.unit}]`;
      last.set(key, p.asDouble ?? p.asInt); count.set(key, (count.get(key) ?? 0) + 1);
    }
  }
  for (const rl of req.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) events.push(`${r.severityText} ${v(r.body)}`);
}
console.log(`\n${'gpu metric [unit]'.padEnd(92)} ${'last'.padStart(16)} samples`);
for (const [k, val] of [...last].sort()) console.log(`${k.padEnd(92)} ${String(val).padStart(16)} ${count.get(k)}`);
console.log(`\nGPU events: ${events.length}`); for (const e of events.slice(0, 50)) console.log('  ' + e);
JS
