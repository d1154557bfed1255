// genrespace's page script: what plain HTML cannot do. Upload with drag and drop and a progress
// bar, one shared player for the library's play buttons, "play all" as a queue, and the
// interactive map. Every page works without it (forms and links).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  setUpUpload();
  setUpPlayButtons();
  setUpPlayAll();
  const canvas = document.getElementById("map");
  if (canvas) drawMap(canvas);
});

// Upload: the file goes to POST /api/analyze with progress shown while it is sent, then
// "analysing" until the answer, then on to the playlist page.
function setUpUpload() {
  const form = document.getElementById("upload");
  if (!form) return;
  const input = document.getElementById("upload-file");
  const zone = document.getElementById("dropzone");
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const send = (file) => {
    const data = new FormData();
    data.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/analyze");
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "uploading " + file.name + "…";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total;
    };
    xhr.upload.onload = () => {
      bar.removeAttribute("value"); // indeterminate while the server analyses
      status.textContent = "analysing " + file.name + "…";
    };
    xhr.onload = () => {
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (_) { /* not JSON: shown below */ }
      if (xhr.status === 200 && answer.playlist_url) {
        status.textContent = "done: " + answer.top_genre + ", opening its playlist…";
        window.location.href = answer.playlist_url;
      } else {
        bar.hidden = true;
        status.textContent = "error " + xhr.status + ": " + (answer.error || xhr.statusText);
        status.className = "error";
      }
    };
    xhr.onerror = () => {
      bar.hidden = true;
      status.textContent = "the upload failed (connection lost)";
      status.className = "error";
    };
    xhr.send(data);
  };
  form.addEventListener("submit", (e) => {
    if (!input.files.length) return;
    e.preventDefault();
    send(input.files[0]);
  });
  input.addEventListener("change", () => { if (input.files.length) send(input.files[0]); });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer.files.length) send(e.dataTransfer.files[0]);
  });
}

// The library's ▶ buttons share one <audio>: pressing another track switches to it.
function setUpPlayButtons() {
  const player = document.getElementById("player");
  document.querySelectorAll("button.play").forEach((b) => {
    b.addEventListener("click", () => {
      const playing = player.dataset.src === b.dataset.src && !player.paused;
      document.querySelectorAll("button.play").forEach((o) => (o.textContent = "▶"));
      if (playing) { player.pause(); return; }
      player.dataset.src = b.dataset.src;
      player.src = b.dataset.src;
      player.play();
      b.textContent = "❚❚";
    });
  });
}

// "Play all": the page's <audio> elements in order, each starting when the one before ends.
function setUpPlayAll() {
  const button = document.getElementById("play-all");
  if (!button) return;
  const tracks = Array.from(document.querySelectorAll("audio.track-audio"));
  tracks.forEach((a, i) => {
    a.addEventListener("play", () => {
      tracks.forEach((o) => { if (o !== a) o.pause(); });
      highlightRow(a);
    });
    a.addEventListener("ended", () => { if (button.dataset.queue === "on" && tracks[i + 1]) tracks[i + 1].play(); });
  });
  button.addEventListener("click", () => {
    button.dataset.queue = "on";
    if (tracks.length) tracks[0].play();
  });
}

function highlightRow(audio) {
  document.querySelectorAll("tr.now").forEach((r) => r.classList.remove("now"));
  const row = audio.closest("tr");
  if (row) row.classList.add("now");
}

// The map: every track a dot coloured by its top genre; the query a star and its playlist a
// numbered route. Hover finds the nearest dot and names its track; a click makes it the query.
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"];

