// @ts-check
// Posts queued responses in batches, retries with backoff, deletes only acknowledged ids.
import { sleep } from "./util.js";

const MIN_DELAY = 2000;
const MAX_DELAY = 5 * 60 * 1000;
const IDLE_CHECK = 60 * 1000;

/** @typedef {import("./store.js").Queue} Queue */
/** @typedef {import("./store.js").QueuedRecord} QueuedRecord */
/**
 * @typedef {object} SenderOptions
 * @property {number} [batchSize] responses per POST (halved on 413)
 * @property {number} [heartbeat] ms between empty "still here" posts
 * @property {() => string | null} token the pairing's bearer token, or null if unpaired
 * @property {() => void} onChange after each batch the server answered
 * @property {() => void} onRevoked on 401: the pairing is no longer valid
 */

export class Sender {
  /**
   * @param {Queue} store the IndexedDB queue
   * @param {SenderOptions} options
   */
  constructor(store, options) {
    this.store = store;
    this.options = options;
    this.batchSize = options.batchSize || 100;
    this.heartbeat = options.heartbeat || 10 * 60 * 1000;
    this.lastContact = 0;
    this.failures = 0;
    /** @type {((value?: unknown) => void) | null} resolves the pause under way */
    this.wake = null;
    this.kicked = false;
    this.running = false;
  }

  /** Send soon (a new response, back online, re-paired). */
  kick() {
    this.kicked = true;
    if (this.wake) this.wake();
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop().catch((error) => console.error("sender stopped", error));
  }

  /**
   * @param {number} ms
   * @returns {Promise<void>}
   */
  async pause(ms) {
    if (this.kicked) {
      this.kicked = false;
      return;
    }
    await Promise.race([sleep(ms), new Promise((resolve) => { this.wake = resolve; })]);
    this.wake = null;
    this.kicked = false;
  }

  /** @returns {number} */
  backoff() {
    this.failures += 1;
    const base = Math.min(MAX_DELAY, MIN_DELAY * 2 ** (this.failures - 1));
    return base * (0.5 + Math.random() / 2);
  }

  async loop() {
    for (;;) {
      try {
        const token = this.options.token();
        const batch = token ? await this.store.oldest(this.batchSize) : [];
        if (!token || !batch.length) {
          // Nothing to send: an empty batch now and then says "still here" (the server
          // records when it last heard from each kiosk) and finds out about a revocation.
          if (token && Date.now() - this.lastContact >= this.heartbeat) {
            const delay = await this.sendOnce(token, []);
            if (delay > 0) await this.pause(delay);
          }
          await this.pause(Math.min(IDLE_CHECK, this.heartbeat));
          continue;
        }
        const delay = await this.sendOnce(token, batch);
        this.options.onChange();
        if (delay > 0) await this.pause(delay);
      } catch (error) {  // e.g. IndexedDB failed: keep going, the queue is still there
        console.error("kiosk: sender", error);
        await this.pause(this.backoff());
      }
    }
  }

  /**
   * One POST; returns how long to wait before the next attempt (0 = go on).
   * @param {string} token
   * @param {QueuedRecord[]} batch
   * @returns {Promise<number>}
   */
  async sendOnce(token, batch) {
    let response;
    try {
      response = await fetch("/api/v1/responses", {
        method: "POST", cache: "no-store",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({ responses: batch.map((record) => record.body) }),
      });
    } catch (error) {
      return this.backoff();  // offline or server down
    }
    if (response.status === 200 || response.status === 422) {
      const result = await response.json().catch(() => null);
      if (!result || !Array.isArray(result.accepted)) return this.backoff();
      this.lastContact = Date.now();
      await this.store.acknowledge([...result.accepted, ...result.duplicates]);
      if (result.rejected.length) console.warn("kiosk: responses refused", result.rejected);
      await this.store.setAside(result.rejected);
      this.failures = 0;
      return 0;
    }
    if (response.status === 401) {
      this.options.onRevoked();
      return MAX_DELAY;
    }
    if (response.status === 413 && this.batchSize > 1) {
      this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
      return 0;
    }
    return this.backoff();
  }
}
