// plans web: scroll a clicked record's sentence into view and flash it. No dependencies.
(function () {
  "use strict";
  function flash(id) {
    var marks = document.querySelectorAll('mark[data-rec="' + CSS.escape(id) + '"]');
    if (!marks.length) { return; }
    marks[0].scrollIntoView({ block: "center" });
    marks.forEach(function (m) {
      m.classList.remove("flash");
      void m.offsetWidth;  // restart the animation
      m.classList.add("flash");
    });
  }
  function fromHash() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (id) { flash(id); }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-target]");
    if (!link) { return; }
    event.preventDefault();
    var id = link.getAttribute("data-target");
    history.replaceState(null, "", "#" + id);
    flash(id);
  });
  window.addEventListener("hashchange", fromHash);

  // The locality tree: show the places whose names hold what is typed, with their groups.
  // Each node lists its names in lower case, with and without accents (server side), so
  // typing "tan hoa" or "Tân Hòa" finds the same nodes; nothing is folded here.
  function filterTree(input) {
    var q = input.value.trim().toLowerCase().replace(/\s+/g, " ");
    var nodes = document.querySelectorAll("#places li[data-names]");
    nodes.forEach(function (li) { li.hidden = false; });
    if (!q) { return; }
    var shown = new Set();
    nodes.forEach(function (li) {
      if (li.getAttribute("data-names").split("|").some(function (n) { return n.indexOf(q) >= 0; })) {
        for (var up = li; up && up.id !== "places"; up = up.parentElement) {
          if (up.matches && up.matches("li[data-names]")) { shown.add(up); }
          if (up.tagName === "DETAILS") { up.open = true; }
        }
        li.querySelectorAll("li[data-names]").forEach(function (d) { shown.add(d); });
      }
    });
    nodes.forEach(function (li) { li.hidden = !shown.has(li); });
  }
  document.addEventListener("input", function (event) {
    if (event.target.id === "place-filter") { filterTree(event.target); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fromHash);
  } else {
    fromHash();
  }
})();
