// Wide tables scroll sideways inside their own box, never the page (small screens). The box
// must then be reachable by keyboard and named (WCAG 2.1.1, 4.1.2): while a table is wider
// than its box, the box takes the tab order as a named region; once it fits, it leaves it.
(function () {
  "use strict";

  // The page's language: base.html passes the words on <body> (English if absent).
  const words = document.body ? document.body.dataset : {};

  function scrollsLabel(name) {
    const text = words.tableScrolls || "{name} (scrolls sideways)";
    return text.replace("{name}", name);
  }

  function nameOf(table) {
    if (table.caption && table.caption.textContent.trim()) {
      return table.caption.textContent.trim();
    }
    const section = table.closest("section, fieldset, details, main");
    const heading = section && section.querySelector("h1, h2, h3, h4, legend, summary");
    return heading ? heading.textContent.trim() : words.tableName || "Table";
  }

  function boxOf(table) {
    const existing = table.parentElement;
    if (existing && existing.matches(".table-scroll, .scrolls")) {
      return existing;
    }
    const box = document.createElement("div");
    box.className = "table-scroll";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
    return box;
  }

  function update(boxes) {
    for (const [box, name] of boxes) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", scrollsLabel(name));
      } else if (!box.hasAttribute("data-static-region")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  }

  function start() {
    const boxes = [];
    for (const table of document.querySelectorAll("main table")) {
      const box = boxOf(table);
      if (box.hasAttribute("tabindex") && !box.dataset.tableScroll) {
        box.setAttribute("data-static-region", "");
      }
      box.dataset.tableScroll = "1";
      boxes.push([box, nameOf(table)]);
    }
    update(boxes);
    window.addEventListener("resize", function () { update(boxes); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
