"""A `session-lsp` run that reports its own peak RSS, shared by the benchmarks.

Run as `python -c CHECK_WITH_PEAK PATH` (or `WITH_PEAK` and any command's arguments): the command's
output goes to stdout, the process's VmHWM (kB) is the last line of stderr. The process's own VmHWM, because wait4's ru_maxrss would also
count the pages a child shares with the (large) benchmark process between fork and exec.
"""

_WITH_PEAK = """
import runpy, sys
sys.argv = ["session-lsp", {arguments}]
try:
    runpy.run_module("session_lsp", run_name="__main__")
except SystemExit:
    pass
finally:
    status = open("/proc/self/status").read()
    peak = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    sys.stderr.write(peak.split()[1] + "\\n")
"""

WITH_PEAK = _WITH_PEAK.format(arguments="*sys.argv[1:]")
"""`python -c WITH_PEAK ARGUMENTS...`: any session-lsp command."""
CHECK_WITH_PEAK = _WITH_PEAK.format(arguments='"check", "--format", "json", sys.argv[1]')
"""`python -c CHECK_WITH_PEAK PATH`: `check --format json PATH`."""
