// Small behaviours shared by every page (no framework beyond htmx).
document.addEventListener("htmx:responseError", (event) => {
  // A refused HTMX request still shows its message: the server answers with a partial.
  const xhr = event.detail.xhr;
  if (xhr.status >= 400 && xhr.status < 500 && event.detail.target) {
    event.detail.target.innerHTML = xhr.responseText;
  }
});

// A print button: `data-print` prints the page; `data-print="CLASS"` prints with CLASS on <body>
// (e.g. only the consent form). No inline handlers, so pages run under the CSP.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (!button) return;
  const mode = button.dataset.print;
  if (mode) document.body.classList.add(mode);
  window.print();
  if (mode) document.body.classList.remove(mode);
});
