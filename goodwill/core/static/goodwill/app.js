// The only script of the pages besides htmx. The Content-Security-Policy allows scripts from
// our own static files only: no inline <script>, no on…= attributes, no eval. Behaviour is
// attached here by data attributes, and text reaches the page through textContent, never as
// markup (a customer's name is data, whatever characters it holds).
"use strict";

document.addEventListener("click", (event) => {
  // An open "More" menu closes on a click anywhere else, as menus do.
  for (const open of document.querySelectorAll("details[data-close-outside][open]")) {
    if (!open.contains(event.target)) open.removeAttribute("open");
  }
  const pick = event.target.closest("[data-pick-customer]");
  if (pick) {
    // The floor's "Returning customer?" picker: fill the hidden field, say who was picked.
    const form = pick.closest("form") || document;
    const field = form.querySelector("#id_customer");
    if (field) field.value = pick.dataset.pickCustomer;
    const said = document.createElement("p");
    said.className = "picked";
    const name = document.createElement("strong");
    name.textContent = pick.dataset.pickName || "";
    said.append("Returning: ", name);
    if (pick.dataset.pickHolder) said.append(` · ${pick.dataset.pickHolder}'s customer`);
    const box = pick.closest("#matches");
    if (box) box.replaceChildren(said);
    return;
  }
  if (event.target.closest("[data-print]")) window.print();
});
