// Audit: the app's audit records with filters, a page at a time, and the verification of a time range.
import { call, appPath } from "./api.js";
import { el, fillTable, announce, utc } from "./dom.js";
import { guard, busy } from "./screen.js";

let section;
let nextToken = null;
let lastQuery = null;

export function init(root) {
  section = root;
  const form = section.querySelector("#audit-form");
  form.addEventListener("submit", event => { event.preventDefault(); search(form); });
  section.querySelector("#audit-verify").addEventListener("click", event => verify(event.currentTarget, form));
  section.querySelector("#audit-next").addEventListener("click", event => page(event.currentTarget));
}

export async function load() {
  await search(section.querySelector("#audit-form"));
}

export function clear() {
  nextToken = null;
  lastQuery = null;
  section.querySelector("#audit-next").hidden = true;
  section.querySelector("#audit-verification").hidden = true;
  fillTable(section.querySelector("#audit-table"), [], "Not loaded.");
}

/** A datetime-local value, read as UTC (as the label says), in ISO-8601. */
function instant(value) {
  return value ? `${value.length === 16 ? `${value}:00` : value}Z` : undefined;
}

function range(form) {
  return { from: instant(form.elements.from.value), to: instant(form.elements.to.value) };
}

async function search(form) {
  lastQuery = { ...range(form), action: form.elements.action.value, keyId: form.elements.keyId.value.trim(), pageSize: form.elements.pageSize.value };
  await busy(form, () => guard(section, async () => {
    const answer = (await call("GET", appPath("audit"), { query: lastQuery })).body;
    render(answer, false);
    announce(`${answer.items.length} audit record(s)${answer.continuationToken ? ", more on the next page" : ""}.`);
  }));
}

async function page(button) {
  await busy(button, () => guard(section, async () => {
    const answer = (await call("GET", appPath("audit"), { query: { ...lastQuery, continuationToken: nextToken } })).body;
    render(answer, true);
    announce(`${answer.items.length} more audit record(s).`);
  }));
}

function render(answer, append) {
  nextToken = answer.continuationToken ?? null;
  section.querySelector("#audit-next").hidden = !nextToken;
  const table = section.querySelector("#audit-table");
  const rows = answer.items.map(r => [
    utc(r.time),
    el("code", {}, r.action),
    r.outcome,
    el("span", { class: "mono" }, r.keyId ?? "none"),
    el("span", { class: "mono" }, r.target ?? ""),
    details(r),
  ]);
  if (append) {
    const previous = [...table.tBodies[0].rows].filter(row => !row.querySelector("td.empty")).map(row => [...row.cells].map(cell => [...cell.childNodes]));
    fillTable(table, [...previous, ...rows], "No audit records in this range.");
  } else {
    fillTable(table, rows, "No audit records in this range.");
  }
}

function details(record) {
  const parts = Object.entries(record.counts ?? {}).map(([name, count]) => `${name}: ${count}`);
  if (record.refIds?.length) {
    parts.push(`ref ids: ${record.refIds.join(", ")}`);
  }
  parts.push(`writer ${record.writerId} #${record.sequence}`);
  return el("span", { class: "mono" }, parts.join("; "));
}

async function verify(button, form) {
  const box = section.querySelector("#audit-verification");
  await busy(button, () => guard(section, async () => {
    const result = (await call("GET", appPath("audit", "verify"), { query: range(form) })).body;
    box.className = result.clean ? "verification" : "verification findings";
    box.replaceChildren(
      el("h2", {}, result.clean ? "Verified: no tampering found" : `Verification found ${result.findings.length} problem(s)`),
      el("p", {}, `${result.records} record(s) from ${result.writers} writer(s), ${utc(result.from)} to ${utc(result.to)}.`),
      result.findings.length === 0 ? "" : el("ul", {}, result.findings.map(f => el("li", {},
        `${f.kind}: writer ${f.writerId}, sequence ${f.fromSequence}${f.toSequence !== f.fromSequence ? `–${f.toSequence}` : ""}${f.time ? ` near ${utc(f.time)}` : ""}`))));
    box.hidden = false;
    box.focus();
    announce(result.clean ? `Audit verified: ${result.records} records, no tampering found.` : `Audit verification found ${result.findings.length} problem(s).`);
  }));
}
