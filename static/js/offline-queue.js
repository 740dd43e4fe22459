/**
 * Wijkaanpak's outbox for the inspector's tablet: what a person enters is kept on the device
 * (IndexedDB, through idb-keyval) and sent when the connection allows, exactly once.
 *
 * HOW A PAGE USES IT (the contract)
 *
 *   <script type="module" src="{% static 'js/offline-queue.js' %}"
 *           data-service-worker="{% url 'service-worker' %}"></script>
 *   <p data-outbox-count hidden></p>              <!-- 'nog niet verzonden (n)' while n > 0 -->
 *   <form data-outbox method="post" action="{% url '...' %}">{% csrf_token %} ... </form>
 *
 * - Loading the module starts the kit: it registers the service worker named by
 *   `data-service-worker` (static/js/sw.js; only pages that the server marks with
 *   `@offline_page` are kept offline, see wijkaanpak/core/offline.py), sends what is waiting,
 *   and keeps every `[data-outbox-count]` element up to date.
 * - A form with `data-outbox` is not submitted by the browser: on submit its fields (without
 *   the CSRF token; a repeated name becomes a list) are handed to `enqueue()` as a JSON
 *   object, the form is reset, and `outbox:queued` is dispatched with {item, form}. It is
 *   sent to `data-outbox-url` when the form has one (a JSON endpoint beside the form's own
 *   `action`, which then serves the same form without JavaScript), else to its `action`.
 *   A page can also call `enqueue({url, method, body})` itself (body: a JSON-able object).
 * - `enqueue()` gives each submission a client UUID (crypto.randomUUID()), stores it in
 *   IndexedDB before anything is sent, and returns at once (it waits only for that write);
 *   sending happens afterwards. Each request is sent with `Idempotency-Key: <uuid>`,
 *   `X-CSRFToken` (read from the page's csrfmiddlewaretoken input at send time),
 *   `Accept: application/json` and `Content-Type: application/json`; redirects are not
 *   followed.
 *
 * EVENTS (dispatched on `document`, detail in braces)
 *
 *   outbox:queued    {item, form}       stored, not yet sent
 *   outbox:sent      {item, status, resource}   2xx: removed from the outbox; `resource` is
 *                                        the server's JSON, the stored resource
 *   outbox:conflict  {item, status, answer}    409: kept aside (state "conflict"); `answer`
 *                                        is the server's JSON with the other writer's version
 *   outbox:rejected  {item, status, message, answer}  other 4xx: kept aside (state
 *                                        "rejected") with the server's Dutch message
 *   outbox:auth-required {item, status}  401, 403 or a redirect (to the login page): the
 *                                        session, not the submission, is the problem; the item
 *                                        stays pending and is sent after the next login
 *   outbox:change    {pending, conflicts, rejected}  after every change of the outbox
 *   offline:ready    {cached}           the worker is active; `cached`: this page is kept
 *
 * A network error, 408, 429 or any 5xx keeps the item pending: it is retried with backoff
 * (2 s doubling to 60 s), at once when the browser fires `online`, and at the next page load.
 * Items are sent one at a time in the order they were entered; one flush runs at a time
 * (a Web Lock where the browser has them).
 *
 * WHAT THE SERVER ANSWERS (the endpoint's side of the contract)
 *
 * - A first POST with a new Idempotency-Key: store it (the key held by a unique constraint)
 *   and answer the stored resource as JSON (201).
 * - A replay (the same key again, e.g. when the first answer was lost): store nothing and
 *   answer the stored resource (2xx; controls/api/sync.py answers a replay with 200).
 * - A version conflict (the body's `version` is not the row's): 409 with
 *   {"detail": "<Dutch message>", "current": <the stored resource, with its version>}.
 *   The page shows both and lets the person choose: `resubmit(id, body)` with the chosen
 *   values and `version` = current.version (a new UUID: the old key was never stored), or
 *   `drop(id)`.
 * - Invalid input: 400 with {"code", "detail": "<Dutch message>", "fields": {"field": ["..."]}}; the
 *   first message is the item's `message`, the whole answer is kept as `answer` so that the
 *   page can put each error beside its field. `resubmit()` or `drop()` as above.
 *
 * LOGOUT: `clearAll()` empties the outbox, deletes every cache (also through the worker) and
 * unregisters the worker. It runs when a logout form (`form[data-logout]`, or a form posting
 * to /uitloggen/) is submitted: the kit first tries to send what is pending, asks for
 * confirmation if anything is still unsent (it would be lost), clears, then submits.
 */
