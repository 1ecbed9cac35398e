// Hotline's browser code: htmx for server-rendered partials, plus the few behaviours HTML cannot
// express — keyboard shortcuts, dialogs, list-box navigation, live updates over a WebSocket and the
// "someone else has this ticket open" warning. Everything works without it except live updates.
import htmx from "htmx.org";

window.htmx = htmx;
htmx.config.historyCacheSize = 0;
htmx.config.defaultFocusScroll = true;
// Validation errors come back as 422 with the re-rendered form: swap them in like a 200.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "422", swap: true },
  { code: "409", swap: true },
  { code: "[45]..", swap: false, error: true },
];

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const t = (key, fallback) => (document.body?.dataset?.[key] ?? fallback);

const NOT_TEXT = new Set(["checkbox", "radio", "button", "submit", "reset", "file", "range", "color"]);
function isTyping(el) {
  if (!el) return false;
  const tag = el.tagName;
  if (tag === "INPUT") return !NOT_TEXT.has(el.type);
  return tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
}

/* ---------- toasts ---------- */
function toast(text, kind = "info") {
  let box = $("#toasts");
  if (!box) return;
  const item = document.createElement("div");
  item.className = `toast toast-${kind}`;
  item.setAttribute("role", kind === "error" ? "alert" : "status");
  item.textContent = text;
  box.appendChild(item);
  setTimeout(() => item.classList.add("toast-leave"), 5000);
  setTimeout(() => item.remove(), 5600);
}
window.hotlineToast = toast;

document.addEventListener("htmx:responseError", (e) => {
  const status = e.detail.xhr?.status;
  if (status === 403 || status === 404) toast(t("msgNotFound", "Not found or no access"), "error");
  else toast(t("msgServerError", "Something went wrong. Try again."), "error");
});
document.addEventListener("htmx:sendError", () => toast(t("msgOffline", "No connection to the server"), "error"));
// Views may ask for a toast through the HX-Trigger header: {"toast": {"text": "...", "kind": "success"}}.
document.body.addEventListener("toast", (e) => toast(e.detail.text ?? e.detail.value, e.detail.kind ?? "success"));

/* ---------- dialogs ---------- */
function openDialog(id) {
  const dlg = document.getElementById(id);
  if (!dlg) return false;
  dlg.showModal();
  dlg.querySelector("[autofocus], textarea, input:not([type=hidden]), select")?.focus();
  return true;
}
document.addEventListener("click", (e) => {
  const opener = e.target.closest("[data-open-dialog]");
  if (opener) {
    const id = opener.dataset.openDialog;
    if (openDialog(id)) {
      e.preventDefault();
      return;
    }
    // A page's dialogs may load on first use (data-dialogs-src): fetch them once, then open this one.
    const box = $("[data-dialogs-src]:not([data-loaded])");
    if (box && window.htmx) {
      e.preventDefault();
      box.dataset.loaded = "loading";
      window.htmx
        .ajax("GET", box.dataset.dialogsSrc, { target: box, swap: "innerHTML" })
        .then(() => {
          if (openDialog(id)) box.dataset.loaded = "yes";
          else delete box.dataset.loaded; // failed (the error toast said so): the next click tries again
        });
    }
    return;
  }
  const closer = e.target.closest("[data-close-dialog]");
  if (closer) {
    e.preventDefault();
    closer.closest("dialog")?.close();
  }
});
// A dialog whose form succeeded is closed by the server with HX-Trigger: closeDialogs.
document.body.addEventListener("closeDialogs", () => $$("dialog[open]").forEach((d) => d.close()));
// After an htmx swap, a dialog re-rendered with errors stays open.
document.addEventListener("htmx:afterSwap", (e) => {
  const dlg = e.detail.target.closest?.("dialog");
  if (dlg && !dlg.open && dlg.querySelector(".field-error")) dlg.showModal();
});

