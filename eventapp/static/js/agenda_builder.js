/* Agenda builder: drag a card onto a grid cell to move it (the page works without this).
   The move goes to the card's own move URL, which answers JSON; on warnings the organiser
   confirms and the move is sent again with accept_warnings; on success the page reloads.
   Keyboard: the Move link of every card opens the move form; Alt+Arrow keys on a focused
   card move it to the neighbouring cell (same request as a drop). */
(function () {
  "use strict";

  var builder = document.querySelector("[data-agenda-builder]");
  if (!builder || !window.fetch || !window.URLSearchParams) { return; }
  var statusBox = document.getElementById("agenda-status");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  var dragged = null;

  function say(messages) {
    if (!statusBox) { return; }
    statusBox.textContent = "";
    messages.forEach(function (text) {
      var line = document.createElement("span");
      line.className = "agenda-status-line";
      line.textContent = text;
      statusBox.appendChild(line);
    });
    statusBox.classList.toggle("has-messages", messages.length > 0);
  }

  function send(url, start, room, acceptWarnings) {
    var body = new URLSearchParams();
    body.set("csrf_token", token);
    body.set("day", start.slice(0, 10));
    body.set("start", start.slice(11, 16));
    body.set("room", room);
    if (acceptWarnings) { body.set("accept_warnings", "1"); }
    say([builder.getAttribute("data-msg-moving") || ""]);
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token },
      body: body
    }).then(function (response) {
      return response.json().then(function (data) { return data; }, function () { return {}; });
    }).then(function (data) {
      if (data.ok) {
        window.location.reload();
        return;
      }
      var conflicts = data.conflicts || [];
      var messages = conflicts.map(function (conflict) { return conflict.message; });
      if (data.warnings_only && !acceptWarnings) {
        var question = (builder.getAttribute("data-msg-warnings") || "") + "\n\n" + messages.join("\n");
        if (window.confirm(question)) {
          send(url, start, room, true);
          return;
        }
      }
      say(messages.length ? messages : [builder.getAttribute("data-msg-failed") || ""]);
    }, function () {
      say([builder.getAttribute("data-msg-failed") || ""]);
    });
  }

  function cellOf(node) {
    while (node && node !== builder) {
      if (node.nodeName === "TD" && node.hasAttribute("data-start")) { return node; }
      node = node.parentNode;
    }
    return null;
  }

  builder.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".agenda-card") : null;
    if (!card) { return; }
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-key"));
  });
  builder.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("is-dragging"); }
    dragged = null;
  });
  builder.addEventListener("dragover", function (event) {
    var cell = cellOf(event.target);
    if (!dragged || !cell) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    cell.classList.add("is-drop-target");
  });
  builder.addEventListener("dragleave", function (event) {
    var cell = cellOf(event.target);
    if (cell) { cell.classList.remove("is-drop-target"); }
  });
  builder.addEventListener("drop", function (event) {
    var cell = cellOf(event.target);
    if (!dragged || !cell) { return; }
    event.preventDefault();
    cell.classList.remove("is-drop-target");
    send(dragged.getAttribute("data-move-url"), cell.getAttribute("data-start"),
         cell.getAttribute("data-room") || "", false);
  });

  /* Alt+Arrow on a card (or any link inside it): the next cell left/right (another room) or
     the next row up/down (another start) of the same day's table. */
  function neighbour(cell, key) {
    var row = cell.parentNode;
    if (key === "ArrowLeft" || key === "ArrowRight") {
      var sibling = key === "ArrowLeft" ? cell.previousElementSibling : cell.nextElementSibling;
      return sibling && sibling.hasAttribute("data-start") ? sibling : null;
    }
    var rows = row.parentNode.rows;
    var index = Array.prototype.indexOf.call(rows, row);
    var target = rows[key === "ArrowUp" ? index - 1 : index + cell.rowSpan];
    if (!target) { return null; }
    var room = cell.getAttribute("data-room");
    var cells = target.querySelectorAll("td[data-start]");
    for (var i = 0; i < cells.length; i += 1) {
      if (cells[i].getAttribute("data-room") === room) { return cells[i]; }
    }
    var head = target.querySelector("th time");
    return head ? { start: head.getAttribute("datetime"), room: room } : null;
  }

  builder.addEventListener("keydown", function (event) {
    if (!event.altKey || ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].indexOf(event.key) === -1) { return; }
    var card = event.target.closest ? event.target.closest(".agenda-card") : null;
    var cell = card && cellOf(card);
    if (!cell) { return; }
    var target = neighbour(cell, event.key);
    if (!target) { return; }
    event.preventDefault();
    var start = target.start || target.getAttribute("data-start");
    var room = target.room !== undefined ? target.room : target.getAttribute("data-room");
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") { start = cell.getAttribute("data-start"); }
    send(card.getAttribute("data-move-url"), start, room || "", false);
  });
})();
