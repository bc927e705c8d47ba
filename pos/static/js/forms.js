// Small enhancements of the server-rendered forms; every page works without them.

// A select marked .auto-submit submits its form when changed (booth picker).
for (const select of document.querySelectorAll("select.auto-submit")) {
  select.addEventListener("change", () => select.form.submit());
}

// The product form shows only the attribute fields of the chosen category.
const category = document.querySelector("select.category-select");
if (category) {
  const show = () => {
    for (const fieldset of document.querySelectorAll("fieldset.attributes")) {
      fieldset.hidden = fieldset.dataset.category !== category.value;
    }
  };
  category.addEventListener("change", show);
  show();
}

// A photo too large for the server is refused here, before a long upload over the fair's Wi-Fi.
for (const input of document.querySelectorAll("input[type=file][data-max-bytes]")) {
  input.addEventListener("change", () => {
    const file = input.files[0];
    const tooLarge = file && file.size > Number(input.dataset.maxBytes);
    input.setCustomValidity(tooLarge ? input.dataset.tooLarge : "");
    if (tooLarge) {
      input.reportValidity();
      input.value = "";
    } else if (file && input.classList.contains("auto-submit-file")) {
      input.form.submit(); // the quick photo: chosen or taken, then saved at once
    }
  });
}

// With scripts on, a quick photo form needs no Save button.
for (const button of document.querySelectorAll(".js-hidden")) button.hidden = true;
