// The screen-pop: this agent's browser listens to its own phone topic and, when the PBX says the phone rings,
// is answered or gets a transferred call, fetches the caller's card into the corner of whatever page is open.
// A card the agent is filling in is never thrown away: a later push about it only updates its header.
(function () {
  if (window.hotlinePhone) {
    window.hotlinePhone.init();
    return;
  }
  const $ = (sel, root = document) => root.querySelector(sel);

  function bar() {
    return $("[data-phone-bar]");
  }

  function isDirty(root) {
    if (!root) return false;
    return Array.from(root.querySelectorAll("input, textarea, select")).some((el) => {
      if (el.type === "hidden" || el.type === "submit" || el.type === "button") return false;
      if (el.tagName === "SELECT") return Array.from(el.options).some((o) => o.selected !== o.defaultSelected);
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      return el.value !== el.defaultValue;
    });
  }

  function pageIsBusy() {
    const main = $("#main");
    return Boolean(main && Array.from(main.querySelectorAll("textarea")).some((t) => t.value.trim()));
  }

  function markState(card, state) {
    card.dataset.state = state;
    const head = $(".pop-head", card);
    if (head) head.className = `pop-head pop-${state}`;
    // The words come translated from the bar's data attributes (data-text-ringing, …).
    const words = bar()?.dataset[`text${state.charAt(0).toUpperCase()}${state.slice(1)}`];
    const text = $(".pop-state", card);
    if (text && words) text.textContent = words;
  }

  // Who is calling, shown the moment the push arrives; the full card replaces it a moment later.
  function sketch(box, data) {
    const el = bar();
    const card = document.createElement("div");
    card.className = "pop";
    card.id = "pop-card";
    card.dataset.call = String(data.call);
    card.dataset.state = data.state || "ringing";
    card.setAttribute("aria-busy", "true");
    const head = document.createElement("div");
    head.className = "pop-head";
    const text = document.createElement("div");
    text.className = "grow";
    const state = document.createElement("div");
    state.className = "pop-state";
    const number = document.createElement("div");
    number.className = "pop-number mono";
    number.textContent = data.number || "";
    const name = document.createElement("div");
    name.className = "pop-name";
    name.textContent = data.name || "";
    text.append(state, number, name);
    head.append(text);
    const body = document.createElement("div");
    body.className = "pop-body muted small";
    body.textContent = el?.dataset.textLoading || "";
    card.append(head, body);
    box.replaceChildren(card);
    markState(card, card.dataset.state);
  }

  function show(callId, state, data = {}) {
    const el = bar();
    const box = $("#screen-pop");
    if (!el || !box || !window.htmx) return;
    const current = $("#pop-card", box);
    if (current && isDirty(current)) {
      // The agent is typing into a card: keep it, whatever the new push is about.
      if (current.dataset.call === String(callId)) markState(current, state);
      return;
    }
    if (current && state === "ended" && current.dataset.call !== String(callId)) return;
    if (!current || current.dataset.call !== String(callId)) sketch(box, { ...data, call: callId, state });
    const url = el.dataset.popUrl.replace(/\/0\/$/, `/${callId}/`) + `?state=${encodeURIComponent(state || "")}`;
    window.htmx.ajax("GET", url, { target: "#screen-pop", swap: "innerHTML" }).then(() => {
      const card = $("#pop-card", box);
      if (!card) return;
      box.dataset.open = "true";
      // A transferred call with its ticket: the ticket opens, unless the agent is in the middle of writing.
      if (state === "transferred" && card.dataset.ticketUrl && !pageIsBusy()) window.location.assign(card.dataset.ticketUrl);
    });
  }

  function init() {
    const el = bar();
    const live = window.hotlineLive;
    if (!el || !live) return;
    live.subscribe(el.dataset.topic);
    if (!live.socket) live.connect();
  }

  document.body.addEventListener("live:phone", (e) => {
    const data = e.detail || {};
    if (data.call) show(data.call, data.state || "", data);
  });
  document.addEventListener("click", (e) => {
    if (e.target.closest("[data-pop-close]")) {
      const box = $("#screen-pop");
      if (box) {
        box.innerHTML = "";
        delete box.dataset.open;
      }
    }
  });
  window.hotlinePhone = { show, init };
  init();
})();
