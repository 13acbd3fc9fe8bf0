// Booking a visit: choosing the kind fills in the date the protocol offers (until the user types
// one) and shows the session-only fields. Plain script, so the page runs under the CSP.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-booking]")) {
    const prefill = JSON.parse(form.dataset.prefill || "{}");
    const starts = form.querySelector("input[name=starts_at]");
    let auto = form.dataset.typed !== "true";
    const show = (kind) => {
      for (const part of form.querySelectorAll("[data-shown-for]")) {
        part.hidden = part.dataset.shownFor !== kind;
      }
    };
    starts.addEventListener("input", () => { auto = false; });
    for (const radio of form.querySelectorAll("input[name=kind]")) {
      radio.addEventListener("change", () => {
        show(radio.value);
        if (auto || !starts.value) {
          starts.value = prefill[radio.value] || "";
          auto = true;
        }
      });
    }
  }
});
