/* Item form: shows the typed local times in the partner zone while typing (Intl with
   timeZone). Without JavaScript the server shows the same after submitting. */
(function () {
  "use strict";

  var box = document.querySelector("[data-zone-preview]");
  if (!box || !window.Intl) { return; }
  var eventZone = box.getAttribute("data-event-zone");
  var day = box.querySelector('[data-preview="day"]');
  var start = box.querySelector('[data-preview="start"]');
  var end = box.querySelector('[data-preview="end"]');
  var outputs = box.querySelectorAll("output[data-zone]");
  if (!day || !start || !end || !outputs.length) { return; }

  function parts(zone, moment) {
    var format = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit"
    });
    var found = {};
    format.formatToParts(new Date(moment)).forEach(function (part) { found[part.type] = part.value; });
    return found;
  }

  function asUtc(found) {
    return Date.UTC(+found.year, +found.month - 1, +found.day, +found.hour % 24, +found.minute);
  }

  /* A wall time in `zone` as milliseconds since the epoch (two rounds cover DST edges). */
  function wallToInstant(dayText, clockText, zone) {
    var date = dayText.split("-"), clock = clockText.split(":");
    if (date.length !== 3 || clock.length < 2) { return null; }
    var wall = Date.UTC(+date[0], +date[1] - 1, +date[2], +clock[0], +clock[1]);
    if (isNaN(wall)) { return null; }
    var guess = wall - (asUtc(parts(zone, wall)) - wall);
    return wall - (asUtc(parts(zone, guess)) - guess);
  }

  function mark(found, dayText, output) {
    var shown = Date.UTC(+found.year, +found.month - 1, +found.day);
    var date = dayText.split("-");
    var shift = Math.round((shown - Date.UTC(+date[0], +date[1] - 1, +date[2])) / 86400000);
    if (!shift) { return ""; }
    return " (" + (shift > 0 ? "+" : "") + shift + ")";
  }

  function update() {
    var from = wallToInstant(day.value, start.value, eventZone);
    var until = wallToInstant(day.value, end.value, eventZone);
    for (var i = 0; i < outputs.length; i += 1) {
      var output = outputs[i];
      if (from === null || until === null) { output.textContent = ""; continue; }
      if (until <= from) { until += 86400000; }
      var zone = output.getAttribute("data-zone");
      var first = parts(zone, from), last = parts(zone, until);
      output.textContent = first.hour + ":" + first.minute + mark(first, day.value, output) + " – " +
        last.hour + ":" + last.minute + mark(last, day.value, output) + " " +
        (output.getAttribute("data-zone-name") || zone);
    }
  }

  [day, start, end].forEach(function (input) {
    input.addEventListener("input", update);
    input.addEventListener("change", update);
  });
  update();
})();
