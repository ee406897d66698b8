"""The steps of a registry client's run (`oras_push_pull.py`, `skopeo_copy.py`) and their
report: one line a step, then the summary `tests/third_party_clients.rs` reads
(`<n> steps: <a> ok, <b> error`).
"""

import argparse
import sys


class Steps:
    """Runs checks in turn; a failed one is recorded, and the next ones still run."""

    def __init__(self):
        self.results = []

    def step(self, name: str, check):
        try:
            detail = check()
            self.results.append((name, "ok", detail or ""))
        except Exception as error:
            self.results.append((name, "error", f"{type(error).__name__}: {error}"))


def main(description: str, run) -> int:
    """Parses `--url`, runs `run(url, steps)`, prints the report; 1 when a step failed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", default="http://127.0.0.1:18111")
    args = parser.parse_args()
    steps = Steps()
    run(args.url, steps)
    width = max((len(name) for name, _, _ in steps.results), default=0) + 2
    for name, result, detail in steps.results:
        print(f"{name:<{width}}{result:<7}{detail}")
    errors = sum(result == "error" for _, result, _ in steps.results)
    print(f"\n{len(steps.results)} steps: {len(steps.results) - errors} ok, {errors} error")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit("step_report.py is imported by the registry clients' scripts, not run")
