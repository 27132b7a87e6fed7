// What GOV.UK's page template does in an inline script, here in a file so that the console's
// Content-Security-Policy can forbid inline script. A browser that runs this module supports
// GOV.UK Frontend (the template's check is for module support), so mark the page for the
// components' styles, then start them.
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
