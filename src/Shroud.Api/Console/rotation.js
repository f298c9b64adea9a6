// Keys and rotation: the app KEK versions with their retire and destroy times, and rotation on demand.
import { call, appPath } from "./api.js";
import { fillTable, announce, utc } from "./dom.js";
import { guard, busy } from "./screen.js";

let section;

export function init(root) {
  section = root;
  section.querySelector("#rotate").addEventListener("click", event => rotate(event.currentTarget));
}

export async function load() {
  await guard(section, async () => render((await call("GET", appPath("kek"))).body.items));
}

export function clear() {
  fillTable(section.querySelector("#keks-table"), [], "Not loaded.");
}

function render(keks) {
  fillTable(section.querySelector("#keks-table"), keks.map(k => [
    `v${k.version}`,
    k.active ? "active: seals new values" : "retired",
    k.rootKeyId,
    utc(k.createdAt),
    k.retiredAt ? utc(k.retiredAt) : "",
    k.destroyAt ? utc(k.destroyAt) : "",
  ]), "No KEK versions.");
}

async function rotate(button) {
  if (!window.confirm("Rotate the app KEK now? The active version is retired and a new one seals new values.")) {
    return;
  }
  await busy(button, () => guard(section, async () => {
    const keks = (await call("POST", appPath("kek", "rotate"))).body.items;
    render(keks);
    announce(`Rotated: version ${keks.find(k => k.active)?.version ?? "?"} is active.`);
  }));
}
