// The key browser's one page: plain HTML, CSS and JavaScript in a string, so there is nothing to build or ship
// beside the server. Everything shown comes from keys and clients, so it is only ever inserted as text (textContent),
// never as HTML.

export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>valkey-bun key browser</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
  header { background: #6b1d1d; color: #fff; padding: 8px 16px; display: flex; gap: 16px; align-items: center; }
  header h1 { font-size: 16px; margin: 0; }
  nav button { background: none; border: 0; color: #fcc; font: inherit; cursor: pointer; padding: 4px 8px; }
  nav button.on { color: #fff; border-bottom: 2px solid #fff; }
  main { padding: 12px 16px; }
  section { display: none; } section.on { display: block; }
  .row { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; flex-wrap: wrap; }
  .split { display: grid; grid-template-columns: minmax(300px, 1fr) 2fr; gap: 16px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eee; vertical-align: top; font-family: ui-monospace, monospace; font-size: 13px; word-break: break-all; }
  th { font-family: inherit; color: #666; font-weight: 600; }
  tr.key { cursor: pointer; } tr.key:hover, tr.key.on { background: #fdecec; }
  pre { background: #f6f6f6; padding: 8px; overflow: auto; max-height: 60vh; white-space: pre-wrap; word-break: break-all; }
  .muted { color: #888; } .err { color: #b00; }
  .log { max-height: 70vh; overflow: auto; }
</style>
</head>
<body>
<header><h1>valkey-bun</h1><nav id="tabs"></nav></header>
<main>
  <section id="keys">
    <div class="row">
      <label>Database <select id="db"></select></label>
      <label>Pattern <input id="match" value="*" size="24"></label>
      <button id="scan">Scan</button>
      <span id="scanned" class="muted"></span>
    </div>
    <div class="split">
      <div>
        <table><thead><tr><th>Key</th><th>Type</th><th>TTL</th><th>Size</th></tr></thead><tbody id="keylist"></tbody></table>
        <div class="row"><button id="more" hidden>More</button></div>
      </div>
      <div id="value"><p class="muted">Pick a key.</p></div>
    </div>
  </section>
  <section id="pubsub">
    <div class="row"><label>Pattern <input id="pattern" value="*" size="24"></label><button id="sub">Subscribe</button><button id="unsub" disabled>Stop</button><span id="substate" class="muted"></span></div>
    <table><thead><tr><th>Time</th><th>Channel</th><th>Message</th></tr></thead><tbody id="messages"></tbody></table>
  </section>
  <section id="monitor">
    <div class="row"><button id="mon">Start</button><button id="monstop" disabled>Stop</button><span id="monstate" class="muted"></span></div>
    <div class="log"><table><thead><tr><th>Time</th><th>DB</th><th>Client</th><th>Command</th></tr></thead><tbody id="monlog"></tbody></table></div>
  </section>
  <section id="slowlog">
    <div class="row"><button id="slowrefresh">Refresh</button></div>
    <table><thead><tr><th>Id</th><th>When</th><th>µs</th><th>Command</th><th>Client</th></tr></thead><tbody id="slowrows"></tbody></table>
  </section>
  <section id="info">
    <div class="row"><button id="inforefresh">Refresh</button></div>
    <div id="infosections"></div>
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e[k] = v;
  for (const c of kids) e.append(c === null || c === undefined ? "" : c instanceof Node ? c : String(c));
  return e;
}
async function api(path) {
  const r = await fetch(path);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}
const ttlText = (ms) => ms === -1 ? "none" : ms < 0 ? "gone" : ms >= 1000 ? (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + "s" : ms + "ms";
const sizeText = (b) => b === null ? "" : b < 1024 ? b + " B" : b < 1048576 ? (b / 1024).toFixed(1) + " KB" : (b / 1048576).toFixed(1) + " MB";
const timeText = (ms) => new Date(ms).toLocaleTimeString(undefined, { hour12: false }) + "." + String(ms % 1000).padStart(3, "0");

// Tabs
const TABS = { keys: "Keys", pubsub: "Pub/Sub", monitor: "Monitor", slowlog: "Slowlog", info: "Info" };
for (const [id, label] of Object.entries(TABS)) $("tabs").append(el("button", { id: "tab-" + id, onclick: () => show(id) }, label));
function show(id) {
  for (const t of Object.keys(TABS)) { $(t).classList.toggle("on", t === id); $("tab-" + t).classList.toggle("on", t === id); }
  if (id === "slowlog") loadSlowlog();
  if (id === "info") loadInfo();
  location.hash = id;
}

// Keys: SCAN-paged, with a pattern
let cursor = "0", scanned = 0, scans = 0, current = null;
async function loadDbs() {
  const { databases } = await api("/api/overview");
  const sel = $("db"), keep = sel.value || "0";
  sel.replaceChildren(...databases.map((d) => el("option", { value: String(d.db) }, "db" + d.db + " (" + d.keys + " keys)")));
  sel.value = keep;
}
async function scan(fresh) {
  if (fresh) { cursor = "0"; scanned = 0; $("keylist").replaceChildren(); }
  // One "page" is at least 50 matches or the end of the keyspace: with a pattern, one SCAN call may match nothing.
  try {
    let got = 0;
    for (let calls = 0; calls < 50 && got < 50; calls++) {
      const q = new URLSearchParams({ db: $("db").value || "0", cursor, match: $("match").value || "*", count: "100" });
      const r = await api("/api/keys?" + q);
      cursor = r.cursor; scanned += r.keys.length; got += r.keys.length;
      for (const k of r.keys) {
        const tr = el("tr", { class: "key", onclick: () => openKey(k.id, tr) }, el("td", {}, k.key), el("td", {}, k.type), el("td", {}, ttlText(k.ttl)), el("td", {}, sizeText(k.size)));
        tr.dataset.key = k.key;
        $("keylist").append(tr);
      }
      if (cursor === "0") break;
    }
    $("more").hidden = cursor === "0";
    $("scanned").textContent = scanned + " keys" + (cursor === "0" ? "" : " so far");
  } catch (e) { $("scanned").textContent = e.message; }
  $("scanned").dataset.scans = String(++scans);
}
$("scan").onclick = () => scan(true);
$("more").onclick = () => scan(false);
$("match").onkeydown = (e) => { if (e.key === "Enter") scan(true); };
$("db").onchange = () => scan(true);

function table(head, rows) {
  return el("table", {}, el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))), el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c))))));
}
async function openKey(id, tr, page) {
  for (const r of document.querySelectorAll("tr.key.on")) r.classList.remove("on");
  if (tr) tr.classList.add("on");
  current = { id, ...(page || {}) };
  const q = new URLSearchParams({ db: $("db").value || "0", id, count: "50", ...(page || {}) });
  const box = $("value");
  let v;
  try { v = await api("/api/key?" + q); } catch (e) { box.replaceChildren(el("p", { class: "err" }, e.message)); return; }
  const parts = [el("h3", { id: "value-key" }, v.key), el("p", { class: "muted", id: "value-meta" }, v.type + " · " + (v.encoding || "") + " · TTL " + ttlText(v.ttl) + " · " + sizeText(v.size) + (v.length !== undefined ? " · length " + v.length : ""))];
  const more = (label, next) => el("button", { onclick: () => openKey(id, null, next) }, label);
  if (v.type === "string") parts.push(el("pre", { id: "value-string" }, v.value), v.truncated ? el("p", { class: "muted" }, "first 64 KB shown") : "");
  if (v.type === "hash") parts.push(table(["Field", "Value"], v.fields.map((f) => [f.field, f.value])), v.cursor !== "0" ? more("More fields", { cursor: v.cursor }) : "");
  if (v.type === "set") parts.push(table(["Member"], v.members.map((m) => [m])), v.cursor !== "0" ? more("More members", { cursor: v.cursor }) : "");
  if (v.type === "list") parts.push(table(["Index", "Item"], v.items.map((x, i) => [v.start + i, x])), v.start + v.items.length < v.length ? more("Next " + 50, { start: String(v.start + 50) }) : "");
  if (v.type === "zset") parts.push(table(["Rank", "Member", "Score"], v.members.map((m, i) => [v.start + i, m.member, m.score])), v.start + v.members.length < v.length ? more("Next " + 50, { start: String(v.start + 50) }) : "");
  if (v.type === "stream") {
    parts.push(table(["Id", "Fields"], v.entries.map((e) => [e.id, e.fields.map(([f, x]) => f + "=" + x).join("  ")])), v.next ? more("More entries", { from: v.next }) : "");
    parts.push(el("h4", {}, "Consumer groups"));
    parts.push(v.groups.length === 0 ? el("p", { class: "muted" }, "none") : table(["Group", "Consumers", "Pending", "Last delivered", "Pending entries"], v.groups.map((g) => [g.name, g.consumers, g.pending, g["last-delivered-id"], g.pendingEntries.map((p) => p.id + " → " + p.consumer + " (" + p.deliveries + "×, idle " + p.idle + "ms)").join("\\n")])));
  }
  box.replaceChildren(...parts);
}

