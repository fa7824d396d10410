;;; eglot_session.el --- Shared setup for the batch eglot tests  -*- lexical-binding: t -*-
;; Open SESSION_FILE, attach session-lsp (SESSION_LSP_COMMAND, a JSON list) through eglot 1.9, and
;; offer helpers to wait, fail and ask the server things.  Loaded by the eglot_*.el test scripts.
(require 'eglot)
(require 'json)

(prefer-coding-system 'utf-8-unix)
(setq make-backup-files nil
      create-lockfiles nil
      eglot-sync-connect t)

(define-derived-mode jsonl-mode fundamental-mode "JSONL")

(defvar session-timeout 20 "Seconds to wait for the server at each step.")

(defun session-fail (format-string &rest args)
  "Print FAIL and the message, then exit 1."
  (princ (concat "FAIL " (apply #'format format-string args) "\n"))
  (kill-emacs 1))

(defun session-wait-for (pred)
  "Handle server messages until PRED holds or `session-timeout' passes; return PRED."
  (let ((end (+ (float-time) session-timeout)))
    (while (and (not (funcall pred)) (< (float-time) end))
      (accept-process-output nil 0.05))
    (funcall pred)))

(defun session-open ()
  "Visit SESSION_FILE with session-lsp managing it; return the eglot server."
  (find-file (getenv "SESSION_FILE"))
  (jsonl-mode)
  ;; eglot 1.9 wants the major modes as a list.
  (eglot '(jsonl-mode) (cons 'transient default-directory) 'eglot-lsp-server
         (append (json-read-from-string (getenv "SESSION_LSP_COMMAND")) nil) "jsonl")
  (unless (session-wait-for #'eglot-managed-p)
    (session-fail "eglot did not start managing %s" buffer-file-name))
  (eglot-current-server))

(defun session-request (method params)
  "Send METHOD with PARAMS to the current buffer's server and return the result."
  (jsonrpc-request (eglot-current-server) method params :timeout session-timeout))

(defun session-run (body)
  "Run BODY (a function); print PASS and exit 0, or FAIL with the error and exit 1."
  (condition-case err
      (progn (funcall body)
             (princ "PASS\n")
             (kill-emacs 0))
    (error (session-fail "%S" err))))

(provide 'eglot_session)
