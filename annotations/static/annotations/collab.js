// Comment threads: a member's @name button inserts the mention at the caret of the thread's box.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-mention]");
    if (!button) return;
    const box = document.getElementById(button.dataset.mentionTarget);
    if (!box) return;
    const at = box.selectionStart ?? box.value.length;
    const before = box.value.slice(0, at);
    const gap = before && !/\s$/.test(before) ? " " : "";
    const insert = gap + "@" + button.dataset.mention + " ";
    box.value = before + insert + box.value.slice(box.selectionEnd ?? at);
    box.focus();
    box.selectionStart = box.selectionEnd = at + insert.length;
  });
})();
