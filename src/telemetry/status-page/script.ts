// The status page's browser script (plain ES2020, inline; no build step, nothing fetched from
// elsewhere). It polls /metrics and computes per-second rates itself, reads /status (component
// states and pipelines; falls back to /readyz and the metric labels while /status is absent),
// /status/logs and /status/traces, and draws a waterfall of the chosen fused trace.
// Kept free of backticks and dollar-brace sequences: it lives in a String.raw template.
export const STATUS_PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var POLL_MS = 2000;
  var SIGNALS = ['traces', 'logs', 'metrics'];
  var ACC = { traces: 'atc_receiver_accepted_spans_total', logs: 'atc_receiver_accepted_log_records_total', metrics: 'atc_receiver_accepted_metric_points_total' };
  var REF = { traces: 'atc_receiver_refused_spans_total', logs: 'atc_receiver_refused_log_records_total', metrics: 'atc_receiver_refused_metric_points_total' };
  var SENT = { traces: 'atc_exporter_sent_spans_total', logs: 'atc_exporter_sent_log_records_total', metrics: 'atc_exporter_sent_metric_points_total' };
  var UNIT = { traces: 'spans', logs: 'logs', metrics: 'points' };
  var token = sessionStorage.getItem('atc-token') || '';
  var prev = null;
  var cur = null;
  var selected = null;
  var selectedDoc = null;
  var polls = 0;

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  function fmt(n) {
    if (n === null || n === undefined || isNaN(n)) return '–';
    if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
    if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
    if (n >= 100) return n.toFixed(0);
    if (n >= 10) return n.toFixed(1);
    return n.toFixed(n === 0 ? 0 : 2);
  }
  function bytes(n) {
    if (n === null || n === undefined || isNaN(n)) return '–';
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n.toFixed(0) : n.toFixed(1)) + ' ' + u[i];
  }

  function get(path) {
    var headers = token ? { authorization: 'Bearer ' + token } : {};
    return fetch(path, { headers: headers, cache: 'no-store' }).then(function (r) {
      if (r.status === 401) { $('token').style.display = 'flex'; throw new Error(path + ': token needed'); }
      return r;
    });
  }
  function getJson(path, anyStatus) {
    return get(path).then(function (r) {
      if (!r.ok && !anyStatus) throw new Error(path + ': HTTP ' + r.status);
      return r.json();
    });
  }

  // Prometheus text format: name{labels} value
  function parseMetrics(text) {
    var out = [];
    var lines = text.split('\n');
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (!line || line.charAt(0) === '#') continue;
      var m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!m) continue;
      var labels = {};
      if (m[2]) {
        var re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
        var lm;
        while ((lm = re.exec(m[2])) !== null) labels[lm[1]] = lm[2].replace(/\\(.)/g, function (_, c) { return c === 'n' ? '\n' : c; });
      }
      out.push({ name: m[1], labels: labels, value: Number(m[3]) });
    }
    return out;
  }
  function match(s, name, where) {
    if (s.name !== name) return false;
    for (var k in where) if (s.labels[k] !== where[k]) return false;
    return true;
  }
  function sum(snap, name, where) {
    var t = 0;
    var found = false;
    for (var i = 0; i < snap.samples.length; i++) if (match(snap.samples[i], name, where || {})) { t += snap.samples[i].value; found = true; }
    return found ? t : null;
  }
  function rate(name, where) {
    if (!prev || !cur) return null;
    var a = sum(prev, name, where);
    var b = sum(cur, name, where);
    if (b === null) return 0;
    var dt = (cur.t - prev.t) / 1000;
    return dt > 0 ? Math.max(0, (b - (a || 0)) / dt) : null;
  }
  function labelValues(name, label, where) {
    var seen = {};
    var out = [];
    if (!cur) return out;
    for (var i = 0; i < cur.samples.length; i++) {
      var s = cur.samples[i];
      if (!match(s, name, where || {})) continue;
      var v = s.labels[label];
      if (v !== undefined && !seen[v]) { seen[v] = true; out.push(v); }
    }
    return out;
  }

  // component state: /status when present, else /readyz (ready / not ready with the reason)
  function stateOf(status, ready, kind, id) {
    if (status && status.components) {
      for (var i = 0; i < status.components.length; i++) {
        var c = status.components[i];
        if (c.id === id && (!kind || c.kind === kind)) return { state: c.state, reason: c.reason, required: c.required };
      }
    }
    // /readyz keys components by kind/id
    var key = (kind || 'receiver') + '/' + id;
    if (ready && ready.components && ready.components[key]) {
      var r = ready.components[key];
      return { state: r.ready ? 'ready' : 'notready', reason: r.reason || null };
    }
    return { state: 'unknown', reason: null };
  }

  function pipelinesOf(status) {
    if (status && status.pipelines) return { list: status.pipelines, inferred: false };
    var list = {};
    SIGNALS.forEach(function (sig) {
      var rec = labelValues(ACC[sig], 'receiver').concat(labelValues(REF[sig], 'receiver'));
      var exp = labelValues(SENT[sig], 'exporter').concat(labelValues('atc_exporter_sent_batches_total', 'exporter', { signal: sig })).concat(labelValues('atc_exporter_send_failed_items_total', 'exporter', { signal: sig }));
      rec = rec.filter(function (v, i) { return rec.indexOf(v) === i; });
      exp = exp.filter(function (v, i) { return exp.indexOf(v) === i; });
      if (rec.length || exp.length) list[sig] = { receivers: rec, processors: [], exporters: exp };
    });
    return { list: list, inferred: true };
  }

  function rateLine(label, v, bad) {
    return '<div class="rates">' + esc(label) + ' <b' + (bad && v > 0 ? ' class="bad"' : '') + '>' + fmt(v) + '/s</b></div>';
  }

  function compBox(kind, id, sig, status, ready) {
    var st = stateOf(status, ready, kind, id);
    var html = '<div class="comp ' + esc(st.state) + '" data-kind="' + esc(kind) + '" data-id="' + esc(id) + '">';
    html += '<span class="id">' + esc(id) + '</span><span class="kind">' + esc(kind) + ' · ' + esc(st.state) + (st.required === false ? ' · optional' : '') + '</span>';
    if (st.reason) html += '<div class="reason">' + esc(st.reason) + '</div>';
    if (kind === 'receiver') {
      html += rateLine('accepted ' + UNIT[sig], rate(ACC[sig], { receiver: id }));
      labelValues(REF[sig], 'reason', { receiver: id }).forEach(function (reason) {
        html += rateLine('refused (' + reason + ')', rate(REF[sig], { receiver: id, reason: reason }), true);
      });
    } else if (kind === 'exporter') {
      html += rateLine('sent ' + UNIT[sig], rate(SENT[sig], { exporter: id }));
      html += rateLine('failed ' + UNIT[sig], rate('atc_exporter_send_failed_items_total', { exporter: id, signal: sig }), true);
      html += rateLine('spilled batches', rate('atc_spill_enqueued_batches_total', { exporter: id }), true);
      var q = cur ? sum(cur, 'atc_spill_queue_bytes', { exporter: id }) : null;
      if (q) html += '<div class="rates">spill queue <b>' + bytes(q) + '</b></div>';
    } else if (/^fusion/.test(id)) {
      html += rateLine('spans in', rate('atc_fusion_spans_total'));
      html += rateLine('traces fused', rate('atc_fusion_traces_emitted_total'));
      html += '<div class="rates">held traces <b>' + fmt(cur ? sum(cur, 'atc_fusion_held_traces') : null) + '</b></div>';
    }
    return html + '</div>';
  }

  function renderPipelines(status, ready) {
    var p = pipelinesOf(status);
    var ids = Object.keys(p.list).sort();
    var html = '';
    if (ids.length === 0) html = '<div class="empty">no pipeline has seen data yet</div>';
    ids.forEach(function (pid) {
      var pl = p.list[pid];
      var sig = pid.split('/')[0];
      var stage = function (kind, list) {
        if (!list || list.length === 0) return '<div class="stage"><div class="empty">' + (p.inferred && kind === 'processor' ? 'not known without /status' : 'none') + '</div></div>';
        return '<div class="stage">' + list.map(function (id) {
          var k = kind;
          if (status && status.components) {
            for (var i = 0; i < status.components.length; i++) if (status.components[i].id === id && status.components[i].kind === 'connector') k = 'connector';
          }
          return compBox(k, id, sig, status, ready);
        }).join('') + '</div>';
      };
      html += '<div class="pipeline" data-pipeline="' + esc(pid) + '"><div class="pname">' + esc(pid) + '</div>' + stage('receiver', pl.receivers) + '<div class="arrow">→</div>' + stage('processor', pl.processors) + '<div class="arrow">→</div>' + stage('exporter', pl.exporters) + '</div>';
    });
    if (p.inferred) html += '<div class="dim">pipelines inferred from the metrics: this collector has no /status endpoint</div>';
    $('pipelines').innerHTML = html;
  }

  function gauge(label, value, fill) {
    var html = '<div class="gauge"><div class="dim">' + esc(label) + '</div><div><b>' + value + '</b></div>';
    if (fill !== undefined && fill !== null) html += '<div class="bar"><div style="width:' + Math.min(100, Math.max(0, fill * 100)).toFixed(1) + '%"></div></div>';
    return html + '</div>';
  }

  function renderBuffers() {
    if (!cur) return;
    var used = sum(cur, 'atc_ring_used_bytes');
    var cap = sum(cur, 'atc_ring_capacity_bytes');
    var wal = sum(cur, 'atc_wal_bytes');
    var spill = sum(cur, 'atc_spill_queue_bytes');
    var spillBatches = sum(cur, 'atc_spill_queue_batches');
    var cpu = rate('atc_process_cpu_seconds_total');
    var html = gauge('ring fill', bytes(used) + ' / ' + bytes(cap) + (cap ? ' (' + ((used / cap) * 100).toFixed(1) + '%)' : ''), cap ? used / cap : null);
    html += gauge('write-ahead log', wal === null ? 'off (durability: memory)' : bytes(wal));
    html += gauge('spill queues', bytes(spill || 0) + ' in ' + fmt(spillBatches || 0) + ' batches');
    html += gauge('batches in flight', fmt(sum(cur, 'atc_flush_inflight_batches')));
    html += gauge('memory (RSS)', bytes(sum(cur, 'atc_process_resident_memory_bytes')));
    html += gauge('CPU', cpu === null ? '–' : (cpu * 100).toFixed(0) + '%');
    $('buffers').innerHTML = html;
  }

  function renderComponents(status, ready) {
    var rows = [];
    if (status && status.components) {
      rows = status.components.map(function (c) { return [c.id, c.kind, (c.pipelines || []).join(', '), c.state, c.reason || '', c.required === false ? 'no' : 'yes']; });
    } else if (ready && ready.components) {
      rows = Object.keys(ready.components).map(function (key) { var r = ready.components[key]; var at = key.indexOf('/'); return [key.slice(at + 1), key.slice(0, at), '', r.ready ? 'ready' : 'notready', r.reason || '', '']; });
    }
    var html = '<table><tr><th>component</th><th>kind</th><th>pipelines</th><th>state</th><th>reason</th><th>required</th></tr>';
    rows.forEach(function (r) {
      html += '<tr><td class="mono">' + esc(r[0]) + '</td><td>' + esc(r[1]) + '</td><td>' + esc(r[2]) + '</td><td><span class="badge ' + esc(r[3]) + '">' + esc(r[3]) + '</span></td><td>' + esc(r[4]) + '</td><td>' + esc(r[5]) + '</td></tr>';
    });
    if (rows.length === 0) html += '<tr><td colspan="6" class="empty">no component reported yet</td></tr>';
    $('components').innerHTML = html + '</table>';
  }

  function renderHeader(status, ready) {
    var state = status && status.state ? status.state : ready ? (ready.status === 'ready' ? 'ready' : 'notready') : 'unknown';
    var b = $('state');
    b.className = 'badge ' + state;
    b.textContent = state;
    var bits = [];
    if (status && status.version) bits.push('version ' + status.version);
    if (status && status.since) bits.push('since ' + status.since);
    if (status && status.ready === false && status.ready_reason) bits.push('not ready: ' + status.ready_reason);
    bits.push('updated ' + new Date().toLocaleTimeString());
    $('meta').textContent = bits.join(' · ');
  }

  function renderLogs(logs) {
    var entries = (logs && logs.entries) || [];
    var html = '<table><tr><th>time</th><th>level</th><th>message</th><th>fields</th></tr>';
    entries.slice().reverse().forEach(function (e) {
      html += '<tr><td class="mono">' + esc(e.time) + '</td><td class="lvl-' + esc(e.level) + '">' + esc(e.level) + '</td><td>' + esc(e.msg) + '</td><td class="mono">' + esc(JSON.stringify(e.fields)) + '</td></tr>';
    });
    if (entries.length === 0) html += '<tr><td colspan="4" class="empty">no warnings or errors</td></tr>';
    $('logs').innerHTML = html + '</table>';
  }

  function nsToTime(ns) {
    try { return new Date(Number(BigInt(ns) / 1000000n)).toISOString().slice(11, 23); } catch (e) { return ''; }
  }

  function renderTraces(list) {
    var traces = (list && list.traces) || [];
    var html = '<table><tr><th>start (UTC)</th><th>trace id</th><th>service</th><th>root span</th><th class="num">duration</th><th class="num">spans</th><th class="num">logs</th><th class="num">XIDs</th><th class="num">kernels</th><th>status</th></tr>';
    traces.forEach(function (t) {
      html += '<tr class="pick' + (t.trace_id === selected ? ' sel' : '') + '" data-trace="' + esc(t.trace_id) + '"><td class="mono">' + esc(nsToTime(t.start_time_unix_nano)) + '</td><td class="mono">' + esc(t.trace_id) + '</td><td>' + esc(t.service) + '</td><td>' + esc(t.root) + '</td><td class="num">' + fmt(t.duration_ms) + ' ms</td><td class="num">' + t.spans + '</td><td class="num">' + t.logs + '</td><td class="num">' + t.xids + '</td><td class="num">' + t.kernels + '</td><td><span class="badge ' + (t.status === 'error' ? 'failed' : 'ready') + '">' + esc(t.status) + '</span></td></tr>';
    });
    if (traces.length === 0) html += '<tr><td colspan="10" class="empty">no fused traces yet (fusion runs where a pipeline lists the fusion processor or connector)</td></tr>';
    $('traces').innerHTML = html + '</table>';
  }

  function relMs(ns, t0) {
    try { return Number(BigInt(ns) - BigInt(t0)) / 1e6; } catch (e) { return 0; }
  }

  function gpuText(g) {
    var parts = ['GPU ' + String(g.uuid || '').slice(0, 12)];
    if (g.utilization_avg !== null && g.utilization_avg !== undefined) parts.push('util avg ' + fmt(g.utilization_avg) + '% max ' + fmt(g.utilization_max) + '%');
    if (g.memory_used_max_bytes) parts.push('mem max ' + bytes(g.memory_used_max_bytes));
    if (g.power_avg_watts !== null && g.power_avg_watts !== undefined) parts.push('power ' + fmt(g.power_avg_watts) + ' W');
    if (g.temperature_max_celsius !== null && g.temperature_max_celsius !== undefined) parts.push(fmt(g.temperature_max_celsius) + ' °C');
    if (g.throttle_reasons && g.throttle_reasons.length) parts.push('throttled: ' + g.throttle_reasons.join(', '));
    return parts.join(' · ');
  }

  function renderWaterfall(doc) {
    if (!doc) { $('waterfall').innerHTML = '<div class="empty">pick a trace above</div>'; return; }
    var t0 = doc.start_time_unix_nano;
    var total = Math.max(doc.duration_ms || 0, 0.001);
    var spans = doc.spans || [];
    var byId = {};
    spans.forEach(function (s) { byId[s.span_id] = s; });
    var children = {};
    var roots = [];
    spans.forEach(function (s) {
      if (s.parent_span_id && byId[s.parent_span_id] && s.parent_span_id !== s.span_id) (children[s.parent_span_id] = children[s.parent_span_id] || []).push(s);
      else roots.push(s);
    });
    var byStart = function (a, b) { return relMs(a.start_time_unix_nano, t0) - relMs(b.start_time_unix_nano, t0); };
    var logsBy = {};
    (doc.logs || []).forEach(function (l) { (logsBy[l.span_id] = logsBy[l.span_id] || []).push(l); });
    var html = '<div class="dim" style="margin-bottom:6px">trace <span class="mono">' + esc(doc.trace_id) + '</span> · ' + esc(doc.service) + ' · ' + fmt(doc.duration_ms) + ' ms · ' + spans.length + ' spans · status ' + esc(doc.status) + (doc.spans_cut ? ' · ' + doc.spans_cut + ' more spans not shown' : '') + '</div>';
    (doc.anomalies || []).forEach(function (a) { html += '<div class="wf-detail xid">training anomaly: ' + esc(a.metric) + ' = ' + esc(a.value) + (a.step !== undefined ? ' at step ' + esc(a.step) : '') + '</div>'; });
    var seen = {};
    var walk = function (s, depth) {
      if (seen[s.span_id]) return;
      seen[s.span_id] = true;
      var start = relMs(s.start_time_unix_nano, t0);
      var kernel = s.category && /kernel|gpu_memcpy|gpu_memset/.test(s.category);
      var events = s.gpu_events || [];
      var xids = events.filter(function (e) { return e.xid !== null && e.xid !== undefined; });
      var cls = kernel ? 'kernel' : s.status_code === 2 || xids.length ? 'error' : '';
      var marks = '';
      (logsBy[s.span_id] || []).forEach(function (l) { marks += '<div class="wf-mark" title="' + esc(l.severity_text + ' ' + l.body) + '" style="left:' + ((relMs(l.time_unix_nano, t0) / total) * 100).toFixed(2) + '%"></div>'; });
      xids.forEach(function (e) { marks += '<div class="wf-mark xid" title="XID ' + esc(e.xid) + '" style="left:' + Math.min(99.5, (relMs(e.time_unix_nano, t0) / total) * 100).toFixed(2) + '%"></div>'; });
      html += '<div class="wf-row" data-span="' + esc(s.span_id) + '"><div class="wf-name" style="padding-left:' + depth * 14 + 'px">' + (depth ? '└ ' : '') + esc(s.name) + (s.category ? ' <span class="dim">[' + esc(s.category) + ']</span>' : '') + ' <span class="dim">' + esc(s.service || '') + '</span></div>';
      html += '<div class="wf-track"><div class="wf-bar ' + cls + '" style="left:' + ((start / total) * 100).toFixed(2) + '%;width:' + ((s.duration_ms / total) * 100).toFixed(2) + '%"></div>' + marks + '</div><div class="num mono">' + fmt(s.duration_ms) + ' ms</div></div>';
      var details = '';
      (logsBy[s.span_id] || []).forEach(function (l) { details += '<div class="log">◆ ' + esc(l.severity_text || 'LOG') + ' ' + esc(l.body) + '</div>'; });
      if (s.gpu) details += '<div class="gpu">' + esc(gpuText(s.gpu)) + '</div>';
      xids.forEach(function (e) { details += '<div class="xid">XID ' + esc(e.xid) + ': ' + esc(e.meaning || '') + '</div>'; });
      if (details) html += '<div class="wf-detail" style="padding-left:' + depth * 14 + 'px">' + details + '</div>';
      (children[s.span_id] || []).sort(byStart).forEach(function (c) { walk(c, depth + 1); });
    };
    roots.sort(byStart).forEach(function (r) { walk(r, 0); });
    if ((doc.kernels || []).length) html += '<div class="dim" style="margin-top:6px">' + doc.kernels.length + ' profiler kernels (purple rows)</div>';
    $('waterfall').innerHTML = html;
  }

  function pick(id) {
    selected = id;
    getJson('/status/traces/' + encodeURIComponent(id)).then(function (doc) { selectedDoc = doc; renderWaterfall(doc); }, function (e) { $('waterfall').innerHTML = '<div class="empty">' + esc(e.message) + '</div>'; });
  }

  function poll() {
    var metrics = get('/metrics').then(function (r) { return r.text(); });
    var status = getJson('/status').catch(function () { return null; });
    var ready = getJson('/readyz', true).catch(function () { return null; });
    var logs = getJson('/status/logs').catch(function () { return null; });
    var traces = getJson('/status/traces').catch(function () { return null; });
    Promise.all([metrics, status, ready, logs, traces]).then(function (r) {
      prev = cur;
      cur = { t: Date.now(), samples: parseMetrics(r[0]) };
      $('token').style.display = 'none';
      renderHeader(r[1], r[2]);
      renderPipelines(r[1], r[2]);
      renderBuffers();
      renderComponents(r[1], r[2]);
      renderLogs(r[3]);
      renderTraces(r[4]);
      if (!selected && r[4] && r[4].traces && r[4].traces.length) pick(r[4].traces[0].trace_id);
      polls++;
      document.body.setAttribute('data-polls', String(polls));
      $('error').textContent = '';
    }, function (e) {
      $('error').textContent = 'cannot read the collector: ' + e.message;
    });
  }

  document.addEventListener('click', function (ev) {
    var row = ev.target.closest ? ev.target.closest('tr[data-trace]') : null;
    if (row) pick(row.getAttribute('data-trace'));
  });
  $('token-save').addEventListener('click', function () {
    token = $('token-input').value.trim();
    sessionStorage.setItem('atc-token', token);
    poll();
  });
  renderWaterfall(null);
  poll();
  setInterval(poll, POLL_MS);
})();
`;
