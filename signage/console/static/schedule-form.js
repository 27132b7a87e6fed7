// The schedule form's live count: as the targeting pickers change, ask the server how many
// screens they reach and say it in the polite live region. Without JavaScript, "Check reach"
// gives the same figure (and more) after a page load.
const form = document.querySelector("[data-console-schedule-form]");
const output = document.getElementById("screens-count");
const TARGETING = ["force_ids", "venue_kinds", "venue_ids", "screen_ids", "tags"];

if (form && output) {
  let timer = null;
  let asked = 0;

  const count = async () => {
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (TARGETING.includes(name) && typeof value === "string") query.append(name, value);
    }
    const mine = ++asked;
    try {
      const answer = await fetch(`${output.dataset.countUrl}?${query}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!answer.ok) return;
      const body = await answer.json();
      if (mine === asked) output.textContent = body.text || "";
    } catch {
      // Offline or the server is away: the count stays as it was; saving still checks.
    }
  };

  form.addEventListener("change", (event) => {
    if (TARGETING.includes(event.target.name)) {
      clearTimeout(timer);
      timer = setTimeout(count, 250);
    }
  });
  form.addEventListener("input", (event) => {
    if (event.target.name === "tags") {
      clearTimeout(timer);
      timer = setTimeout(count, 400);
    }
  });
  count();
}
