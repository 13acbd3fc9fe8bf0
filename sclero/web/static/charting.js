// The injection form in the treatment room: a tap on the map selects the finding at that site and
// takes the plan's agent, technique and lowest concentration for it; foam gets the protocol's
// default liquid:gas ratio; the tally refreshes after each charted injection.
(() => {
  const form = () => document.getElementById("injection-form");

  function applyGuide(f, option) {
    const hint = f.querySelector("[data-plan-hint]");
    if (!option || !option.value) {
      if (hint) hint.textContent = "";
      return;
    }
    const d = option.dataset;
    for (const [name, value] of [["side", d.side], ["region", d.region], ["agent", d.agent]]) {
      const control = f.elements.namedItem(name);
      if (control && value) control.value = value;
    }
    if (d.technique) {
      const radio = f.querySelector(`input[name=technique][value=${d.technique}]`);
      if (radio) radio.checked = true;
      syncRatio(f);
    }
    // Always the plan's lowest concentration for this finding, never what the form held before
    // (a 1 % left from a foam injection must not slip into a vein planned 0.5–1 %). A range
    // open below ("up to 2 %") names no lowest: the field is emptied for the nurse to choose.
    const conc = f.elements.namedItem("concentration_percent");
    if (conc && d.agent) conc.value = d.cmin || "";
    if (hint) {
      hint.textContent = d.agent
        ? `Plan: ${d.technique}, ${span(d.cmin, d.cmax)} %` + (d.vmax ? `, at most ${d.vmax} mL per injection` : "")
        : "No plan item for this finding.";
    }
  }

  function span(low, high) {
    if (low && high && low !== high) return `${low}–${high}`;
    if (!low && high) return `up to ${high}`;
    return low || high || "—";
  }

  function syncRatio(f) {
    const ratio = f.elements.namedItem("liquid_gas_ratio");
    const checked = f.querySelector("input[name=technique]:checked");
    if (!ratio || !checked) return;
    if (checked.value === "foam" && !ratio.value) ratio.value = ratio.dataset.default || "1:4";
    if (checked.value === "liquid") ratio.value = "";
  }

  document.addEventListener("bodymap:pick", (event) => {
    const f = event.target;
    if (f.id !== "injection-form") return;
    const select = f.elements.namedItem("finding_id");
    if (!select) return;
    const { side, region } = event.detail;
    const match = [...select.options].find((o) => o.dataset.side === side && o.dataset.region === region);
    select.value = match ? match.value : "";
    applyGuide(f, match);
  });
  document.addEventListener("change", (event) => {
    const f = form();
    if (!f || !f.contains(event.target)) return;
    if (event.target.name === "finding_id") applyGuide(f, event.target.selectedOptions[0]);
    if (event.target.name === "technique") syncRatio(f);
  });
})();
