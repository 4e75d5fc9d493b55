/* Join buttons: count down to the moment a join link opens ("in 1 h 05 min").
   The server already wrote the opening time in both zones; this only adds the
   remaining time, so the page works the same without JavaScript. */
(function () {
  "use strict";
  var nodes = document.querySelectorAll("[data-countdown-to]");
  if (!nodes.length) { return; }

  function remaining(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var days = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    var parts = [];
    if (days) { parts.push(days + " d"); }
    if (days || hours) { parts.push(hours + " h"); }
    parts.push((minutes < 10 && (days || hours) ? "0" : "") + minutes + " min");
    if (!days && !hours) { parts.push((seconds < 10 ? "0" : "") + seconds + " s"); }
    return parts.join(" ");
  }

  function tick() {
    var now = Date.now();
    nodes.forEach(function (node) {
      var target = Date.parse(node.getAttribute("data-countdown-to"));
      if (isNaN(target)) { return; }
      var left = target - now;
      node.textContent = left > 0 ? "(" + remaining(left) + ")" : node.getAttribute("data-countdown-done");
      node.setAttribute("data-remaining", String(Math.max(0, Math.round(left / 1000))));
    });
  }

  tick();
  window.setInterval(tick, 1000);
}());
