;;; eglot_u2028_sync.el --- Emacs + eglot: incremental sync past a raw U+2028  -*- lexical-binding: t -*-
;; Type on line 2 of a transcript whose line 1 holds a raw U+2028, then ask the server for its copy
;; of the text (sessionLsp.documentText) and compare it with the buffer.  A server that split lines
;; at U+2028 would apply the incremental change to the wrong line.
;; Run: emacs -q --batch --eval "(package-initialize)" -l eglot_u2028_sync.el
;; Environment: SESSION_FILE, SESSION_LSP_COMMAND (JSON list), TYPED (text to type),
;; SERVER_TEXT_FILE (where the server's copy is written for the test to inspect).
;; Prints PASS and exits 0, or prints FAIL <reason> and exits 1.
(load (expand-file-name "eglot_session.el" (file-name-directory load-file-name)) nil t)

(defun server-text ()
  "The server's copy of the current buffer's document."
  (session-request :workspace/executeCommand
                   (list :command "sessionLsp.documentText"
                         :arguments (vector (plist-get (eglot--TextDocumentIdentifier) :uri)))))

(defun buffer-text ()
  "The whole buffer, as the editor has it."
  (buffer-substring-no-properties (point-min) (point-max)))

(defun u2028-sync-test ()
  "Type on line 2 and check that the server's copy still equals the buffer."
  (session-open)
  (unless (equal (server-text) (buffer-text))
    (session-fail "server copy differs before the edit"))
  ;; Type into the reply's text on line 2, as a user would: an in-line change.
  (goto-char (point-min))
  (forward-line 1)
  (unless (search-forward "\"text\":\"" (line-end-position) t)
    (session-fail "line 2 has no text block"))
  (insert (getenv "TYPED"))
  ;; Idle timers do not fire in batch: send the incremental didChange now.
  (eglot--signal-textDocument/didChange)
  (let ((copy (server-text)))
    (let ((coding-system-for-write 'utf-8-unix))
      (write-region (or copy "") nil (getenv "SERVER_TEXT_FILE") nil 'silent))
    (unless (equal copy (buffer-text))
      (session-fail "server copy differs from the buffer after the edit"))))

(session-run #'u2028-sync-test)
