// @ts-check
// The counter kiosk: attract screen → one rated question per screen → the facts → service
// → reasons → thank you → attract screen. Every completed response is queued in IndexedDB
// first.
import * as api from "./api.js";
import { face } from "./faces.js";
import { lockDown } from "./lockdown.js";
import { Sender } from "./sender.js";
import { openQueue } from "./store.js";
import { el, fill, isoWithOffset, randomIndex, uuid4 } from "./util.js";

/** @typedef {import("./api.js").KioskConfig} KioskConfig */
/** @typedef {import("./api.js").Questionnaire} Questionnaire */
/** @typedef {import("./api.js").Item} Item */
/** @typedef {import("./api.js").ItemKind} ItemKind */
/** @typedef {import("./store.js").ResilientStore} ResilientStore */
/** @typedef {import("./store.js").ResponseBody} ResponseBody */

/** @type {Record<string, string>} */
const LANGUAGE_NAMES = { vi: "Tiếng Việt", en: "English" };
const REFRESH_EVERY = 10 * 60 * 1000;
const RELOAD_AFTER = 24 * 3600 * 1000;
/** Ratings this low (1–2) lead to the reasons screen. */
const LOW_RATING = 2;
/** Facts shown together on one screen: three rows of big buttons fit 1280 × 800. */
const FACTS_PER_SCREEN = 3;
/**
 * The answers a fact offers, value → string key, then its null answer ("I do not
 * remember"; for a coverage item "I did not need it").
 * @type {Record<Exclude<ItemKind, "rating">, [number, string][]>}
 */
const FACT_CHOICES = {
  yes_no: [[1, "yes"], [2, "no"]],
  trips: [[1, "trips_1"], [2, "trips_2"], [3, "trips_3"], [4, "trips_4"]],
  need: [[1, "yes"], [2, "no"]],
};
/**
 * Until the server's settings arrive: only the words of the "unavailable" screen, which is
 * all that is shown before them (the page reloads to try again); hence the cast.
 */
const FALLBACK = /** @type {KioskConfig} */ (/** @type {unknown} */ ({
  strings: { vi: { unavailable: "Khảo sát chưa sẵn sàng. Xin hỏi cán bộ." } },
  languages: ["vi"], default_language: "vi" }));

/**
 * What is on the screen (also ``#screen[data-screen]``).
 * @typedef {"loading" | "pair" | "unavailable" | "attract" | "question" | "facts" |
 *   "service" | "reasons" | "thanks"} Screen
 */
/** The screens of the survey itself, where a claimant is answering. */
const SURVEY_SCREENS = /** @type {readonly Screen[]} */ (
  ["question", "facts", "service", "reasons"]);

/**
 * One claimant's answers so far.
 * @typedef {object} Draft
 * @property {string} id the response's id, so that it is stored once however often it is sent
 * @property {Questionnaire} questionnaire the version this claimant answers (a newer one
 *   fetched meanwhile waits for the next claimant)
 * @property {Item[]} items the items this claimant is asked, in questionnaire order
 * @property {number} step index in ``steps()`` of the screen shown
 * @property {Record<string, number | null>} answers item code → its value, or null (not
 *   applicable, do not remember); only the items answered, never an item not asked
 * @property {string | null} service
 * @property {Set<string>} reasons
 * @property {boolean} done queued: nothing more may change
 */
/**
 * The idle countdown on screen.
 * @typedef {{deadline: number, number: HTMLElement}} Countdown
 */
/**
 * Everything the kiosk page holds, in one place. ``screen``, ``language`` and ``draft``
 * change only through the transitions below (``show``, ``switchLanguage``, ``start``,
 * ``go``, ``complete``, ``renderThanks``, ``reset``); ``screen`` is set by ``show`` alone,
 * so it is always the screen shown.
 * @typedef {object} KioskState
 * @property {Screen} screen
 * @property {string} language of the screen and of the response being answered
 * @property {Draft | null} draft the claimant's answers, null between claimants
 * @property {Countdown | null} countdown
 * @property {KioskConfig} config settings and strings from the server (never from the URL)
 * @property {Questionnaire | null} questionnaire
 * @property {ResilientStore | null} store the queue; set before any screen can be used
 * @property {Sender | null} sender
 * @property {ReturnType<typeof setTimeout> | undefined} thanksTimer
 * @property {number} lastActivity when the screen was last touched (ms)
 * @property {number} lastRefresh when settings and questionnaire were last fetched (ms)
 * @property {number} startedAt when the page loaded (ms)
 * @property {boolean} updateReady a new version is installed: reload between two claimants
 * @property {boolean} revoked the server said this kiosk's pairing was revoked
 */

