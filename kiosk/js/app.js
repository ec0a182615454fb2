// The counter kiosk: attract screen → one question per screen → service → reasons →
// thank you → attract screen. Every completed response is queued in IndexedDB first.
import * as api from "./api.js";
import { face } from "./faces.js";
import { lockDown } from "./lockdown.js";
import { Sender } from "./sender.js";
import { openQueue } from "./store.js";
import { el, fill, isoWithOffset, uuid4 } from "./util.js";

const LANGUAGE_NAMES = { vi: "Tiếng Việt", en: "English" };
const REFRESH_EVERY = 10 * 60 * 1000;
const RELOAD_AFTER = 24 * 3600 * 1000;
const FALLBACK = { strings: { vi: { unavailable: "Khảo sát chưa sẵn sàng. Xin hỏi cán bộ." } },
                   languages: ["vi"], default_language: "vi" };

const params = new URLSearchParams(location.search);
const kiosk = {
  config: null, questionnaire: null, store: null, sender: null, locale: "vi",
  screen: "loading", state: null, thanksTimer: null, countdown: null,
  lastActivity: Date.now(), lastRefresh: 0, startedAt: Date.now(), updateReady: false,
};
window.kiosk = kiosk;  // for staff diagnostics in the console and for tests

const screenRoot = () => document.getElementById("screen");

function t(key, values = {}) {
  const strings = kiosk.config.strings;
  const text = (strings[kiosk.locale] || {})[key] ?? (strings.vi || {})[key] ?? key;
  return fill(text, values);
}

function setting(name) {
  const asked = Number(params.get(name.replace("_seconds", "")));
  return Number.isFinite(asked) && asked > 0 ? asked : kiosk.config[name];
}

function newState() {
  return { id: uuid4(), step: 0, answers: {}, service: null, reasons: new Set(), done: false };
}

// --- rendering ---------------------------------------------------------------------------

function show(name, ...children) {
  kiosk.screen = name;
  const root = screenRoot();
  root.replaceChildren(el("section", { class: `screen screen-${name}` }, ...children));
  root.dataset.screen = name;
  document.documentElement.lang = kiosk.locale;
  renderHeader();
  const heading = root.querySelector("h1");
  if (heading) heading.focus({ preventScroll: true });
}

function heading(text, id = "screen-title") {
  return el("h1", { id, tabindex: "-1" }, text);
}

function renderHeader() {
  const header = document.getElementById("languages");
  const buttons = kiosk.config.languages.map((code) => el("button", {
    type: "button", class: "lang", lang: code, "aria-pressed": String(code === kiosk.locale),
    onclick: () => switchLanguage(code),
  }, LANGUAGE_NAMES[code] || code));
  header.replaceChildren(...buttons);
  header.setAttribute("aria-label", t("language"));
  updateIndicator();
}

function switchLanguage(code) {
  kiosk.locale = code;
  render();
}

function render() {
  const renderers = { attract: renderAttract, pair: () => renderPair(), thanks: renderThanks,
                      question: renderStep, unavailable: renderUnavailable };
  (renderers[kiosk.screen] || renderStep)();
}

function renderUnavailable() {
  show("unavailable", heading(t("unavailable")));
}

function renderAttract() {
  const unit = api.device();
  const name = unit && unit.unit_name ? unit.unit_name[kiosk.locale] || unit.unit_name.vi : "";
  show("attract",
       el("div", { class: "attract", onclick: (event) => {
         if (!event.target.closest("button")) start();
       } },
          face(5),
          heading(t("attract_heading")),
          el("p", { class: "lead" }, t("attract_lead")),
          el("button", { type: "button", class: "primary start", onclick: start }, t("start")),
          name ? el("p", { class: "unit" }, name) : null));
}

