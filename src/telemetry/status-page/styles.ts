// The status page's CSS (inline: the page loads nothing from elsewhere).
export const STATUS_PAGE_CSS = String.raw`
:root { --bg:#0f1419; --panel:#171d24; --line:#2a333d; --text:#d8dee6; --dim:#8a96a3; --ok:#3fb950; --warn:#d29922; --err:#f85149; --accent:#58a6ff; --kernel:#bc8cff; }
* { box-sizing: border-box; }
body { margin:0; font:13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--text); }
header { display:flex; gap:16px; align-items:center; padding:10px 18px; border-bottom:1px solid var(--line); background:var(--panel); }
header h1 { font-size:16px; margin:0; font-weight:600; }
.badge { padding:2px 8px; border-radius:10px; font-size:12px; font-weight:600; background:var(--line); }
.badge.running, .badge.ready { background:#1f3d2a; color:var(--ok); }
.badge.degraded, .badge.starting, .badge.stopping { background:#3d3115; color:var(--warn); }
.badge.failed, .badge.stopped, .badge.notready { background:#442020; color:var(--err); }
.dim { color:var(--dim); }
main { padding:14px 18px; display:grid; gap:14px; }
section { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:10px 14px; }
section h2 { margin:0 0 8px; font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--dim); }
.pipeline { display:grid; grid-template-columns:110px 1fr 28px 1fr 28px 1fr; align-items:stretch; gap:6px; margin:8px 0; }
.pipeline .pname { font-weight:600; align-self:center; }
.stage { display:flex; flex-direction:column; gap:6px; }
.arrow { align-self:center; text-align:center; color:var(--dim); font-size:18px; }
.comp { border:1px solid var(--line); border-left:4px solid var(--dim); border-radius:4px; padding:5px 8px; background:#11171d; }
.comp.running, .comp.ready { border-left-color:var(--ok); }
.comp.degraded, .comp.starting { border-left-color:var(--warn); }
.comp.failed, .comp.notready, .comp.stopped { border-left-color:var(--err); }
.comp .id { font-weight:600; }
.comp .kind { color:var(--dim); font-size:11px; margin-left:4px; }
.comp .reason { color:var(--warn); font-size:12px; }
.rates { font-variant-numeric:tabular-nums; font-size:12px; }
.rates b { font-weight:600; }
.rates .bad { color:var(--err); }
.empty { color:var(--dim); font-style:italic; }
.gauges { display:flex; flex-wrap:wrap; gap:18px; }
.gauge { min-width:200px; }
.bar { height:8px; background:var(--line); border-radius:4px; overflow:hidden; margin-top:3px; }
.bar > div { height:100%; background:var(--accent); }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:3px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--dim); font-weight:500; font-size:12px; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.pick { cursor:pointer; }
.scroll { max-height:340px; overflow-y:auto; }
tr.pick:hover, tr.sel { background:#1c2630; }
.lvl-warn { color:var(--warn); font-weight:600; }
.lvl-error, .lvl-fatal { color:var(--err); font-weight:600; }
code, .mono { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; }
.wf-row { display:grid; grid-template-columns:320px 1fr 80px; gap:8px; align-items:center; min-height:20px; }
.wf-name { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.wf-track { position:relative; height:14px; background:#11171d; border-radius:2px; }
.wf-bar { position:absolute; top:2px; height:10px; border-radius:2px; background:var(--accent); min-width:2px; }
.wf-bar.error { background:var(--err); }
.wf-bar.kernel { background:var(--kernel); }
.wf-mark { position:absolute; top:0; width:2px; height:14px; background:#ffd866; }
.wf-mark.xid { background:var(--err); width:3px; }
.wf-detail { margin:0 0 4px 24px; font-size:12px; color:var(--dim); }
.wf-detail .log { color:var(--text); }
.wf-detail .xid { color:var(--err); font-weight:600; }
.wf-detail .gpu { color:#7ee787; }
#token { display:none; gap:8px; align-items:center; }
input { background:#11171d; color:var(--text); border:1px solid var(--line); border-radius:4px; padding:3px 6px; }
button { background:var(--line); color:var(--text); border:0; border-radius:4px; padding:4px 10px; cursor:pointer; }
`;
