// Security: the app's encryption configurations (create, edit with ETags, delete) and its default configuration.
import { call, appPath } from "./api.js";
import { el, fillTable, announce } from "./dom.js";
import { guard, busy } from "./screen.js";

const flags = [
  ["encryptUserMessages", "user messages"],
  ["encryptBotMessages", "bot messages"],
  ["encryptAgentMessages", "agent messages"],
  ["transport", "transport"],
  ["transcript", "transcript"],
  ["encryptMedia", "media"],
];

let section;
let appEtag = null;
/** The configuration being edited and the ETag it was read with: a save after someone else's change is refused (412). */
let editing = null;

export function init(root) {
  section = root;
  const form = section.querySelector("#configuration-form");
  form.addEventListener("submit", event => { event.preventDefault(); saveConfiguration(form); });
  section.querySelector("#configuration-cancel").addEventListener("click", () => resetForm());
  const settings = section.querySelector("#app-settings-form");
  settings.addEventListener("submit", event => { event.preventDefault(); saveSettings(settings); });
}

export async function load() {
  await guard(section, async () => {
    const [app, list] = await Promise.all([call("GET", appPath()), call("GET", appPath("configurations"))]);
    appEtag = app.etag;
    render(app.body, list.body.items);
  });
}

export function clear() {
  appEtag = null;
  resetForm();
  fillTable(section.querySelector("#configurations-table"), [], "Not loaded.");
  section.querySelector("#default-configuration").replaceChildren();
}

function render(app, configurations) {
  const select = section.querySelector("#default-configuration");
  select.replaceChildren(
    el("option", { value: "" }, "None: only values flagged sensitive are sealed"),
    ...configurations.map(c => el("option", { value: c.id, selected: c.id === app.defaultConfigurationId }, c.name)));
  section.querySelector("#redaction-text").value = app.redactionText ?? "";

  fillTable(section.querySelector("#configurations-table"), configurations.map(c => [
    el("span", {}, el("strong", {}, c.name), c.id === app.defaultConfigurationId ? " (default)" : "", el("br"), el("span", { class: "mono" }, c.id)),
    flags.filter(([name]) => c[name]).map(([, label]) => label).join(", ") || "only flagged values",
    c.sensitiveVariables.join(", ") || "none",
    c.ttl ?? "app default",
    el("div", { class: "actions" },
      el("button", { type: "button", class: "secondary", "aria-label": `Edit ${c.name}`, onclick: () => edit(c.id) }, "Edit"),
      el("button", { type: "button", class: "danger", "aria-label": `Delete ${c.name}`, onclick: event => remove(event.currentTarget, c) }, "Delete")),
  ]), "No configurations yet.");
}

async function saveSettings(form) {
  const defaultConfigurationId = form.elements.defaultConfigurationId.value || null;
  const redactionText = form.elements.redactionText.value.trim() || null;
  await busy(form, () => guard(section, async () => {
    const answer = await call("PATCH", appPath(), { body: { defaultConfigurationId, redactionText }, ifMatch: appEtag });
    appEtag = answer.etag;
    announce(defaultConfigurationId ? "Settings saved: the default configuration is set." : "Settings saved: no default configuration.");
    await load();
  }));
}

async function edit(id) {
  await guard(section, async () => {
    const answer = await call("GET", appPath("configurations", id));
    editing = { id, etag: answer.etag };
    const form = section.querySelector("#configuration-form");
    const c = answer.body;
    form.elements.name.value = c.name;
    for (const [name] of flags) {
      form.elements[name].checked = c[name];
    }
    form.elements.sensitiveVariables.value = c.sensitiveVariables.join(", ");
    form.elements.ttl.value = c.ttl ?? "";
    section.querySelector("#configuration-form-title").textContent = `Edit configuration ${c.name}`;
    section.querySelector("#configuration-submit").textContent = "Save changes";
    section.querySelector("#configuration-cancel").hidden = false;
    form.elements.name.focus();
  });
}

function resetForm() {
  editing = null;
  const form = section.querySelector("#configuration-form");
  form.reset();
  section.querySelector("#configuration-form-title").textContent = "New configuration";
  section.querySelector("#configuration-submit").textContent = "Create configuration";
  section.querySelector("#configuration-cancel").hidden = true;
}

async function saveConfiguration(form) {
  const body = {
    name: form.elements.name.value.trim(),
    sensitiveVariables: form.elements.sensitiveVariables.value.split(",").map(v => v.trim()).filter(v => v.length > 0),
    ttl: form.elements.ttl.value.trim() || null,
  };
  for (const [name] of flags) {
    body[name] = form.elements[name].checked;
  }

  await busy(form, () => guard(section, async () => {
    if (editing) {
      // A merge patch of every field the form shows, sent only if nobody changed the configuration since it was read.
      await call("PATCH", appPath("configurations", editing.id), { body, contentType: "application/merge-patch+json", ifMatch: editing.etag });
      announce(`Configuration ${body.name} saved.`);
    } else {
      await call("POST", appPath("configurations"), { body });
      announce(`Configuration ${body.name} created.`);
    }
    resetForm();
    await load();
  }));
}

async function remove(button, configuration) {
  if (!window.confirm(`Delete the configuration ${configuration.name}?`)) {
    return;
  }
  await busy(button, () => guard(section, async () => {
    await call("DELETE", appPath("configurations", configuration.id));
    if (editing?.id === configuration.id) {
      resetForm();
    }
    announce(`Configuration ${configuration.name} deleted.`);
    await load();
  }));
}
