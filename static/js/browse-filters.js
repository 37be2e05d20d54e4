// Browse filters: leave empty fields out of the URL, so that "?genre=drama" is what gets
// bookmarked rather than "?category=&genre=drama&level=&language=&year_from=&year_to=".
// Without this script the form still works; the URL is only longer.
(function () {
  "use strict";
  const form = document.querySelector("form.browse-filters");
  if (!form) return;
  form.addEventListener("submit", function () {
    for (const field of form.elements) {
      // A disabled field is not submitted. Re-enabled right away, so that Back shows the form as it was.
      if (field.name && field.value === "") {
        field.disabled = true;
        setTimeout(function () { field.disabled = false; }, 0);
      }
    }
  });
})();
