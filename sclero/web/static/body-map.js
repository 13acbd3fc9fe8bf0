// The body map as a picker: a tap (or Enter/Space) on a region fills the side and region of the
// form named by the map's data-picker-target, marks the region chosen and tells the form
// ("bodymap:pick") so a page can add more (e.g. the finding at that site). Without JavaScript
// the region is a plain link that reloads the page with ?side=…&region=… pre-filled.
(() => {
  function pick(region) {
    const map = region.closest(".body-map");
    if (!map) return false;
    const form = document.querySelector(map.dataset.pickerTarget);
    if (!form) return false;
    const side = region.dataset.side;
    const code = region.dataset.region;
    for (const [name, value] of [["side", side], ["region", code]]) {
      const control = form.elements.namedItem(name);
      if (control) {
        control.value = value;
        control.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
    map.querySelectorAll(".bm-region.selected").forEach((r) => r.classList.remove("selected"));
    region.classList.add("selected");
    const chosen = map.querySelector("[data-bm-chosen]");
    if (chosen) chosen.textContent = "Chosen: " + region.dataset.name;
    form.dispatchEvent(new CustomEvent("bodymap:pick", { bubbles: true, detail: { side, region: code } }));
    const focus = form.querySelector("[data-bm-focus]") || form.elements.namedItem("diameter_mm");
    if (focus && typeof focus.focus === "function") focus.focus({ preventScroll: true });
    return true;
  }

  document.addEventListener("click", (event) => {
    const region = event.target.closest && event.target.closest(".bm-region");
    if (region && pick(region)) event.preventDefault();
  });
  document.addEventListener("keydown", (event) => {
    const region = event.target.closest && event.target.closest(".bm-region");
    if (region && (event.key === " " || event.key === "Spacebar")) {
      event.preventDefault();
      pick(region);
    }
  });
  // A refused form (409/422) or a refused override (403) comes back as the same partial with
  // the messages beside the fields: swap it in like a success so htmx keeps it working.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    const partial = event.detail.xhr.getResponseHeader("X-Sclero-Partial");
    if (partial && (status === 403 || status === 409 || status === 422)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