/** @type {KioskState} */
const state = {
  screen: "loading", language: "vi", draft: null, countdown: null,
  config: FALLBACK, questionnaire: null, store: null, sender: null, thanksTimer: undefined,
  lastActivity: Date.now(), lastRefresh: 0, startedAt: Date.now(), updateReady: false,
  revoked: false,
};
Object.assign(window, { kiosk: state });  // for staff diagnostics in the console and for tests

const screenRoot = () => /** @type {HTMLElement} */ (document.getElementById("screen"));

/**
 * A UI string in the current language (Vietnamese if missing there).
 * @param {string} key
 * @param {Record<string, string | number>} [values]
 * @returns {string}
 */
function t(key, values = {}) {
  const strings = state.config.strings;
  const text = (strings[state.language] || {})[key] ?? (strings.vi || {})[key] ?? key;
  return fill(text, values);
}

/**
 * A text of the server's in the current language (Vietnamese if missing there).
 * @param {{vi: string}} texts
 * @returns {string}
 */
const localized = (texts) =>
  /** @type {Record<string, string | undefined>} */ (texts)[state.language] || texts.vi;

/** The questionnaire; a claimant can only start when there is one. */
function questionnaire() {
  if (!state.questionnaire) throw new Error("kiosk: no questionnaire");
  return state.questionnaire;
}

/** The claimant's answers; only the survey screens use them. */
function draft() {
  if (!state.draft) throw new Error("kiosk: nobody is answering");
  return state.draft;
}

// --- rendering ---------------------------------------------------------------------------

/**
 * Put a screen up: the only place ``state.screen`` changes.
 * @param {Screen} screen
 * @param {...(Node | null)} children
 */
function show(screen, ...children) {
  state.screen = screen;
  const root = screenRoot();
  root.replaceChildren(el("section", { class: `screen screen-${screen}` }, ...children));
  root.dataset.screen = screen;
  document.documentElement.lang = state.language;
  renderHeader();
  const heading = root.querySelector("h1");
  if (heading) heading.focus({ preventScroll: true });
}

/**
 * @param {string} text
 * @param {string} [id]
 */
function heading(text, id = "screen-title") {
  return el("h1", { id, tabindex: "-1" }, text);
}

function renderHeader() {
  const header = /** @type {HTMLElement} */ (document.getElementById("languages"));
  const buttons = state.config.languages.map((code) => el("button", {
    type: "button", class: "lang", lang: code, "aria-pressed": String(code === state.language),
    onclick: () => switchLanguage(code),
  }, LANGUAGE_NAMES[code] || code));
  header.replaceChildren(...buttons);
  header.setAttribute("aria-label", t("language"));
  updateIndicator();
}

/** @param {string} code */
function switchLanguage(code) {
  state.language = code;
  render();
}

/** Show the current screen again (in another language). */
function render() {
  /** @type {Record<Screen, () => void>} */
  const renderers = { loading: () => {}, attract: renderAttract, pair: () => renderPair(),
                      thanks: renderThanks, unavailable: renderUnavailable,
                      question: renderStep, facts: renderStep, service: renderStep,
                      reasons: renderStep };
  renderers[state.screen]();
}

function renderUnavailable() {
  show("unavailable", heading(t("unavailable")));
}

function renderAttract() {
  const unit = api.device();
  const name = unit && unit.unit_name ? localized(unit.unit_name) : "";
  show("attract",
       el("div", { class: "attract", onclick: (/** @type {Event} */ event) => {
         const target = /** @type {Element} */ (event.target);
         if (!target.closest("button")) start();
       } },
          face(5),
          heading(t("attract_heading")),
          el("p", { class: "lead" }, t("attract_lead")),
          el("button", { type: "button", class: "primary start", onclick: start }, t("start")),
          name ? el("p", { class: "unit" }, name) : null));
}

