// Logs: a sealed event (or array of events) or one reference, revealed with the time each value has left. The reveal
// is the API's own (events/reveal or decrypt), so it is audited like any other; the plaintext is dropped from the page
// when a value expires, on sign-out and when another screen is opened.
import { call, appPath } from "./api.js";
import { el, announce, utc, timeLeft } from "./dom.js";
import { guard, busy } from "./screen.js";

const referencePrefix = "shr1.";

let section;
let ticker = null;

export function init(root) {
  section = root;
  const form = section.querySelector("#reveal-form");
  form.addEventListener("submit", event => { event.preventDefault(); reveal(form); });
  section.querySelector("#reveal-clear").addEventListener("click", () => {
    clear();
    form.elements.sealed.focus();
  });
}

export async function load() {
}

export function clear() {
  clearInterval(ticker);
  ticker = null;
  section.querySelector("#reveal-form").reset();
  section.querySelector("#revealed-values").replaceChildren();
  section.querySelector("#revealed-output").textContent = "";
  section.querySelector("#revealed").hidden = true;
}

/**
 * The expiry a shr1 reference carries: base64url of ref id (16 bytes) ‖ expiry (unix seconds, 8 bytes, big-endian) ‖ …
 * It is only shown to the user; whether a value is revealed is always Shroud's answer.
 */
export function expiryOf(reference) {
  if (typeof reference !== "string" || !reference.startsWith(referencePrefix)) {
    return null;
  }
  try {
    const text = reference.slice(referencePrefix.length).replaceAll("-", "+").replaceAll("_", "/");
    const bytes = Uint8Array.from(atob(text.padEnd(Math.ceil(text.length / 4) * 4, "=")), c => c.charCodeAt(0));
    if (bytes.length < 24) {
      return null;
    }
    const seconds = new DataView(bytes.buffer).getBigInt64(16);
    return new Date(Number(seconds) * 1000);
  } catch {
    return null;
  }
}

/** Every { "$shroud": ref, "redacted": text } in a pasted event, with its JSON path. */
function sealedFields(node, segments = [], found = []) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => sealedFields(item, [...segments, i], found));
  } else if (node && typeof node === "object") {
    if (typeof node.$shroud === "string") {
      found.push({ segments, reference: node.$shroud, redacted: node.redacted });
    } else {
      for (const [name, value] of Object.entries(node)) {
        sealedFields(value, [...segments, name], found);
      }
    }
  }
  return found;
}

function pathText(segments) {
  return segments.reduce((text, s) => typeof s === "number" ? `${text}[${s}]` : text ? `${text}.${s}` : s, "") || "(the event)";
}

function valueAt(node, segments) {
  return segments.reduce((value, s) => value?.[s], node);
}

async function reveal(form) {
  const text = form.elements.sealed.value.trim();
  await busy(form, () => guard(section, async () => {
    if (text.startsWith(referencePrefix)) {
      const answer = (await call("POST", appPath("decrypt"), { body: { ref: text } })).body;
      show([{ path: "value", expiresAt: answer.expiresAt ?? expiryOf(text), expired: answer.expired }], answer.value);
      return;
    }

    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw { detail: "Paste a sealed event as JSON (an object or an array of them), or one reference starting with shr1." };
    }
    const fields = sealedFields(parsed);
    if (fields.length === 0) {
      throw { detail: "This event has no sealed field ({ \"$shroud\": \"shr1.…\" }): there is nothing to reveal." };
    }
    const answer = await call("POST", appPath("events", "reveal"), { body: text });
    // Shroud answers a field it did not reveal (expired, gone, or a key without decrypt) with the redaction text.
    show(fields.map(f => ({
      path: pathText(f.segments),
      expiresAt: expiryOf(f.reference),
      redacted: typeof f.redacted === "string" && valueAt(answer.body, f.segments) === f.redacted,
    })), JSON.stringify(answer.body, null, 2));
  }));
}

function show(values, output) {
  clearInterval(ticker);
  const list = section.querySelector("#revealed-values");
  const items = values.map(v => ({ ...v, time: el("span", {}) }));
  list.replaceChildren(...items.map(v => el("li", {}, el("code", {}, v.path), ": ", v.time, v.expiresAt ? ` (expires ${utc(v.expiresAt)})` : "")));
  section.querySelector("#revealed-output").textContent = output;
  section.querySelector("#revealed").hidden = false;

  const update = () => {
    const now = Date.now();
    for (const v of items) {
      const expired = v.expired === true || (v.expiresAt && new Date(v.expiresAt).getTime() <= now);
      v.time.className = expired || v.redacted ? "expired" : "live";
      v.time.textContent = expired
        ? "expired: redacted"
        : v.redacted
          ? `redacted: this key lacks the 'decrypt' permission, or the value is gone (${timeLeft(v.expiresAt, now)})`
          : v.expiresAt ? timeLeft(v.expiresAt, now) : "revealed";
    }
    // A value that expires while on screen leaves the page too: after its TTL only the redaction text may be seen.
    if (items.some(v => v.expired !== true && v.expiresAt && new Date(v.expiresAt).getTime() <= now)) {
      section.querySelector("#revealed-output").textContent = "A value has expired: reveal again to see what is left (expired values come back redacted).";
      clearInterval(ticker);
    }
  };
  update();
  ticker = setInterval(update, 1000);
  const hidden = items.filter(v => v.time.className === "expired").length;
  announce(hidden === 0 ? `Revealed ${items.length} value(s).` : `${items.length - hidden} value(s) revealed, ${hidden} redacted.`);
}
