// Tally dashboard: the pipeline's rates (GET /v1/pipeline, every second), counters, one key's counts
// per window size, the top keys, kept live through GET /v1/counters/{counter}/stream. Plain script, no build step; uPlot draws the charts.
(function () {
    "use strict";

    const TOKEN_KEY = "tally.token";
    const WINDOWS_SHOWN = 60;
    const TOP_N = 10;
    const $ = (id) => document.getElementById(id);

    const state = {
        counters: [],
        counter: null,      // the selected counter's description
        key: null,
        topWindow: null,
        stream: null,
        charts: new Map(),  // window size -> {size, counts: Map(startMs -> count), plot, figure}
        topTimer: null,
    };

    // ---- HTTP -------------------------------------------------------------------------------

    class AuthRequired extends Error {}

    function token() {
        return sessionStorage.getItem(TOKEN_KEY);
    }

    async function api(path) {
        const headers = { Accept: "application/json" };
        if (token()) {
            headers.Authorization = "Bearer " + token();
        }
        let response;
        try {
            response = await fetch(path, { headers });
        } catch (e) {
            throw new Error("Cannot reach the query API (" + e.message + ").");
        }
        if (response.status === 401) {
            if (token()) {
                sessionStorage.removeItem(TOKEN_KEY);
                showError("That token was not accepted. Sign in again.");
            }
            showLogin();
            throw new AuthRequired();
        }
        const text = await response.text();
        let body = null;
        try {
            body = text ? JSON.parse(text) : null;
        } catch (e) {
            body = null;
        }
        if (!response.ok) {
            const detail = body && (body.detail || body.title);
            const error = new Error(detail || "HTTP " + response.status);
            error.status = response.status;
            throw error;
        }
        return body;
    }

    const counterPath = (suffix) => "/v1/counters/" + encodeURIComponent(state.counter.name) + suffix;

    // ---- status and errors --------------------------------------------------------------------

    function showError(message) {
        $("error-text").textContent = message;
        $("error").hidden = false;
    }

    function clearError() {
        $("error").hidden = true;
    }

    function report(e) {
        if (!(e instanceof AuthRequired)) {
            showError(e.message);
        }
    }

    function setStatus(kind, text) {
        const pill = $("status");
        pill.className = "pill pill-" + kind;
        pill.textContent = text;
    }

    function showLogin() {
        closeStream();
        $("app").hidden = true;
        $("login").hidden = false;
        $("sign-out").hidden = true;
        setStatus("idle", "signed out");
        $("token").focus();
    }

    // ---- time and window sizes ------------------------------------------------------------------

    const UNIT_MS = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 };

    /** "1m", "1h30m", "500ms" → milliseconds. */
    function sizeMs(text) {
        let total = 0;
        for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
            total += Number(n) * UNIT_MS[unit];
        }
        return total;
    }

    function formatTime(ms, size) {
        const d = new Date(ms);
        const opts = size >= UNIT_MS.d ? { month: "short", day: "numeric" }
            : size >= UNIT_MS.h ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }
                : { hour: "2-digit", minute: "2-digit", second: size < UNIT_MS.m ? "2-digit" : undefined };
        return d.toLocaleString(undefined, opts);
    }

    // ---- hash: #counter=…&key=…&top=… ---------------------------------------------------------

    function readHash() {
        return new URLSearchParams(location.hash.slice(1));
    }

    function writeHash() {
        const p = new URLSearchParams();
        if (state.counter) p.set("counter", state.counter.name);
        if (state.key) p.set("key", state.key);
        if (state.topWindow) p.set("top", state.topWindow);
        history.replaceState(null, "", "#" + p.toString());
    }

    // ---- counters -------------------------------------------------------------------------------

    async function loadCounters() {
        const body = await api("/v1/counters");
        state.counters = body.counters;
        $("login").hidden = true;
        $("app").hidden = false;
        $("sign-out").hidden = !token();
        loadPipeline().catch(report);
        const list = $("counter-list");
        list.replaceChildren();
        $("counters-empty").hidden = state.counters.length > 0;
        for (const c of state.counters) {
            const a = document.createElement("a");
            a.href = "#counter=" + encodeURIComponent(c.name);
            a.dataset.counter = c.name;
            a.textContent = c.name;
            const small = document.createElement("small");
            small.textContent = "by " + (c.group_by.join(", ") || "—") + " · " + c.windows.join(", ");
            a.append(small);
            a.addEventListener("click", (e) => {
                e.preventDefault();
                selectCounter(c.name, null).catch(report);
            });
            const li = document.createElement("li");
            li.append(a);
            list.append(li);
        }
        const hash = readHash();
        if (state.counters.length > 0) {
            const wanted = state.counters.find((c) => c.name === hash.get("counter")) ? hash.get("counter") : state.counters[0].name;
            await selectCounter(wanted, hash.get("key"), hash.get("top"));
        } else {
            setStatus("idle", "no counters");
        }
    }

    async function selectCounter(name, key, topWindow) {
        state.counter = state.counters.find((c) => c.name === name);
        document.querySelectorAll("#counter-list a").forEach((a) => a.classList.toggle("active", a.dataset.counter === name));
        $("counter-name").textContent = name;
        const c = state.counter;
        $("counter-meta").textContent = "key: " + (c.key_format || "—") + " · windows " + c.windows.join(", ")
            + " · grace " + c.grace;
        const select = $("top-window");
        select.replaceChildren(...c.windows.map((w) => new Option(w, w)));
        state.topWindow = c.windows.includes(topWindow) ? topWindow : c.windows[0];
        select.value = state.topWindow;
        openStream();
        await Promise.all([loadTop(), selectKey(key || null)]);
    }

    // ---- one key: total and a chart per window size -----------------------------------------------

    async function selectKey(key) {
        state.key = key;
        $("key-input").value = key || "";
        writeHash();
        document.querySelectorAll("#top-table tbody tr").forEach((tr) => tr.classList.toggle("selected", tr.dataset.key === key));
        destroyCharts();
        $("key-empty").hidden = !!key;
        $("key-total").textContent = "—";
        if (!key) {
            return;
        }
        const q = "?key=" + encodeURIComponent(key);
        const now = Date.now();
        const [total, ...pages] = await Promise.all([
            api(counterPath("/total") + q),
            ...state.counter.windows.map((w) => {
                const size = sizeMs(w);
                const from = Math.floor(now / size) * size - (WINDOWS_SHOWN - 1) * size;
                return api(counterPath("/counts") + q + "&window=" + encodeURIComponent(w) + "&from=" + from + "&to=" + now
                    + "&limit=" + WINDOWS_SHOWN);
            }),
        ]);
        if (state.key !== key) {
            return;   // another key was picked meanwhile
        }
        $("key-total").textContent = total.total.toLocaleString();
        state.counter.windows.forEach((w, i) => {
            const counts = new Map();
            for (const win of pages[i].windows) {
                counts.set(Date.parse(win.start), win.count);
            }
            state.charts.set(w, { size: sizeMs(w), counts, plot: null, figure: null, label: w });
        });
        renderCharts();
    }

    function destroyCharts() {
        for (const chart of state.charts.values()) {
            if (chart.plot) chart.plot.destroy();
        }
        state.charts.clear();
        $("charts").replaceChildren();
    }

    function renderCharts() {
        for (const chart of state.charts.values()) {
            renderChart(chart);
        }
    }

    function renderChart(chart) {
        if (!chart.figure) {
            const figure = document.createElement("figure");
            figure.className = "chart";
            figure.dataset.window = chart.label;
            figure.innerHTML = "<figcaption><span>Events per <b></b> window · last " + WINDOWS_SHOWN + " windows</span>"
                + "<span class=\"latest\"></span></figcaption><div class=\"plot\"></div><p class=\"empty\" hidden></p>"
                + "<details><summary>Data</summary><table><tbody></tbody></table></details>";
            figure.querySelector("b").textContent = chart.label;
            $("charts").append(figure);
            chart.figure = figure;
        }
        const now = Date.now();
        const last = Math.floor(now / chart.size) * chart.size;
        const xs = [];
        const ys = [];
        for (let i = WINDOWS_SHOWN - 1; i >= 0; i--) {
            const start = last - i * chart.size;
            xs.push(start / 1000);
            ys.push(chart.counts.get(start) || null);   // no bar rather than a flat one
        }
        const shown = [...chart.counts.entries()].filter(([start]) => start >= xs[0] * 1000).sort((a, b) => a[0] - b[0]);
        const empty = chart.figure.querySelector(".empty");
        empty.hidden = shown.length > 0;
        empty.textContent = "No events yet for this key in the last " + WINDOWS_SHOWN + " " + chart.label + " windows.";
        chart.figure.querySelector(".plot").hidden = shown.length === 0;
        chart.figure.querySelector(".latest").textContent = "this window: " + (chart.counts.get(last) || 0).toLocaleString();
        const rows = shown.map(([start, count]) => {
            const tr = document.createElement("tr");
            tr.dataset.start = new Date(start).toISOString();
            const when = document.createElement("td");
            when.textContent = formatTime(start, chart.size);
            const n = document.createElement("td");
            n.className = "count";
            n.textContent = String(count);
            tr.append(when, n);
            return tr;
        });
        chart.figure.querySelector("tbody").replaceChildren(...rows);
        if (shown.length === 0) {
            return;
        }
        if (chart.plot) {
            chart.plot.setData([xs, ys]);
        } else {
            const box = chart.figure.querySelector(".plot");
            chart.plot = new uPlot(plotOptions(box.clientWidth || 600, chart), [xs, ys], box);
        }
    }

    function plotOptions(width, chart) {
        return {
            width,
            height: 170,
            legend: { show: false },
            cursor: { points: { show: false } },
            // The last bar spans the window now running: the axis ends where that window ends.
            scales: { x: { time: true, range: (u, min, max) => [min, max + chart.size / 1000] }, y: { range: (u, min, max) => [0, Math.max(1, max) * 1.15] } },
            axes: [
                { stroke: "#6b7385", grid: { stroke: "#eef1f6" }, ticks: { stroke: "#e3e7ee" } },
                {
                    stroke: "#6b7385", grid: { stroke: "#eef1f6" }, ticks: { show: false }, size: 44,
                    incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6, 1e7],
                    values: (u, vals) => vals.map((v) => v.toLocaleString()),
                },
            ],
            series: [
                { value: (u, v) => v == null ? "" : formatTime(v * 1000, chart.size) },
                {
                    label: "count", stroke: "#2563eb", fill: "rgba(37, 99, 235, 0.35)", width: 1,
                    paths: uPlot.paths.bars({ size: [0.75, 24], align: 1 }), points: { show: false },
                },
            ],
        };
    }

    function resizeCharts() {
        for (const chart of state.charts.values()) {
            if (chart.plot) {
                const box = chart.figure.querySelector(".plot");
                chart.plot.setSize({ width: box.clientWidth, height: 170 });
            }
        }
    }

    // ---- top keys ---------------------------------------------------------------------------------

    async function loadTop() {
        const counter = state.counter;
        let body;
        try {
            body = await api(counterPath("/top") + "?window=" + encodeURIComponent(state.topWindow) + "&n=" + TOP_N);
        } catch (e) {
            $("top-table").hidden = true;
            $("top-empty").hidden = false;
            $("top-empty").textContent = "The top keys cannot be read right now" + (e.status === 503 ? "; trying again…" : ".");
            if (e.status === 503) {
                setTimeout(refreshTopSoon, 2000);   // stores restoring or moving: a 503 says to retry
            }
            throw e;
        }
        if (state.counter !== counter || body.window !== state.topWindow) {
            return;
        }
        const size = sizeMs(body.window);
        $("top-range").textContent = formatTime(Date.parse(body.start), size) + " – " + formatTime(Date.parse(body.end), size);
        const max = body.top.reduce((m, e) => Math.max(m, e.count), 0);
        const previous = new Map([...document.querySelectorAll("#top-table tbody tr")].map((tr) => [tr.dataset.key, tr.dataset.count]));
        const rows = body.top.map((e, i) => {
            const tr = document.createElement("tr");
            tr.dataset.key = e.key;
            tr.dataset.count = String(e.count);
            tr.classList.toggle("selected", e.key === state.key);
            if (previous.size > 0 && previous.get(e.key) !== String(e.count)) {
                tr.classList.add("flash");
            }
            tr.innerHTML = "<td class=\"rank\"></td><td class=\"key\"></td><td class=\"num count\"></td><td class=\"share\"><span></span></td>";
            tr.children[0].textContent = String(i + 1);
            tr.children[1].textContent = e.key === "" ? "(empty)" : e.key;
            tr.children[2].textContent = e.count.toLocaleString();
            tr.querySelector(".share span").style.width = (max ? 100 * e.count / max : 0) + "%";
            tr.addEventListener("click", () => selectKey(e.key).catch(report));
            return tr;
        });
        $("top-table").querySelector("tbody").replaceChildren(...rows);
        $("top-table").hidden = rows.length === 0;
        $("top-empty").hidden = rows.length > 0;
        $("top-empty").textContent = "No events yet in this " + body.window + " window.";
        $("key-options").replaceChildren(...body.top.map((e) => new Option(e.key)));
        if (!state.key && body.top.length > 0) {
            await selectKey(body.top[0].key);
        }
    }

    /** Several updates in a burst cost one refetch of the top keys. */
    function refreshTopSoon() {
        if (!state.topTimer) {
            state.topTimer = setTimeout(() => {
                state.topTimer = null;
                loadTop().then(clearError, report);
            }, 250);
        }
    }

    // ---- live updates ------------------------------------------------------------------------------

    function openStream() {
        closeStream();
        let url = counterPath("/stream");
        if (token()) {
            url += "?access_token=" + encodeURIComponent(token());
        }
        const stream = new EventSource(url);
        state.stream = stream;
        setStatus("retry", "connecting…");
        stream.onopen = () => setStatus("live", "live");
        stream.addEventListener("count", (e) => onUpdate(JSON.parse(e.data)));
        stream.addEventListener("reset", () => {
            selectKey(state.key).catch(report);
            refreshTopSoon();
        });
        stream.addEventListener("error", (e) => {
            if (e.data) {   // an error event sent by the server
                showError(JSON.parse(e.data).detail);
                return;
            }
            if (stream.readyState === EventSource.CLOSED) {
                setStatus("down", "offline");
                // A refused stream (a 401, say) is not retried by the browser: find out why.
                api("/v1/counters").then(() => setTimeout(() => state.stream === stream && openStream(), 3000), report);
            } else {
                setStatus("retry", "reconnecting…");
            }
        });
    }

    function closeStream() {
        if (state.stream) {
            state.stream.close();
            state.stream = null;
        }
    }

    function onUpdate(u) {
        if (!state.counter || u.counter !== state.counter.name) {
            return;
        }
        setStatus("live", "live · updated " + new Date().toLocaleTimeString());
        // u is a counts.updates value: the key's total and its open windows of every size.
        if (u.key === state.key) {
            $("key-total").textContent = u.total.toLocaleString();
            const changed = new Set();
            for (const w of u.windows) {
                if (state.charts.has(w.window)) {
                    state.charts.get(w.window).counts.set(Date.parse(w.start), w.count);
                    changed.add(w.window);
                }
            }
            changed.forEach((size) => renderChart(state.charts.get(size)));
        }
        if (u.windows.some((w) => w.window === state.topWindow)) {
            refreshTopSoon();
        }
    }

    // ---- wiring --------------------------------------------------------------------------------------

    $("error-close").addEventListener("click", clearError);
    $("login-form").addEventListener("submit", (e) => {
        e.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
        $("token").value = "";
        clearError();
        loadCounters().catch(report);
    });
    $("sign-out").addEventListener("click", () => {
        sessionStorage.removeItem(TOKEN_KEY);
        showLogin();
    });
    // ---- pipeline: the services' own counters, as rates between two readings ---------------------

    const PIPELINE_EVERY_MS = 1000;
    let lastPipeline = null;

    const rate = (now, before, seconds) => (before === undefined || seconds <= 0 ? null : Math.max(0, now - before) / seconds);
    const formatRate = (r) => (r === null ? "—" : r < 10 ? r.toFixed(1) : Math.round(r).toString());

    async function loadPipeline() {
        const p = await api("/v1/pipeline");
        const before = lastPipeline;
        const seconds = before ? (Date.parse(p.at) - Date.parse(before.at)) / 1000 : 0;
        const lineKey = (l) => l.source + "\u0000" + l.outcome;
        const previous = new Map((before ? before.deliveries : []).map((l) => [lineKey(l), l.deliveries]));
        const sum = (lines, map) => lines.reduce((a, l) => a + (map ? map.get(lineKey(l)) || 0 : l.deliveries), 0);
        const accepted = p.deliveries.filter((l) => l.outcome === "accepted");
        const rejected = p.deliveries.filter((l) => l.outcome !== "accepted");
        $("pipe-accepted").textContent = before && p.gateway ? formatRate(rate(sum(accepted), sum(accepted, previous), seconds)) : "—";
        $("pipe-rejected").textContent = before && p.gateway ? formatRate(rate(sum(rejected), sum(rejected, previous), seconds)) : "—";
        $("pipe-duplicates").textContent = before ? formatRate(rate(p.duplicates, before.duplicates, seconds)) : "—";
        $("pipe-duplicates-total").textContent = p.duplicates + " since start";
        $("pipe-late").textContent = before ? formatRate(rate(p.late, before.late, seconds)) : "—";
        $("pipe-late-total").textContent = p.late + " since start";
        $("pipe-lag").textContent = String(p.lag_records);
        $("pipe-freshness").textContent = p.freshness_millis === undefined || p.freshness_millis === null ? "—"
            : p.freshness_millis < 10000 ? Math.round(p.freshness_millis) + " ms" : (p.freshness_millis / 1000).toFixed(1) + " s";

        const body = $("pipeline-table").querySelector("tbody");
        body.replaceChildren();
        for (const l of p.deliveries) {
            const tr = document.createElement("tr");
            tr.dataset.source = l.source;
            tr.dataset.outcome = l.outcome;
            tr.className = l.outcome === "accepted" ? "accepted" : "rejected";
            const r = before ? rate(l.deliveries, previous.get(lineKey(l)) || 0, seconds) : null;
            for (const [cls, text] of [["key", l.source], ["outcome", l.outcome === "accepted" ? "accepted" : "rejected: " + l.outcome],
                                       ["num rate", formatRate(r)], ["num total", String(l.deliveries)]]) {
                const td = document.createElement("td");
                td.className = cls;
                td.textContent = text;
                tr.append(td);
            }
            body.append(tr);
        }
        $("pipeline-table").hidden = p.deliveries.length === 0;
        $("pipeline-empty").hidden = p.deliveries.length > 0;
        $("pipeline-empty").textContent = p.gateway ? "No deliveries yet: send one with ./tally send."
            : "No gateway runs in this process: deliveries are on each gateway's /metrics.";
        lastPipeline = p;
    }

    setInterval(() => {
        if (!$("app").hidden) {
            loadPipeline().catch(report);
        }
    }, PIPELINE_EVERY_MS);

    $("key-form").addEventListener("submit", (e) => {
        e.preventDefault();
        const key = $("key-input").value;
        selectKey(key === "" ? null : key).then(clearError, report);
    });
    $("top-window").addEventListener("change", () => {
        state.topWindow = $("top-window").value;
        writeHash();
        loadTop().catch(report);
    });
    window.addEventListener("resize", resizeCharts);
    // Windows roll over with the clock: move the charts and the top window along.
    setInterval(() => {
        if (state.counter && !$("app").hidden) {
            renderCharts();
            loadTop().catch(report);
        }
    }, 30000);

    loadCounters().catch(report);
})();
