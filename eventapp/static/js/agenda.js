/* Agenda helpers; the page is complete without them.
   1. Adds the reader's own time zone to every slot when it is not one already shown, and
      says when that falls on another day than in the event zone ("…, previous day").
   2. Agenda filter links fetch only the agenda (?partial=agenda) instead of the whole page;
      on any failure the link is simply followed. */
(function () {
  "use strict";

  var ownZone = null;
  try {
    ownZone = Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch (error) {
    ownZone = null;
  }

  // Calendar days between the local date of `moment` in `fromZone` and in `toZone`.
  function localDay(moment, zone) {
    var parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, year: "numeric", month: "numeric", day: "numeric"
    }).formatToParts(moment);
    var values = {};
    parts.forEach(function (part) { values[part.type] = Number(part.value); });
    return Date.UTC(values.year, values.month - 1, values.day);
  }

  function dayShift(moment, fromZone, toZone) {
    try {
      return Math.round((localDay(moment, toZone) - localDay(moment, fromZone)) / 86400000);
    } catch (error) {
      return 0;
    }
  }

  function addOwnZone(root) {
    var holder = root.querySelector("[data-zones]") || (root.matches && root.matches("[data-zones]") ? root : null);
    if (!ownZone || !holder) { return; }
    var shown = (holder.getAttribute("data-zones") || "").split(" ");
    if (shown.indexOf(ownZone) !== -1) { return; }
    var label = holder.getAttribute("data-own-zone-label") || "";
    var place = ownZone.split("/").pop().replace(/_/g, " ");
    var clock;
    try {
      clock = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: ownZone
      });
    } catch (error) {
      return;
    }
    var eventZone = holder.getAttribute("data-event-zone") || shown[0] || null;
    var dayLabels = {
      "1": holder.getAttribute("data-next-day-label") || "+1",
      "-1": holder.getAttribute("data-previous-day-label") || "-1"
    };
    var slots = root.querySelectorAll(".slot-times[data-start]");
    for (var i = 0; i < slots.length; i += 1) {
      var slot = slots[i];
      if (slot.querySelector(".own-zone")) { continue; }
      var start = new Date(slot.getAttribute("data-start"));
      var end = new Date(slot.getAttribute("data-end"));
      if (isNaN(start.getTime()) || isNaN(end.getTime())) { continue; }
      var span = document.createElement("span");
      span.className = "own-zone";
      var shift = eventZone ? dayShift(start, eventZone, ownZone) : 0;
      var note = label;
      if (shift !== 0) {
        note += ", " + (dayLabels[String(shift)] || (shift > 0 ? "+" : "") + shift);
        span.setAttribute("data-day-shift", String(shift));
      }
      span.textContent = clock.format(start) + "–" + clock.format(end) + " " + place + " (" + note + ")";
      slot.appendChild(span);
    }
  }

  function partialUrl(href) {
    var url = new URL(href, window.location.href);
    url.searchParams.set("partial", "agenda");
    url.hash = "";
    return url.toString();
  }

  function loadAgenda(href, push) {
    var current = document.getElementById("agenda");
    if (!current || !window.fetch) { window.location.href = href; return; }
    current.setAttribute("aria-busy", "true");
    window.fetch(partialUrl(href), { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var box = document.createElement("div");
        box.innerHTML = html;
        var fresh = box.querySelector("#agenda");
        if (!fresh) { throw new Error("no agenda"); }
        current.replaceWith(fresh);
        addOwnZone(fresh);
        if (push) { window.history.pushState({ agenda: true }, "", href); }
        var heading = fresh.querySelector("h2");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
      })
      .catch(function () { window.location.href = href; });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-agenda-link]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    event.preventDefault();
    loadAgenda(link.href, true);
  });

  window.addEventListener("popstate", function () {
    if (document.getElementById("agenda")) { loadAgenda(window.location.href, false); }
  });

  addOwnZone(document);
}());
