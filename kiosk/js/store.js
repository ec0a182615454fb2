// @ts-check
// The offline queue in IndexedDB. A response is written here before anything else
// happens; it leaves the queue only when the server acknowledged its id.

const DB_NAME = "bhtn-kiosk";
const QUEUE = "queue";
const SET_ASIDE = "set_aside";

/**
 * One response as the kiosk posts it to ``/api/v1/responses``.
 * @typedef {object} ResponseBody
 * @property {string} id
 * @property {number} questionnaire_version
 * @property {string | null} service
 * @property {string} submitted_at
 * @property {string} locale
 * @property {Record<string, number | null>} answers
 * @property {string[]} reasons
 * @property {boolean} partial
 */
/**
 * A queued response: ``t`` orders the queue (oldest first).
 * @typedef {{id: string, t: number, body: ResponseBody}} QueuedRecord
 */
/**
 * A response the server refused, kept aside with its errors.
 * @typedef {QueuedRecord & {errors: unknown, refused_at: number}} SetAsideRecord
 */
/** @typedef {{id: unknown, errors: unknown}} Rejected */
/** @typedef {{queued: number, setAside: number}} Counts */

/**
 * What the sender needs of a queue.
 * @typedef {object} Queue
 * @property {(n: number) => Promise<QueuedRecord[]>} oldest
 * @property {(ids: string[]) => Promise<void>} acknowledge
 * @property {(rejected: Rejected[]) => Promise<void>} setAside
 */

/**
 * @template T
 * @param {IDBRequest<T>} request
 * @returns {Promise<T>}
 */
function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * @param {IDBTransaction} tx
 * @returns {Promise<void>}
 */
function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

/**
 * @param {string} [name]
 * @returns {Promise<Store>}
 */
export async function openStore(name = DB_NAME) {
  const request = indexedDB.open(name, 1);
  request.onupgradeneeded = () => {
    const db = request.result;
    const queue = db.createObjectStore(QUEUE, { keyPath: "id" });
    queue.createIndex("t", "t");
    db.createObjectStore(SET_ASIDE, { keyPath: "id" });
  };
  return new Store(await promised(request));
}

export class Store {
  /** @param {IDBDatabase} db */
  constructor(db) { this.db = db; }

  /**
   * Queue one response body; resolves once the write is durable.
   * @param {ResponseBody} body
   * @returns {Promise<void>}
   */
  async add(body) {
    const tx = this.db.transaction(QUEUE, "readwrite");
    tx.objectStore(QUEUE).put({ id: body.id, t: Date.now(), body });
    await done(tx);
  }

  /**
   * Up to ``n`` queued records, oldest first.
   * @param {number} n
   * @returns {Promise<QueuedRecord[]>}
   */
  async oldest(n) {
    const tx = this.db.transaction(QUEUE, "readonly");
    return promised(tx.objectStore(QUEUE).index("t").getAll(null, n));
  }

  /**
   * Delete acknowledged ids (accepted or already stored).
   * @param {string[]} ids
   * @returns {Promise<void>}
   */
  async acknowledge(ids) {
    if (!ids.length) return;
    const tx = this.db.transaction(QUEUE, "readwrite");
    for (const id of ids) tx.objectStore(QUEUE).delete(id);
    await done(tx);
  }

  /**
   * Move refused items out of the queue, keeping them with the server's errors.
   * @param {Rejected[]} rejected
   * @returns {Promise<void>}
   */
  async setAside(rejected) {
    if (!rejected.length) return;
    const tx = this.db.transaction([QUEUE, SET_ASIDE], "readwrite");
    const queue = tx.objectStore(QUEUE);
    for (const { id, errors } of rejected) {
      if (typeof id !== "string") continue;
      const request = queue.get(id);
      request.onsuccess = () => {
        if (!request.result) return;
        tx.objectStore(SET_ASIDE).put({ ...request.result, errors, refused_at: Date.now() });
        queue.delete(id);
      };
    }
    await done(tx);
  }

