// The article page's behaviour beyond app.js's declarative hotkeys: moving between claims
// (j/k, clicks in the text), keeping the focused claim emphasised and in the URL, saving with
// one key (verdicts, `s`, ctrl+Enter), time spent, the guidelines overlay and search pickers.
(function () {
  "use strict";

  function panel() {
    return document.getElementById("claim-panel");
  }

  function focusedId() {
    const p = panel();
    return p && p.dataset.claimId ? p.dataset.claimId : null;
  }

  /** Claims in reading order (rejected ones are not in the text, so not in the tour). */
  function tour() {
    return Array.from(document.querySelectorAll("#claim-list .claim-row:not(.rejected)")).sort(
      (a, b) => a.dataset.start - b.dataset.start || b.dataset.end - a.dataset.end
    );
  }

  function open(id) {
    const link = document.querySelector("#claim-row-" + id + " a.claim-link");
    if (link) {
      link.click();
    } else if (window.htmx) {
      window.htmx.ajax("GET", "/claims/" + id + "/panel/", { target: "#claim-panel", swap: "outerHTML" });
    }
  }

  function go(step) {
    const rows = tour();
    if (!rows.length) return;
    const current = focusedId();
    let i = rows.findIndex((row) => row.dataset.claimId === current);
    i = i < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, i + step));
    if (rows[i].dataset.claimId !== current) open(rows[i].dataset.claimId);
  }

  let since = Date.now();
  let timed = null;

  /** Emphasise the focused claim in the text and the list, and keep it in the address bar. */
  function syncFocus(scroll) {
    const id = focusedId();
    document.querySelectorAll("#article-body mark.focus, #claim-list .claim-row.focus").forEach(
      (el) => el.classList.remove("focus")
    );
    if (id !== timed) {
      timed = id;
      since = Date.now();
    }
    if (!id) return;
    const marks = document.querySelectorAll('#article-body mark[data-claim="' + id + '"]');
    marks.forEach((el) => el.classList.add("focus"));
    const row = document.getElementById("claim-row-" + id);
    if (row) row.classList.add("focus");
    if (scroll && marks.length) marks[0].scrollIntoView({ block: "nearest", behavior: "smooth" });
    const url = new URL(window.location.href);
    if (url.searchParams.get("claim") !== id) {
      url.searchParams.set("claim", id);
      window.history.replaceState(window.history.state, "", url);
    }
  }

  document.addEventListener("click", function (event) {
    const nav = event.target.closest("[data-nav]");
    if (nav) {
      event.preventDefault();
      go(nav.dataset.nav === "next" ? 1 : -1);
      return;
    }
    const toggle = event.target.closest("[data-guidelines-toggle]");
    if (toggle) {
      event.preventDefault();
      toggleGuidelines();
      return;
    }
    const save = event.target.closest("[data-save]");
    if (save) {
      event.preventDefault();
      saveForm();
      return;
    }
    const pick = event.target.closest("[data-pick-claim], [data-pick-article]");
    if (pick) {
      event.preventDefault();
      pickReference(pick);
      return;
    }
    // A click on a claim in the text (not the end of a drag that selected text) opens it.
    const mark = event.target.closest("#article-body mark[data-claim]");
    const selection = window.getSelection();
    if (mark && (!selection || selection.isCollapsed)) open(mark.dataset.claim);
  });

  // Opening "Add evidence" with its hotkey focuses its stance instead of toggling it shut.
  document.addEventListener("click", function (event) {
    const summary = event.target.closest("summary[data-hotkey]");
    if (!summary || event.detail !== 0) return;
    // Open it here rather than by the default action, so the field has focus before the
    // next key arrives (a fast typist's first letters must not land on the page's hotkeys).
    event.preventDefault();
    const details = summary.parentElement;
    details.open = true;
    // The stance first (no default: it must be chosen), then Tab goes on to the source.
    const stance = details.querySelector("[data-stances] input:checked") || details.querySelector("[data-stances] input");
    (stance || details.querySelector("input[type=url], input[type=text]"))?.focus();
  });

  function toggleGuidelines(force) {
    const box = document.getElementById("guidelines");
    if (!box) return;
    const show = force === undefined ? box.hidden : force;
    box.hidden = !show;
    if (show) box.querySelector("button")?.focus();
  }

  document.addEventListener("workbench:escape", () => toggleGuidelines(false));

  // Saving: the last form edited in the panel, else the verdict form, else the claim form.
  let lastForm = null;
  document.addEventListener("input", function (event) {
    if (event.target.form && panel()?.contains(event.target.form)) lastForm = event.target.form;
  });

  function saveForm() {
    const p = panel();
    if (!p) return;
    const form =
      (lastForm && p.contains(lastForm) && lastForm) ||
      p.querySelector("form[data-default-save]") ||
      p.querySelector("form.claim-form");
    if (form) form.requestSubmit();
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    // A verdict, by key or by click, is saved at once with the rest of the form.
    if (target.name === "verdict" && target.form?.hasAttribute("data-autosave-verdict")) {
      target.form.requestSubmit();
    } else if (target.form && panel()?.contains(target.form)) {
      lastForm = target.form;
    }
  });

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
      event.preventDefault();
      target.form.requestSubmit();
      return;
    }
    if (event.key === "Enter" && target.matches && target.matches("input[data-search]")) {
      // Enter in a search field goes to the first result instead of submitting the form.
      event.preventDefault();
      const results = document.querySelector(target.getAttribute("hx-target"));
      const first = results && results.querySelector("button");
      if (first) first.focus();
      else if (window.htmx) window.htmx.trigger(target, "search");
    }
  });

  // Time spent on a claim: what was saved before plus the time since the panel opened.
  document.addEventListener(
    "submit",
    function (event) {
      const field = event.target.querySelector && event.target.querySelector("[data-time-spent]");
      if (!field) return;
      const base = Number(field.defaultValue) || 0;
      field.value = String(base + Math.round((Date.now() - since) / 1000));
    },
    true
  );

  function pickReference(button) {
    const form = button.closest("form");
    if (!form) return;
    const claimField = form.querySelector('[data-pick-target="claim"]');
    const articleField = form.querySelector('[data-pick-target="article"]');
    const url = form.querySelector("input[name=url]");
    if (url) url.value = "";
    if (claimField) claimField.value = button.dataset.pickClaim || "";
    if (articleField) articleField.value = button.dataset.pickArticle || "";
    form.querySelectorAll("[data-pick-claim], [data-pick-article]").forEach((b) => b.removeAttribute("aria-pressed"));
    button.setAttribute("aria-pressed", "true");
  }

  // The related list (f): a focused item takes one key to link it or to answer a question with
  // it (the keys its buttons show), and the arrows move between items. Captured before app.js's
  // page hotkeys, which would otherwise read s as Save and n as Next.
  const RELATED_KEYS = new Set(["s", "x", "p", "y", "n", "t", "u"]);
  document.addEventListener(
    "keydown",
    function (event) {
      const target = event.target;
      if (!target || !target.closest || event.ctrlKey || event.metaKey || event.altKey) return;
      const item = target.closest("[data-related-item]");
      if (!item || target.closest("input, select, textarea")) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const items = Array.from(item.parentElement.querySelectorAll("[data-related-item]"));
        const next = items[items.indexOf(item) + (event.key === "ArrowDown" ? 1 : -1)];
        if (next) next.focus();
        event.preventDefault();
        event.stopPropagation();
        return;
      }
      if (!RELATED_KEYS.has(event.key)) return;
      const button = item.querySelector('[data-related-key="' + event.key + '"]');
      if (!button) return;
      event.preventDefault();
      event.stopPropagation();
      button.click();
    },
    true
  );

  document.body.addEventListener("htmx:afterSettle", function (event) {
    const into = event.detail.target;
    if (into && into.classList && into.classList.contains("related-list")) {
      // The list arrived: its first item takes the focus, ready for a key.
      const first = into.querySelector("[data-related-item]");
      if (first) first.focus();
    }
    if (event.detail.target && event.detail.target.id === "claim-panel") {
      syncFocus(true);
      if (event.detail.requestConfig && event.detail.requestConfig.verb !== "get") since = Date.now();
    }
  });

  syncFocus(true);
})();