async function drawMap(canvas) {
  const tip = document.getElementById("map-tip");
  const ctx = canvas.getContext("2d");
  ctx.font = "14px sans-serif";
  ctx.fillText("loading the map…", 20, 30);
  const answer = await fetch(canvas.dataset.src);
  const data = await answer.json();
  if (!answer.ok) { ctx.fillText(data.error || "the map failed", 20, 50); return; }
  const pts = data.points;
  canvas.dataset.points = pts.length;
  const xs = pts.map((p) => p[1]).concat(data.query ? [data.query[0]] : []);
  const ys = pts.map((p) => p[2]).concat(data.query ? [data.query[1]] : []);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const pad = 30;
  const sx = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (canvas.width - 2 * pad);
  const sy = (y) => canvas.height - pad - ((y - y0) / (y1 - y0 || 1)) * (canvas.height - 2 * pad);
  // The 12 most common groups get colours, the rest grey.
  const counts = {};
  pts.forEach((p) => (counts[p[3]] = (counts[p[3]] || 0) + 1));
  const coloured = Object.keys(counts).sort((a, b) => counts[b] - counts[a]).slice(0, PALETTE.length);
  const colour = (g) => { const i = coloured.indexOf(String(g)); return i < 0 ? "#cccccc" : PALETTE[i]; };
  const byId = new Map(pts.map((p) => [p[0], p]));
  const draw = (hover) => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const r = pts.length > 20000 ? 1.2 : pts.length > 2000 ? 2 : 3.5;
    pts.forEach((p) => { ctx.fillStyle = colour(p[3]); ctx.fillRect(sx(p[1]) - r, sy(p[2]) - r, 2 * r, 2 * r); });
    if (data.query) {
      const route = [data.query].concat(data.playlist.map((id) => byId.get(id)).filter(Boolean).map((p) => [p[1], p[2]]));
      ctx.strokeStyle = "#222"; ctx.lineWidth = 1.5; ctx.beginPath();
      route.forEach((p, i) => (i ? ctx.lineTo(sx(p[0]), sy(p[1])) : ctx.moveTo(sx(p[0]), sy(p[1]))));
      ctx.stroke();
      ctx.fillStyle = "#222"; ctx.font = "12px sans-serif";
      route.slice(1).forEach((p, i) => { ctx.beginPath(); ctx.arc(sx(p[0]), sy(p[1]), 5, 0, 7); ctx.fill(); ctx.fillText(String(i + 1), sx(p[0]) + 7, sy(p[1]) - 5); });
      ctx.fillStyle = "#d00"; ctx.beginPath(); ctx.arc(sx(data.query[0]), sy(data.query[1]), 8, 0, 7); ctx.fill();
    }
    if (hover) { ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.beginPath(); ctx.arc(sx(hover[1]), sy(hover[2]), 7, 0, 7); ctx.stroke(); }
  };
  draw(null);
  // Where track `id` is drawn, as an offset in CSS pixels from the canvas's centre (what
  // WebDriver's pointer moves take; the browser test hovers a track through it).
  canvas.locate = (id) => {
    const p = byId.get(id);
    const box = canvas.getBoundingClientRect();
    return p && [(sx(p[1]) * box.width) / canvas.width - box.width / 2, (sy(p[2]) * box.height) / canvas.height - box.height / 2];
  };
  canvas.dataset.ready = "1";
  const legend = document.getElementById("map-legend");
  if (legend) legend.innerHTML = coloured.map((g, i) => `<span style="color:${PALETTE[i]}">■</span> ${escapeHtml(data.groups[g])}`).join(" &nbsp; ");
  const names = new Map();
  const nearest = (e) => {
    const box = canvas.getBoundingClientRect();
    const mx = ((e.clientX - box.left) * canvas.width) / box.width;
    const my = ((e.clientY - box.top) * canvas.height) / box.height;
    let best = null, bestD = 100;
    for (const p of pts) { const d = (sx(p[1]) - mx) ** 2 + (sy(p[2]) - my) ** 2; if (d < bestD) { bestD = d; best = p; } }
    return best;
  };
  canvas.addEventListener("mousemove", async (e) => {
    const p = nearest(e);
    draw(p);
    if (!p) { tip.hidden = true; return; }
    tip.hidden = false;
    tip.style.left = e.offsetX + 14 + "px";
    tip.style.top = e.offsetY + 14 + "px";
    tip.dataset.id = p[0];
    if (!names.has(p[0])) {
      tip.textContent = "track " + p[0] + " · " + data.groups[p[3]];
      const t = await (await fetch("/api/tracks/" + p[0])).json();
      names.set(p[0], (t.track.title || t.track.path.split("/").pop()) + (t.track.artist ? " — " + t.track.artist : "") + " · " + t.track.top_genre);
    }
    if (tip.dataset.id == p[0]) tip.textContent = names.get(p[0]);
  });
  canvas.addEventListener("mouseleave", () => { tip.hidden = true; draw(null); });
  canvas.addEventListener("click", (e) => {
    const p = nearest(e);
    if (p) window.location.href = "/playlist?track=" + p[0] + "&space=" + data.space;
  });
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
