// Drag and drop for the upload form: a file dropped on the box fills the form's own file
// input, so the form posts exactly as it does without JavaScript (which it works without).
const zones = document.querySelectorAll("[data-console-drop-zone]");

for (const zone of zones) {
  const input = zone.querySelector('input[type="file"]');
  const status = zone.querySelector("[data-console-drop-status]");
  const hint = zone.querySelector("[data-console-drop-hint]");
  if (!input || !status) continue;
  zone.classList.add("console-drop-zone--enabled");
  if (hint) hint.hidden = false;

  const announce = () => {
    const file = input.files && input.files[0];
    status.textContent = file ? `${status.dataset.selectedText} ${file.name}` : "";
  };

  zone.addEventListener("dragover", (event) => {
    if (!event.dataTransfer || !Array.from(event.dataTransfer.types).includes("Files")) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("console-drop-zone--over");
  });
  zone.addEventListener("dragleave", (event) => {
    if (!zone.contains(event.relatedTarget)) zone.classList.remove("console-drop-zone--over");
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault(); // or the browser opens the file instead of the page
    zone.classList.remove("console-drop-zone--over");
    const files = event.dataTransfer && event.dataTransfer.files;
    if (!files || files.length === 0) return;
    // One file per creative: the first one dropped.
    const chosen = new DataTransfer();
    chosen.items.add(files[0]);
    input.files = chosen.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  input.addEventListener("change", announce);
}
