/**
 * The inspector's route page (templates/controls/tablet/route.html) on top of the outbox
 * (offline-queue.js, imported here by its plain path so that there is one instance; loading it
 * starts the kit: the service worker, sending, the 'nog niet verzonden (n)' counter).
 *
 * - Every visit's forms carry `data-outbox` and `data-outbox-url` (the sync endpoint of
 *   controls/api/sync.py): a submission is stored on the device at once and sent when the
 *   connection allows, exactly once (Idempotency-Key).
 * - What is waiting is shown under its visit ("nog niet verzonden"), also after a reload
 *   offline: the page is drawn from IndexedDB, not only from the server's copy.
 * - A sent result or finding is shown as stored; the worker is asked to fetch the page again,
 *   so that the copy kept offline shows it too.
 * - A conflict (409) shows both versions and lets the inspector choose: their own on top of
 *   the stored version (`resubmit`), or the stored one (`drop`). A rejected entry shows the
 *   server's message and can be removed.
 *
 * Nothing here writes to localStorage; the outbox and the caches are cleared at logout.
 */
import { CONFLICT, PENDING, drop, list, resubmit } from "./offline-queue.js";

const forms = new Map(); // absolute sync URL -> {visit, kind, form}

for (const form of document.querySelectorAll("form[data-outbox][data-outbox-url]")) {
  const url = new URL(form.dataset.outboxUrl, window.location.href).href;
  forms.set(url, { visit: form.dataset.visit, kind: form.dataset.kind, form });
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function optionLabel(form, name, value) {
  const select = form && form.querySelector(`select[name="${name}"]`);
  const option = select && Array.from(select.options).find((o) => o.value === value);
  return option ? option.textContent : value;
}

function resultLabel(form, value) {
  const input = form && form.querySelector(`input[name="result"][value="${value}"]`);
  const label = input && input.closest("label");
  return label ? label.textContent.trim() : value || "";
}

function describe(kind, body, form) {
  if (kind === "result") {
    const residents =
      body.residents_found !== undefined && body.residents_found !== "" && body.residents_found !== null
        ? `, ${body.residents_found} bewoner${String(body.residents_found) === "1" ? "" : "s"}`
        : "";
    const notes = body.notes ? ` – ${body.notes}` : "";
    return `Resultaat: ${body.result_label || resultLabel(form, body.result)}${residents}${notes}`;
  }
  const category = body.category_label || optionLabel(form, "category", body.category);
  return `Bevinding: ${category}: ${body.description}`;
}

function button(text, onClick, primary = false) {
  const node = element(
    "button",
    `utrecht-button utrecht-button--${primary ? "primary" : "secondary"}-action`,
    text,
  );
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

function conflictBlock(item, target) {
  const block = element("div", "wk-conflict");
  block.append(element("p", "wk-conflict__title", item.answer.detail || "Twee versies."));
  const current = item.answer.current || {};
  block.append(element("p", "", `Opgeslagen: ${describe(target.kind, current, target.form)}`));
  block.append(element("p", "", `Uw versie: ${describe(target.kind, item.body, target.form)}`));
  const actions = element("div", "wk-actions");
  actions.append(
    button(
      "Mijn versie opslaan",
      () => resubmit(item.id, { ...item.body, version: current.version }),
      true,
    ),
    button("Opgeslagen versie houden", () => drop(item.id)),
  );
  block.append(actions);
  return block;
}

/** Draw every waiting, conflicting or rejected entry under its visit. */
async function render() {
  const items = await list();
  for (const box of document.querySelectorAll("[data-pending-for]")) box.replaceChildren();
  for (const item of items) {
    const target = forms.get(item.url);
    if (!target) continue;
    const box = document.querySelector(`[data-pending-for="${target.visit}"]`);
    if (!box) continue;
    if (item.state === PENDING) {
      const line = element("p", "wk-pending__item", describe(target.kind, item.body, target.form));
      line.append(element("span", "wk-pending__mark", " (nog niet verzonden)"));
      box.append(line);
    } else if (item.state === CONFLICT && item.answer && item.answer.current) {
      box.append(conflictBlock(item, target));
    } else {
      // Rejected, or a 409 that is not another writer's version (e.g. the evening is closed).
      const block = element("div", "wk-rejected");
      block.append(element("p", "", `${describe(target.kind, item.body, target.form)}`));
      const message = item.message || (item.answer && item.answer.detail) || "";
      block.append(element("p", "wk-rejected__message", message));
      block.append(button("Verwijderen", () => drop(item.id)));
      box.append(block);
    }
  }
}

function showStored(item, resource) {
  const target = forms.get(item.url);
  if (!target || !resource) return;
  if (target.kind === "finding") {
    const list = document.querySelector(`[data-findings-for="${target.visit}"]`);
    if (list && !list.querySelector(`[data-finding="${resource.id}"]`)) {
      const line = element("li", "wk-finding");
      line.dataset.finding = resource.id;
      line.append(element("strong", "", resource.category_label), `: ${resource.description}`);
      list.append(line);
    }
  } else {
    const label = document.querySelector(`[data-result-for="${target.visit}"]`);
    if (label) {
      const residents =
        resource.residents_found === null || resource.residents_found === undefined
          ? ""
          : `, ${resource.residents_found} bewoner${resource.residents_found === 1 ? "" : "s"}`;
      label.textContent = `${resource.result_label}${residents}`;
    }
    const version = target.form.querySelector('input[name="version"]');
    if (version) {
      version.value = resource.version;
      version.defaultValue = String(resource.version);
    }
  }
}

let refreshTimer = null;

/** Ask the worker to keep the server's new copy of this page (what was sent, as stored). */
function refreshKeptPage() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    const registration = navigator.serviceWorker && (await navigator.serviceWorker.getRegistration());
    if (registration && registration.active) {
      registration.active.postMessage({ type: "refresh-page", url: window.location.href });
    }
  }, 500);
}

document.addEventListener("outbox:queued", ({ detail }) => {
  const details = detail.form && detail.form.closest("details");
  if (details) details.open = false;
});
document.addEventListener("outbox:sent", ({ detail }) => {
  showStored(detail.item, detail.resource);
  refreshKeptPage();
});
document.addEventListener("outbox:change", () => {
  render();
});

render();
