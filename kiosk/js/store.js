// The offline queue in IndexedDB. A response is written here before anything else
// happens; it leaves the queue only when the server acknowledged its id.

const DB_NAME = "bhtn-kiosk";
const QUEUE = "queue";
const SET_ASIDE = "set_aside";

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

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
  constructor(db) { this.db = db; }

  /** Queue one response body; resolves once the write is durable. */
  async add(body) {
    const tx = this.db.transaction(QUEUE, "readwrite");
    tx.objectStore(QUEUE).put({ id: body.id, t: Date.now(), body });
    await done(tx);
  }

  /** Up to ``n`` queued records, oldest first. */
  async oldest(n) {
    const tx = this.db.transaction(QUEUE, "readonly");
    return promised(tx.objectStore(QUEUE).index("t").getAll(null, n));
  }

  /** Delete acknowledged ids (accepted or already stored). */
  async acknowledge(ids) {
    if (!ids.length) return;
    const tx = this.db.transaction(QUEUE, "readwrite");
    for (const id of ids) tx.objectStore(QUEUE).delete(id);
    await done(tx);
  }

  /** Move refused items out of the queue, keeping them with the server's errors. */
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

  async counts() {
    const tx = this.db.transaction([QUEUE, SET_ASIDE], "readonly");
    const [queued, setAside] = await Promise.all([
      promised(tx.objectStore(QUEUE).count()), promised(tx.objectStore(SET_ASIDE).count())]);
    return { queued, setAside };
  }
}
