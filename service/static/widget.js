/*! Clinic comments widget. Embed with:
 *  <div id="comments"></div>
 *  <script src="https://comments.example/widget.js" data-thread="/blog/post" data-title="Title" async></script>
 * Optional: data-lang="es", data-container="#comments". Article lists: <span data-comment-count="/blog/post"></span>.
 * Vanilla JS in a Shadow DOM: host styles do not leak in, ours do not leak out, no cookies.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector("script[src*='widget.js'][data-thread]");
  if (!script) { return; }
  var API = new URL(script.src, location.href).origin + "/api/v1";
  var PER_PAGE = 20;
  var MAX_BODY = 5000;
  var STORE_KEY = "clinic-comments:mine";
  var EDIT_WINDOW_MS = 15 * 60 * 1000;

  var STRINGS = {
    en: {
      comments: "Comments", leave: "Leave a comment", name: "Name", email: "Email",
      emailHint: "optional, never shown", website: "Website", websiteHint: "optional",
      notifyReplies: "Notify me of replies by e-mail",
      comment: "Comment", post: "Post comment", posting: "Posting…", reply: "Reply",
      cancel: "Cancel", replyingTo: "Replying to {name}", loadMore: "Load more comments",
      newest: "Newest first", oldest: "Oldest first", sort: "Sort", empty: "No comments yet. Be the first!",
      awaiting: "Awaiting moderation", held: "Held for review",
      heldMessage: "Thanks! Your comment will appear once our staff have reviewed it.",
      published: "Your comment is published.", pendingMessage: "Thanks! Your comment is being checked.",
      edit: "Edit", save: "Save", del: "Delete", confirmDelete: "Really delete?", deleted: "[deleted]",
      edited: "edited", report: "Report", sendReport: "Send report", reported: "Thanks, our staff will take a look.",
      reasons: {spam: "Spam", medical_misinformation: "Medical misinformation", abusive: "Abusive", other: "Other"},
      error: "Something went wrong. Please try again.", tooMany: "Too many comments. Please wait a moment.",
      fixFields: "Please correct the highlighted fields.", chars: "{n} characters left",
      justNow: "just now", minutes: ["1 minute ago", "{n} minutes ago"], hours: ["1 hour ago", "{n} hours ago"],
      days: ["1 day ago", "{n} days ago"], months: ["1 month ago", "{n} months ago"], years: ["1 year ago", "{n} years ago"]
    },
    es: {
      comments: "Comentarios", leave: "Deja un comentario", name: "Nombre", email: "Correo",
      emailHint: "opcional, nunca se muestra", website: "Sitio web", websiteHint: "opcional",
      notifyReplies: "Avísame por correo si alguien responde",
      comment: "Comentario", post: "Publicar comentario", posting: "Publicando…", reply: "Responder",
      cancel: "Cancelar", replyingTo: "Respondiendo a {name}", loadMore: "Cargar más comentarios",
      newest: "Más recientes", oldest: "Más antiguos", sort: "Orden", empty: "Aún no hay comentarios. ¡Sé el primero!",
      awaiting: "Pendiente de moderación", held: "En revisión",
      heldMessage: "¡Gracias! Tu comentario aparecerá cuando nuestro equipo lo haya revisado.",
      published: "Tu comentario está publicado.", pendingMessage: "¡Gracias! Estamos revisando tu comentario.",
      edit: "Editar", save: "Guardar", del: "Eliminar", confirmDelete: "¿Eliminar de verdad?", deleted: "[eliminado]",
      edited: "editado", report: "Denunciar", sendReport: "Enviar denuncia", reported: "Gracias, nuestro equipo lo revisará.",
      reasons: {spam: "Spam", medical_misinformation: "Desinformación médica", abusive: "Ofensivo", other: "Otro"},
      error: "Algo salió mal. Inténtalo de nuevo.", tooMany: "Demasiados comentarios. Espera un momento.",
      fixFields: "Corrige los campos marcados.", chars: "Quedan {n} caracteres",
      justNow: "ahora mismo", minutes: ["hace 1 minuto", "hace {n} minutos"], hours: ["hace 1 hora", "hace {n} horas"],
      days: ["hace 1 día", "hace {n} días"], months: ["hace 1 mes", "hace {n} meses"], years: ["hace 1 año", "hace {n} años"]
    }
  };

  var CSS = [
    ":host{--cc-bg:#fff;--cc-fg:#1d2430;--cc-muted:#566070;--cc-line:#dcd8cf;--cc-accent:#1f6f8b;",
    "--cc-accent-fg:#fff;--cc-error:#b3261e;--cc-badge-bg:#fff3cd;--cc-badge-fg:#5c4300;--cc-quote:#f3f1ec;",
    "--cc-font:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;--cc-radius:6px;",
    "display:block;all:initial;font:15px/1.55 var(--cc-font);color:var(--cc-fg)}",
    "@media (prefers-color-scheme:dark){:host{--cc-bg:#171b21;--cc-fg:#e7e9ec;--cc-muted:#a3acb8;",
    "--cc-line:#343b45;--cc-accent:#6cc3e0;--cc-accent-fg:#0c1a20;--cc-error:#ff8a80;--cc-badge-bg:#4a3b00;",
    "--cc-badge-fg:#ffe28a;--cc-quote:#222831}}",
    ".cc{background:var(--cc-bg);color:var(--cc-fg);font:inherit;padding:1rem;border-radius:var(--cc-radius)}",
    "h2{font-size:1.3em;margin:0 0 .8rem}.count{color:var(--cc-muted);font-weight:400}",
    ".bar{display:flex;justify-content:space-between;align-items:center;gap:1rem;margin:.5rem 0}",
    "form{border:1px solid var(--cc-line);border-radius:var(--cc-radius);padding:1rem;margin:0 0 1rem}",
    ".field{display:flex;flex-direction:column;margin:0 0 .7rem}label{font-weight:600;margin-bottom:.2rem}",
    "small{font-weight:400;color:var(--cc-muted)}",
    "input,textarea,select{font:inherit;color:var(--cc-fg);background:var(--cc-bg);padding:.45rem;",
    "border:1px solid var(--cc-muted);border-radius:4px}textarea{min-height:6em;resize:vertical}",
    "input:focus,textarea:focus,select:focus,button:focus,a:focus{outline:2px solid var(--cc-accent);outline-offset:2px}",
    "[aria-invalid=true]{border-color:var(--cc-error)}.err{color:var(--cc-error);font-size:.88em;min-height:1em}",
    "button{font:inherit;cursor:pointer;border-radius:4px;border:1px solid var(--cc-accent);padding:.4rem .9rem;",
    "background:var(--cc-accent);color:var(--cc-accent-fg)}button.link{background:none;color:var(--cc-accent);",
    "border:0;padding:.1rem .2rem;text-decoration:underline}.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}",
    ".status{color:var(--cc-muted);margin-left:.6rem}.counter{color:var(--cc-muted);font-size:.85em;text-align:right}",
    "ol{list-style:none;margin:0;padding:0}li.c{border-top:1px solid var(--cc-line);padding:.7rem 0}",
    "ol.replies{margin-left:1.4rem;padding-left:.9rem;border-left:2px solid var(--cc-line)}",
    "ol.replies li.c{border-top:0;padding-bottom:0}.meta{color:var(--cc-muted);font-size:.9em}",
    ".meta strong{color:var(--cc-fg)}.meta a{color:var(--cc-fg)}.body{overflow-wrap:anywhere}",
    ".body p{margin:.3rem 0}.body blockquote{margin:.4rem 0;padding:.2rem .8rem;border-left:3px solid var(--cc-line);",
    "background:var(--cc-quote)}.body code{font-family:ui-monospace,monospace;font-size:.9em;background:var(--cc-quote);",
    "padding:0 .2em;border-radius:3px}.body a{color:var(--cc-accent)}",
    ".badge{display:inline-block;margin-left:.5rem;padding:0 .4rem;border-radius:3px;",
    "background:var(--cc-badge-bg);color:var(--cc-badge-fg);font-size:.82em}.mine{opacity:.85}",
    ".more{margin-top:.8rem}.notice{color:var(--cc-muted);font-size:.9em}",
    ".actions{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}.editor textarea{width:100%;box-sizing:border-box}"
  ].join("");

  // Defence in depth: the server already sanitises comment HTML; keep only these here too.
  var ALLOWED = {P: 1, BR: 1, EM: 1, STRONG: 1, A: 1, BLOCKQUOTE: 1, CODE: 1};

  function lang() {
    var wanted = (script.getAttribute("data-lang") || navigator.language || "en").slice(0, 2).toLowerCase();
    return STRINGS[wanted] ? wanted : "en";
  }
  var L = lang();
  var T = STRINGS[L];

  function t(key, n, vars) {
    var value = T[key];
    if (Array.isArray(value)) { value = n === 1 ? value[0] : value[1]; }
    value = String(value).replace("{n}", n);
    if (vars) { Object.keys(vars).forEach(function (k) { value = value.replace("{" + k + "}", vars[k]); }); }
    return value;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key.slice(0, 2) === "on") { node.addEventListener(key.slice(2), attrs[key]); }
      else if (attrs[key] !== null && attrs[key] !== undefined) { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function safeFragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    (function clean(parent) {
      Array.prototype.slice.call(parent.childNodes).forEach(function (node) {
        if (node.nodeType === 3) { return; }
        if (node.nodeType !== 1 || !ALLOWED[node.tagName]) { parent.removeChild(node); return; }
        Array.prototype.slice.call(node.attributes).forEach(function (attr) {
          var keep = node.tagName === "A" && (attr.name === "href" && /^(https?:|mailto:)/i.test(attr.value));
          if (!keep) { node.removeAttribute(attr.name); }
        });
        if (node.tagName === "A") { node.setAttribute("rel", "nofollow ugc noopener"); node.setAttribute("target", "_blank"); }
        clean(node);
      });
    })(template.content);
    return template.content;
  }

  function relative(iso) {
    var seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    var steps = [["years", 31536000], ["months", 2592000], ["days", 86400], ["hours", 3600], ["minutes", 60]];
    for (var i = 0; i < steps.length; i++) {
      var n = Math.floor(seconds / steps[i][1]);
      if (n >= 1) { return t(steps[i][0], n); }
    }
    return t("justNow");
  }

  function loadMine() {
    try { return JSON.parse(localStorage.getItem(STORE_KEY) || "[]"); } catch (e) { return []; }
  }
  function saveMine(list) {
    try { localStorage.setItem(STORE_KEY, JSON.stringify(list.slice(-50))); } catch (e) { /* private mode */ }
  }

  function request(method, path, body) {
    var options = {method: method, headers: {Accept: "application/json"}, credentials: "omit"};
    if (body) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    return fetch(API + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {ok: response.ok, status: response.status, data: data};
      });
    });
  }

  function Widget(host, thread, title) {
    this.thread = thread;
    this.title = title;
    this.page = 1;
    this.sort = "oldest";
    this.formToken = null;
    this.replyTo = null;
    this.following = {};
    var root = host.attachShadow ? host.attachShadow({mode: "open"}) : host;
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);  // constructable sheets are not inline styles: host CSPs allow them
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", {text: CSS}));
    }
    this.root = root;
    this.build();
    this.load(false);
  }

  Widget.prototype.build = function () {
    var self = this;
    this.countNode = el("span", {"class": "count", text: ""});
    this.status = el("span", {"class": "status", role: "status", "aria-live": "polite"});
    this.list = el("ol", {"class": "list"});
    this.more = el("button", {type: "button", "class": "link more", text: t("loadMore"), hidden: "",
                              onclick: function () { self.page += 1; self.load(true); }});
    this.sortSelect = el("select", {"aria-label": t("sort"), onchange: function () {
      self.sort = self.sortSelect.value; self.page = 1; self.load(false);
    }}, [el("option", {value: "oldest", text: t("oldest")}), el("option", {value: "newest", text: t("newest")})]);
    this.form = this.buildForm();
    this.notice = el("span", {"class": "notice", "aria-live": "polite"});
    this.root.appendChild(el("section", {"class": "cc", lang: L, "aria-label": t("comments")}, [
      el("h2", {}, [document.createTextNode(t("comments") + " "), this.countNode]),
      this.form,
      el("div", {"class": "bar"}, [this.notice, this.sortSelect]),
      this.list, this.more
    ]));
  };

  Widget.prototype.field = function (name, label, hint, control) {
    var id = "cc-" + name;
    control.id = id;
    control.name = name;
    var error = el("span", {"class": "err", id: id + "-err"});
    control.setAttribute("aria-describedby", id + "-err");
    var labelNode = el("label", {"for": id, text: label + " "});
    if (hint) { labelNode.appendChild(el("small", {text: "(" + hint + ")"})); }
    return el("p", {"class": "field"}, [labelNode, control, error]);
  };

  Widget.prototype.buildForm = function () {
    var self = this;
    var body = el("textarea", {maxlength: String(MAX_BODY), required: "", rows: "5"});
    var counter = el("div", {"class": "counter", "aria-live": "off", text: t("chars", MAX_BODY)});
    body.addEventListener("input", function () { counter.textContent = t("chars", MAX_BODY - body.value.length); });
    this.replyNote = el("p", {"class": "notice", hidden: ""});
    this.cancelReply = el("button", {type: "button", "class": "link", text: t("cancel"), hidden: "",
                                     onclick: function () { self.setReply(null); }});
    var honeypot = el("p", {"class": "hp", "aria-hidden": "true"}, [
      el("label", {"for": "cc-homepage", text: "Homepage"}),
      el("input", {id: "cc-homepage", name: "homepage", tabindex: "-1", autocomplete: "off"})
    ]);
    this.submit = el("button", {type: "submit", text: t("post")});
    this.formStatus = el("span", {"class": "status", role: "status", "aria-live": "polite"});
    var form = el("form", {novalidate: "", "aria-label": t("leave"), onsubmit: function (e) { e.preventDefault(); self.post(); }}, [
      this.replyNote,
      this.field("author", t("name"), null, el("input", {maxlength: "80", required: "", autocomplete: "name"})),
      this.field("email", t("email"), t("emailHint"), el("input", {type: "email", maxlength: "254", autocomplete: "email"})),
      this.field("website", t("website"), t("websiteHint"), el("input", {type: "url", maxlength: "500", placeholder: "https://"})),
      this.field("body", t("comment"), null, body), counter, honeypot,
      el("p", {"class": "field"}, [el("label", {}, [el("input", {type: "checkbox", name: "notify_replies"}), document.createTextNode(" " + t("notifyReplies"))])]),
      el("p", {}, [this.submit, this.cancelReply, this.formStatus])
    ]);
    this.counter = counter;
    return form;
  };

  Widget.prototype.setReply = function (comment) {
    this.replyTo = comment;
    this.replyNote.hidden = !comment;
    this.cancelReply.hidden = !comment;
    this.replyNote.textContent = comment ? t("replyingTo", 0, {name: comment.author}) : "";
    if (comment) { this.form.elements.body.focus(); }
  };

  Widget.prototype.load = function (append) {
    var self = this;
    var path = "/comments?thread=" + encodeURIComponent(this.thread) + "&page=" + this.page +
      "&per_page=" + PER_PAGE + "&sort=" + this.sort;
    return request("GET", path).then(function (res) {
      if (!res.ok) { self.notice.textContent = t("error"); return; }
      self.formToken = res.data.form_token;
      if (!append) { self.list.textContent = ""; }
      res.data.comments.forEach(function (c) { self.list.appendChild(self.renderComment(c, 0)); });
      self.countNode.textContent = String(res.data.total);
      self.notice.textContent = res.data.total ? "" : t("empty");
      self.more.hidden = self.page >= res.data.pages;
      self.showMine();
    }).catch(function () { self.notice.textContent = t("error"); });
  };

  Widget.prototype.renderComment = function (c, depth, badge) {
    var self = this;
    var author = c.website
      ? el("a", {href: /^https?:/i.test(c.website) ? c.website : null, rel: "nofollow ugc noopener", target: "_blank", text: c.author})
      : el("span", {text: c.author || t("deleted")});
    var when = new Date(c.created);
    var time = el("time", {datetime: c.created, title: when.toLocaleString(L), text: relative(c.created)});
    var meta = el("div", {"class": "meta"}, [el("strong", {}, [author]), document.createTextNode(" · "), time]);
    if (c.edited) { meta.appendChild(document.createTextNode(" · " + t("edited"))); }
    if (badge) { meta.appendChild(el("span", {"class": "badge", text: badge})); }
    var body = el("div", {"class": "body"});
    if (c.deleted) { body.appendChild(el("p", {"class": "notice", text: t("deleted")})); }
    else { body.appendChild(safeFragment(c.html || "")); }
    var item = el("li", {"class": "c" + (badge ? " mine" : ""), id: "comment-" + c.id, "data-id": String(c.id)}, [meta, body]);
    var actions = el("div", {"class": "actions"});
    var mine = this.mine(c.id);
    if (!c.deleted && !badge) {
      actions.appendChild(el("button", {type: "button", "class": "link", text: t("reply"),
                                        onclick: function () { self.setReply(c); }}));
    }
    if (!c.deleted && mine && Date.now() - mine.posted < EDIT_WINDOW_MS) {
      actions.appendChild(el("button", {type: "button", "class": "link", text: t("edit"),
                                        onclick: function () { self.edit(item, body, c, mine); }}));
      var del = el("button", {type: "button", "class": "link", text: t("del"), onclick: function () {
        if (del.getAttribute("data-armed")) { self.remove(c, mine); return; }
        del.setAttribute("data-armed", "1");
        del.textContent = t("confirmDelete");
      }});
      actions.appendChild(del);
    } else if (!c.deleted && !badge) {
      actions.appendChild(el("button", {type: "button", "class": "link", text: t("report"),
                                        onclick: function () { self.reportForm(actions, c); }}));
    }
    item.appendChild(actions);
    if (depth === 0 && c.replies && c.replies.length) {
      // Two levels of nesting: every deeper reply is listed, in order, under the second level.
      var ol = el("ol", {"class": "replies"});
      descendants(c).forEach(function (r) { ol.appendChild(self.renderComment(r, 1)); });
      item.appendChild(ol);
    }
    return item;
  };

  function descendants(comment) {
    var out = [];
    (comment.replies || []).forEach(function (r) { out.push(r); out = out.concat(descendants(r)); });
    return out;
  }

  Widget.prototype.mine = function (id) {
    return loadMine().filter(function (m) { return m.id === id; })[0] || null;
  };

  Widget.prototype.edit = function (item, body, c, mine) {
    var self = this;
    var area = el("textarea", {maxlength: String(MAX_BODY), "aria-label": t("comment")});
    area.value = c.body || "";
    var error = el("span", {"class": "err", role: "alert"});
    var editor = el("div", {"class": "editor"}, [area, el("p", {}, [
      el("button", {type: "button", text: t("save"), onclick: function () {
        request("PATCH", "/comments/" + c.id + "?token=" + encodeURIComponent(mine.token), {body: area.value})
          .then(function (res) {
            if (!res.ok) { error.textContent = (res.data.error && ((res.data.error.fields || {}).body || res.data.error.message)) || t("error"); return; }
            delete self.following[c.id];
            self.remember(c.id, {published: false});
            item.parentNode.replaceChild(self.renderComment(res.data, 0, t("awaiting")), item);
            self.formStatus.textContent = t("pendingMessage");
            self.follow(self.mine(c.id) || mine, 1000);
          });
      }}),
      el("button", {type: "button", "class": "link", text: t("cancel"), onclick: function () { item.replaceChild(body, editor); }}),
      error
    ])]);
    item.replaceChild(editor, body);
    area.focus();
  };

  Widget.prototype.remove = function (c, mine) {
    var self = this;
    request("DELETE", "/comments/" + c.id + "?token=" + encodeURIComponent(mine.token)).then(function (res) {
      if (res.status !== 204 && !res.ok) { self.formStatus.textContent = t("error"); return; }
      self.forget(c.id);
      delete self.following[c.id];
      var node = self.list.querySelector("[data-id='" + c.id + "']");
      if (node) { node.parentNode.removeChild(node); }
      self.load(false);
    });
  };

  Widget.prototype.reportForm = function (actions, c) {
    var self = this;
    if (actions.querySelector("select")) { return; }
    var select = el("select", {"aria-label": t("report")}, Object.keys(T.reasons).map(function (key) {
      return el("option", {value: key, text: T.reasons[key]});
    }));
    var done = el("span", {"class": "status", role: "status", "aria-live": "polite"});
    actions.appendChild(select);
    actions.appendChild(el("button", {type: "button", "class": "link", text: t("sendReport"), onclick: function () {
      request("POST", "/comments/" + c.id + "/reports", {reason: select.value}).then(function (res) {
        done.textContent = res.ok ? t("reported") : t("error");
      });
    }}));
    actions.appendChild(done);
  };

  Widget.prototype.showErrors = function (fields) {
    var form = this.form;
    ["author", "email", "website", "body"].forEach(function (name) {
      var message = (fields && fields[name]) || "";
      form.elements[name].setAttribute("aria-invalid", message ? "true" : "false");
      form.querySelector("#cc-" + name + "-err").textContent = message;
    });
  };

  Widget.prototype.post = function () {
    var self = this;
    var f = this.form.elements;
    var data = {thread: this.thread, title: this.title, url: location.href.split("#")[0],
                form_token: this.formToken, homepage: f.homepage.value};
    ["author", "email", "website", "body"].forEach(function (name) {
      var value = f[name].value.trim();
      if (value) { data[name] = value; }
    });
    if (this.replyTo) { data.parent_id = this.replyTo.id; }
    if (f.notify_replies.checked) { data.notify_replies = true; }
    this.submit.disabled = true;
    this.formStatus.textContent = t("posting");
    request("POST", "/comments", data).then(function (res) {
      self.submit.disabled = false;
      if (res.status === 422 || res.status === 409) {
        self.showErrors(res.data.error && res.data.error.fields);
        self.formStatus.textContent = t("fixFields");
        return;
      }
      if (res.status === 429) { self.formStatus.textContent = t("tooMany"); return; }
      if (!res.ok) { self.formStatus.textContent = t("error"); return; }
      self.showErrors(null);
      var mine = {id: res.data.id, token: res.data.token, thread: self.thread, author: data.author,
                  parent_id: data.parent_id || null, posted: Date.now()};
      saveMine(loadMine().concat([mine]));
      f.body.value = "";
      self.counter.textContent = t("chars", MAX_BODY);
      self.setReply(null);
      self.formStatus.textContent = t("pendingMessage");
      self.showMine();
    }).catch(function () { self.submit.disabled = false; self.formStatus.textContent = t("error"); });
  };

  // The author's own comments that others cannot see yet: shown with a badge, polled with backoff.
  Widget.prototype.showMine = function () {
    var self = this;
    loadMine().filter(function (m) { return m.thread === self.thread; }).forEach(function (m) {
      if (m.published || self.list.querySelector("[data-id='" + m.id + "']:not(.mine)")) {
        if (Date.now() - m.posted > EDIT_WINDOW_MS) { self.forget(m.id); }  // editable until then
        return;
      }
      self.follow(m, 1000);
    });
  };

  Widget.prototype.remember = function (id, changes) {
    saveMine(loadMine().map(function (m) {
      if (m.id === id) { Object.keys(changes).forEach(function (k) { m[k] = changes[k]; }); }
      return m;
    }));
  };

  Widget.prototype.forget = function (id) {
    saveMine(loadMine().filter(function (m) { return m.id !== id; }));
  };

  Widget.prototype.follow = function (mine, delay) {
    var self = this;
    if (this.following[mine.id] && delay === 1000) { return; }  // already polling this one
    this.following[mine.id] = true;
    request("GET", "/comments/" + mine.id + "?token=" + encodeURIComponent(mine.token)).then(function (res) {
      if (!res.ok) {
        delete self.following[mine.id];
        if (res.status === 404 || res.status === 403) { self.forget(mine.id); }
        return;
      }
      var c = res.data;
      var existing = self.list.querySelector(".mine[data-id='" + c.id + "']");
      if (c.status === "published") {
        delete self.following[c.id];
        self.remember(c.id, {published: true});
        if (existing) { existing.parentNode.removeChild(existing); }
        self.status.textContent = t("published");
        self.formStatus.textContent = t("published");
        self.page = 1;
        self.load(false);
        return;
      }
      var badge = c.status === "pending" ? t("awaiting") : t("held");
      var node = self.renderComment(c, 0, badge);
      if (existing) { existing.parentNode.replaceChild(node, existing); } else { self.list.appendChild(node); }
      if (c.status === "pending") {
        setTimeout(function () { self.follow(mine, Math.min(delay * 2, 30000)); }, delay);
      } else {
        self.formStatus.textContent = t("heldMessage");
      }
    }).catch(function () { setTimeout(function () { self.follow(mine, Math.min(delay * 2, 30000)); }, delay); });
  };

  function fillCounts() {
    var nodes = document.querySelectorAll("[data-comment-count]");
    if (!nodes.length) { return; }
    var threads = Array.prototype.map.call(nodes, function (n) { return n.getAttribute("data-comment-count"); });
    var query = threads.slice(0, 50).map(function (x) { return "thread=" + encodeURIComponent(x); }).join("&");
    request("GET", "/counts?" + query).then(function (res) {
      if (!res.ok) { return; }
      Array.prototype.forEach.call(nodes, function (n) {
        var count = res.data[n.getAttribute("data-comment-count")];
        if (count !== undefined) { n.textContent = String(count); }
      });
    });
  }

  function start() {
    fillCounts();
    var thread = script.getAttribute("data-thread");
    if (!thread) { return; }
    var selector = script.getAttribute("data-container") || "#comments";
    var host = document.querySelector(selector);
    if (!host) {
      host = document.createElement("div");
      host.id = "comments";
      script.parentNode.insertBefore(host, script.nextSibling);
    }
    if (host.getAttribute("data-cc-ready")) { return; }
    host.setAttribute("data-cc-ready", "1");
    new Widget(host, thread, script.getAttribute("data-title") || document.title);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
