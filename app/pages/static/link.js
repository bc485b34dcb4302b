// Mailed links carry their token in the fragment, which no server log or Referer sees.
// Copy it into the page's form (and keep it for this tab, so a detour through the login
// page does not lose it); nothing is sent until the member presses the button.
(function () {
  "use strict";
  var key = "link-token:" + location.pathname;
  var match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  var token = match ? decodeURIComponent(match[1]) : sessionStorage.getItem(key);
  if (!token) return;
  sessionStorage.setItem(key, token);
  document.querySelectorAll("input[data-token]").forEach(function (input) {
    if (!input.value) input.value = token;
  });
  // A detour (the "Log in first" link) takes the token along in its own fragment: the
  // login form posts to its page's URL, and the redirect back keeps that fragment.
  document.querySelectorAll("a[data-carry-token]").forEach(function (link) {
    link.hash = "token=" + encodeURIComponent(token);
  });
  document.querySelectorAll("[data-with-token]").forEach(function (el) { el.hidden = false; });
  document.querySelectorAll("[data-without-token]").forEach(function (el) { el.hidden = true; });
  var preview = document.querySelector("[data-invite-preview]");
  if (preview) {
    fetch("/api/v1/invites/preview", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token }),
    })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (invite) {
        preview.textContent = invite
          ? invite.inviter_name + " invited you to join " + invite.org_name + "."
          : "This invitation is no longer valid. Ask for a new one.";
      });
  }
})();
