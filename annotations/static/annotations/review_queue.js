// The review list: j/k move a selection through the rows (focusing its link, so Enter opens it
// natively). A static file, not an inline script, so the Content-Security-Policy allows it.
(function () {
  "use strict";
  const rows = Array.from(document.querySelectorAll("[data-review-row]"));
  let current = -1;
  function typing(el) {
    return Boolean(el && el.closest && el.closest("input, textarea, select, [contenteditable]"));
  }
  function select(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) {
      row.classList.toggle("selected", i === current);
      if (i === current) row.setAttribute("aria-selected", "true"); else row.removeAttribute("aria-selected");
    });
    const link = rows[current].querySelector("a.open");
    link.focus();
    rows[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const help = document.getElementById("help");
    if (help && !help.hidden) return;
    if (event.key === "j") { event.preventDefault(); select(current + 1); }
    else if (event.key === "k") { event.preventDefault(); select(current < 0 ? 0 : current - 1); }
    else if (event.key === "Enter" && current >= 0 && !event.target.closest("a, button")) {
      event.preventDefault();
      rows[current].querySelector("a.open").click();
    }
  });
})();
