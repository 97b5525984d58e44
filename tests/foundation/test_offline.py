"""No network at run time: every stage runs with an audit hook that refuses any socket
connection or name lookup beyond loopback (Great Expectations analytics included)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(r'''
    import sys
    attempts = []

    def hook(event, args):
        if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
            target = args[1] if event == "socket.connect" else args[0]
            host = target[0] if isinstance(target, tuple) else target
            if isinstance(host, bytes):
                host = host.decode()
            if host not in ("127.0.0.1", "::1", "localhost", None, "") and not str(host).startswith("/"):
                attempts.append((event, repr(target)))
                raise ConnectionRefusedError(f"network is not allowed at run time: {event} {target!r}")

    sys.addaudithook(hook)

    import socket  # the guard itself must work: a lookup of a public name is refused
    try:
        socket.getaddrinfo("example.org", 443)
        raise SystemExit("audit hook did not refuse a lookup")
    except ConnectionRefusedError:
        attempts.clear()

    from pathlib import Path
    from workbench import overview, quality, report, timelines
    from workbench.artifacts import write_findings
    from workbench.case import load_case
    from workbench.irregularities import stage as irregularities
    from workbench.synth import generate_case

    root = Path(sys.argv[1])
    case_yaml = generate_case(root / "case", 300, seed=3).case_yaml
    run_dir = root / "run"
    overview.run_stage(case_yaml, run_dir)
    quality.run_stage(case_yaml, run_dir, engine="chunked")
    timelines.run_stage(case_yaml, run_dir)
    result = irregularities.run_stage(load_case(case_yaml))
    write_findings(run_dir, "30_irregularities", result.findings)
    report.build_report(run_dir, case_yaml, regulators=False)
    assert (run_dir / "report.pdf").is_file()
    print("ATTEMPTS", attempts)
''')


def test_stages_make_no_network_request(tmp_path):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ATTEMPTS []" in proc.stdout, proc.stdout[-2000:]
