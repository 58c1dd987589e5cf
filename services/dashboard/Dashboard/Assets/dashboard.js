// The dashboard's only script: two server-sent-event feeds. Everything else is plain HTML forms rendered on the server.
"use strict";

function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text ?? "";
    if (className) td.className = className;
    row.appendChild(td);
}

function money(value) {
    return value == null ? "" : Math.round(value).toLocaleString("en-US");
}

function liveEstimates(table) {
    const status = document.getElementById("live-status");
    const chart = document.getElementById(table.dataset.chart);
    const body = table.tBodies[0];
    let chartTimer = null;
    const source = new EventSource(table.dataset.stream);
    source.addEventListener("ready", () => { status.textContent = "Connected: waiting for estimates."; });
    source.onerror = () => { status.textContent = "Connection lost; reconnecting…"; };
    source.addEventListener("estimate", (event) => {
        const e = JSON.parse(event.data);
        if (body.querySelector(`tr[data-id="${CSS.escape(e.eventId)}"]`)) return;
        const row = document.createElement("tr");
        row.dataset.id = e.eventId;
        row.className = "fresh";
        cell(row, new Date(e.receivedAt).toLocaleTimeString("en-GB"));
        cell(row, e.propertyId);
        cell(row, e.status);
        cell(row, money(e.estimate), "num");
        cell(row, e.low == null ? "" : `${money(e.low)} – ${money(e.high)}`, "num");
        cell(row, money(e.actualPrice), "num");
        cell(row, e.errorPercent == null ? (e.problem ?? "") : `${e.errorPercent > 0 ? "+" : ""}${e.errorPercent.toFixed(1)} %`, "num");
        cell(row, e.modelVersion == null ? "" : `v${e.modelVersion}`);
        body.insertBefore(row, body.firstChild);
        while (body.rows.length > 200) body.deleteRow(body.rows.length - 1);
        document.getElementById("live-empty")?.remove();
        status.textContent = `Connected: last estimate at ${new Date().toLocaleTimeString("en-GB")}.`;
        if (chart && !chartTimer) {
            chartTimer = setTimeout(() => { chart.src = `${chart.src.split("?")[0]}?t=${Date.now()}`; chartTimer = null; }, 1000);
        }
    });
}

function workflowProgress(panel) {
    // An ended run's page has no stream to follow (an empty EventSource URL would be the page itself, failing and reloading).
    if (!panel.dataset.workflowStream) return;
    const source = new EventSource(panel.dataset.workflowStream);
    const set = (name, text) => { const el = panel.querySelector(`[data-field="${name}"]`); if (el) el.textContent = text ?? ""; };
    source.addEventListener("status", (event) => {
        const s = JSON.parse(event.data);
        const custom = s.customStatus ?? {};
        set("status", s.runtimeStatus);
        set("step", custom.step ? `${custom.stepNumber}/${custom.stepCount} ${custom.step}` : "");
        set("detail", custom.detail);
        set("updated", new Date(s.lastUpdatedAt).toLocaleTimeString("en-GB"));
        const bar = panel.querySelector("progress");
        if (bar && custom.percent != null) bar.value = custom.percent;
        if (["Completed", "Failed", "Terminated"].includes(s.runtimeStatus)) {
            source.close();
            if (bar) bar.value = 100;
            // The step history and outcome are rendered on the server: show them once the run has ended.
            setTimeout(() => location.reload(), 300);
        }
    });
    // The stream also closes when the run ends; either way the server-rendered page shows the current state.
    source.onerror = () => {
        source.close();
        set("connection", "refreshing…");
        setTimeout(() => location.reload(), 1500);
    };
}

document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("table[data-stream]").forEach(liveEstimates);
    document.querySelectorAll("[data-workflow-stream]").forEach(workflowProgress);
});