/* ---------- keyboard shortcuts ---------- */
let pendingG = false;
document.addEventListener("keydown", (e) => {
  if (e.defaultPrevented || e.altKey || e.metaKey) return;
  // Ctrl+Enter sends the form the caret is in (reply, note, new request).
  if (e.ctrlKey && e.key === "Enter" && isTyping(e.target)) {
    const form = e.target.closest("form");
    if (form) {
      e.preventDefault();
      form.requestSubmit();
    }
    return;
  }
  if (e.ctrlKey || isTyping(e.target) || $("dialog[open]")) return;
  const go = (selector) => {
    const el = $(selector);
    if (el) {
      e.preventDefault();
      if (el.tagName === "A") el.click();
      else el.focus();
    }
  };
  if (pendingG) {
    pendingG = false;
    if (e.key === "h") go("[data-shortcut='g h']");
    else if (e.key === "q") go("[data-shortcut='g q']");
    else if (e.key === "c") go("[data-shortcut='g c']");
    else if (e.key === "t") go("[data-shortcut='g t']");
    return;
  }
  switch (e.key) {
    case "/":
      go("#global-search");
      break;
    case "n":
      go("[data-shortcut='n']");
      break;
    case "g":
      pendingG = true;
      setTimeout(() => (pendingG = false), 1200);
      break;
    case "r":
      go("[data-shortcut='r']");
      break;
    case "i":
      go("[data-shortcut='i']");
      break;
    case "?": {
      const dlg = $("#shortcuts-dialog");
      if (dlg) {
        e.preventDefault();
        dlg.showModal();
      }
      break;
    }
  }
});
// Shortcut targets that are tabs (reply / note) switch the editor and focus its text area.
document.addEventListener("click", (e) => {
  const tab = e.target.closest("[data-editor-tab]");
  if (!tab) return;
  const editor = tab.closest("[data-editor]");
  const mode = tab.dataset.editorTab;
  editor.dataset.mode = mode;
  $$("[data-editor-tab]", editor).forEach((b) => b.setAttribute("aria-selected", String(b === tab)));
  $$("[data-editor-panel]", editor).forEach((p) => (p.hidden = p.dataset.editorPanel !== mode));
  $(`[data-editor-panel='${mode}'] textarea`, editor)?.focus();
});

/* ---------- list boxes (contact lookup, search suggestions) ---------- */
// An input with data-listbox="id" moves through the options with ↑/↓ and picks with Enter.
document.addEventListener("keydown", (e) => {
  const input = e.target.closest?.("[data-listbox]");
  if (!input) return;
  const box = document.getElementById(input.dataset.listbox);
  if (!box) return;
  // In the caller lookup Enter only ever picks: it must not submit the half-filled request.
  if (e.key === "Enter" && input.dataset.enter === "pick-only") e.preventDefault();
  const options = $$("[role=option]", box);
  if (!options.length) return;
  let idx = options.findIndex((o) => o.getAttribute("aria-selected") === "true");
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    idx = e.key === "ArrowDown" ? Math.min(idx + 1, options.length - 1) : Math.max(idx - 1, 0);
    options.forEach((o, i) => o.setAttribute("aria-selected", String(i === idx)));
    input.setAttribute("aria-activedescendant", options[idx].id);
    options[idx].scrollIntoView({ block: "nearest" });
  } else if (e.key === "Enter" && idx >= 0) {
    e.preventDefault();
    options[idx].click();
  } else if (e.key === "Escape") {
    box.innerHTML = "";
  }
});

/* ---------- errors clear as the person fixes them ---------- */
document.addEventListener("input", (e) => {
  const field = e.target.closest?.(".field.has-error");
  if (!field) return;
  field.classList.remove("has-error");
  $$(".field-error", field).forEach((el) => el.remove());
  e.target.removeAttribute("aria-invalid");
});

/* ---------- file inputs ---------- */
// The native "Choose files / No file chosen" is in the browser's language, not the page's:
// a styled button in the page's language covers it, and the chosen names are listed beside it.
function enhanceFiles(root = document) {
  $$("input[type=file]:not([data-enhanced])", root).forEach((input) => {
    input.dataset.enhanced = "1";
    const wrap = document.createElement("span");
    wrap.className = "file-pick";
    input.parentNode.insertBefore(wrap, input);
    const face = document.createElement("span");
    face.className = "btn btn-sm";
    face.setAttribute("aria-hidden", "true");
    face.innerHTML = `<svg class="icon icon-sm" aria-hidden="true"><use href="${document.body.dataset.iconSprite}#paperclip"></use></svg>`;
    face.append(" " + t("msgAttach", "Attach files"));
    const names = document.createElement("span");
    names.className = "file-names muted small";
    names.textContent = t("msgNoFiles", "");
    wrap.append(input, face, names);
    input.addEventListener("change", () => {
      const list = Array.from(input.files || []).map((f) => f.name);
      names.textContent = list.length ? list.join(", ") : t("msgNoFiles", "");
    });
  });
}
document.addEventListener("htmx:load", (e) => enhanceFiles(e.detail.elt));

