// The API token page: "Copy the token" puts the new token on the clipboard (an external script:
// the Content-Security-Policy allows no inline one), and says whether it worked.
(() => {
  "use strict";
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copy);
    const status = document.getElementById("copy-status");
    if (!source) return;
    let copied = false;
    try {
      await navigator.clipboard.writeText(source.value);
      copied = true;
    } catch (error) {
      // No clipboard API (an insecure origin, a refused permission): copy the selection instead.
      source.focus();
      source.select();
      try { copied = document.execCommand("copy"); } catch (ignored) { copied = false; }
    }
    if (status) status.textContent = copied ? button.dataset.copied : button.dataset.copyFailed;
  });
})();
