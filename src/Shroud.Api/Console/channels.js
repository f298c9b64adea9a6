// Channels: list, create (the webhook URL to paste and the forward secret, shown once), and failed deliveries with
// retry (GET …/channels/{id}/deliveries?status=failed answering { items: [{ deliveryId, status, attempts, … }] },
// POST …/deliveries/{deliveryId}/retry).
import { call, appPath } from "./api.js";
import { el, fillTable, announce, utc } from "./dom.js";
import { guard, busy } from "./screen.js";

/** The secrets each channel type needs, as the API names them, with their labels. */
const secretsByType = {
  slack: [["signingSecret", "Signing secret"]],
  whatsapp: [["appSecret", "App secret"], ["verifyToken", "Verify token"]],
  telegram: [["secretToken", "Secret token"]],
  twilio: [["authToken", "Auth token"]],
  botframework: [["appId", "Microsoft app id"]],
};

let section;
let shownChannel = null;

export function init(root) {
  section = root;
  const form = section.querySelector("#channel-form");
  form.elements.type.addEventListener("change", () => renderSecretFields(form));
  form.addEventListener("submit", event => { event.preventDefault(); create(form); });
  section.querySelector("#created-channel-done").addEventListener("click", () => {
    hideCreated();
    form.elements.name.focus();
  });
  renderSecretFields(form);
}

export async function load() {
  await guard(section, async () => render((await call("GET", appPath("channels"))).body.items));
}

export function clear() {
  hideCreated();
  shownChannel = null;
  section.querySelector("#deliveries").hidden = true;
  const form = section.querySelector("#channel-form");
  form.reset();
  renderSecretFields(form);
  fillTable(section.querySelector("#channels-table"), [], "Not loaded.");
}

function hideCreated() {
  section.querySelector("#created-channel-secret").value = "";
  section.querySelector("#created-channel").hidden = true;
}

function webhookUrl(channel) {
  return new URL(channel.webhookPath, location.origin).href;
}

function renderSecretFields(form) {
  const fieldset = section.querySelector("#channel-secrets");
  fieldset.replaceChildren(el("legend", {}, "Channel secrets"), ...(secretsByType[form.elements.type.value] ?? []).flatMap(([name, label]) => [
    el("label", { for: `channel-secret-${name}` }, label),
    el("input", { id: `channel-secret-${name}`, name: `secret-${name}`, "data-secret": name, type: "password", required: true, autocomplete: "off", spellcheck: "false" }),
  ]));
}

function render(channels) {
  fillTable(section.querySelector("#channels-table"), channels.map(c => [
    el("span", {}, el("strong", {}, c.name), el("br"), el("span", { class: "mono" }, c.id)),
    c.type,
    el("div", { class: "copy-row" },
      el("input", { id: `webhook-${c.id}`, readonly: true, value: webhookUrl(c), "aria-label": `Webhook URL of ${c.name}`, spellcheck: "false" }),
      el("button", { type: "button", class: "secondary", "data-copy": `webhook-${c.id}`, "aria-label": `Copy the webhook URL of ${c.name}` }, "Copy")),
    c.secretsSet.join(", ") || "none",
    el("button", { type: "button", class: "secondary", onclick: () => showDeliveries(c) }, `Failed deliveries of ${c.name}`),
  ]), "No channels yet.");
}

async function create(form) {
  const secrets = Object.fromEntries([...form.querySelectorAll("input[data-secret]")].map(input => [input.dataset.secret, input.value]));
  const body = { type: form.elements.type.value, name: form.elements.name.value.trim(), forwardUrl: form.elements.forwardUrl.value.trim(), secrets };
  await busy(form, () => guard(section, async () => {
    const created = (await call("POST", appPath("channels"), { body })).body;
    form.reset();
    renderSecretFields(form);
    section.querySelector("#created-channel-webhook").value = webhookUrl(created);
    section.querySelector("#created-channel-secret").value = created.forwardSecret;
    const box = section.querySelector("#created-channel");
    box.hidden = false;
    box.focus();
    announce(`Channel ${created.name} created. Paste its webhook URL into the channel; copy the forward secret now.`);
    await load();
  }));
}

async function showDeliveries(channel) {
  shownChannel = channel;
  const panel = section.querySelector("#deliveries");
  panel.hidden = false;
  section.querySelector("#deliveries-title").textContent = `Failed deliveries of ${channel.name}`;
  section.querySelector("#deliveries-caption").textContent = `Deliveries to ${channel.forwardUrl} that failed`;
  fillTable(section.querySelector("#deliveries-table"), [], "Loading…");
  panel.focus();
  await loadDeliveries();
}

async function loadDeliveries() {
  const channel = shownChannel;
  const panel = section.querySelector("#deliveries");
  const ok = await guard(section, async () => {
    const answer = await call("GET", appPath("channels", channel.id, "deliveries"), { query: { status: "failed" } });
    fillTable(section.querySelector("#deliveries-table"), (answer.body.items ?? []).map(d => [
      el("span", { class: "mono" }, d.deliveryId),
      describe(d),
      el("button", { type: "button", "aria-label": `Retry delivery ${d.deliveryId}`, onclick: event => retry(event.currentTarget, channel, d) }, "Retry"),
    ]), "No failed deliveries.");
  }, panel.querySelector(".problem"));
  if (!ok) {
    fillTable(section.querySelector("#deliveries-table"), [], "Failed deliveries could not be listed.");
  }
}

/** A delivery as the API lists it: status, attempts, the bot's last answer or error, and its times. */
function describe(delivery) {
  const parts = [`status: ${delivery.status}`, `attempts: ${delivery.attempts}`];
  if (delivery.lastStatusCode !== undefined && delivery.lastStatusCode !== null) {
    parts.push(`last answer: ${delivery.lastStatusCode}`);
  }
  if (delivery.lastError) {
    parts.push(`last error: ${delivery.lastError}`);
  }
  for (const [name, label] of [["createdAt", "received"], ["updatedAt", "last change"], ["expiresAt", "payload expires"]]) {
    if (delivery[name]) {
      parts.push(`${label}: ${utc(delivery[name])}`);
    }
  }
  return parts.join("; ");
}

async function retry(button, channel, delivery) {
  const panel = section.querySelector("#deliveries");
  const retried = await busy(button, () => guard(section, async () => {
    await call("POST", appPath("channels", channel.id, "deliveries", delivery.deliveryId, "retry"));
    announce(`Delivery ${delivery.deliveryId} queued again.`);
  }, panel.querySelector(".problem")));
  if (retried) {
    await loadDeliveries();
  }
}