/* ---------- bulk selection ---------- */
// Live refreshes of a list wait while rows are ticked, so a bulk action is never lost.
window.hotlineNoSelection = () => !document.querySelector("input[name=ticket_ids]:checked");
document.addEventListener("change", (e) => {
  if (e.target.matches("[data-select-all]")) {
    const table = e.target.closest("table, form");
    $$("input[name=ticket_ids]", table).forEach((cb) => (cb.checked = e.target.checked));
  }
  if (e.target.matches("input[name=ticket_ids], [data-select-all]")) {
    const form = e.target.closest("form");
    const n = $$("input[name=ticket_ids]:checked", form).length;
    const bar = $("[data-bulk-bar]", form);
    if (bar) {
      bar.hidden = n === 0;
      const counter = $("[data-bulk-count]", bar);
      if (counter) counter.textContent = String(n);
    }
  }
});

/* ---------- live updates over one WebSocket ---------- */
// The server pushes {"type": "event", "topic": "queues"}; the page re-fetches what listens for it
// (hx-trigger="live:queues from:body"). Presence messages drive the collision warning.
const livePushes = {}; // topic prefix -> pushes received (see the catch-up after a block's own refresh)
const live = {
  socket: null,
  topics: new Set(),
  handlers: [],
  retry: 1000,
  connect() {
    if (!document.body.dataset.liveUrl) return;
    // One socket a tab: the phone bar's script may connect before the page's own topics are collected.
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${proto}://${location.host}${document.body.dataset.liveUrl}`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.retry = 1000;
      document.body.dataset.live = "on";
      this.topics.forEach((topic) => socket.send(JSON.stringify({ type: "subscribe", topic })));
      document.body.dispatchEvent(new CustomEvent("live-open"));
    });
    socket.addEventListener("message", (msg) => {
      let data;
      try {
        data = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (data.type === "event") {
        const prefix = data.topic.split(":")[0];
        livePushes[prefix] = (livePushes[prefix] || 0) + 1;
        document.body.dispatchEvent(new CustomEvent(`live:${prefix}`, { detail: data }));
      }
      this.handlers.forEach((h) => h(data));
    });
    socket.addEventListener("close", () => {
      document.body.dataset.live = "off";
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 30000);
    });
  },
  send(payload) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(payload));
  },
  subscribe(topic) {
    this.topics.add(topic);
    this.send({ type: "subscribe", topic });
  },
};
window.hotlineLive = live;

// A live block that replaces itself (hx-swap="outerHTML") would lose a push that arrives while its own
// refresh is in flight: htmx queues the new request on the element being replaced, then drops it. So count
// the pushes per topic (livePushes, counted by the socket above), and when a block comes back older than the
// last push, fetch it once more.
const liveTopicOf = (el) => /(?:^|[\s,])live:([a-z_-]+)/.exec(el?.getAttribute?.("hx-trigger") || "")?.[1];
document.addEventListener("htmx:beforeRequest", (e) => {
  const topic = liveTopicOf(e.detail.elt);
  // Kept on the request itself: by the time it settles, htmx may report the new element as its source.
  if (topic && e.detail.xhr) e.detail.xhr.livePushesSeen = { topic, seen: livePushes[topic] || 0, elt: e.detail.elt };
});
document.addEventListener("htmx:afterSettle", (e) => {
  const asked = e.detail.xhr?.livePushesSeen;
  const fresh = e.target;
  if (!asked || !fresh.isConnected || liveTopicOf(fresh) !== asked.topic) return;
  delete e.detail.xhr.livePushesSeen;
  if (fresh === asked.elt) return; // not replaced: htmx runs the queued refresh itself
  if ((livePushes[asked.topic] || 0) <= asked.seen) return;
  window.htmx.ajax("GET", fresh.getAttribute("hx-get"), {
    source: fresh,
    target: fresh,
    swap: fresh.getAttribute("hx-swap") || "innerHTML",
    select: fresh.getAttribute("hx-select") || undefined,
  });
});

function initLive() {
  // subscribe(), not a bare add: the socket may already be open (the phone bar connects first).
  $$("[data-live-topic]").forEach((el) => live.subscribe(el.dataset.liveTopic));
  if (live.topics.size) live.connect();
}

