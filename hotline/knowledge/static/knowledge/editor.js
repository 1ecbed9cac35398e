// Canned responses in a ticket's reply editor: type «::shortcut» (or «/shortcut» at the start of a line),
// pick with ↑/↓ and Enter (or Tab), and the response's text — placeholders filled for this ticket by the
// server — replaces what was typed. The "Шаблоны" menu inserts at the caret too. Loaded with the knowledge
// tools partial (htmx), so it guards against running twice.
(function () {
  if (window.hotlineKbEditor) return;
  window.hotlineKbEditor = true;

  const TOKEN = /(?:^|\s)::([\p{L}\p{N}_-]{0,40})$|(?:^|\n)\/([\p{L}\p{N}_-]{0,40})$/u;
  let popup = null;
  let state = null; // {textarea, start, end, items, index}

  const tools = () => document.querySelector("[data-kb-tools]");
  const activeTextarea = () =>
    document.querySelector("[data-editor] [data-editor-panel]:not([hidden]) textarea") ||
    document.querySelector("[data-editor] textarea");

  function close() {
    popup?.remove();
    popup = null;
    state = null;
  }

  async function fetchJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    return response.json();
  }

  async function insert(textarea, responseId, start, end) {
    const box = tools();
    if (!box) return;
    const url = box.dataset.renderUrl.replace(/\/0\/$/, `/${responseId}/`);
    let data;
    try {
      data = await fetchJson(url);
    } catch {
      window.hotlineToast?.(document.body.dataset.msgServerError || "Error", "error");
      return;
    }
    const value = textarea.value;
    const from = start ?? textarea.selectionStart;
    const to = end ?? textarea.selectionEnd;
    textarea.value = value.slice(0, from) + data.text + value.slice(to);
    const caret = from + data.text.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function render() {
    if (!state) return;
    if (!popup) {
      popup = document.createElement("div");
      popup.className = "kb-popup";
      popup.setAttribute("role", "listbox");
      state.textarea.insertAdjacentElement("afterend", popup);
    }
    popup.innerHTML = "";
    state.items.forEach((item, i) => {
      const option = document.createElement("button");
      option.type = "button";
      option.className = "option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(i === state.index));
      const code = document.createElement("code");
      code.textContent = `::${item.shortcut}`;
      const name = document.createElement("span");
      name.className = "grow";
      name.textContent = item.name;
      option.append(code, name);
      option.addEventListener("mousedown", (e) => {
        e.preventDefault();
        choose(i);
      });
      popup.appendChild(option);
    });
  }

  function choose(i) {
    if (!state) return;
    const { textarea, start, end, items } = state;
    const item = items[i];
    close();
    if (item) insert(textarea, item.id, start, end);
  }

  let lastQuery = null;
  document.addEventListener("input", async (e) => {
    const textarea = e.target;
    if (!(textarea instanceof HTMLTextAreaElement) || !textarea.closest("[data-editor]")) return;
    const box = tools();
    if (!box) return;
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = before.match(TOKEN);
    if (!match) {
      close();
      return;
    }
    const query = match[1] ?? match[2] ?? "";
    const typed = (match[1] !== undefined ? "::" : "/") + query;
    const start = textarea.selectionStart - typed.length;
    lastQuery = query;
    let data;
    try {
      data = await fetchJson(`${box.dataset.cannedUrl}?q=${encodeURIComponent(query)}`);
    } catch {
      return;
    }
    if (lastQuery !== query) return; // a newer keystroke is in flight
    if (!data.items.length) {
      close();
      return;
    }
    state = { textarea, start, end: textarea.selectionStart, items: data.items, index: 0 };
    render();
  });

  document.addEventListener(
    "keydown",
    (e) => {
      if (!state || e.target !== state.textarea) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const n = state.items.length;
        state.index = (state.index + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
        render();
      } else if ((e.key === "Enter" && !e.ctrlKey) || e.key === "Tab") {
        e.preventDefault();
        e.stopPropagation();
        choose(state.index);
      } else if (e.key === "Escape") {
        e.preventDefault();
        close();
      }
    },
    true,
  );
  document.addEventListener("focusout", (e) => {
    if (state && e.target === state.textarea) setTimeout(close, 150);
  });

  // The "Шаблоны" menu: insert the chosen response at the caret of the open editor.
  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-insert-response]");
    if (!button) return;
    e.preventDefault();
    const textarea = activeTextarea();
    button.closest("details")?.removeAttribute("open");
    if (textarea) insert(textarea, button.dataset.insertResponse);
  });
})();
