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

  // Questions asked only of some categories: shown once one of those is chosen (or none is chosen yet), so a
  // reader sees only what applies to them. Without JavaScript every question shows with its "Only for" note,
  // and the server ignores answers to questions of other categories.
  function showCategoryQuestions(form) {
    var chosen = form.querySelector('input[name="category_id"]:checked');
    form.querySelectorAll("[data-only-categories]").forEach(function (field) {
      var applies = !chosen || field.getAttribute("data-only-categories").split(" ").indexOf(chosen.value) !== -1;
      field.hidden = !applies;
      field.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !applies; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-only-categories]")) { showCategoryQuestions(form); }
    });
  });
  document.addEventListener("change", function (event) {
    if (event.target.name === "category_id" && event.target.form) { showCategoryQuestions(event.target.form); }
  });

  // Confirmation prompts on buttons that do something that cannot be undone.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var text = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (text && !window.confirm(text)) { event.preventDefault(); }
  });
})();
