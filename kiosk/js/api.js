// Talking to the server: settings, the questionnaire and pairing. Settings and the
// questionnaire are kept in localStorage so that the kiosk starts and runs offline.

const KEYS = { config: "kiosk.config", questionnaire: "kiosk.questionnaire", device: "kiosk.device" };

function readLocal(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch (error) {
    return null;
  }
}

function writeLocal(key, value) {
  if (value === null) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(value));
}

async function fetchJson(url) {
  const response = await fetch(url, { cache: "no-cache", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

/** Fresh from the server when reachable, else the last copy kept; null if never loaded. */
async function freshOrKept(url, key) {
  try {
    const value = await fetchJson(url);
    writeLocal(key, value);
    return value;
  } catch (error) {
    return readLocal(key);
  }
}

export const loadConfig = () => freshOrKept("/kiosk/config.json", KEYS.config);
export const loadQuestionnaire = () => freshOrKept("/api/v1/questionnaire", KEYS.questionnaire);

/** {token, device, unit, unit_name} of the pairing, or null. */
export const device = () => readLocal(KEYS.device);
export const forgetDevice = () => writeLocal(KEYS.device, null);

/** Exchange a pairing code; resolves to {ok, message}. */
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
