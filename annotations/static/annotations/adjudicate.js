// The adjudication page: verdict hotkeys hand focus back to the page; Ctrl/Cmd+Enter in the
// note adjudicates. A static file, not an inline script, so the Content-Security-Policy allows it.
(function () {
  "use strict";
  // A verdict or gold hotkey clicks its label, which leaves focus on the radio or checkbox; the
  // shared hotkeys ignore keys while a form control has focus, so hand focus back to the page.
  document.querySelectorAll(".verdict-choice[data-hotkey], .gold[data-hotkey]").forEach(function (label) {
    label.addEventListener("click", function () {
      window.setTimeout(function () {
        const input = label.querySelector("input");
        if (input && document.activeElement === input) input.blur();
      }, 0);
    });
  });
  // Ctrl/Cmd+Enter in the note submits the decision, as the Adjudicate button would.
  const note = document.getElementById("note");
  const button = document.getElementById("adjudicate");
  if (note && button) {
    note.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        button.click();
      }
    });
  }
})();
