/* Join buttons: count down to the moment a join link opens ("44 d 9 h 45 min").
   The server already wrote the opening time in both zones; this only adds the
   remaining time, so the page works the same without JavaScript. Unit words come
   translated from the element's data-units ("d|h|min|s"). Nodes are looked up on
   every tick, so an agenda swapped in by agenda.js counts down too. */
(function () {
  "use strict";

  function remaining(ms, units) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var days = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    var parts = [];
    if (days) { parts.push(days + " " + units[0]); }
    if (days || hours) { parts.push(hours + " " + units[1]); }
    parts.push(minutes + " " + units[2]);
    if (!days && !hours) { parts.push(seconds + " " + units[3]); }
    return parts.join(" ");
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown-to]").forEach(function (node) {
      var target = Date.parse(node.getAttribute("data-countdown-to"));
      if (isNaN(target)) { return; }
      var units = (node.getAttribute("data-units") || "d|h|min|s").split("|");
      var left = target - now;
      node.textContent = left > 0 ? "(" + remaining(left, units) + ")" : node.getAttribute("data-countdown-done");
    });
  }

  tick();
  window.setInterval(tick, 1000);
}());