/** @param {string} [message] */
function renderPair(message = "") {
  const input = el("input", { id: "pair-code", type: "text", inputmode: "numeric",
                              autocomplete: "off", maxlength: "16", "aria-describedby": "pair-lead" });
  const error = el("p", { class: "error", id: "pair-error", role: "alert" }, message);
  /** @param {Event} event */
  const submit = async (event) => {
    event.preventDefault();
    const result = await api.pair(input.value, state.language);
    if (result.ok) return afterPairing();
    error.textContent = result.network ? t("pair_network") : result.message || t("pair_network");
  };
  /** @type {(label: string, action: () => void, attrs?: Record<string, string>) => Node} */
  const key = (label, action, attrs = {}) => el("button", { type: "button", class: "key",
                                                             onclick: action, ...attrs }, label);
  const digits = "123456789".split("").map((d) => key(d, () => { input.value += d; }));
  const pad = el("div", { class: "keypad" }, ...digits,
                 key("⌫", () => { input.value = input.value.slice(0, -1); },
                     { "aria-label": t("pair_delete") }),
                 key("0", () => { input.value += "0"; }),
                 key(t("pair_clear"), () => { input.value = ""; }));
  show("pair", heading(t("pair_heading")),
       el("p", { class: "lead", id: "pair-lead" }, t("pair_lead")),
       el("form", { class: "pair", onsubmit: submit },
          el("label", { for: "pair-code" }, t("pair_label")), input, pad,
          el("button", { type: "submit", class: "primary" }, t("pair_button")), error));
}

async function afterPairing() {
  state.questionnaire = await api.loadQuestionnaire();
  state.sender?.kick();
  reset();
}

// --- the survey --------------------------------------------------------------------------

/**
 * A screen of the survey: one rated item, a few facts, the service, the coverage items
 * of the service chosen, or the reasons.
 * @typedef {{kind: "item", item: Item} | {kind: "facts", items: Item[]} | {kind: "service"} |
 *   {kind: "coverage", items: Item[]} | {kind: "reasons"}} Step
 */

/** @param {Item} item */
const isRated = (item) => (item.kind || "rating") === "rating";

/**
 * Whether a claimant of ``service`` is asked ``item``: a coverage item only of its
 * services' claimants (as the server's ``sampling.for_service``), the others of all.
 * @param {Item} item
 * @param {string | null} service
 */
const askedOf = (item, service) =>
  item.kind !== "need" || (service !== null && (!item.services || item.services.includes(service)));

/**
 * The items one claimant is asked, in questionnaire order: all of them, or under matrix
 * sampling the items without a dimension and one rated item per dimension, each drawn
 * with the same chance (as the server's ``sampling.asked_items``).
 * @param {Questionnaire} version
 * @returns {Item[]}
 */
function drawItems(version) {
  if (!version.matrix_sampling) return version.items;
  /** @type {Map<string, Item[]>} */
  const byDimension = new Map();
  for (const item of version.items) {
    if (isRated(item) && item.dimension) {
      byDimension.set(item.dimension, [...(byDimension.get(item.dimension) || []), item]);
    }
  }
  const chosen = new Set([...byDimension.values()]
    .map((items) => items[randomIndex(items.length)]));
  return version.items.filter((item) => !(isRated(item) && item.dimension) || chosen.has(item));
}

/** @returns {Step[]} */
function steps() {
  const { items, answers, service, questionnaire: version } = draft();
  /** @type {Step[]} */
  const list = [];
  for (const item of items) {
    const last = list[list.length - 1];
    if (item.kind === "need") continue;  // after the service, below
    if (isRated(item)) list.push({ kind: "item", item });
    else if (last && last.kind === "facts" && last.items.length < FACTS_PER_SCREEN) {
      last.items.push(item);
    } else list.push({ kind: "facts", items: [item] });
  }
  list.push({ kind: "service" });
  const coverage = items.filter((item) => item.kind === "need" && askedOf(item, service));
  if (coverage.length) list.push({ kind: "coverage", items: coverage });
  const low = items.some((item) => {
    const value = answers[item.code];
    return isRated(item) && value !== null && value !== undefined && value <= LOW_RATING;
  });
  if (low && version.reasons.length) list.push({ kind: "reasons" });
  return list;
}

/** A new claimant: the items they are asked, fresh answers, first question. */
function start() {
  const version = questionnaire();
  state.draft = { id: uuid4(), questionnaire: version, items: drawItems(version), step: 0,
                  answers: {}, service: null, reasons: new Set(), done: false };
  renderStep();
}

/** @param {number} delta */
function go(delta) {
  const next = draft().step + delta;
  if (next < 0) return reset();
  if (next >= steps().length) return complete(false);
  draft().step = next;
  renderStep();
}

function renderStep() {
  const step = steps()[draft().step];
  if (step.kind === "item") renderItem(step.item);
  else if (step.kind === "facts") renderFacts(step.items);
  else if (step.kind === "service") renderService();
  else if (step.kind === "coverage") renderFacts(step.items, t("coverage_heading"));
  else renderReasons();
}