import { clear, createStore, del, get, set, values } from "../vendor/idb-keyval/index.js";

export const PENDING = "pending";
export const CONFLICT = "conflict";
export const REJECTED = "rejected";

const store = createStore("wijkaanpak-outbox", "submissions");
const BACKOFF_MS = [2000, 4000, 8000, 16000, 32000, 60000];
const LOGOUT_FORMS = 'form[data-logout], form[action$="/uitloggen/"]';

let flushing = null;
let flushAgain = false;
let retryTimer = null;
let failures = 0;

function emit(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

function csrfToken() {
  const field = document.querySelector('input[name="csrfmiddlewaretoken"]');
  return field ? field.value : "";
}

/** Store a submission and send it when possible; resolves with the stored item. */
export async function enqueue({ url, method = "POST", body = {} }) {
  const target = new URL(url, window.location.href);
  if (target.origin !== window.location.origin) {
    throw new Error("The outbox sends only to this site.");
  }
  const item = {
    id: crypto.randomUUID(),
    url: target.href,
    method: method.toUpperCase(),
    body,
    state: PENDING,
    createdAt: Date.now(),
    attempts: 0,
  };
  await set(item.id, item, store);
  await refresh();
  flush();
  return item;
}

/** Every item, oldest first; only those in `state` when given. */
export async function list(state) {
  const items = await values(store);
  return items
    .filter((item) => !state || item.state === state)
    .sort((a, b) => a.createdAt - b.createdAt);
}

/** Replace a conflicting or rejected item by a new submission with the chosen body. */
export async function resubmit(id, body) {
  const item = await get(id, store);
  if (!item) return null;
  await del(id, store);
  return enqueue({ url: item.url, method: item.method, body });
}

/** Give up a conflicting or rejected item (or a pending one). */
export async function drop(id) {
  await del(id, store);
  await refresh();
}

/** Send what is pending now; one flush at a time, a second call runs once more after it. */
export function flush() {
  if (flushing) {
    flushAgain = true;
    return flushing;
  }
  const run = navigator.locks
    ? () => navigator.locks.request("wijkaanpak-outbox", sendPending)
    : sendPending;
  flushing = run().finally(() => {
    flushing = null;
    if (flushAgain) {
      flushAgain = false;
      flush();
    }
  });
  return flushing;
}

async function sendPending() {
  clearTimeout(retryTimer);
  retryTimer = null;
  for (const item of await list(PENDING)) {
    // A stop of this flush (offline, server down, logged out): the rest waits as well.
    if (!(await send(item))) break;
  }
  await refresh();
}

function retryLater() {
  const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
  failures += 1;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(flush, delay);
}

async function answerOf(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

function firstMessage(answer, status) {
  // The API's one error shape: {code, detail, fields: {field: [...]}}; a field's own message
  // says more than the general detail.
  if (answer && answer.fields && typeof answer.fields === "object") {
    const inner = firstMessage(answer.fields, status);
    if (!inner.startsWith("De server heeft")) return inner;
  }
  if (answer && typeof answer.detail === "string") return answer.detail;
  if (answer && typeof answer === "object") {
    for (const value of Object.values(answer)) {
      const text = Array.isArray(value) ? value[0] : value;
      if (typeof text === "string") return text;
    }
  }
  return `De server heeft deze invoer geweigerd (status ${status}).`;
}

/** Send one item; true when the flush may go on with the next one. */
async function send(item) {
  let response;
  try {
    response = await fetch(item.url, {
      method: item.method,
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "Idempotency-Key": item.id,
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(item.body),
    });
  } catch {
    await set(item.id, { ...item, attempts: item.attempts + 1 }, store);
    retryLater();
    return false;
  }
  const status = response.status;
  if (status >= 200 && status < 300) {
    const resource = await answerOf(response);
    await del(item.id, store);
    failures = 0;
    emit("outbox:sent", { item, status, resource });
    return true;
  }
  if (response.type === "opaqueredirect" || status === 401 || status === 403) {
    await set(item.id, { ...item, attempts: item.attempts + 1, status }, store);
    emit("outbox:auth-required", { item, status });
    retryLater();
    return false;
  }
  if (status === 408 || status === 429 || status >= 500) {
    await set(item.id, { ...item, attempts: item.attempts + 1, status }, store);
    retryLater();
    return false;
  }
  const answer = await answerOf(response);
  if (status === 409) {
    const kept = { ...item, state: CONFLICT, status, answer };
    await set(item.id, kept, store);
    emit("outbox:conflict", { item: kept, status, answer });
    return true;
  }
  const message = firstMessage(answer, status);
  const kept = { ...item, state: REJECTED, status, answer, message };
  await set(item.id, kept, store);
  emit("outbox:rejected", { item: kept, status, message, answer });
  return true;
}

/** Counts per state; updates every [data-outbox-count] and dispatches outbox:change. */
export async function refresh() {
  const items = await list();
  const counts = {
    pending: items.filter((item) => item.state === PENDING).length,
    conflicts: items.filter((item) => item.state === CONFLICT).length,
    rejected: items.filter((item) => item.state === REJECTED).length,
  };
  for (const element of document.querySelectorAll("[data-outbox-count]")) {
    element.textContent = counts.pending ? `nog niet verzonden (${counts.pending})` : "";
    element.hidden = counts.pending === 0;
  }
  emit("outbox:change", counts);
  return counts;
}

function askWorker(worker, message, timeoutMs = 3000) {
  if (!worker) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), timeoutMs);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(event.data);
    };
    worker.postMessage(message, [channel.port2]);
  });
}