function renderPair(message = "") {
  const input = el("input", { id: "pair-code", type: "text", inputmode: "numeric",
                              autocomplete: "off", maxlength: "16", "aria-describedby": "pair-lead" });
  const error = el("p", { class: "error", id: "pair-error", role: "alert" }, message);
  const submit = async (event) => {
    event.preventDefault();
    const result = await api.pair(input.value, kiosk.locale);
    if (result.ok) return afterPairing();
    error.textContent = result.network ? t("pair_network") : result.message || t("pair_network");
  };
  const key = (label, action, attrs = {}) => el("button", { type: "button", class: "key",
                                                             onclick: action, ...attrs }, label);
  const digits = "123456789".split("").map((d) => key(d, () => { input.value += d; }));
  const pad = el("div", { class: "keypad" }, ...digits,
                 key("⌫", () => { input.value = input.value.slice(0, -1); },
                     { "aria-label": t("pair_delete") }),
                 key("0", () => { input.value += "0"; }),
                 key(t("pair_clear"), () => { input.value = ""; }));
  kiosk.screen = "pair";
  show("pair", heading(t("pair_heading")),
       el("p", { class: "lead", id: "pair-lead" }, t("pair_lead")),
       el("form", { class: "pair", onsubmit: submit },
          el("label", { for: "pair-code" }, t("pair_label")), input, pad,
          el("button", { type: "submit", class: "primary" }, t("pair_button")), error));
}

async function afterPairing() {
  kiosk.questionnaire = await api.loadQuestionnaire();
  kiosk.sender.kick();
  reset();
}

// --- the survey --------------------------------------------------------------------------

function steps() {
  const list = kiosk.questionnaire.items.map((item) => ({ kind: "item", item }));
  list.push({ kind: "service" });
  const low = Object.values(kiosk.state.answers).some((v) => v !== null && v <= 3);
  if (low && kiosk.questionnaire.reasons.length) list.push({ kind: "reasons" });
  return list;
}

function start() {
  kiosk.state = newState();
  kiosk.screen = "question";
  renderStep();
}

function go(delta) {
  const next = kiosk.state.step + delta;
  if (next < 0) return reset();
  if (next >= steps().length) return complete(false);
  kiosk.state.step = next;
  renderStep();
}

function renderStep() {
  const step = steps()[kiosk.state.step];
  if (step.kind === "item") renderItem(step.item);
  else if (step.kind === "service") renderService();
  else renderReasons();
}

function progress() {
  // Reasons are an extra screen, not a question: the total does not jump when they appear.
  const total = kiosk.questionnaire.items.length + 1;
  if (kiosk.state.step >= total) return null;
  return el("p", { class: "progress" }, t("progress", { n: kiosk.state.step + 1, total }));
}

function backButton() {
  return el("button", { type: "button", class: "secondary back", onclick: () => go(-1) },
            "← ", t("back"));
}

function renderItem(item) {
  const chosen = kiosk.state.answers[item.code];
  const answer = (value) => {
    kiosk.state.answers[item.code] = value;
    go(1);
  };
  const faces = [1, 2, 3, 4, 5].map((value) => el("button", {
    type: "button", class: `face face-${value}`, "data-value": value,
    "aria-pressed": String(chosen === value), onclick: () => answer(value),
  }, face(value), el("span", {}, t(`scale_${value}`))));
  const notApplicable = item.dimension ? el("button", {
    type: "button", class: "secondary na", "aria-pressed": String(chosen === null),
    onclick: () => answer(null) }, t("not_applicable")) : null;
  kiosk.screen = "question";
  show("question", progress(), heading(item[kiosk.locale] || item.vi),
       el("div", { class: "faces", role: "group", "aria-labelledby": "screen-title" }, ...faces),
       el("div", { class: "actions" }, backButton(), notApplicable));
}

function renderService() {
  const buttons = kiosk.questionnaire.services.map((service) => el("button", {
    type: "button", class: "choice", "data-code": service.code,
    "aria-pressed": String(kiosk.state.service === service.code),
    onclick: () => { kiosk.state.service = service.code; go(1); },
  }, service[kiosk.locale] || service.vi));
  show("service", progress(), heading(t("service_heading")),
       el("div", { class: "choices", role: "group", "aria-labelledby": "screen-title" },
          ...buttons),
       el("div", { class: "actions" }, backButton()));
  kiosk.screen = "question";
}

