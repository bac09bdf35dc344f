// The reading view's controls: suggestions shown or hidden and filtered by score (kept in the
// URL, and remembered in this browser for the next article), the bulk form's criteria, the
// warning before a stray claim, and the evidence stance by keys (1 2 3).
(function () {
  "use strict";

  const STORE = "workbench:suggestions";

  function body() {
    return document.getElementById("article-body");
  }

  function remembered() {
    try {
      return JSON.parse(window.localStorage.getItem(STORE) || "{}");
    } catch (e) {
      return {};
    }
  }

  /** The filter: the URL's, else the one last used in this browser. */
  function state() {
    const url = new URL(window.location.href);
    const saved = remembered();
    const min = url.searchParams.has("min_score") ? url.searchParams.get("min_score") : saved.min;
    const hidden = url.searchParams.has("suggestions") ? url.searchParams.get("suggestions") === "hidden" : Boolean(saved.hidden);
    const value = Math.min(1, Math.max(0, Number(min) || 0));
    return { min: value, hidden: hidden };
  }

  function save(s) {
    const url = new URL(window.location.href);
    if (s.min > 0) url.searchParams.set("min_score", s.min.toFixed(2));
    else url.searchParams.delete("min_score");
    if (s.hidden) url.searchParams.set("suggestions", "hidden");
    else url.searchParams.delete("suggestions");
    window.history.replaceState(window.history.state, "", url);
    try {
      window.localStorage.setItem(STORE, JSON.stringify({ min: s.min, hidden: s.hidden }));
    } catch (e) {
      /* private mode: the URL still carries it */
    }
  }

  /** Show the suggestions as the filter says, in the text and in the list. */
  function apply(s) {
    const b = body();
    const list = document.getElementById("claim-list");
    if (b) b.classList.toggle("hide-suggestions", s.hidden);
    if (list) list.classList.toggle("hide-suggestions", s.hidden);
    let shown = 0;
    let total = 0;
    document.querySelectorAll("#claim-list .claim-row.candidate").forEach(function (row) {
      const below = Number(row.dataset.score || 0) < s.min;
      row.classList.toggle("below", below);
      total++;
      if (!below && !s.hidden) shown++;
    });
    document.querySelectorAll("#article-body mark.c.candidate").forEach(function (mark) {
      mark.classList.toggle("below", Number(mark.dataset.score || 0) < s.min);
    });
    const toggle = document.getElementById("hide-suggestions");
    if (toggle) toggle.setAttribute("aria-pressed", s.hidden ? "true" : "false");
    const range = document.getElementById("min-score");
    if (range && Number(range.value) !== s.min) range.value = String(s.min);
    const out = document.getElementById("min-score-value");
    if (out) out.textContent = s.min.toFixed(2);
    const count = document.getElementById("shown-count");
    if (count) count.textContent = count.dataset.templateShown.replace("{shown}", shown).replace("{total}", total);
    const form = document.getElementById("bulk-form");
    if (form) form.elements.score.value = s.min.toFixed(2);
  }

  let current = state();

  document.addEventListener("click", function (event) {
    if (event.target.closest("#hide-suggestions")) {
      current = { min: current.min, hidden: !current.hidden };
      save(current);
      apply(current);
    }
  });
  document.addEventListener("input", function (event) {
    if (event.target.id === "min-score") {
      current = { min: Number(event.target.value), hidden: current.hidden };
      save(current);
      apply(current);
    }
  });

  /** The paragraph the annotator is in: the open claim's, else the caret's. */
  function paragraph() {
    const panel = document.getElementById("claim-panel");
    const id = panel && panel.dataset.claimId;
    let node = id ? document.querySelector('#article-body mark[data-claim="' + id + '"]') : null;
    if (!node) {
      const selection = window.getSelection();
      const b = body();
      if (selection && selection.anchorNode && b && b.contains(selection.anchorNode)) node = selection.anchorNode;
    }
    if (node && node.nodeType !== 1) node = node.parentElement;
    const para = node && node.closest("[data-para]");
    return para ? para.dataset.para : "";
  }

  // The bulk form carries the score, the paragraph and the open claim as they are when sent.
  document.addEventListener(
    "submit",
    function (event) {
      const form = event.target;
      if (form.id !== "bulk-form") return;
      form.elements.score.value = current.min.toFixed(2);
      form.elements.paragraph.value = paragraph();
      const panel = document.getElementById("claim-panel");
      form.elements.focus.value = (panel && panel.dataset.claimId) || "";
    },
    true
  );

  // The warning before a claim that crosses paragraphs or is very long: confirm or cancel.
  function cancelWarning() {
    const flash = document.getElementById("selection-flash");
    if (!flash || !flash.querySelector("[data-claim-cancel]")) return false;
    flash.textContent = "";
    const selection = window.getSelection();
    if (selection) selection.removeAllRanges();
    return true;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-claim-confirm]")) {
      event.preventDefault();
      const form = document.getElementById("claim-create-form");
      form.elements.confirm.value = "1";
      form.requestSubmit();
      form.elements.confirm.value = "";
    } else if (event.target.closest("[data-claim-cancel]")) {
      event.preventDefault();
      cancelWarning();
    }
  });
  document.addEventListener("workbench:escape", cancelWarning);

  // Evidence stance by keys: with the focus on a stance, 1 2 3 choose one.
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (!target || !target.closest || event.ctrlKey || event.metaKey || event.altKey) return;
    const group = target.closest("[data-stances]");
    if (!group) return;
    const radio = group.querySelector('input[data-stance-key="' + event.key + '"]');
    if (!radio) return;
    event.preventDefault();
    radio.checked = true;
    radio.focus();
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    apply(current);
    // The warning arrived: its confirm button takes the focus, so Enter confirms, Esc cancels.
    const confirm = event.detail.target && event.detail.target.querySelector && event.detail.target.querySelector("[data-claim-confirm]");
    if (confirm) confirm.focus();
  });

  apply(current);
  if (current.min > 0 || current.hidden) save(current); // a remembered filter shows in the URL
})();