function progress() {
  // Reasons and the service's coverage items are extra screens, not counted: the total
  // does not jump when they appear.
  const total = steps().filter((step) => step.kind !== "reasons" && step.kind !== "coverage")
    .length;
  if (draft().step >= total) return null;
  return el("p", { class: "progress" }, t("progress", { n: draft().step + 1, total }));
}

function backButton() {
  return el("button", { type: "button", class: "secondary back", onclick: () => go(-1) },
            "← ", t("back"));
}

/** @param {Item} item */
function renderItem(item) {
  const chosen = draft().answers[item.code];
  /** @param {number | null} value */
  const answer = (value) => {
    draft().answers[item.code] = value;
    go(1);
  };
  const faces = [1, 2, 3, 4, 5].map((value) => el("button", {
    type: "button", class: `face face-${value}`, "data-value": value,
    "aria-pressed": String(chosen === value), onclick: () => answer(value),
  }, face(value), el("span", {}, t(`scale_${value}`))));
  const notApplicable = item.dimension ? el("button", {
    type: "button", class: "secondary na", "aria-pressed": String(chosen === null),
    onclick: () => answer(null) }, t("not_applicable")) : null;
  // A rated aspect completes the version's stem ("How satisfied are you with:").
  const stem = draft().questionnaire.stem;
  const lead = stem && item.dimension ?
    el("p", { class: "stem", id: "screen-stem" }, localized(stem)) : null;
  show("question", progress(), lead, heading(localized(item)),
       el("div", { class: "faces", role: "group",
                   "aria-labelledby": lead ? "screen-stem screen-title" : "screen-title" },
          ...faces),
       el("div", { class: "actions" }, backButton(), notApplicable));
}

/**
 * Facts on one screen, a row of big buttons each; none is required, so "Next" goes on.
 * @param {Item[]} items
 * @param {string} [title] the screen's heading (default: the facts')
 */
function renderFacts(items, title) {
  const rows = items.map((item, index) => factRow(item, `fact-${index}`));
  show("facts", progress(), heading(title || t("facts_heading")),
       el("div", { class: "facts" }, ...rows),
       el("div", { class: "actions" }, backButton(),
          el("button", { type: "button", class: "primary next", onclick: () => go(1) },
             t("next"))));
}

/**
 * One fact: its question and its answers, then "I do not remember" (stored as null).
 * @param {Item} item
 * @param {string} id
 */
function factRow(item, id) {
  const answers = draft().answers;
  const kind = /** @type {Exclude<ItemKind, "rating">} */ (item.kind);
  /** @type {[number | null, string][]} */
  const choices = [...FACT_CHOICES[kind], [null, kind === "need" ? "no_need" : "dont_remember"]];
  /** @param {number | null} value */
  const pressed = (value) => String(item.code in answers && answers[item.code] === value);
  const buttons = choices.map(([value, key]) => el("button", {
    type: "button", class: value === null ? "choice fact-choice unsure" : "choice fact-choice",
    "data-value": value ?? "", "aria-pressed": pressed(value),
    onclick: () => {
      answers[item.code] = value;
      buttons.forEach((button, i) => button.setAttribute("aria-pressed", pressed(choices[i][0])));
    },
  }, t(key)));
  return el("div", { class: `fact fact-${kind}`, role: "group", "aria-labelledby": id,
                     "data-code": item.code },
            el("p", { class: "fact-question", id }, localized(item)),
            el("div", { class: "fact-choices" }, ...buttons));
}

function renderService() {
  const buttons = draft().questionnaire.services.map((service) => el("button", {
    type: "button", class: "choice", "data-code": service.code,
    "aria-pressed": String(draft().service === service.code),
    onclick: () => { draft().service = service.code; go(1); },
  }, localized(service)));
  show("service", progress(), heading(t("service_heading")),
       el("div", { class: "choices", role: "group", "aria-labelledby": "screen-title" },
          ...buttons),
       el("div", { class: "actions" }, backButton()));
}

function renderReasons() {
  const chosen = draft().reasons;
  const buttons = draft().questionnaire.reasons.map((reason) => el("button", {
    type: "button", class: "choice reason", "data-code": reason.code,
    "aria-pressed": String(chosen.has(reason.code)),
    onclick: (/** @type {Event} */ event) => {
      if (chosen.has(reason.code)) chosen.delete(reason.code);
      else chosen.add(reason.code);
      const button = /** @type {HTMLElement} */ (event.currentTarget);
      button.setAttribute("aria-pressed", String(chosen.has(reason.code)));
    },
  }, localized(reason)));
  show("reasons", progress(), heading(t("reasons_heading")),
       el("div", { class: "choices", role: "group", "aria-labelledby": "screen-title" },
          ...buttons),
       el("div", { class: "actions" }, backButton(),
          el("button", { type: "button", class: "primary send", onclick: () => go(1) },
             t("send"))));
}

