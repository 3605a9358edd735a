// Trellis works without this script. It only adds the network map's
// labels: pointing at, tapping or focusing a person shows their name.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const label = document.getElementById("map-label");
  if (!label) return;
  let active = null;
  const show = (node) => {
    if (active) active.classList.remove("active");
    active = node;
    node.classList.add("active");
    label.textContent = node.dataset.name;
  };
  for (const node of document.querySelectorAll("#map .node")) {
    node.addEventListener("mouseenter", () => show(node));
    node.addEventListener("focus", () => show(node));
    node.addEventListener("click", () => show(node));
  }
});
