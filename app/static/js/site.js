// Pre-select the reader's own time zone from the browser (Intl API) and remember it in a cookie.
// Without JavaScript the zone selector form does the same job.
(function () {
  "use strict";
  function readCookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }
  var browserZone = null;
  try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { browserZone = null; }

  document.addEventListener("DOMContentLoaded", function () {
    var known = document.querySelectorAll("[data-browser-zone]");
    known.forEach(function (input) {
      if (browserZone && !input.value) { input.value = browserZone; }
    });
    var page = document.querySelector("[data-reader-zone]");
    if (!browserZone || !page || readCookie("tz")) { return; }
    document.cookie = "tz=" + encodeURIComponent(browserZone) + "; path=/; max-age=31536000; samesite=lax";
    if (page.getAttribute("data-reader-zone") !== browserZone && !/[?&]tz=/.test(window.location.search)) {
      window.location.reload();
    }
  });

  // The language menu switches at once; without JavaScript its button does.
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-auto-submit")) { form.submit(); }
  });

  // Confirmation prompts on buttons that do something that cannot be undone.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var text = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (text && !window.confirm(text)) { event.preventDefault(); }
  });
})();
