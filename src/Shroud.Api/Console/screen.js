// What every screen does around its calls: one problem region, cleared before and filled after a failure.
import { showProblem } from "./dom.js";

/**
 * Runs a screen's action; a failure shows the problem's detail in the screen's alert region (or the region given),
 * and a refused key (401) is handed to the shell, which signs out. Answers whether the action succeeded.
 */
export async function guard(section, action, region = section.querySelector(":scope > .problem")) {
  showProblem(region, null);
  try {
    await action();
    return true;
  } catch (problem) {
    if (problem?.status === 401) {
      window.dispatchEvent(new CustomEvent("shroud-problem", { detail: problem }));
    } else {
      showProblem(region, problem);
    }
    return false;
  }
}

/** Disables a form's or a button's controls while its call runs, so a double click sends one request. */
export async function busy(control, action) {
  const controls = control instanceof HTMLFormElement ? [...control.elements] : [control];
  const before = controls.map(c => c.disabled);
  controls.forEach(c => { c.disabled = true; });
  try {
    return await action();
  } finally {
    controls.forEach((c, i) => { c.disabled = before[i]; });
  }
}
