// @ts-check
// Talking to the server: settings, the questionnaire and pairing. Settings and the
// questionnaire are kept in localStorage so that the kiosk starts and runs offline.

/**
 * Words in each language the kiosk offers, by language code; Vietnamese is always there.
 * @typedef {{vi: string, [language: string]: string}} Localized
 */
/**
 * The kiosk's settings and every UI string, from ``/kiosk/config.json`` (the server's
 * ``KIOSK_*`` settings; nothing on the kiosk overrides them).
 * @typedef {object} KioskConfig
 * @property {number} idle_seconds idle time before the reset countdown starts
 * @property {number} countdown_seconds length of that countdown
 * @property {boolean} submit_partial whether an idle kiosk keeps what was answered
 * @property {number} thanks_seconds how long the thank-you screen stays up
 * @property {number} heartbeat_seconds between "still here" calls when there is nothing to send
 * @property {number} batch_size responses per upload
 * @property {string[]} languages language codes, in the order of their buttons
 * @property {string} default_language the language each claimant starts in
 * @property {Record<string, Record<string, string>>} strings language → key → text
 */
/**
 * What an item asks: a 1–5 rating; a fact answered yes (1) or no (2); the number of
 * trips, 1–4 (4 = four or more); a coverage item ("need"), yes (1), no (2) or "I did
 * not need it" (null), asked after the service of its services' claimants only.
 * Copies kept from older servers have no kind: "rating".
 * @typedef {"rating" | "yes_no" | "trips" | "need"} ItemKind
 */
/**
 * @typedef {object} Item
 * @property {string} code
 * @property {string | null} dimension null for the overall question (no "not applicable")
 *   and for the facts
 * @property {boolean} [required]
 * @property {ItemKind} [kind]
 * @property {string[]} [services] codes of the services whose claimants are asked it
 *   (absent: everyone)
 * @property {string} vi
 * @property {string} [en]
 */
/** @typedef {{code: string, vi: string, [language: string]: string}} Choice */
/**
 * The published questionnaire, from ``/api/v1/questionnaire``.
 * @typedef {object} Questionnaire
 * @property {number} version
 * @property {boolean} [matrix_sampling] each claimant is asked the items without a
 *   dimension and one rated item per dimension, drawn at random
 * @property {Localized | null} [stem] the question that rated aspects complete
 * @property {Item[]} items
 * @property {Choice[]} services
 * @property {Choice[]} reasons
 */
/**
 * This kiosk's pairing.
 * @typedef {object} Device
 * @property {string} token
 * @property {string} device
 * @property {number} device_id
 * @property {string} unit
 * @property {Localized} unit_name
 */

const KEYS = { config: "kiosk.config", questionnaire: "kiosk.questionnaire", device: "kiosk.device" };

/**
 * @param {string} key
 * @returns {any}
 */
function readLocal(key) {
  try {
    return JSON.parse(localStorage.getItem(key) ?? "null");
  } catch (error) {
    return null;
  }
}

/**
 * @param {string} key
 * @param {unknown} value
 */
function writeLocal(key, value) {
  if (value === null) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(value));
}

/**
 * @param {string} url
 * @returns {Promise<any>}
 */
async function fetchJson(url) {
  const response = await fetch(url, { cache: "no-cache", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

/**
 * Fresh from the server when reachable, else the last copy kept; null if never loaded.
 * @param {string} url
 * @param {string} key
 * @returns {Promise<any>}
 */
async function freshOrKept(url, key) {
  try {
    const value = await fetchJson(url);
    writeLocal(key, value);
    return value;
  } catch (error) {
    return readLocal(key);
  }
}

/** @type {() => Promise<KioskConfig | null>} */
export const loadConfig = () => freshOrKept("/kiosk/config.json", KEYS.config);
/** @type {() => Promise<Questionnaire | null>} */
export const loadQuestionnaire = () =>
  freshOrKept("/api/v1/questionnaire?kinds=need", KEYS.questionnaire);

/**
 * {token, device, unit, unit_name} of the pairing, or null.
 * @type {() => Device | null}
 */
export const device = () => readLocal(KEYS.device);
export const forgetDevice = () => writeLocal(KEYS.device, null);

/**
 * Exchange a pairing code; resolves to {ok, message}.
 * @param {string} code
 * @param {string} lang
 * @returns {Promise<{ok: boolean, network?: boolean, message?: string}>}
 */
export async function pair(code, lang) {
  let response;
  try {
    response = await fetch(`/api/v1/kiosk/pair?lang=${encodeURIComponent(lang)}`, {
      method: "POST", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ code }),
    });
  } catch (error) {
    return { ok: false, network: true };
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.token) return { ok: false, message: body.message };
  writeLocal(KEYS.device, body);
  return { ok: true };
}
