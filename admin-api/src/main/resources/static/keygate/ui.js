// Keygate's pages: the only script. Copies a value to the clipboard ([data-copy] names the element
// whose value or text is copied). Nothing is stored: no cookies, no localStorage, no network calls.
(function () {
    "use strict";
    function copyText(text) {
        if (navigator.clipboard && window.isSecureContext) {
            return navigator.clipboard.writeText(text);
        }
        return new Promise(function (resolve, reject) {
            var area = document.createElement("textarea");
            area.value = text;
            area.setAttribute("readonly", "");
            area.style.position = "absolute";
            area.style.left = "-9999px";
            document.body.appendChild(area);
            area.select();
            var copied = document.execCommand("copy");
            document.body.removeChild(area);
            if (copied) { resolve(); } else { reject(new Error("copy refused")); }
        });
    }
    document.addEventListener("DOMContentLoaded", function () {
        document.querySelectorAll("[data-copy]").forEach(function (button) {
            var target = document.getElementById(button.getAttribute("data-copy"));
            if (!target) { return; }
            button.hidden = false;
            var label = button.textContent;
            var status = document.getElementById(button.getAttribute("data-copy") + "-status");
            button.addEventListener("click", function () {
                var text = target.value !== undefined ? target.value : target.textContent;
                copyText(text).then(function () {
                    button.textContent = "Copied";
                    if (status) { status.textContent = "Copied to the clipboard."; }
                    setTimeout(function () { button.textContent = label; }, 2000);
                }, function () {
                    target.focus();
                    if (target.select) { target.select(); }
                    if (status) { status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected key."; }
                });
            });
        });
        document.querySelectorAll("input[data-select-on-focus]").forEach(function (input) {
            input.addEventListener("focus", function () { input.select(); });
        });
    });
})();
