;;; eglot_quick_fix.el --- Emacs + eglot: diagnostic, hover, stub quick fix, save  -*- lexical-binding: t -*-
;; Run: emacs -q --batch --eval "(package-initialize)" -l eglot_quick_fix.el
;; Environment: SESSION_FILE, SESSION_LSP_COMMAND (JSON list), TOOL_ID, TOOL_LINE (0-based).
;; Prints PASS and exits 0, or prints FAIL <reason> and exits 1.
(load (expand-file-name "eglot_session.el" (file-name-directory load-file-name)) nil t)

(defun quick-fix-test ()
  "Open the damaged session, check diagnostic and hover, apply the stub fix, save."
  (let ((tool-id (getenv "TOOL_ID"))
        (tool-line (string-to-number (getenv "TOOL_LINE"))))
    (session-open)
    ;; 1. The diagnostic, on the right line, covering the tool id.
    (unless (session-wait-for #'flymake-diagnostics)
      (session-fail "no diagnostics"))
    (let* ((diags (flymake-diagnostics))
           (diag (car diags))
           (lsp (cdr (assoc 'eglot-lsp-diag (eglot--diag-data diag))))
           (beg (flymake-diagnostic-beg diag))
           (end (flymake-diagnostic-end diag)))
      (unless (= (length diags) 1) (session-fail "expected one diagnostic: %S" diags))
      (unless (= (1- (line-number-at-pos beg)) tool-line)
        (session-fail "diagnostic on line %d: %S" (1- (line-number-at-pos beg)) lsp))
      (unless (equal (plist-get lsp :code) "unpaired-tool-use")
        (session-fail "wrong code: %S" lsp))
      (unless (equal (plist-get lsp :source) "session-lsp")
        (session-fail "wrong source: %S" lsp))
      (unless (eq (flymake-diagnostic-type diag) 'eglot-error)
        (session-fail "not an error: %S" lsp))
      (unless (equal (plist-get (plist-get lsp :data) :toolUseId) tool-id)
        (session-fail "data lacks the tool id: %S" lsp))
      (unless (equal (buffer-substring-no-properties beg end) tool-id)
        (session-fail "the range covers %S, not the tool id"
                      (buffer-substring-no-properties beg end)))
      ;; 2. Hover at the diagnostic's start.
      (goto-char beg)
      (let* ((hover (session-request :textDocument/hover (eglot--TextDocumentPositionParams)))
             (text (plist-get (plist-get hover :contents) :value)))
        (unless (and (stringp text) (string-search "Bash" text) (string-search tool-id text))
          (session-fail "hover lacks the tool name or id: %S" hover))
        (princ (format "HOVER %s\n" (replace-regexp-in-string "\n" " | " text))))
      ;; 3. The preferred quick fix.  eglot 1.9 cannot resolve code actions and does not declare
      ;; resolveSupport, so the server must send the edit inline.
      (let ((action (seq-find (lambda (a) (string-prefix-p "Insert a stub tool_result"
                                                           (plist-get a :title)))
                              (eglot-code-actions beg end))))
        (unless action (session-fail "no stub quick fix"))
        (unless (eq (plist-get action :isPreferred) t)
          (session-fail "the stub quick fix is not preferred: %S" action))
        (unless (plist-get action :edit)
          (session-fail "the stub quick fix has no inline edit: %S" action))
        (princ (format "ACTION %s\n" (plist-get action :title)))
        (eglot--apply-workspace-edit (plist-get action :edit))))
    ;; 4. Idle timers do not fire in batch: send didChange now, then wait for the clear.
    (eglot--signal-textDocument/didChange)
    (unless (session-wait-for (lambda () (null (flymake-diagnostics))))
      (session-fail "diagnostic not cleared: %S" (flymake-diagnostics)))
    (save-buffer)))

(session-run #'quick-fix-test)