function renderReasons() {
  const chosen = kiosk.state.reasons;
  const buttons = kiosk.questionnaire.reasons.map((reason) => el("button", {
    type: "button", class: "choice reason", "data-code": reason.code,
    "aria-pressed": String(chosen.has(reason.code)),
    onclick: (event) => {
      if (chosen.has(reason.code)) chosen.delete(reason.code);
      else chosen.add(reason.code);
      event.currentTarget.setAttribute("aria-pressed", String(chosen.has(reason.code)));
    },
  }, reason[kiosk.locale] || reason.vi));
  show("reasons", progress(), heading(t("reasons_heading")),
       el("div", { class: "choices", role: "group", "aria-labelledby": "screen-title" },
          ...buttons),
       el("div", { class: "actions" }, backButton(),
          el("button", { type: "button", class: "primary send", onclick: () => go(1) },
             t("send"))));
  kiosk.screen = "question";
}

/** Queue the response (IndexedDB first), then thank and hand it to the sender. */
async function complete(partial) {
  const state = kiosk.state;
  if (state.done) return;
  state.done = true;
  const body = {
    id: state.id, questionnaire_version: kiosk.questionnaire.version, service: state.service,
    submitted_at: isoWithOffset(), locale: kiosk.locale, answers: { ...state.answers },
    reasons: [...state.reasons], partial,
  };
  await kiosk.store.add(body);  // IndexedDB, or memory if that fails: never dropped
  kiosk.sender.kick();
  updateIndicator();
  if (partial) return reset();
  renderThanks();
}

function renderThanks() {
  kiosk.state = null;
  show("thanks", el("div", { class: "thanks", onclick: reset }, face(5),
                    heading(t("thanks_heading")), el("p", { class: "lead" }, t("thanks_lead"))));
  clearTimeout(kiosk.thanksTimer);
  kiosk.thanksTimer = setTimeout(reset, setting("thanks_seconds") * 1000);
}

/** Back to the attract screen with nothing of the last person left. */
function reset() {
  clearTimeout(kiosk.thanksTimer);
  hideCountdown();
  kiosk.state = null;
  if (kiosk.updateReady && canReload()) return location.reload();  // between two people
  kiosk.locale = kiosk.config.default_language || "vi";
  if (!api.device()) return renderPair(kiosk.revoked ? t("pair_revoked") : "");
  if (!kiosk.questionnaire) return renderUnavailable();
  renderAttract();
  maybeRefresh();
}

// --- idle countdown ----------------------------------------------------------------------

const inSurvey = () => kiosk.screen === "question" && kiosk.state && !kiosk.state.done;

function tick() {
  const now = Date.now();
  if (!inSurvey()) return hideCountdown();
  if (kiosk.countdown) {
    const left = Math.ceil((kiosk.countdown.deadline - now) / 1000);
    if (left <= 0) return expire();
    kiosk.countdown.number.textContent = t("idle_lead", { s: left });
  } else if (now - kiosk.lastActivity >= setting("idle_seconds") * 1000) {
    showCountdown(now + setting("countdown_seconds") * 1000);
  }
}

function showCountdown(deadline) {
  const overlay = document.getElementById("overlay");
  const lead = el("p", { id: "idle-lead", class: "lead" },
                  t("idle_lead", { s: setting("countdown_seconds") }));
  const button = el("button", { type: "button", class: "primary" }, t("continue"));
  overlay.replaceChildren(el("div", {
    class: "dialog", role: "alertdialog", "aria-modal": "true",
    "aria-labelledby": "idle-title", "aria-describedby": "idle-lead",
  }, el("h2", { id: "idle-title" }, t("idle_heading")), lead, button));
  overlay.hidden = false;
  document.querySelector(".kiosk").inert = true;
  kiosk.countdown = { deadline, number: lead };
  button.focus();
}

function hideCountdown() {
  if (!kiosk.countdown) return;
  kiosk.countdown = null;
  document.getElementById("overlay").hidden = true;
  document.getElementById("overlay").replaceChildren();
  document.querySelector(".kiosk").inert = false;
  kiosk.lastActivity = Date.now();
}