// Live streams (server-sent events)
function live(url, onData, state, start, stop) {
  let es = null;
  $(start).onclick = () => {
    es = new EventSource(url());
    es.onmessage = (m) => { const d = JSON.parse(m.data); if (d.error) $(state).textContent = d.error; else if (d.subscribed) $(state).textContent = "subscribed to " + d.subscribed; else onData(d); };
    es.onopen = () => { $(state).textContent = $(state).textContent || "listening"; };
    $(start).disabled = true; $(stop).disabled = false; $(state).textContent = "";
  };
  $(stop).onclick = () => { if (es) es.close(); es = null; $(start).disabled = false; $(stop).disabled = true; $(state).textContent = "stopped"; };
}
const prepend = (tbody, row, max) => { tbody.prepend(row); while (tbody.children.length > max) tbody.lastChild.remove(); };
live(() => "/api/pubsub?" + new URLSearchParams({ pattern: $("pattern").value || "*" }), (d) => prepend($("messages"), el("tr", {}, el("td", {}, timeText(d.time)), el("td", {}, d.channel), el("td", {}, d.message)), 500), "substate", "sub", "unsub");
live(() => "/api/monitor", (d) => prepend($("monlog"), el("tr", {}, el("td", {}, timeText(Math.round(d.time * 1000))), el("td", {}, d.db), el("td", {}, d.source), el("td", {}, d.args.join(" "))), 1000), "monstate", "mon", "monstop");

