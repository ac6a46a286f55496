/* Behaviour htmx cannot express: drag-and-drop, per-file upload progress, where errors show,
   and pausing the polling fallback while the live socket is open. No inline scripts anywhere:
   the page's Content-Security-Policy forbids them, so everything hangs off document events. */
(function () {
  "use strict";

  var queue = [];
  var isUploading = false;
  var isTypeChosen = false;

  function announce(text) {
    var region = document.getElementById("announcer");
    if (region) region.textContent = text;
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html; // server-rendered and escaped: names and headers are never raw
    return template.content;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function sizeText(bytes) {
    if (bytes < 1024) return bytes + " bytes";
    if (bytes < 1048576) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / 1048576).toFixed(1) + " MB";
  }

  function pendingCard(file) {
    var item = element("li", "file-card is-uploading");
    var head = element("div", "file-head");
    head.appendChild(element("h3", "file-name", file.name));
    head.appendChild(element("p", "file-meta", sizeText(file.size)));
    var status = element("span", "pill pill-info", "Waiting");
    head.appendChild(status);
    var bar = element("progress", "upload-bar");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    item.appendChild(head);
    item.appendChild(bar);
    item.uploadStatus = status;
    item.uploadBar = bar;
    return item;
  }

  function showFailure(item, file, content) {
    item.classList.remove("is-uploading");
    item.classList.add("is-failed");
    item.uploadBar.remove();
    item.uploadStatus.textContent = "Not uploaded";
    item.uploadStatus.className = "pill pill-bad";
    var box = element("div", "file-error");
    if (typeof content === "string") {
      var alert = element("div", "alert alert-error");
      alert.setAttribute("role", "alert");
      alert.appendChild(element("p", "", content));
      box.appendChild(alert);
    } else {
      box.appendChild(content);
    }
    var dismiss = element("button", "button button-ghost button-small", "Remove from list");
    dismiss.type = "button";
    dismiss.addEventListener("click", function () { item.remove(); });
    box.appendChild(dismiss);
    item.appendChild(box);
    announce(file.name + " was not uploaded.");
  }

  function showUploaded(item, file, html) {
    var parts = fragment(html);
    var card = parts.querySelector(".file-card");
    if (!card) return showFailure(item, file, "The server gave an answer we could not read.");
    document.getElementById("upload-id").value = card.dataset.uploadId;
    if (!isTypeChosen) {
      var radio = document.querySelector('input[name="table_type"][value="' + card.dataset.tableType + '"]');
      if (radio) radio.checked = true;
      var note = document.getElementById("type-note");
      if (note) note.textContent = "Detected from your columns: " + (card.dataset.tableType === "company" ? "companies" : "people") + ". Change it if that is wrong.";
    }
    isTypeChosen = true; // later files are read as the type now shown
    item.replaceWith(card);
    if (window.htmx) window.htmx.process(card);
    announce(file.name + " uploaded: " + card.querySelector(".file-meta").textContent + ".");
  }

  function send(entry) {
    var zone = document.getElementById("drop-zone");
    var file = entry.file, item = entry.item;
    if (file.size > Number(zone.dataset.maxBytes)) {
      showFailure(item, file, file.name + " is larger than " + zone.dataset.maxMb + " MB.");
      return Promise.resolve();
    }
    var body = new FormData();
    var uploadId = document.getElementById("upload-id").value;
    if (uploadId) body.append("upload_id", uploadId);
    var type = document.querySelector('input[name="table_type"]:checked');
    if (isTypeChosen && type) body.append("table_type", type.value);
    body.append("files", file, file.name);
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", zone.dataset.uploadUrl);
      xhr.setRequestHeader("HX-Request", "true");
      item.uploadStatus.textContent = "Uploading";
      xhr.upload.addEventListener("progress", function (event) {
        if (!event.lengthComputable) return;
        var share = Math.round((event.loaded / event.total) * 100);
        item.uploadBar.value = share;
        item.uploadStatus.textContent = share + "%";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 200) showUploaded(item, file, xhr.responseText);
        else showFailure(item, file, fragment(xhr.responseText));
        resolve();
      });
      xhr.addEventListener("error", function () {
        showFailure(item, file, "The upload was interrupted. Check your connection and try again.");
        resolve();
      });
      xhr.send(body);
    });
  }

  function pump() {
    if (isUploading || !queue.length) return;
    isUploading = true;
    send(queue.shift()).then(function () {
      isUploading = false;
      pump();
    });
  }

  function addFiles(files) {
    var list = document.getElementById("files");
    Array.prototype.forEach.call(files, function (file) {
      var item = pendingCard(file);
      list.appendChild(item);
      queue.push({ file: file, item: item });
    });
    pump();
  }

  /* Drag and drop, delegated so it survives boosted page swaps. */
  function dropZoneOf(event) {
    return event.target.closest ? event.target.closest("#drop-zone") : null;
  }
  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (!document.getElementById("drop-zone")) return;
      event.preventDefault(); // a file dropped beside the zone must not replace the page
      var zone = dropZoneOf(event);
      if (zone) zone.classList.add("is-dragging");
    });
  });
  document.addEventListener("dragleave", function (event) {
    var zone = dropZoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("is-dragging");
  });
  document.addEventListener("drop", function (event) {
    if (!document.getElementById("drop-zone")) return;
    event.preventDefault();
    var zone = dropZoneOf(event);
    if (!zone) return;
    zone.classList.remove("is-dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) addFiles(event.dataTransfer.files);
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "file-input" && target.files.length) {
      addFiles(target.files);
      target.value = "";
    } else if (target.matches(".column-map select")) {
      var row = target.closest("tr");
      var pill = row.querySelector(".match .pill");
      row.classList.add("is-changed");
      if (pill) {
        pill.textContent = "Your choice";
        pill.className = "pill pill-info";
      }
    } else if (target.name === "table_type") {
      isTypeChosen = true;
    } else if (target.name === "rate" && target.value !== "other") {
      var other = target.closest("[data-rate-picker]").querySelector("[data-rate-other]");
      if (other) other.value = "";
    }
  });
  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-rate-other]")) return;
    var choice = event.target.closest("[data-rate-picker]").querySelector('input[name="rate"][value="other"]');
    if (choice) choice.checked = true;
  });

  /* Errors: a failed htmx request shows its message next to what failed (data-error-target);
     a boosted link that fails shows the full error page instead of doing nothing. */
  function errorSlot(elt) {
    var holder = elt && elt.closest ? elt.closest("[data-error-target]") : null;
    return holder ? document.querySelector(holder.dataset.errorTarget) : null;
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr.status < 400) return;
    if (detail.boosted) {
      detail.shouldSwap = true;
      detail.isError = false;
      return;
    }
    var slot = errorSlot(detail.requestConfig && detail.requestConfig.elt);
    if (!slot) return;
    detail.shouldSwap = true;
    detail.isError = false;
    detail.target = slot;
    detail.swapOverride = "innerHTML";
  });
  document.addEventListener("htmx:sendError", function (event) {
    var slot = errorSlot(event.detail.elt);
    if (!slot) return;
    slot.replaceChildren(element("p", "alert alert-error", "The server could not be reached. Check your connection and try again."));
  });

  /* Live progress: the socket pushes fragments; polling only runs while it is not open. */
  document.addEventListener("htmx:wsOpen", function (event) {
    event.target.dataset.socket = "open";
  });
  document.addEventListener("htmx:wsClose", function (event) {
    delete event.target.dataset.socket;
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.hasAttribute("data-live-poll") && document.querySelector('[data-live-socket][data-socket="open"]')) {
      event.preventDefault();
      return;
    }
    var slot = errorSlot(elt);
    if (slot && !elt.hasAttribute("data-live-poll")) slot.replaceChildren();
  });
})();
