// Recomputes each statement's RFC 9162 inclusion in the page's checkpoint with WebCrypto.
// leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right); the audit path is walked
// as in RFC 9162 section 2.1.3.2. The page works without this script: it only adds the check
// and the phone-location button.
(function () {
  "use strict";
  var subtle = window.crypto && window.crypto.subtle;

  function b64(text) {
    var raw = atob(text.trim()), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function join(a, b, c) {
    var out = new Uint8Array(a.length + b.length + (c ? c.length : 0));
    out.set(a, 0); out.set(b, a.length); if (c) out.set(c, a.length + b.length);
    return out;
  }
  function sha256(bytes) {
    return subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); });
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }
  // The checkpoint note: origin, tree size, base64 root hash, then extension lines.
  function checkpoint(text) {
    var lines = text.split("\n");
    if (lines.length < 3 || !/^[0-9]+$/.test(lines[1])) throw new Error("bad checkpoint");
    return { size: Number(lines[1]), root: b64(lines[2]) };
  }
  // RFC 9162 2.1.3.2: the root that `path` gives for leaf `index` in a tree of `size` leaves.
  function rootFromPath(index, size, leaf, path) {
    if (index >= size) return Promise.reject(new Error("index beyond the tree"));
    var fn = index, sn = size - 1, r = Promise.resolve(leaf), zero = new Uint8Array([0x01]);
    path.forEach(function (p) {
      r = r.then(function (acc) {
        if (sn === 0) throw new Error("proof too long");
        var step;
        if (fn % 2 === 1 || fn === sn) {
          step = sha256(join(zero, p, acc));
          if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
        } else {
          step = sha256(join(zero, acc, p));
        }
        fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
        return step;
      });
    });
    return r.then(function (acc) { if (sn !== 0) throw new Error("proof too short"); return acc; });
  }
  function verify(article, note) {
    var out = article.querySelector(".result");
    var entry = new TextEncoder().encode(article.querySelector(".entry").textContent);
    var path = Array.prototype.map.call(article.querySelectorAll(".path code"), function (c) { return b64(c.textContent); });
    var index = Number(article.getAttribute("data-index"));
    var tree;
    function show(ok) {
      out.setAttribute("data-state", ok ? "pass" : "fail");
      out.textContent = out.getAttribute(ok ? "data-pass" : "data-fail");
    }
    try { tree = checkpoint(note.textContent); } catch (e) { show(false); return Promise.resolve(false); }
    return sha256(join(new Uint8Array([0x00]), entry))
      .then(function (leaf) { return rootFromPath(index, tree.size, leaf, path); })
      .then(function (root) { var ok = equal(root, tree.root); show(ok); return ok; },
            function () { show(false); return false; });
  }
  function proofs() {
    var note = document.getElementById("checkpoint");
    if (!note || !subtle) return;
    document.querySelectorAll("article.proof[data-included=yes]").forEach(function (article) {
      var button = article.querySelector("button.check");
      button.hidden = false;
      button.addEventListener("click", function () { verify(article, note); });
    });
  }
  // Rounded coordinates (0.01 degree) go only into the form the user submits.
  function location() {
    var form = document.querySelector("form.location");
    if (!form || !navigator.geolocation) return;
    var button = form.querySelector("button.gps");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(2);
        form.elements.lon.value = pos.coords.longitude.toFixed(2);
        form.submit();
      }, function () {}, { maximumAge: 600000, timeout: 10000, enableHighAccuracy: false });
    });
  }
  proofs();
  location();
}());
