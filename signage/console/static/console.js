// What GOV.UK's page template does in an inline script, here in a file so that the console's
// Content-Security-Policy can forbid inline script: mark the page as having JavaScript (the
// components' styles depend on it), then start GOV.UK Frontend's components.
import { initAll, isSupported } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled");
if (isSupported()) {
  document.body.classList.add("govuk-frontend-supported");
  initAll();
}
