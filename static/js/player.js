/* Player stand-in: simulates playback (or lesson completion) and reports progress to Marquee
   the way a real player would: on every tenth of the title, on pause, when leaving the page,
   and a completion once past 95 %. */
(function () {
  "use strict";
  const form = document.getElementById("player");
  if (!form) return;
  const endpoint = form.action;
  const titleId = Number(form.dataset.title);
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const status = document.getElementById("player-status");
  const FINISHED_AT = 0.95;
  let completed = form.dataset.completed === "true";
  let reported = Number(form.dataset.start) || 0;
  // Reports go one after another: two requests in flight may be handled and answered in either
  // order, which could store 20 % after 30 % (resume would go back) and show the older answer.
  let queue = Promise.resolve();

  function send(type, value, { beacon = false } = {}) {
    const body = JSON.stringify({ title: titleId, type: type, value: value });
    if (beacon && navigator.sendBeacon) {
      // sendBeacon cannot set headers, so the CSRF token travels as a form field instead.
      const data = new FormData();
      data.append("csrfmiddlewaretoken", csrf);
      data.append("title", titleId);
      data.append("type", type);
      if (value !== null) data.append("value", value);
      navigator.sendBeacon(endpoint, data);
      return Promise.resolve();
    }
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: body,
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error((data.errors && JSON.stringify(data.errors)) || data.error || response.statusText);
        return data;
      });
    });
  }

  function report(fraction, options) {
    fraction = Math.min(1, Math.max(0, Math.round(fraction * 100) / 100));
    if (fraction === reported && !(fraction >= FINISHED_AT && !completed)) return;
    reported = fraction;
    const percent = Math.round(fraction * 100) + "%";
    if (options && options.beacon) {  // the page is going away: nothing left to wait for
      send("progress", fraction, options);
      return;
    }
    queue = queue.then(function () {
      return send("progress", fraction)
        .then(function (data) {
          status.textContent = data && data.paused ? "History is paused: progress not saved." : "Progress saved: " + percent + ".";
          if (fraction >= FINISHED_AT && !completed) {
            completed = true;
            return send("complete", null).then(function () { status.textContent = "Finished. Well done!"; });
          }
        })
        .catch(function (error) { status.textContent = "Could not save progress (" + error.message + ")."; });
    });
  }

  // --- Movies: a timeline that advances 1 % a second while playing ----------------------
  const position = document.getElementById("position");
  if (position) {
    const label = document.getElementById("position-label");
    const toggle = document.getElementById("play-toggle");
    const skip = document.getElementById("skip");
    let timer = null;
    const show = function () { label.textContent = Math.round(position.value * 100) + "%"; };
    const crossedTenth = function (value) { return Math.floor(value * 10) !== Math.floor(reported * 10); };
    const tick = function () {
      position.value = Math.min(1, Number(position.value) + 0.01);
      show();
      const value = Number(position.value);
      if (crossedTenth(value) || (value >= FINISHED_AT && !completed)) report(value);
      if (value >= 1) pause();
    };
    const play = function () {
      timer = window.setInterval(tick, 1000);
      toggle.textContent = "Pause";
      toggle.setAttribute("aria-pressed", "true");
    };
    const pause = function () {
      window.clearInterval(timer);
      timer = null;
      toggle.textContent = "Play";
      toggle.setAttribute("aria-pressed", "false");
      report(Number(position.value));
    };
    toggle.addEventListener("click", function () { (timer ? pause : play)(); });
    skip.addEventListener("click", function () {
      position.value = Math.min(1, Number(position.value) + 0.1);
      show();
      report(Number(position.value));
    });
    position.addEventListener("change", function () { show(); report(Number(position.value)); });
    window.addEventListener("pagehide", function () { if (timer) report(Number(position.value), { beacon: true }); });
    show();
    toggle.disabled = skip.disabled = false;  // wired now: the page renders them disabled so no early click is lost
  }

  // --- Courses: lessons completed / lessons in the course ---------------------------------
  const lessons = Array.from(form.querySelectorAll("input.lesson"));
  if (lessons.length) {
    const done = Math.round(reported * lessons.length);
    lessons.forEach(function (box, index) { box.checked = completed || index < done; });
    lessons.forEach(function (box) {
      box.addEventListener("change", function () {
        report(lessons.filter(function (b) { return b.checked; }).length / lessons.length);
      });
    });
  }
})();