function expire() {
  const answered = kiosk.state.answers.overall !== undefined &&
    kiosk.state.answers.overall !== null;
  hideCountdown();
  if (answered && kiosk.config.submit_partial) complete(true);
  else reset();
}

// --- staff indicator and background work -------------------------------------------------

async function updateIndicator() {
  const node = document.getElementById("queue");
  if (!kiosk.store || !node) return;
  const { queued, setAside } = await kiosk.store.counts();
  const unsaved = kiosk.store.unsaved;
  node.dataset.queued = queued;
  node.dataset.setAside = setAside;
  node.dataset.unsaved = unsaved;
  const parts = [];
  if (queued) parts.push(t("queue", { n: queued }));
  if (unsaved) parts.push(t("unsaved", { n: unsaved }));
  if (setAside) parts.push(t("set_aside", { n: setAside }));
  if (!navigator.onLine) parts.push(t("offline"));
  node.textContent = parts.join(" · ");
}

/** A reload would lose responses held only in memory (IndexedDB failing): not then. */
const canReload = () => !kiosk.store || kiosk.store.unsaved === 0;

async function maybeRefresh() {
  if (Date.now() - kiosk.startedAt > RELOAD_AFTER && navigator.onLine && canReload()) {
    return location.reload();
  }
  if (Date.now() - kiosk.lastRefresh < REFRESH_EVERY || !navigator.onLine) return;
  kiosk.lastRefresh = Date.now();
  checkForUpdate();
  const [config, questionnaire] = await Promise.all([api.loadConfig(), api.loadQuestionnaire()]);
  kiosk.config = config || kiosk.config;
  kiosk.questionnaire = questionnaire || kiosk.questionnaire;
  if (kiosk.screen === "attract") renderAttract();  // a new version shows from the next person
}

function listen() {
  const activity = () => { kiosk.lastActivity = Date.now(); };
  for (const type of ["pointerdown", "keydown", "touchstart"]) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  }
  document.getElementById("overlay").addEventListener("click", hideCountdown);
  document.addEventListener("keydown", onKey);
  window.addEventListener("online", () => { kiosk.sender.kick(); updateIndicator(); });
  window.addEventListener("offline", updateIndicator);
  setInterval(tick, 250);
  setInterval(updateIndicator, 10000);
  setInterval(() => { if (kiosk.screen === "attract") maybeRefresh(); }, 60000);
}

function onKey(event) {
  if (kiosk.countdown) return hideCountdown();
  const step = inSurvey() && steps()[kiosk.state.step];
  if (!step || step.kind !== "item" || event.ctrlKey || event.altKey) return;
  if (/^[1-5]$/.test(event.key)) {
    event.preventDefault();
    screenRoot().querySelector(`.face-${event.key}`).click();
  } else if (event.key === "0" && step.item.dimension) {
    event.preventDefault();
    screenRoot().querySelector(".na").click();
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
    kiosk.updateReady = true;
    if (!["question", "service", "reasons", "thanks"].includes(kiosk.screen) && canReload()) {
      location.reload();
    }
  });
  navigator.serviceWorker.register("/kiosk/sw.js", { scope: "/kiosk/" })
    .catch((error) => console.warn("kiosk: no service worker", error));
}

async function main() {
  lockDown();
  registerServiceWorker();
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
  kiosk.store = await openQueue();
  kiosk.config = await api.loadConfig();
  if (!kiosk.config) {  // never reached the server yet: try again shortly
    kiosk.config = FALLBACK;
    renderUnavailable();
    setTimeout(() => location.reload(), 15000);
    return;
  }
  kiosk.questionnaire = await api.loadQuestionnaire();
  kiosk.lastRefresh = Date.now();
  kiosk.sender = new Sender(kiosk.store, {
    batchSize: kiosk.config.batch_size,
    heartbeat: (setting("heartbeat_seconds") || 600) * 1000,
    token: () => (api.device() || {}).token || null,
    onChange: updateIndicator,
    onRevoked: () => {
      kiosk.revoked = true;
      api.forgetDevice();
      if (!inSurvey()) reset();
    },
  });
  listen();
  reset();
  kiosk.sender.start();
  document.body.dataset.ready = "true";
}

main();
