// The search page: mount Pagefind's search UI (built into /pagefind/ by plugins/search_index).
(function () {
  "use strict";
  var root = document.getElementById("search");
  if (!root || typeof window.PagefindUI !== "function") {
    return;
  }
  new window.PagefindUI({
    element: "#search",
    bundlePath: root.getAttribute("data-bundle"),
    showImages: false,
    showSubResults: true,
    resetStyles: false,
    translations: { placeholder: "Search the articles" },
  });
  var notes = document.querySelectorAll(".search__no-js");
  for (var i = 0; i < notes.length; i += 1) {
    notes[i].hidden = true;
  }
})();
