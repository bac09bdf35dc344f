// Lists of the claim graph: j/k select a row (questions, proposed relations), Enter opens a
// question, a/r accept or reject the selected proposal. A static file, not an inline script,
// so the Content-Security-Policy allows it.
(function () {
  "use strict";
  const rows = Array.from(document.querySelectorAll("[data-question-row], [data-candidate-row]"));
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
    const row = rows[current];
    const focus = row.querySelector("a.open") || row;
    focus.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }
  // After a decision the queue comes back at the same place: the row that took the decided one's.
  const list = document.getElementById("candidate-rows");
  if (list && list.dataset.at !== "" && Number(list.dataset.at) >= 0) select(Number(list.dataset.at));
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const help = document.getElementById("help");
    if (help && !help.hidden) return;
    if (event.key === "j") { event.preventDefault(); select(current + 1); }
    else if (event.key === "k") { event.preventDefault(); select(current < 0 ? 0 : current - 1); }
    else if ((event.key === "a" || event.key === "r") && current >= 0) {
      const button = rows[current].querySelector('[data-decide="' + event.key + '"]');
      if (button) { event.preventDefault(); button.click(); }
    } else if (event.key === "Enter" && current >= 0 && !event.target.closest("a, button")) {
      const link = rows[current].querySelector("a.open");
      if (link) { event.preventDefault(); link.click(); }
    }
  });
})();
