// The floor plan: on the organizer's page a tap on the plan fills the place form (shares
// of the plan's width and height, in %) and shows where; a tap on a marker chooses its
// booth. On the public pages the plan scrolls to the booth the page is about.

for (const svg of document.querySelectorAll("svg.plan[data-pick]")) {
  const form = document.querySelector(".place-form");
  const pending = svg.querySelector(".pending");
  const status = document.getElementById("place-status");
  const box = svg.viewBox.baseVal;
  svg.addEventListener("click", (event) => {
    const marker = event.target.closest("[data-exhibitor-id]");
    if (marker) {
      form.elements.exhibitor_id.value = marker.dataset.exhibitorId;
      const booth = marker.querySelector("text").textContent;
      status.textContent = form.dataset.booth.replace("{booth}", booth);
      return;
    }
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(
      svg.getScreenCTM().inverse(),
    );
    const x = Math.min(Math.max(point.x / box.width, 0), 1);
    const y = Math.min(Math.max(point.y / box.height, 0), 1);
    form.elements.x.value = (x * 100).toFixed(2);
    form.elements.y.value = (y * 100).toFixed(2);
    pending.setAttribute("cx", String(x * box.width));
    pending.setAttribute("cy", String(y * box.height));
    pending.setAttribute("visibility", "visible");
    status.textContent = form.dataset.chosen
      .replace("{x}", form.elements.x.value)
      .replace("{y}", form.elements.y.value);
  });
}

for (const scroll of document.querySelectorAll(".plan-scroll")) {
  const here = scroll.querySelector(".here");
  if (!here) continue;
  const area = scroll.getBoundingClientRect();
  const spot = here.getBoundingClientRect();
  scroll.scrollLeft += spot.left + spot.width / 2 - (area.left + area.width / 2);
  scroll.scrollTop += spot.top + spot.height / 2 - (area.top + area.height / 2);
}