/**
 * Queue the response (IndexedDB first), then thank and hand it to the sender.
 * @param {boolean} partial
 */
async function complete(partial) {
  const current = draft();
  if (current.done) return;
  current.done = true;
  if (!state.store) throw new Error("kiosk: no queue");
  /** @type {ResponseBody} */
  const body = {
    id: current.id, questionnaire_version: current.questionnaire.version,
    service: current.service,
    submitted_at: isoWithOffset(), locale: state.language, answers: askedAnswers(current),
    reasons: [...current.reasons], partial,
  };
  await state.store.add(body);  // IndexedDB, or memory if that fails: never dropped
  state.sender?.kick();
  updateIndicator();
  if (partial) return reset();
  renderThanks();
}

/**
 * The answers to send: a coverage item answered, then another service chosen (back), is
 * not asked of this claimant and is left out (the server would refuse it).
 * @param {Draft} current
 */
function askedAnswers(current) {
  const answers = { ...current.answers };
  for (const item of current.items) {
    if (item.code in answers && !askedOf(item, current.service)) delete answers[item.code];
  }
  return answers;
}

function renderThanks() {
  state.draft = null;
  show("thanks", el("div", { class: "thanks", onclick: reset }, face(5),
                    heading(t("thanks_heading")), el("p", { class: "lead" }, t("thanks_lead"))));
  clearTimeout(state.thanksTimer);
  state.thanksTimer = setTimeout(reset, state.config.thanks_seconds * 1000);
}

/** Back to the attract screen with nothing of the last person left. */
function reset() {
  clearTimeout(state.thanksTimer);
  hideCountdown();
  state.draft = null;
  if (state.updateReady && canReload()) return location.reload();  // between two people
  state.language = state.config.default_language || "vi";
  if (!api.device()) return renderPair(state.revoked ? t("pair_revoked") : "");
  if (!state.questionnaire) return renderUnavailable();
  renderAttract();
  maybeRefresh();
}

// --- idle countdown ----------------------------------------------------------------------

/** Someone is answering: a survey screen is shown and their response is not queued yet. */
const inSurvey = () => SURVEY_SCREENS.includes(state.screen) && state.draft !== null &&
  !state.draft.done;

/** A claimant is at the kiosk: answering, or being thanked. */
const claimantPresent = () => SURVEY_SCREENS.includes(state.screen) || state.screen === "thanks";

function tick() {
  const now = Date.now();
  if (!inSurvey()) return hideCountdown();
  if (state.countdown) {
    const left = Math.ceil((state.countdown.deadline - now) / 1000);
    if (left <= 0) return expire();
    state.countdown.number.textContent = t("idle_lead", { s: left });
  } else if (now - state.lastActivity >= state.config.idle_seconds * 1000) {
    showCountdown(now + state.config.countdown_seconds * 1000);
  }
}

/** @param {number} deadline */
function showCountdown(deadline) {
  const overlay = /** @type {HTMLElement} */ (document.getElementById("overlay"));
  const lead = el("p", { id: "idle-lead", class: "lead" },
                  t("idle_lead", { s: state.config.countdown_seconds }));
  const button = el("button", { type: "button", class: "primary" }, t("continue"));
  overlay.replaceChildren(el("div", {
    class: "dialog", role: "alertdialog", "aria-modal": "true",
    "aria-labelledby": "idle-title", "aria-describedby": "idle-lead",
  }, el("h2", { id: "idle-title" }, t("idle_heading")), lead, button));
  overlay.hidden = false;
  /** @type {HTMLElement} */ (document.querySelector(".kiosk")).inert = true;
  state.countdown = { deadline, number: lead };
  button.focus();
}

function hideCountdown() {
  if (!state.countdown) return;
  state.countdown = null;
  const overlay = /** @type {HTMLElement} */ (document.getElementById("overlay"));
  overlay.hidden = true;
  overlay.replaceChildren();
  /** @type {HTMLElement} */ (document.querySelector(".kiosk")).inert = false;
  state.lastActivity = Date.now();
}

