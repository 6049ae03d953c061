// Demo comment form for the article page. Comment text is untrusted: it is only ever
// inserted with textContent, never as HTML. The full embeddable widget is widget.js.
(function () {
  "use strict";
  var root = document.getElementById("comments");
  if (!root) { return; }
  var api = root.getAttribute("data-api");
  var thread = root.getAttribute("data-thread");
  var form = root.querySelector("[data-comment-form]");
  var list = root.querySelector("[data-list]");
  var status = root.querySelector("[data-status]");
  var count = root.querySelector("[data-count]");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function renderComment(c, pending) {
    var li = el("li", "comment" + (pending ? " comment--pending" : ""));
    li.setAttribute("data-comment-id", c.id);
    var meta = el("p", "comment-meta");
    meta.appendChild(el("strong", "", c.author));
    var when = new Date(c.created);
    var time = el("time", "", when.toLocaleString());
    time.setAttribute("datetime", c.created);
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(time);
    if (pending) { meta.appendChild(el("span", "badge", pending)); }
    li.appendChild(meta);
    li.appendChild(el("p", "comment-body", c.body));
    if (c.replies && c.replies.length) {
      var ol = el("ol", "replies");
      c.replies.forEach(function (r) { ol.appendChild(renderComment(r)); });
      li.appendChild(ol);
    }
    return li;
  }

  function load() {
    return fetch(api + "?thread=" + encodeURIComponent(thread) + "&per_page=100")
      .then(function (r) { return r.json(); })
      .then(function (data) {
        list.textContent = "";
        data.comments.forEach(function (c) { list.appendChild(renderComment(c)); });
        count.textContent = data.total;
      });
  }

  function showErrors(fields) {
    root.querySelectorAll("[data-error-for]").forEach(function (span) {
      span.textContent = (fields && fields[span.getAttribute("data-error-for")]) || "";
    });
  }

  function follow(id, token, delay) {
    // Poll the author's own status with backoff until the classifier has decided.
    fetch(api + "/" + id + "?token=" + encodeURIComponent(token))
      .then(function (r) { return r.json(); })
      .then(function (c) {
        var mine = list.querySelector("[data-comment-id='" + id + "']");
        if (c.status === "pending" && delay < 30000) {
          setTimeout(function () { follow(id, token, delay * 2); }, delay);
        } else if (c.status === "published") {
          status.textContent = "Your comment is published.";
          load();
        } else if (mine) {
          mine.querySelector(".badge").textContent = "Held for review";
          status.textContent = "Thanks! Your comment will appear once our staff have reviewed it.";
        }
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = {thread: thread, title: root.getAttribute("data-title")};
    ["author", "email", "website", "body"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) { data[name] = value; }
    });
    status.textContent = "Posting…";
    fetch(api, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(data)})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (res) {
        if (!res.ok) {
          showErrors(res.body.error.fields);
          status.textContent = res.body.error.message;
          return;
        }
        showErrors(null);
        form.elements.body.value = "";
        status.textContent = "Awaiting moderation…";
        var mine = renderComment({id: res.body.id, author: data.author, body: data.body,
                                  created: new Date().toISOString()}, "Awaiting moderation");
        list.appendChild(mine);
        follow(res.body.id, res.body.token, 500);
      })
      .catch(function () { status.textContent = "Could not post: please try again."; });
  });

  load();
})();
