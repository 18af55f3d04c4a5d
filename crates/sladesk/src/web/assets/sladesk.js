// The little the pages do in the browser; everything works without it.
(function () {
  // T1: for high urgency, say to phone as well (the new-ticket form).
  var urgency = document.getElementById("urgency");
  var hint = document.getElementById("phone-hint");
  if (urgency && hint) {
    urgency.addEventListener("change", function () { hint.hidden = urgency.value !== "high"; });
  }

  // The queue's counters: refreshed every 15 seconds without reloading the list under the
  // agent's cursor.
  var counters = document.querySelector("[data-counts-url]");
  if (counters) {
    var url = counters.getAttribute("data-counts-url");
    setInterval(function () {
      fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (counts) {
          if (!counts) return;
          document.querySelectorAll("[data-count]").forEach(function (el) {
            el.textContent = counts[el.getAttribute("data-count")];
          });
        })
        .catch(function () { /* offline for a moment: try again next time */ });
    }, 15000);
  }
})();
