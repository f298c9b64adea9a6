// Keys: the app's API keys, a new key's secret shown once with a copy button, revocation.
import { call, appPath, session } from "./api.js";
import { el, fillTable, announce, utc } from "./dom.js";
import { guard, busy } from "./screen.js";

let section;

export function init(root) {
  section = root;
  const form = section.querySelector("#key-form");
  form.addEventListener("submit", event => { event.preventDefault(); create(form); });
  section.querySelector("#created-key-done").addEventListener("click", () => {
    hideSecret();
    form.elements.name.focus();
  });
}

export async function load() {
  await guard(section, async () => {
    const answer = await call("GET", appPath("keys"));
    render(answer.body.items);
  });
}

export function clear() {
  hideSecret();
  section.querySelector("#key-form").reset();
  fillTable(section.querySelector("#keys-table"), [], "Not loaded.");
}

function hideSecret() {
  section.querySelector("#created-key-value").value = "";
  section.querySelector("#created-key").hidden = true;
}

function render(keys) {
  const own = session()?.key ?? "";
  fillTable(section.querySelector("#keys-table"), keys.map(k => [
    el("span", {}, k.name || "(no name)", own.startsWith(`shk_${k.id}`) ? " (this session's key)" : ""),
    el("span", { class: "mono" }, k.id),
    k.permissions.map(p => p === "decrypt" ? `${p} (security)` : p).join(", "),
    utc(k.createdAt),
    k.revokedAt ? `revoked ${utc(k.revokedAt)}` : "active",
    k.revokedAt
      ? ""
      : el("button", { type: "button", class: "danger", "aria-label": `Revoke key ${k.name || k.id}`, onclick: event => revoke(event.currentTarget, k) }, "Revoke"),
  ]), "No keys.");
}

async function create(form) {
  const permissions = [...form.querySelectorAll("input[name=permissions]:checked")].map(input => input.value);
  const name = form.elements.name.value.trim();
  await busy(form, () => guard(section, async () => {
    const answer = await call("POST", appPath("keys"), { body: { name, permissions } });
    form.reset();
    section.querySelector("#created-key-value").value = answer.body.key;
    const box = section.querySelector("#created-key");
    box.hidden = false;
    box.focus();
    announce(`Key ${answer.body.name || answer.body.id} created with ${answer.body.permissions.join(", ") || "no"} permissions. Copy it now: it is shown once.`);
    await load();
  }));
}

async function revoke(button, key) {
  if (!window.confirm(`Revoke the key ${key.name || key.id}? Everything using it stops working.`)) {
    return;
  }
  await busy(button, () => guard(section, async () => {
    await call("DELETE", appPath("keys", key.id));
    announce(`Key ${key.name || key.id} revoked.`);
    await load();
  }));
}
