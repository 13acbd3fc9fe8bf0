// Small behaviours shared by every page (no framework beyond htmx and Alpine.js).
document.addEventListener("htmx:responseError", (event) => {
  // A refused HTMX request still shows its message: the server answers with a partial.
  const xhr = event.detail.xhr;
  if (xhr.status >= 400 && xhr.status < 500 && event.detail.target) {
    event.detail.target.innerHTML = xhr.responseText;
  }
});
