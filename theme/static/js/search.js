// The search page: mount Pagefind's search UI (built into /pagefind/, and for a large site
// /pagefind-1/, ..., by plugins/search_index).
(function () {
  "use strict";
  var root = document.getElementById("search");
  if (!root || typeof window.PagefindUI !== "function") {
    return;
  }
  var options = {
    element: "#search",
    bundlePath: root.getAttribute("data-bundle"),
    showImages: false,
    showSubResults: true,
    resetStyles: false,
    translations: { placeholder: "Search the articles" },
  };
  // A large site's index comes in several bundles: search them all as one.
  var merged = (root.getAttribute("data-merge") || "").split(" ").filter(Boolean);
  if (merged.length) {
    options.mergeIndex = merged.map(function (path) {
      return { bundlePath: path };
    });
  }
  new window.PagefindUI(options);
  var notes = document.querySelectorAll(".search__no-js");
  for (var i = 0; i < notes.length; i += 1) {
    notes[i].hidden = true;
  }
})();
