"""A `session-lsp check` run that reports its own peak RSS, shared by the benchmarks.

Run as `python -c CHECK_WITH_PEAK PATH`: the check's JSON goes to stdout, the process's VmHWM
(kB) is the last line of stderr. The process's own VmHWM, because wait4's ru_maxrss would also
count the pages a child shares with the (large) benchmark process between fork and exec.
"""

CHECK_WITH_PEAK = """
import runpy, sys
sys.argv = ["session-lsp", "check", "--format", "json", sys.argv[1]]
try:
    runpy.run_module("session_lsp", run_name="__main__")
except SystemExit:
    pass
finally:
    status = open("/proc/self/status").read()
    peak = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    sys.stderr.write(peak.split()[1] + "\\n")
"""
