// Turns the reader's selection in the article body into a claim span.
//
// The server stores offsets in Unicode code points, as Python indexes strings; the DOM counts
// UTF-16 code units, where a character outside the BMP (an emoji, say) takes two. So every
// length measured here is converted: a surrogate pair counts as one. The body element's text
// is the stored body exactly (the server adds no whitespace between its nodes), and its
// data-length attribute, the body's length in code points, lets us check that before posting.
//
// Keyboard: with the body focused (Tab to it), the arrow keys move a caret and shift + arrows
// extend the selection (ctrl: by word; up/down: by line; Home/End: to the line's ends); `c`
// (the Make claim button's hotkey) posts the selection.
(function () {
  "use strict";

  /** Number of code points in a string of UTF-16 code units (a lone surrogate counts as one). */
  function codePoints(text) {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      n++;
    }
    return n;
  }

  function bodyElement() {
    return document.getElementById("article-body");
  }

  /** The part of range inside container, or null when they do not meet. */
  function clamp(range, container) {
    if (!range.intersectsNode(container)) return null;
    const whole = document.createRange();
    whole.selectNodeContents(container);
    const r = range.cloneRange();
    if (r.compareBoundaryPoints(Range.START_TO_START, whole) < 0) r.setStart(container, 0);
    if (r.compareBoundaryPoints(Range.END_TO_END, whole) > 0) {
      r.setEnd(container, container.childNodes.length);
    }
    return r;
  }

  /**
   * {start, end, quote} in code points for a DOM range within container, whitespace trimmed;
   * null for an empty or blank selection.
   */
  function spanOf(range, container) {
    const r = clamp(range, container);
    if (!r || r.collapsed) return null;
    const before = document.createRange();
    before.setStart(container, 0);
    before.setEnd(r.startContainer, r.startOffset);
    const text = r.toString();
    const quote = text.trim();
    if (!quote) return null;
    const lead = text.length - text.replace(/^\s+/, "").length;
    const start = codePoints(before.toString()) + codePoints(text.slice(0, lead));
    return { start: start, end: start + codePoints(quote), quote: quote };
  }

  /** Whether the body's text in the DOM is the stored body (same length in code points). */
  function intact(container) {
    const expected = Number(container.dataset.length);
    return !expected || codePoints(container.textContent) === expected;
  }

  let current = null;

  function form() {
    return document.getElementById("claim-create-form");
  }

  function show(span) {
    const f = form();
    if (!f) return;
    current = span;
    f.elements.start.value = span ? span.start : "";
    f.elements.end.value = span ? span.end : "";
    f.elements.quote.value = span ? span.quote : "";
    const button = f.querySelector("#make-claim");
    if (button) button.disabled = !span;
    const preview = f.querySelector(".selection-preview");
    if (preview) {
      const q = span && span.quote.length > 140 ? span.quote.slice(0, 137) + "…" : span && span.quote;
      preview.textContent = span ? "“" + q + "”" : preview.dataset.empty;
      preview.classList.toggle("has-selection", Boolean(span));
    }
  }

  function update() {
    const container = bodyElement();
    const selection = window.getSelection();
    if (!container || !selection || !selection.rangeCount) return;
    const range = selection.getRangeAt(0);
    if (selection.isCollapsed) {
      // A click in the body starts over; a click on a button elsewhere keeps the selection.
      if (container.contains(range.startContainer)) show(null);
      return;
    }
    const span = spanOf(range, container);
    if (!span) return;
    if (!intact(container)) {
      show(null);
      console.error("Workbench: the article text in the page differs from the stored body.");
      return;
    }
    show(span);
  }

  let scheduled = false;
  document.addEventListener("selectionchange", function () {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(function () {
      scheduled = false;
      update();
    });
  });

  // selectionchange is handled on the next frame; a `c` pressed right after extending the
  // selection must still post the selection as it is now, so read it again before htmx does.
  document.addEventListener(
    "submit",
    function (event) {
      if (event.target === form()) update();
    },
    true
  );

  // Once the claim is made, the old selection means nothing: clear it.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt === form() && event.detail.successful && !event.detail.xhr.getResponseHeader("HX-Retarget")) {
      const selection = window.getSelection();
      if (selection) selection.removeAllRanges();
      show(null);
      const flash = document.getElementById("selection-flash");
      if (flash) flash.textContent = "";
    }
  });

  // Keyboard selection inside the body.
  const MOVES = {
    ArrowLeft: ["backward", "character"],
    ArrowRight: ["forward", "character"],
    ArrowUp: ["backward", "line"],
    ArrowDown: ["forward", "line"],
    Home: ["backward", "lineboundary"],
    End: ["forward", "lineboundary"],
  };

  function firstText(node) {
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    return walker.nextNode();
  }

  document.addEventListener("keydown", function (event) {
    const container = bodyElement();
    if (!container || event.target !== container || event.altKey || event.metaKey) return;
    const move = MOVES[event.key];
    if (!move) return;
    const selection = window.getSelection();
    if (!selection.rangeCount || !container.contains(selection.anchorNode)) {
      // Start at the focused claim, else at the top of the text.
      const start = firstText(container.querySelector("mark.focus") || container);
      if (!start) return;
      selection.collapse(start, 0);
    }
    let granularity = move[1];
    if (event.ctrlKey && granularity === "character") granularity = "word";
    selection.modify(event.shiftKey ? "extend" : "move", move[0], granularity);
    event.preventDefault();
  });

  window.WorkbenchSelection = { codePoints: codePoints, spanOf: spanOf, current: function () { return current; } };
})();
