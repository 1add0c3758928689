// sitrep's map page: the events of a store on a Leaflet map of Natural Earth countries, a
// timeline with a brush, filters, and a panel with the document behind each point.
//
// The one rule: every string from the database (titles, article text, names, quotes) is put in
// the page as text (textContent, text nodes, attributes that are not URLs), never as HTML. An
// article holding <script> or <img onerror> shows those characters and runs nothing.
//
// Plain JavaScript, no build step. Leaflet and topojson-client are the vendored npm packages;
// without them the timeline, the list and the documents still work and the map says why it is
// missing.
(function () {
  "use strict";

  const FACTUAL = ["asserted", "reported"];
  const NOT_YET = ["intended", "hypothetical"];
  const PAGE = 5000; // rows per API request (the API's maximum)
  const MAX_EVENTS = 50000; // the page stops loading there, and says so
  const CELL = 44; // px: points in one grid cell of this size are drawn as one cluster
  const LIST_MAX = 200;
  const DAY = 86400000;
  const ATLAS = "/vendor/world-atlas/countries-50m.json";

  // PLOVER types: conflict in reds, oranges and pinks; cooperation in blues and greens.
  const COLOURS = {
    ASSAULT: "#a50f15", COERCE: "#de2d26", MOBILIZE: "#f16913", THREATEN: "#fd8d3c",
    SANCTION: "#8c510a", PROTEST: "#dfc27d", ACCUSE: "#c51b7d", REJECT: "#e7298a",
    REQUEST: "#756bb1", CONCEDE: "#9e9ac8", RETREAT: "#737373",
    AGREE: "#08519c", CONSULT: "#3182bd", SUPPORT: "#6baed6",
    COOPERATE: "#006d2c", AID: "#41ab5d",
  };

  const state = {
    types: Object.keys(COLOURS),
    events: [], // as loaded for the current filters
    shown: [], // events within the timeline's selection
    truncated: false,
    range: null, // [fromISO, untilISO], inclusive; null: every date (and undated events)
    timeline: null, // {unit, bins, lo, hi}
    loads: 0, // generation of event loads: answers to superseded requests are dropped
    opens: 0, // generation of document opens
    reports: new Map(), // document id -> Promise of its Report
    subset: null, // {title, events}: a cluster's events listed in the panel
    opener: null, // what had focus before the document opened
    fitted: false,
  };

  const $ = (id) => document.getElementById(id);

  // An element. Attribute names always come from this file; values may be data, and strings
  // among the children become text nodes (Node.append never parses HTML).
  function h(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of [].concat(children == null ? [] : children)) {
      if (child != null && child !== false) node.append(child);
    }
    return node;
  }

  // replaceChildren(null) would show the word "null": drop what is absent first.
  const present = (items) => items.filter((item) => item != null && item !== false && item !== "");

  function svg(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    if (text != null) node.textContent = text;
    return node;
  }

  async function api(path) {
    const response = await fetch(path, { headers: { accept: "application/json" } });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      // not JSON: the status says enough
    }
    if (!response.ok) throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
    return body;
  }

  // -- describing events --------------------------------------------------------------------

  const isFactual = (e) => FACTUAL.includes(e.modality);
  const colour = (type) => COLOURS[type] || "#555";
  const radius = (sources) => Math.min(6 + 4 * Math.log2(Math.max(1, sources || 1)), 18);

  function who(e) {
    const source = e.source || "unnamed source";
    return e.target ? `${source} → ${e.target}` : source;
  }

  function describe(e) {
    const modality = isFactual(e) ? "" : ` (${e.modality})`;
    return `${e.type}${modality}, ${e.date || "undated"}, ${e.place || "no place"}: ${who(e)}`;
  }

  function plural(n, word) {
    return `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
  }

  // -- the map ------------------------------------------------------------------------------

  let map = null;
  let markers = null;
  let legend = null;

  function setUpMap() {
    if (!window.L || !window.topojson) {
      document.body.dataset.map = "missing";
      $("map").append(h("div", { class: "map-missing", role: "note" }, [
        h("strong", null, "The map's libraries are not installed."),
        h("span", null, [" Run ", h("code", null, "make web"), " (", h("code", null, "npm ci"),
          " in the repository's web/ folder) and reload. The timeline, the event list and the " +
          "documents work without them."]),
      ]));
      return;
    }
    map = L.map("map", {
      minZoom: 1.5, maxZoom: 11, zoomSnap: 0.5, worldCopyJump: true, keyboard: true,
    });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Countries: Natural Earth (world-atlas)");
    map.setView([25, 30], 2);
    markers = L.layerGroup().addTo(map);
    map.on("zoomend", drawMarkers);
    legend = L.control({ position: "bottomright" });
    legend.onAdd = () => {
      const box = h("details", { class: "legend", open: window.innerWidth > 600 });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    legend.addTo(map);
    drawCountries();
  }

  async function drawCountries() {
    let atlas;
    try {
      const response = await fetch(ATLAS);
      if (!response.ok) throw new Error(`${response.status}`);
      atlas = await response.json();
    } catch (err) {
      document.body.dataset.atlas = "missing";
      map.attributionControl.addAttribution("country shapes missing (make web)");
      return;
    }
    const countries = topojson.feature(atlas, atlas.objects.countries);
    L.geoJSON(countries, {
      interactive: false,
      style: { className: "country", color: "#9aa0a6", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 },
    }).addTo(map).bringToBack();
    document.body.dataset.atlas = "drawn";
  }

  function drawMarkers() {
    if (!map) return;
    markers.clearLayers();
    const zoom = map.getZoom();
    const cells = new Map();
    for (const e of state.shown) {
      if (e.lat == null || e.lon == null) continue;
      const p = map.project([e.lat, e.lon], zoom);
      const key = `${Math.floor(p.x / CELL)}:${Math.floor(p.y / CELL)}`;
      if (!cells.has(key)) cells.set(key, []);
      cells.get(key).push(e);
    }
    for (const cell of cells.values()) {
      markers.addLayer(cell.length === 1 ? eventMarker(cell[0]) : clusterMarker(cell));
    }
  }

  // Leaflet makes a keyboard marker's icon focusable; Enter and Space then act as a click.
  function pressable(marker, label, action, data) {
    marker.on("click", action);
    marker.on("add", () => {
      const node = marker.getElement();
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", label);
      Object.assign(node.dataset, data);
      node.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") {
          ev.preventDefault();
          action();
        }
      });
    });
    return marker;
  }

  function eventMarker(e) {
    const size = 2 * radius(e.corroboration);
    const dot = h("span", { class: "dot" });
    if (isFactual(e)) dot.style.backgroundColor = colour(e.type);
    else dot.style.borderColor = colour(e.type);
    const icon = L.divIcon({
      html: dot, iconSize: [size, size],
      className: `marker ${isFactual(e) ? "factual" : "not-factual"}`,
    });
    const marker = L.marker([e.lat, e.lon], { icon, keyboard: true, title: describe(e), riseOnHover: true });
    return pressable(marker, describe(e), () => openEvent(e, marker.getElement()),
      { event: e.event_uid, type: e.type });
  }

  function clusterMarker(events) {
    const lat = events.reduce((s, e) => s + e.lat, 0) / events.length;
    const lon = events.reduce((s, e) => s + e.lon, 0) / events.length;
    const byType = new Map();
    for (const e of events) byType.set(e.type, (byType.get(e.type) || 0) + 1);
    const main = [...byType.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const size = Math.min(24 + 6 * Math.log2(events.length), 48);
    const count = h("span", { class: "cluster-count" }, String(events.length));
    count.style.borderColor = colour(main);
    const icon = L.divIcon({ html: count, iconSize: [size, size], className: "marker cluster" });
    const bounds = L.latLngBounds(events.map((e) => [e.lat, e.lon]));
    const together = bounds.getNorthEast().distanceTo(bounds.getSouthWest()) < 2000;
    const places = new Set(events.map((e) => e.place));
    const where = places.size === 1 && events[0].place ? ` at ${events[0].place}` : " here";
    const title = `${plural(events.length, "event")}${where}: ${together ? "list them" : "zoom in"}`;
    const marker = L.marker([lat, lon], { icon, keyboard: true, title, riseOnHover: true });
    return pressable(marker, title, () => {
      if (together || map.getZoom() >= map.getMaxZoom()) {
        showSubset(`${plural(events.length, "event")}${where}`, events, marker.getElement());
      } else {
        map.fitBounds(bounds.pad(0.5), { maxZoom: map.getMaxZoom() });
        map.getContainer().focus({ preventScroll: true });
      }
    }, { cluster: String(events.length) });
  }

  function drawLegend() {
    if (!legend) return;
    const box = legend.getContainer();
    const present = new Map();
    for (const e of state.events) present.set(e.type, (present.get(e.type) || 0) + 1);
    const rows = state.types.filter((t) => present.has(t)).map((t) => {
      const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.backgroundColor = colour(t);
      return h("li", null, [swatch, `${t} `, h("span", { class: "muted" }, String(present.get(t)))]);
    });
    const sizes = [1, 2, 4].map((n) => {
      const dot = h("span", { class: "swatch round", "aria-hidden": "true" });
      dot.style.width = dot.style.height = `${2 * radius(n)}px`;
      return h("span", { class: "size" }, [dot, String(n === 4 ? "4+" : n)]);
    });
    const ring = h("span", { class: "swatch round ring", "aria-hidden": "true" });
    box.replaceChildren(
      h("summary", null, "Legend"),
      h("ul", { class: "legend-types" }, rows.length ? rows : h("li", null, "no events")),
      h("p", null, ["Size: independent sources ", ...sizes]),
      h("p", null, [ring, " ring: intended or hypothetical"]),
      h("p", null, "A number: a cluster; open it to zoom or list."),
    );
  }

  // -- loading events -----------------------------------------------------------------------

  function filterParams() {
    const params = new URLSearchParams();
    const actor = $("f-actor").value.trim();
    if (actor) params.set("actor", actor);
    if ($("f-type").value) params.set("type", $("f-type").value);
    const modalities = $("f-modality").checked ? FACTUAL.concat(NOT_YET) : FACTUAL;
    params.set("modality", modalities.join(","));
    params.set("limit", String(PAGE));
    return params;
  }

  async function loadEvents() {
    const generation = ++state.loads;
    const params = filterParams();
    setStatus("loading events…");
    const events = [];
    let offset = 0;
    let truncated = false;
    try {
      for (;;) {
        params.set("offset", String(offset));
        const page = await api(`/api/events?${params}`);
        if (generation !== state.loads) return;
        events.push(...page.items);
        if (page.next_offset == null) break;
        if (events.length >= MAX_EVENTS) {
          truncated = true;
          break;
        }
        offset = page.next_offset;
      }
    } catch (err) {
      if (generation === state.loads) setStatus(`could not load events: ${err.message}`, true);
      return;
    }
    state.events = events;
    state.truncated = truncated;
    state.subset = null;
    state.timeline = makeBins(events);
    state.range = clampRange(state.range);
    drawLegend();
    update();
    if (!state.fitted && map) fitToEvents();
    document.body.dataset.ready = "1";
  }

  function fitToEvents() {
    const points = state.events.filter((e) => e.lat != null && e.lon != null).map((e) => [e.lat, e.lon]);
    if (!points.length) return;
    state.fitted = true;
    map.fitBounds(L.latLngBounds(points).pad(0.15), { maxZoom: 7, animate: false });
  }

  function setStatus(text, isError) {
    const count = $("count");
    count.textContent = text;
    count.classList.toggle("error", Boolean(isError));
  }

  // Everything that follows from the events and the selected dates.
  function update() {
    const range = state.range;
    state.shown = range ? state.events.filter((e) => e.date && e.date >= range[0] && e.date <= range[1]) : state.events;
    const mapped = state.shown.filter((e) => e.lat != null && e.lon != null).length;
    const parts = [`${plural(state.shown.length, "event")} shown`];
    if (mapped !== state.shown.length) parts.push(`${mapped.toLocaleString("en")} on the map`);
    if (range) parts.push(`${range[0]} to ${range[1]}`);
    if (state.truncated) parts.push(`only the first ${MAX_EVENTS.toLocaleString("en")} loaded: narrow the filters`);
    setStatus(parts.join(" · "));
    Object.assign($("count").dataset, {
      shown: String(state.shown.length), mapped: String(mapped), total: String(state.events.length),
    });
    $("t-from").value = range ? range[0] : "";
    $("t-until").value = range ? range[1] : "";
    drawMarkers();
    drawTimeline();
    renderList();
  }

  // -- the timeline -------------------------------------------------------------------------

  const dayOf = (iso) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10));
  const isoOf = (ms) => new Date(ms).toISOString().slice(0, 10);

  // Bins by day for up to four months of events, by week up to two years, else by month.
  function makeBins(events) {
    let lo = Infinity;
    let hi = -Infinity;
    const days = [];
    for (const e of events) {
      if (!e.date) continue;
      const d = dayOf(e.date);
      days.push(d);
      if (d < lo) lo = d;
      if (d > hi) hi = d;
    }
    if (!days.length) return null;
    const span = (hi - lo) / DAY;
    const unit = span <= 120 ? "day" : span <= 730 ? "week" : "month";
    const first = new Date(lo);
    let start;
    let next;
    if (unit === "day") {
      start = lo;
      next = (s) => s + DAY;
    } else if (unit === "week") {
      start = lo - ((first.getUTCDay() + 6) % 7) * DAY; // the Monday before
      next = (s) => s + 7 * DAY;
    } else {
      start = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1);
      next = (s) => {
        const d = new Date(s);
        return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      };
    }
    const bins = [];
    for (let s = start; s <= hi; s = next(s)) bins.push({ start: s, end: next(s) - DAY, count: 0 });
    for (const d of days) {
      let a = 0;
      let b = bins.length - 1;
      while (a < b) {
        const m = (a + b + 1) >> 1;
        if (bins[m].start <= d) a = m;
        else b = m - 1;
      }
      bins[a].count += 1;
    }
    return { unit, bins, lo: bins[0].start, hi: bins[bins.length - 1].end + DAY };
  }

  function clampRange(range) {
    const t = state.timeline;
    if (!range || !t) return null;
    const from = Math.max(dayOf(range[0]), t.lo);
    const until = Math.min(dayOf(range[1]), t.hi - DAY);
    return from <= until ? [isoOf(from), isoOf(until)] : null;
  }

  const PAD = { left: 8, right: 8, top: 6, bottom: 18 };

  function scale() {
    const node = $("timeline");
    const width = Math.max(node.clientWidth || 0, 200);
    const height = Math.max(node.clientHeight || 0, 60);
    const t = state.timeline;
    const inner = width - PAD.left - PAD.right;
    return {
      width, height,
      x: (ms) => PAD.left + ((ms - t.lo) / (t.hi - t.lo)) * inner,
      ms: (x) => t.lo + ((Math.min(Math.max(x, PAD.left), PAD.left + inner) - PAD.left) / inner) * (t.hi - t.lo),
    };
  }

  function drawTimeline() {
    const node = $("timeline");
    const t = state.timeline;
    $("t-unit").textContent = t ? `events per ${t.unit}` : "";
    if (!t) {
      node.replaceChildren(svg("text", { x: 10, y: 30, class: "axis" }, "no dated events"));
      return;
    }
    const s = scale();
    node.setAttribute("viewBox", `0 0 ${s.width} ${s.height}`);
    const top = Math.max(...t.bins.map((b) => b.count), 1);
    const base = s.height - PAD.bottom;
    const range = state.range && [dayOf(state.range[0]), dayOf(state.range[1])];
    const parts = [];
    for (const bin of t.bins) {
      const x0 = s.x(bin.start);
      const x1 = s.x(bin.end + DAY);
      const height = bin.count ? Math.max(2, (bin.count / top) * (base - PAD.top)) : 0;
      const on = !range || (bin.end >= range[0] && bin.start <= range[1]);
      const bar = svg("rect", {
        x: x0 + 0.5, y: base - height, width: Math.max(1, x1 - x0 - 1), height,
        class: on ? "bar on" : "bar",
      });
      bar.append(svg("title", null, `${isoOf(bin.start)}: ${plural(bin.count, "event")}`));
      parts.push(bar);
    }
    parts.push(svg("line", { x1: PAD.left, x2: s.width - PAD.right, y1: base, y2: base, class: "baseline" }));
    const labels = [[t.lo, "start"], [(t.lo + t.hi) / 2, "middle"], [t.hi - DAY, "end"]];
    for (const [ms, anchor] of labels) {
      parts.push(svg("text", { x: s.x(ms), y: s.height - 4, "text-anchor": anchor, class: "axis" }, isoOf(ms)));
    }
    if (range) {
      const x0 = s.x(range[0]);
      const x1 = s.x(range[1] + DAY);
      parts.push(svg("rect", { x: x0, y: 1, width: Math.max(2, x1 - x0), height: base - 1, class: "brush" }));
    }
    node.replaceChildren(...parts);
  }

  function binAt(ms) {
    const bins = state.timeline.bins;
    let a = 0;
    let b = bins.length - 1;
    while (a < b) {
      const m = (a + b + 1) >> 1;
      if (bins[m].start <= ms) a = m;
      else b = m - 1;
    }
    return a;
  }

  function selectBins(i, j) {
    const bins = state.timeline.bins;
    const a = Math.max(0, Math.min(i, j));
    const b = Math.min(bins.length - 1, Math.max(i, j));
    setRange([isoOf(bins[a].start), isoOf(bins[b].end)]);
  }

  function setRange(range) {
    state.range = clampRange(range);
    state.subset = null;
    update();
  }

  function setUpTimeline() {
    const node = $("timeline");
    let drag = null;
    let frame = 0;
    const localX = (ev) => ev.clientX - node.getBoundingClientRect().left;
    const apply = () => {
      frame = 0;
      if (!drag) return;
      const s = scale();
      selectBins(binAt(s.ms(Math.min(drag.x0, drag.x1))), binAt(s.ms(Math.max(drag.x0, drag.x1)) - 1));
    };
    node.addEventListener("pointerdown", (ev) => {
      if (!state.timeline || ev.button !== 0) return;
      node.setPointerCapture(ev.pointerId);
      drag = { x0: localX(ev), x1: localX(ev) };
      ev.preventDefault();
    });
    node.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      drag.x1 = localX(ev);
      if (Math.abs(drag.x1 - drag.x0) >= 3 && !frame) frame = requestAnimationFrame(apply);
    });
    const finish = (ev) => {
      if (!drag) return;
      drag.x1 = localX(ev);
      if (Math.abs(drag.x1 - drag.x0) < 3) {
        // a click: select the bin under it, or clear if it is the whole selection already
        const i = binAt(scale().ms(drag.x0));
        const bin = state.timeline.bins[i];
        const same = state.range && state.range[0] === isoOf(bin.start) && state.range[1] === isoOf(bin.end);
        drag = null;
        if (same) setRange(null);
        else selectBins(i, i);
        return;
      }
      apply();
      drag = null;
    };
    node.addEventListener("pointerup", finish);
    node.addEventListener("pointercancel", () => { drag = null; });
    node.addEventListener("keydown", (ev) => {
      const t = state.timeline;
      if (!t) return;
      if (ev.key === "Escape" || ev.key === "Delete" || ev.key === "Backspace") {
        if (state.range) {
          ev.preventDefault();
          ev.stopPropagation();
          setRange(null);
        }
        return;
      }
      if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
      ev.preventDefault();
      const step = ev.key === "ArrowLeft" ? -1 : 1;
      const last = t.bins.length - 1;
      if (!state.range) {
        selectBins(step < 0 ? last : 0, step < 0 ? last : 0);
        return;
      }
      let i = binAt(dayOf(state.range[0]));
      let j = binAt(dayOf(state.range[1]));
      if (ev.shiftKey) {
        j = Math.max(i, Math.min(last, j + step));
      } else if (i + step >= 0 && j + step <= last) {
        i += step;
        j += step;
      }
      selectBins(i, j);
    });
    const typed = () => {
      const from = $("t-from").value;
      const until = $("t-until").value;
      if (!from && !until) return setRange(null);
      if (!state.timeline) return;
      const lo = from || isoOf(state.timeline.lo);
      const hi = until || isoOf(state.timeline.hi - DAY);
      setRange(lo <= hi ? [lo, hi] : [hi, lo]);
    };
    $("t-from").addEventListener("change", typed);
    $("t-until").addEventListener("change", typed);
    $("t-clear").addEventListener("click", () => setRange(null));
    let resize = 0;
    window.addEventListener("resize", () => {
      cancelAnimationFrame(resize);
      resize = requestAnimationFrame(drawTimeline);
    });
  }

  // -- the panel: the list of events --------------------------------------------------------

  function byDateDesc(a, b) {
    if (a.date === b.date) return 0;
    if (!a.date) return 1;
    if (!b.date) return -1;
    return a.date < b.date ? 1 : -1;
  }

  function renderList() {
    const subset = state.subset;
    const events = (subset ? subset.events : state.shown).slice().sort(byDateDesc);
    $("list-title").textContent = subset ? subset.title : "Events";
    let note = events.length ? "Newest first." : "No event matches the filters and dates.";
    if (events.length > LIST_MAX) note = `The newest ${LIST_MAX} of ${events.length.toLocaleString("en")}; narrow the timeline or the filters.`;
    $("list-note").replaceChildren(...present([note, subset ? h("button", {
      type: "button", class: "link", on: { click: () => { state.subset = null; renderList(); } },
    }, "Show all events") : null]));
    $("event-list").replaceChildren(...events.slice(0, LIST_MAX).map((e) => {
      const swatch = h("span", { class: `swatch${isFactual(e) ? "" : " ring"}`, "aria-hidden": "true" });
      if (isFactual(e)) swatch.style.backgroundColor = colour(e.type);
      else swatch.style.borderColor = colour(e.type);
      const button = h("button", { type: "button", class: "event-item", "data-event": e.event_uid }, [
        h("span", { class: "ev-head" }, [swatch, h("strong", null, e.type),
          isFactual(e) ? null : h("em", null, ` ${e.modality}`), ` · ${e.date || "undated"}`,
          ` · ${e.place || "no place"}`]),
        h("span", { class: "ev-who" }, who(e)),
        h("span", { class: "ev-evidence" }, `“${e.evidence}”`),
      ]);
      button.addEventListener("click", () => openEvent(e, button));
      return h("li", null, button);
    }));
  }

  function showSubset(title, events, opener) {
    state.subset = { title, events };
    closeDocument(false);
    renderList();
    const first = $("event-list").querySelector("button");
    state.opener = opener;
    (first || $("panel")).focus();
  }

  // -- the panel: a document ----------------------------------------------------------------

  function report(id) {
    if (!state.reports.has(id)) {
      const promise = api(`/api/documents/${encodeURIComponent(id)}`);
      promise.catch(() => state.reports.delete(id));
      state.reports.set(id, promise);
    }
    return state.reports.get(id);
  }

  async function openEvent(e, opener) {
    const generation = ++state.opens;
    state.opener = opener || document.activeElement;
    $("list-view").hidden = true;
    $("doc-view").hidden = false;
    $("doc-title").textContent = "Loading the document…";
    for (const id of ["doc-meta", "doc-event", "doc-text", "doc-events", "doc-quotes", "doc-claims"]) {
      $(id).replaceChildren();
    }
    $("doc-title").focus({ preventScroll: true });
    let found;
    try {
      found = await report(e.document_id);
    } catch (err) {
      if (generation === state.opens) $("doc-title").textContent = `Could not open the document: ${err.message}`;
      return;
    }
    if (generation !== state.opens) return;
    renderDocument(found, e);
  }

  function safeUrl(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  function renderDocument(rep, e) {
    const doc = rep.document;
    const actors = new Map(rep.actors.map((a) => [a.id, a.name]));
    const places = new Map(rep.places.map((p) => [p.id, p.name]));
    const name = (id) => (id === "author" ? "the author" : actors.get(id) || id);
    // Offsets count Unicode code points (Python's str); JavaScript strings count UTF-16 units.
    const chars = Array.from(doc.text);

    $("doc-title").textContent = doc.title || "(untitled document)";
    const meta = [doc.published, doc.source, (doc.authors || []).join(", ")].filter(Boolean).join(" · ");
    const link = doc.url && safeUrl(doc.url);
    $("doc-meta").replaceChildren(...present([meta, meta && link ? " · " : null, link ? h("a", {
      href: link, rel: "noopener noreferrer nofollow", target: "_blank", class: "source-link",
    }, "original") : null]));

    const facts = [
      ["Event", `${e.type}${e.mode ? ` (${e.mode})` : ""}`],
      ["Modality", e.modality + (e.attributed_to && e.attributed_to !== "author" ? `, according to ${name(e.attributed_to)}` : "")],
      ["Who", who(e)],
      ["Where", e.place || "not placed"],
      ["When", e.date ? `${e.date} (${e.date_precision})` : "undated"],
      ["Sources", `${plural(e.corroboration || 1, "independent source")} (${plural(e.group_reports || 1, "report")})`],
    ];
    $("doc-event").replaceChildren(...facts.flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)]));

    const show = (start, end, button) => {
      highlight(chars, start, end);
      for (const b of document.querySelectorAll("#doc-view [aria-pressed]")) b.setAttribute("aria-pressed", "false");
      if (button) button.setAttribute("aria-pressed", "true");
    };
    const spanButton = (label, start, end, pressed) => {
      const button = h("button", { type: "button", class: "span-link", "aria-pressed": pressed ? "true" : "false" }, label);
      button.addEventListener("click", () => show(start, end, button));
      return button;
    };

    $("doc-events").replaceChildren(...(rep.events.length ? rep.events.map((ev) => h("li", null, [
      spanButton(`${ev.type}${FACTUAL.includes(ev.modality) ? "" : ` (${ev.modality})`}`,
        ev.evidence.start, ev.evidence.end, ev.id === e.event_id),
      " ", `“${ev.evidence.text}”`, ev.place && places.get(ev.place) ? ` · ${places.get(ev.place)}` : "",
    ])) : [h("li", { class: "muted" }, "none")]));

    $("doc-quotes").replaceChildren(...(rep.quotes.length ? rep.quotes.map((q) => h("li", null, [
      h("blockquote", null, `“${q.text}”`),
      h("span", { class: "speaker" }, `— ${q.speaker ? name(q.speaker) : q.speaker_text || "unattributed"}`),
      q.cue ? h("span", { class: "muted" }, ` (${q.cue}, ${q.kind})`) : h("span", { class: "muted" }, ` (${q.kind})`),
      " ", spanButton("in text", q.start, q.end, false),
    ])) : [h("li", { class: "muted" }, "none")]));

    const claims = rep.claims.slice().sort((a, b) => b.checkworthiness - a.checkworthiness);
    $("doc-claims").replaceChildren(...(claims.length ? claims.map((c) => h("li", null, [
      h("span", { class: "score", title: "check-worthiness" }, c.checkworthiness.toFixed(2)), " ",
      c.text, " ",
      h("span", { class: "muted" }, `(${[(c.kinds || []).join(", "), `said by ${name(c.attributed_to)}`].filter(Boolean).join("; ")})`),
      " ", spanButton("in text", c.start, c.end, false),
    ])) : [h("li", { class: "muted" }, "none")]));

    const mine = rep.events.find((ev) => ev.id === e.event_id);
    const start = mine ? mine.evidence.start : e.evidence_start;
    const end = mine ? mine.evidence.end : e.evidence_end;
    highlight(chars, start, end);
  }

  function highlight(chars, start, end) {
    const box = $("doc-text");
    const ok = Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= chars.length;
    if (!ok) {
      box.replaceChildren(chars.join(""));
      return;
    }
    const mark = h("mark", { id: "evidence" }, chars.slice(start, end).join(""));
    box.replaceChildren(chars.slice(0, start).join(""), mark, chars.slice(end).join(""));
    mark.scrollIntoView({ block: "center", inline: "nearest" });
  }

  function closeDocument(refocus = true) {
    const wasOpen = !$("doc-view").hidden;
    state.opens += 1; // an answer still on its way is dropped
    $("doc-view").hidden = true;
    $("list-view").hidden = false;
    if (refocus && wasOpen) {
      const back = state.opener;
      if (back && back.isConnected) back.focus({ preventScroll: true });
      else $("panel").focus({ preventScroll: true });
    }
  }

  // -- filters and start-up -----------------------------------------------------------------

  async function setUpFilters() {
    const form = $("filters");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      loadEvents();
    });
    $("f-type").addEventListener("change", loadEvents);
    $("f-modality").addEventListener("change", loadEvents);
    $("f-actor").addEventListener("change", loadEvents);
    try {
      const meta = await api("/api/meta");
      state.types = meta.event_types;
    } catch (_) {
      // the built-in list of PLOVER types serves
    }
    $("f-type").append(...state.types.map((t) => h("option", { value: t }, t)));
    api("/api/actors?limit=500").then((page) => {
      $("actor-names").replaceChildren(...page.items.map((a) => h("option", { value: a.name })));
    }).catch(() => {});
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape" || ev.defaultPrevented) return;
    if (!$("doc-view").hidden) {
      closeDocument();
    } else if (state.subset) {
      state.subset = null;
      renderList();
      if (state.opener && state.opener.isConnected) state.opener.focus({ preventScroll: true });
    }
  });
  $("doc-close").addEventListener("click", () => closeDocument());

  setUpMap();
  setUpTimeline();
  setUpFilters().then(loadEvents);
})();