  /** @returns {Promise<Counts>} */
  async counts() {
    const tx = this.db.transaction([QUEUE, SET_ASIDE], "readonly");
    const [queued, setAside] = await Promise.all([
      promised(tx.objectStore(QUEUE).count()), promised(tx.objectStore(SET_ASIDE).count())]);
    return { queued, setAside };
  }
}

/**
 * The queue when IndexedDB fails (storage broken, full or blocked by the browser): the
 * same interface, kept in memory. What is held here survives until the page reloads,
 * so the kiosk sends it as soon as it can and tells staff (see ``unsaved``).
 */
export class MemoryStore {
  constructor() {
    /** @type {Map<string, QueuedRecord>} */
    this.queue = new Map();
    /** @type {Map<string, SetAsideRecord>} */
    this.aside = new Map();
  }

  /**
   * @param {ResponseBody} body
   * @returns {Promise<void>}
   */
  async add(body) { this.queue.set(body.id, { id: body.id, t: Date.now(), body }); }

  /**
   * @param {number} n
   * @returns {Promise<QueuedRecord[]>}
   */
  async oldest(n) { return [...this.queue.values()].slice(0, n); }

  /**
   * @param {string[]} ids
   * @returns {Promise<void>}
   */
  async acknowledge(ids) { for (const id of ids) this.queue.delete(id); }

  /**
   * @param {Rejected[]} rejected
   * @returns {Promise<void>}
   */
  async setAside(rejected) {
    for (const { id, errors } of rejected) {
      const record = this.queue.get(/** @type {string} */ (id));
      if (!record) continue;
      this.aside.set(record.id, { ...record, errors, refused_at: Date.now() });
      this.queue.delete(record.id);
    }
  }

  /** @returns {Promise<Counts>} */
  async counts() { return { queued: this.queue.size, setAside: this.aside.size }; }
}

/**
 * IndexedDB first; a response that cannot be written there is kept in memory instead of
 * being lost, and sent with the others. ``unsaved`` counts what is only in memory.
 */
export class ResilientStore {
  /** @param {Store | null} durable a Store, or null when IndexedDB could not be opened */
  constructor(durable) {
    this.durable = durable;
    this.memory = new MemoryStore();
  }

  /** @returns {number} */
  get unsaved() { return this.memory.queue.size; }

  /**
   * @param {ResponseBody} body
   * @returns {Promise<void>}
   */
  async add(body) {
    if (this.durable) {
      try {
        return await this.durable.add(body);
      } catch (error) {
        console.error("kiosk: IndexedDB refused a response; kept in memory", error);
      }
    }
    return this.memory.add(body);
  }

  /**
   * @param {number} n
   * @returns {Promise<QueuedRecord[]>}
   */
  async oldest(n) {
    const kept = await this.memory.oldest(n);
    if (kept.length >= n || !this.durable) return kept;
    return kept.concat(await this.durable.oldest(n - kept.length).catch(() => []));
  }

  /**
   * @param {string[]} ids
   * @returns {Promise<void>}
   */
  async acknowledge(ids) {
    await this.memory.acknowledge(ids);
    if (this.durable) await this.durable.acknowledge(ids);
  }

  /**
   * @param {Rejected[]} rejected
   * @returns {Promise<void>}
   */
  async setAside(rejected) {
    await this.memory.setAside(rejected);
    if (this.durable) await this.durable.setAside(rejected);
  }

  /** @returns {Promise<Counts>} */
  async counts() {
    const inMemory = await this.memory.counts();
    const stored = this.durable ? await this.durable.counts().catch(() => null) : null;
    return { queued: inMemory.queued + (stored ? stored.queued : 0),
             setAside: inMemory.setAside + (stored ? stored.setAside : 0) };
  }
}

/**
 * The kiosk's queue: IndexedDB when it opens, memory otherwise (never no queue at all).
 * @param {string} [name]
 * @returns {Promise<ResilientStore>}
 */
export async function openQueue(name = DB_NAME) {
  try {
    return new ResilientStore(await openStore(name));
  } catch (error) {
    console.error("kiosk: IndexedDB unavailable; responses are kept in memory", error);
    return new ResilientStore(null);
  }
}