// Slowlog and INFO
async function loadSlowlog() {
  const rows = await api("/api/slowlog");
  $("slowrows").replaceChildren(...rows.map((r) => el("tr", {}, el("td", {}, r.id), el("td", {}, new Date(r.time * 1000).toLocaleString()), el("td", {}, r.micros), el("td", {}, r.args.join(" ")), el("td", {}, r.client + (r.name ? " (" + r.name + ")" : "")))));
}
async function loadInfo() {
  const { text } = await api("/api/info");
  const out = [];
  let rows = null;
  for (const line of text.split(/\\r?\\n/)) {
    if (line.startsWith("# ")) { rows = []; out.push(el("h4", {}, line.slice(2)), el("table", { class: "info" }, el("tbody", {}))); continue; }
    const i = line.indexOf(":");
    if (i > 0 && out.length) out[out.length - 1].firstChild.append(el("tr", {}, el("td", {}, line.slice(0, i)), el("td", {}, line.slice(i + 1))));
  }
  $("infosections").replaceChildren(...out);
}
$("slowrefresh").onclick = loadSlowlog;
$("inforefresh").onclick = loadInfo;

show(TABS[location.hash.slice(1)] ? location.hash.slice(1) : "keys");
loadDbs().then(() => scan(true));
</script>
</body>
</html>
`;