/** Empty the outbox and every cache, and remove the service worker (at logout). */
export async function clearAll() {
  clearTimeout(retryTimer);
  retryTimer = null;
  await clear(store);
  if ("serviceWorker" in navigator) {
    const registration = await navigator.serviceWorker.getRegistration();
    if (registration) {
      await askWorker(registration.active, { type: "clear" });
      await registration.unregister();
    }
  }
  if ("caches" in window) {
    const names = await caches.keys();
    await Promise.all(names.map((name) => caches.delete(name)));
  }
  await refresh();
}

function formBody(form) {
  const body = {};
  for (const [name, value] of new FormData(form)) {
    if (name === "csrfmiddlewaretoken" || typeof value !== "string") continue;
    if (name in body) body[name] = [].concat(body[name], value);
    else body[name] = value;
  }
  return body;
}

function bindForms() {
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (form.matches("form[data-outbox]")) {
      event.preventDefault();
      const item = await enqueue({
        url: form.dataset.outboxUrl || form.action,
        method: form.getAttribute("method") || "POST",
        body: formBody(form),
      });
      form.reset();
      emit("outbox:queued", { item, form });
    } else if (form.matches(LOGOUT_FORMS) && !form.dataset.outboxCleared) {
      event.preventDefault();
      await Promise.race([flush(), new Promise((resolve) => setTimeout(resolve, 3000))]);
      const unsent = (await list()).length;
      const question =
        `Er ${unsent === 1 ? "is nog 1 invoer" : `zijn nog ${unsent} invoeren`} niet verzonden. ` +
        "Bij uitloggen worden ze van dit apparaat gewist. Toch uitloggen?";
      if (unsent && !window.confirm(question)) return;
      await clearAll();
      form.dataset.outboxCleared = "true";
      form.submit();
    }
  });
}

async function startWorker() {
  const host = document.querySelector("[data-service-worker]");
  if (!host || !("serviceWorker" in navigator)) return;
  // Once the page has loaded: the worker's install (its scripts, then the precache) must not
  // compete with the page itself for a slow link and the device's CPU (the route's first open).
  if (document.readyState !== "complete") {
    await new Promise((resolve) => window.addEventListener("load", resolve, { once: true }));
  }
  // A page that came from the network (the first visit) did not pass through the worker:
  // ask it to fetch and keep this page, which it does only when the server marks it.
  const firstVisit = !navigator.serviceWorker.controller;
  await navigator.serviceWorker.register(host.dataset.serviceWorker, { scope: "/" });
  const registration = await navigator.serviceWorker.ready;
  const answer = await askWorker(registration.active, {
    type: "keep-page",
    url: window.location.href,
    fetch: firstVisit,
  });
  const cached = Boolean(answer && answer.cached);
  document.documentElement.dataset.offlineReady = String(cached);
  emit("offline:ready", { cached });
}

function start() {
  bindForms();
  window.addEventListener("online", () => {
    failures = 0;
    flush();
  });
  refresh().then(() => flush());
  startWorker().catch(() => {
    document.documentElement.dataset.offlineReady = "false";
  });
}

start();
