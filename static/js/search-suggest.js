// Title suggestions for the header's search box, as you type.
//
// Follows the WAI-ARIA 1.2 combobox pattern with a listbox popup: focus stays in the text box,
// arrow keys move the active option (aria-activedescendant), Enter opens it, Escape closes the
// list (a second Escape clears the box). Without this script the box is a plain GET form that
// leads to the results page, so nothing here is needed to search.
(function () {
  "use strict";

  const DEBOUNCE_MS = 150;
  const MAX_LENGTH = 200; // the server refuses longer queries
  const KINDS = { movie: "Movie", course: "Course" };

  const form = document.querySelector("form[data-suggest-url]");
  if (!form || !window.fetch || !window.AbortController) return;
  const input = form.querySelector("input[name=q]");
  const list = form.querySelector("[role=listbox]");
  const status = form.querySelector("[data-suggest-status]");

  let timer = null;
  let pending = null; // AbortController of the request in flight
  let shownQuery = "";
  let options = [];
  let active = -1;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  function normalise(text) {
    return text.trim().replace(/\s+/g, " ");
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, DEBOUNCE_MS);
  }

  async function fetchSuggestions() {
    const query = normalise(input.value);
    if (query === shownQuery && options.length) return open();
    if (pending) pending.abort(); // an older answer must never replace a newer one
    if (!query || query.length > MAX_LENGTH) return render(query, []);
    pending = new AbortController();
    const url = new URL(form.dataset.suggestUrl, window.location.href);
    url.searchParams.set("q", query);
    try {
      const response = await fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } });
      const data = response.ok ? await response.json() : { query: query, suggestions: [] };
      if (data.query === normalise(input.value)) render(query, data.suggestions);
    } catch (error) {
      if (error.name !== "AbortError") render(query, []); // offline: the form still submits
    }
  }

  function render(query, suggestions) {
    shownQuery = query;
    options = suggestions.map(makeOption);
    list.replaceChildren.apply(list, options);
    setActive(-1);
    if (options.length) {
      open();
      status.textContent = options.length + (options.length === 1 ? " suggestion" : " suggestions") +
        ". Use the up and down arrows to choose, Enter to open.";
    } else {
      close();
      status.textContent = query ? "No suggestions. Press Enter to search." : "";
    }
  }

  function makeOption(suggestion, index) {
    const option = document.createElement("li");
    option.id = list.id + "-" + index;
    option.className = "suggestion";
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    option.dataset.url = suggestion.url;

    const poster = document.createElement("img");
    poster.src = suggestion.poster_url;
    poster.alt = "";
    poster.width = 32;
    poster.height = 48;
    poster.loading = "lazy";

    const text = document.createElement("span");
    text.className = "suggestion-text";
    const title = document.createElement("span");
    title.className = "suggestion-title";
    title.textContent = suggestion.title; // textContent, never innerHTML: titles are data
    const meta = document.createElement("span");
    meta.className = "suggestion-meta";
    meta.textContent = [KINDS[suggestion.kind] || suggestion.kind, suggestion.year].filter(Boolean).join(" · ");
    text.append(title, meta);

    option.append(poster, text);
    option.addEventListener("click", function () { go(index); });
    return option;
  }

  function open() {
    if (!options.length) return;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  }

  function isOpen() {
    return !list.hidden;
  }

  function setActive(index) {
    options.forEach(function (option, i) { option.setAttribute("aria-selected", String(i === index)); });
    active = index;
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    if (!options.length) return;
    if (!isOpen()) open();
    // Wraps around, and passes through "none" so that the typed text is reachable again.
    const next = active + step;
    setActive(next < -1 ? options.length - 1 : next >= options.length ? -1 : next);
  }

  function go(index) {
    window.location.assign(options[index].dataset.url);
  }

  input.addEventListener("input", schedule);
  input.addEventListener("focus", function () { if (normalise(input.value) === shownQuery) open(); });

  input.addEventListener("keydown", function (event) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!options.length) fetchSuggestions();
        move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        move(-1);
        break;
      case "Enter":
        if (isOpen() && active >= 0) {
          event.preventDefault(); // open the title instead of submitting the search
          go(active);
        }
        break;
      case "Escape":
        if (isOpen()) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          render("", []);
        }
        break;
      case "Tab":
        close();
        break;
    }
  });

  // Keep focus in the box while clicking an option, so that the click is not lost to the blur below.
  list.addEventListener("mousedown", function (event) { event.preventDefault(); });
  input.addEventListener("blur", close);
})();
