// Small DOM helpers: every text goes in through textContent, never through HTML, so nothing an answer holds runs.

/** Makes an element: el("td", { class: "mono", "data-label": "Id" }, "text or", childNode). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) {
      continue;
    }
    if (name === "class") {
      element.className = value;
    } else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

/** Fills a table body with rows; labels each cell with its column header for the narrow layout. */
export function fillTable(table, rows, emptyText) {
  const headers = [...table.querySelectorAll("thead th")].map(th => th.textContent);
  const body = table.tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    body.append(el("tr", {}, el("td", { class: "empty", colspan: headers.length }, emptyText)));
    return;
  }
  for (const cells of rows) {
    body.append(el("tr", {}, cells.map((cell, i) => el("td", { "data-label": headers[i] }, cell))));
  }
}

/** Shows a problem's detail in the screen's alert region (or hides it with null). */
export function showProblem(region, problem) {
  if (!problem) {
    region.hidden = true;
    region.textContent = "";
    return;
  }
  region.textContent = problem.detail ?? String(problem);
  region.hidden = false;
}

/** A status message, read out by screen readers through the polite live region. */
export function announce(text) {
  const status = document.getElementById("status");
  status.textContent = "";
  // A new node after an empty one is announced even when the text repeats.
  requestAnimationFrame(() => { status.textContent = text; });
}

/** "2026-11-21 16:00:00 UTC", the same on every machine. */
export function utc(value) {
  if (!value) {
    return "";
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** "3 h 12 min left", "45 s left" or "expired". */
export function timeLeft(expiresAt, now = Date.now()) {
  const ms = new Date(expiresAt).getTime() - now;
  if (!(ms > 0)) {
    return "expired";
  }
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) {
    return `${days} d ${hours} h left`;
  }
  if (hours > 0) {
    return `${hours} h ${minutes} min left`;
  }
  return minutes > 0 ? `${minutes} min ${seconds % 60} s left` : `${seconds} s left`;
}

/** Copies an input's value; falls back to selecting it, so the user can press Ctrl+C. */
export async function copyFrom(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    announce("Copied to the clipboard.");
  } catch {
    input.focus();
    input.select();
    announce("Selected: press Ctrl+C (or ⌘C) to copy.");
  }
}