function expire() {
  const overall = draft().answers.overall;
  const answered = overall !== undefined && overall !== null;
  hideCountdown();
  if (answered && state.config.submit_partial) complete(true);
  else reset();
}

// --- staff indicator and background work -------------------------------------------------

async function updateIndicator() {
  const node = document.getElementById("queue");
  if (!state.store || !node) return;
  const { queued, setAside } = await state.store.counts();
  const unsaved = state.store.unsaved;
  node.dataset.queued = String(queued);
  node.dataset.setAside = String(setAside);
  node.dataset.unsaved = String(unsaved);
  const parts = [];
  if (queued) parts.push(t("queue", { n: queued }));
  if (unsaved) parts.push(t("unsaved", { n: unsaved }));
  if (setAside) parts.push(t("set_aside", { n: setAside }));
  if (!navigator.onLine) parts.push(t("offline"));
  node.textContent = parts.join(" · ");
}

/** A reload would lose responses held only in memory (IndexedDB failing): not then. */
const canReload = () => !state.store || state.store.unsaved === 0;

async function maybeRefresh() {
  if (Date.now() - state.startedAt > RELOAD_AFTER && navigator.onLine && canReload()) {
    return location.reload();
  }
  if (Date.now() - state.lastRefresh < REFRESH_EVERY || !navigator.onLine) return;
  state.lastRefresh = Date.now();
  checkForUpdate();
  const [config, fresh] = await Promise.all([api.loadConfig(), api.loadQuestionnaire()]);
  state.config = config || state.config;
  state.questionnaire = fresh || state.questionnaire;
  if (state.screen === "attract") renderAttract();  // a new version shows from the next person
}

function listen() {
  const activity = () => { state.lastActivity = Date.now(); };
  for (const type of ["pointerdown", "keydown", "touchstart"]) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  }
  /** @type {HTMLElement} */ (document.getElementById("overlay"))
    .addEventListener("click", hideCountdown);
  document.addEventListener("keydown", onKey);
  window.addEventListener("online", () => { state.sender?.kick(); updateIndicator(); });
  window.addEventListener("offline", updateIndicator);
  setInterval(tick, 250);
  setInterval(updateIndicator, 10000);
  setInterval(() => { if (state.screen === "attract") maybeRefresh(); }, 60000);
}

/** @param {KeyboardEvent} event */
function onKey(event) {
  if (state.countdown) return hideCountdown();
  const step = inSurvey() && steps()[draft().step];
  if (!step || step.kind !== "item" || event.ctrlKey || event.altKey) return;
  /** @param {string} selector */
  const press = (selector) => /** @type {HTMLElement} */ (screenRoot().querySelector(selector))
    .click();
  if (/^[1-5]$/.test(event.key)) {
    event.preventDefault();
    press(`.face-${event.key}`);
  } else if (event.key === "0" && step.item.dimension) {
    event.preventDefault();
    press(".na");
  }
}

/** Ask the server whether the kiosk's files changed; the service worker installs them. */
function checkForUpdate() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.getRegistration("/kiosk/")
    .then((registration) => registration && registration.update())
    .catch(() => null);  // offline or server down: the current version goes on working
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  // The first install only takes control of this page; a later change of controller means
  // a new version is installed whole: reload into it now if nobody is answering, else after.
  let controlled = navigator.serviceWorker.controller !== null;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!controlled) {
      controlled = true;
      return;
    }
    state.updateReady = true;
    if (!claimantPresent() && canReload()) location.reload();
  });
  navigator.serviceWorker.register("/kiosk/sw.js", { scope: "/kiosk/" })
    .catch((error) => console.warn("kiosk: no service worker", error));
}

async function main() {
  lockDown();
  registerServiceWorker();
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
  state.store = await openQueue();
  const config = await api.loadConfig();
  if (!config) {  // never reached the server yet: try again shortly
    renderUnavailable();  // in the words of FALLBACK
    setTimeout(() => location.reload(), 15000);
    return;
  }
  state.config = config;
  state.questionnaire = await api.loadQuestionnaire();
  state.lastRefresh = Date.now();
  state.sender = new Sender(state.store, {
    batchSize: config.batch_size,
    heartbeat: (config.heartbeat_seconds || 600) * 1000,
    token: () => api.device()?.token || null,
    onChange: updateIndicator,
    onRevoked: () => {
      state.revoked = true;
      api.forgetDevice();
      if (!inSurvey()) reset();
    },
  });
  listen();
  reset();
  state.sender.start();
  document.body.dataset.ready = "true";
}

main();
