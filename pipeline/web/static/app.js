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
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fromHash);
  } else {
    fromHash();
  }
})();
