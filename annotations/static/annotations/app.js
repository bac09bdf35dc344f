// Keyboard-first behaviour shared by every page: the help overlay and declarative hotkeys.
// An element with data-hotkey="k" (or a sequence, "g h") is clicked or focused when the keys
// are pressed outside a text field. Pages add their own keys the same way, and list them in
// the help overlay (the `shortcuts` block of base.html).
(function () {
  "use strict";

  const SEQUENCE_MS = 900;
  let pending = "";
  let pendingAt = 0;

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  function visible(el) {
    return el.offsetParent !== null || el.getClientRects().length > 0;
  }

  function toggleHelp(force) {
    const help = document.getElementById("help");
    if (!help) return;
    const show = force === undefined ? help.hidden : force;
    help.hidden = !show;
    if (show) {
      // Open at the title: focusing the Close button (at the end of a long list) scrolled the
      // box past it. The title takes the focus (tabindex=-1), and the box starts at its top.
      const box = help.querySelector(".overlay-box");
      if (box) box.scrollTop = 0;
      const title = document.getElementById("help-title");
      if (title) title.focus({ preventScroll: true });
      else help.querySelector("button")?.focus();
    }
  }

  function activate(el) {
    if (el.matches("input, textarea, select")) {
      el.focus();
      if (el.select && el.type !== "checkbox" && el.type !== "radio") el.select();
    } else {
      el.click();
    }
  }

  function keyName(event) {
    let key = event.key;
    if (key.length === 1 && event.shiftKey && key !== "?") key = key.toUpperCase();
    return key;
  }

  document.addEventListener("click", function (event) {
    const toggle = event.target.closest("[data-help-toggle]");
    if (toggle) {
      event.preventDefault();
      toggleHelp();
    }
    // data-confirm asks first (its value, or the element's label followed by " ?").
    const asking = event.target.closest("[data-confirm]");
    if (asking && !window.confirm(asking.dataset.confirm || asking.getAttribute("aria-label") + " ?")) {
      event.preventDefault();
    }
  });

  // Behaviour that used to sit in on* attributes, which the Content-Security-Policy forbids:
  // data-autosubmit submits its form on change, data-select-on-focus selects its text.
  document.addEventListener("change", function (event) {
    const field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-select-on-focus]")) event.target.select();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      const help = document.getElementById("help");
      if (help && !help.hidden) {
        toggleHelp(false);
        event.preventDefault();
        return;
      }
      document.dispatchEvent(new CustomEvent("workbench:escape"));
      if (typing(event.target)) event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") {
      event.preventDefault();
      toggleHelp();
      return;
    }
    const now = Date.now();
    const key = keyName(event);
    const sequence = pending && now - pendingAt < SEQUENCE_MS ? pending + " " + key : key;
    const candidates = Array.from(document.querySelectorAll("[data-hotkey]")).filter(visible);
    const exact = candidates.find((el) => el.dataset.hotkey === sequence);
    if (exact) {
      pending = "";
      event.preventDefault();
      activate(exact);
      return;
    }
    if (candidates.some((el) => el.dataset.hotkey.startsWith(sequence + " "))) {
      pending = sequence;
      pendingAt = now;
      event.preventDefault();
      return;
    }
    pending = "";
  });

  window.Workbench = Object.assign(window.Workbench || {}, { toggleHelp: toggleHelp, typing: typing });
})();