/* ---------- someone else changed the ticket ---------- */
// Messages refresh the timeline by themselves; a change of status, assignee or queue made in
// another tab is announced with a one-click reload, so nobody acts on a stale page.
document.body.addEventListener("live:ticket", (e) => {
  const event = e.detail?.event || "";
  if (!$("[data-presence]") || event.endsWith("MessageAdded") || $("#stale-notice")) return;
  const note = document.createElement("div");
  note.id = "stale-notice";
  note.className = "alert alert-info";
  note.setAttribute("role", "status");
  const text = document.createElement("span");
  text.className = "grow";
  text.textContent = t("msgStale", "The ticket was changed by someone else.");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-sm";
  button.textContent = t("msgReload", "Reload");
  button.addEventListener("click", () => location.reload());
  note.append(text, button);
  $("[data-presence]").after(note);
});

/* ---------- collision warning ---------- */
// Each open ticket page announces itself; every other viewer answers, so nobody keeps server state.
function initPresence() {
  const box = $("[data-presence]");
  if (!box) return;
  const topic = box.dataset.liveTopic;
  const me = document.body.dataset.userId;
  const viewers = new Map(); // user id -> {name, typing, seen}
  const render = () => {
    const now = Date.now();
    for (const [id, v] of viewers) if (now - v.seen > 45000) viewers.delete(id);
    const list = Array.from(viewers.values());
    if (!list.length) {
      box.hidden = true;
      box.innerHTML = "";
      return;
    }
    const typing = list.filter((v) => v.typing && now - v.typingAt < 6000);
    const names = list.map((v) => v.name).join(", ");
    box.hidden = false;
    box.innerHTML = "";
    const strong = document.createElement("strong");
    strong.textContent = typing.length ? box.dataset.textTyping : box.dataset.textViewing;
    const span = document.createElement("span");
    span.textContent = " " + (typing.length ? typing.map((v) => v.name).join(", ") : names);
    box.append(strong, span);
    box.classList.toggle("is-typing", typing.length > 0);
  };
  live.handlers.push((data) => {
    if (data.type !== "presence" || data.topic !== topic || String(data.user_id) === me) return;
    if (data.state === "leave") viewers.delete(String(data.user_id));
    else {
      const prev = viewers.get(String(data.user_id)) || {};
      viewers.set(String(data.user_id), {
        name: data.name,
        seen: Date.now(),
        typing: data.state === "typing" || (prev.typing && data.state === "here"),
        typingAt: data.state === "typing" ? Date.now() : prev.typingAt || 0,
      });
      // Someone new arrived: answer so they learn we are here too.
      if (data.state === "join") live.send({ type: "presence", topic, state: "here" });
    }
    render();
  });
  const announce = (state) => live.send({ type: "presence", topic, state });
  document.body.addEventListener("live-open", () => announce("join"));
  // Re-announce on (re)connect and every 20 s so a crashed tab ages out.
  const timer = setInterval(() => announce("here"), 20000);
  setInterval(render, 5000);
  let lastTyping = 0;
  document.addEventListener("input", (e) => {
    if (!e.target.closest("[data-editor]")) return;
    if (Date.now() - lastTyping > 3000) {
      lastTyping = Date.now();
      announce("typing");
    }
  });
  window.addEventListener("pagehide", () => {
    clearInterval(timer);
    announce("leave");
  });
}

document.addEventListener("DOMContentLoaded", () => {
  // Presence first: its "live-open" listener must exist before the socket opens.
  initPresence();
  initLive();
  enhanceFiles();
  $$("[data-autofocus]").forEach((el) => el.focus());
  // A dialog whose form came back with errors opens again, focused on the first invalid field.
  $$("dialog[data-open-on-load]").forEach((dlg) => {
    dlg.showModal();
    (dlg.querySelector("[aria-invalid=true]") || dlg.querySelector("textarea, input:not([type=hidden]), select"))?.focus();
  });
  const flash = $$("#toasts [data-flash]");
  flash.forEach((el) => setTimeout(() => el.classList.add("toast-leave"), 5000));
});

// Keep focus sensible after htmx swaps: focus the element that asks for it.
document.addEventListener("htmx:afterSettle", (e) => {
  const el = e.detail.target.querySelector?.("[data-autofocus]");
  if (el) el.focus();
});
