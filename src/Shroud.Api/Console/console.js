// The console's shell: sign-in, the screen list (hash routes such as #/keys; never a key or a value in the URL),
// and the status and error regions every screen shares.
import { call, session, signIn, signOut, appPath, Problem } from "./api.js";
import { announce, showProblem, copyFrom } from "./dom.js";
import * as security from "./security.js";
import * as keys from "./keys.js";
import * as rotation from "./rotation.js";
import * as channels from "./channels.js";
import * as logs from "./logs.js";
import * as audit from "./audit.js";

const screens = { security, keys, rotation, channels, logs, audit };
const defaultScreen = "security";

const $ = id => document.getElementById(id);

function currentScreen() {
  const name = location.hash.startsWith("#/") ? location.hash.slice(2) : "";
  return Object.hasOwn(screens, name) ? name : defaultScreen;
}

/** Shows the sign-in form (with the reason, when a key was refused) and forgets everything a screen showed. */
function showSignIn(reason) {
  signOut();
  for (const screen of Object.values(screens)) {
    screen.clear();
  }
  for (const section of document.querySelectorAll(".screen")) {
    section.hidden = true;
  }
  $("screens").hidden = true;
  $("session").hidden = true;
  $("session-app").textContent = "";
  $("sign-in").hidden = false;
  showProblem($("sign-in-problem"), reason ? { detail: reason } : null);
  $("sign-in-key").value = "";
  document.title = "Sign in · Shroud console";
}

async function showScreen(name, { focus = false, clearStatus = false } = {}) {
  const current = session();
  if (!current) {
    showSignIn();
    return;
  }

  $("sign-in").hidden = true;
  $("screens").hidden = false;
  $("session").hidden = false;
  $("session-app").textContent = current.appId;
  if (clearStatus) {
    // A message about the screen left behind would read as news about this one.
    $("status").textContent = "";
  }
  for (const link of document.querySelectorAll("nav a[data-screen]")) {
    if (link.dataset.screen === name) {
      link.setAttribute("aria-current", "page");
    } else {
      link.removeAttribute("aria-current");
    }
  }
  for (const [other, screen] of Object.entries(screens)) {
    const section = $(other);
    if (other !== name && !section.hidden) {
      screen.clear();
    }
    section.hidden = other !== name;
  }

  const section = $(name);
  document.title = `${section.querySelector("h1").textContent} · Shroud console`;
  if (focus) {
    $("main").focus();
  }
  await screens[name].load(section);
}

/** Every screen's failures end here: a refused key signs out, anything else shows the problem's detail. */
function onProblem(event) {
  const problem = event.reason ?? event.detail;
  if (!(problem instanceof Problem)) {
    return;
  }
  event.preventDefault?.();
  if (problem.status === 401) {
    showSignIn(`The console refused the key: ${problem.detail}`);
    $("sign-in-app").focus();
  }
}

async function onSignIn(event) {
  event.preventDefault();
  const appId = $("sign-in-app").value.trim();
  const key = $("sign-in-key").value.trim();
  if (!appId || !key) {
    showProblem($("sign-in-problem"), { detail: "Enter the app id and an API key of that app." });
    return;
  }

  signIn(appId, key);
  try {
    // The one call every key of an app may make: with nothing sealed in it, it reveals nothing and leaves no record,
    // and it answers 401 for a key that is unknown, revoked or another app's.
    await call("POST", appPath("events", "reveal"), { body: "[]" });
  } catch (problem) {
    showSignIn(problem.status === 403
      ? "This key cannot sign in to an app's console (the bootstrap admin key is refused here): use an API key of the app."
      : `Sign-in failed: ${problem.detail}`);
    $("sign-in-app").focus();
    return;
  }

  $("sign-in-key").value = "";
  // replaceState fires no hashchange: the screen is shown once, and the announcement below is not cleared by it.
  history.replaceState(null, "", `#/${currentScreen()}`);
  const shown = showScreen(currentScreen(), { focus: true });
  announce(`Signed in to app ${appId}.`);
  await shown;
}

function start() {
  $("sign-in-form").addEventListener("submit", onSignIn);
  $("sign-out").addEventListener("click", () => {
    showSignIn();
    announce("Signed out. The key is forgotten.");
    $("sign-in-app").focus();
  });
  document.addEventListener("click", event => {
    const button = event.target.closest("button[data-copy]");
    if (button) {
      copyFrom($(button.dataset.copy));
    }
  });
  // The link of the screen already shown reloads it (no hashchange fires), and moves the focus as any other link does.
  $("screens").addEventListener("click", event => {
    const link = event.target.closest("a[data-screen]");
    if (link && link.getAttribute("href") === location.hash) {
      event.preventDefault();
      showScreen(link.dataset.screen, { focus: true, clearStatus: true });
    }
  });
  window.addEventListener("unhandledrejection", onProblem);
  window.addEventListener("shroud-problem", onProblem);
  window.addEventListener("hashchange", () => {
    if (location.hash.startsWith("#/")) {
      showScreen(currentScreen(), { focus: true, clearStatus: true });
    }
  });
  for (const [name, screen] of Object.entries(screens)) {
    screen.init($(name));
  }
  showScreen(currentScreen());
}

start();
