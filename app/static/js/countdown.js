// Access-link page: keep "Starts in ..." current and reload when the join window opens, so the page
// then takes the participant to the meeting. Times come from the server (data-now), so a wrong clock
// on the participant's computer does not matter. Without JavaScript the server-rendered text stands.
(function () {
  "use strict";
  var MAX_TIMEOUT = 2147483647; // setTimeout's largest delay (about 24.8 days)

  // Units are written in the page's language by the browser's own CLDR data ("2 Tage", "2 дня").
  var lang = document.documentElement.lang || "en";
  function plural(n, unit) {
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: unit, unitDisplay: "long" }).format(n);
    } catch (e) {
      return n + " " + unit + (n === 1 ? "" : "s");
    }
  }

  function countdownText(ms, lessThanAMinute) {
    var seconds = Math.floor(ms / 1000);
    if (seconds < 60) { return lessThanAMinute; }
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var parts = days ? [[days, "day"], [hours, "hour"]] : hours ? [[hours, "hour"], [minutes, "minute"]] : [[minutes, "minute"]];
    return parts.filter(function (p) { return p[0] > 0; }).map(function (p) { return plural(p[0], p[1]); }).join(" ");
  }

  function start(element) {
    var startsAt = Date.parse(element.getAttribute("data-countdown-to"));
    var reloadAt = Date.parse(element.getAttribute("data-reload-at"));
    var serverNow = Date.parse(element.getAttribute("data-now"));
    // The sentence comes translated from the server, with {} where the time left goes.
    var sentence = element.getAttribute("data-sentence") || "{}";
    var lessThanAMinute = element.getAttribute("data-less-than-a-minute") || "less than a minute";
    if (isNaN(startsAt) || isNaN(serverNow)) { return; }
    var skew = serverNow - Date.now();
    function now() { return Date.now() + skew; }
    function tick() {
      element.textContent = sentence.replace("{}", countdownText(Math.max(startsAt - now(), 0), lessThanAMinute));
      if (!isNaN(reloadAt) && now() >= reloadAt) { window.location.reload(); }
    }
    tick();
    window.setInterval(tick, 15000);
    if (!isNaN(reloadAt)) {
      var wait = reloadAt - now() + 1000;
      if (wait < MAX_TIMEOUT) { window.setTimeout(function () { window.location.reload(); }, Math.max(wait, 0)); }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown-to]").forEach(start);
    document.querySelectorAll("[data-reload-after]").forEach(function (element) {
      var seconds = parseInt(element.getAttribute("data-reload-after"), 10);
      if (seconds > 0) { window.setTimeout(function () { window.location.reload(); }, seconds * 1000); }
    });
  });
})();
