"""How the summary record, the digest and the App Home scale: the 2020 session at 1x, 10x and
100x its size.

    .venv/bin/python -m bench.record_bench                # 1x, 10x, 100x, fresh SQLite files
    .venv/bin/python -m bench.record_bench --scales 1 10  # a quicker run
    .venv/bin/python -m bench.record_bench \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

For each scale N an empty database gets the 2020 session at N times its size
(`bench/record_workload.py`, in a process of its own), then each operation runs in a fresh Python
process of its own (`bench/record_measure.py`), so the peak memory reported is its alone:

- ``summary``      build_summary (the record as plain data)
- ``csv``          comment_rows + write_csv
- ``markdown``     write_markdown (given the record, built beforehand and not timed)
- ``html``         render_charts + write_html (idem)
- ``xlsx``         write_xlsx (idem)
- ``digest``       build_digest for one secretariat member, every comment new
- ``digest-send``  send_digest to a stand-in Slack: the digest built, rendered and "sent", and
                   what it reported recorded in the `reported` table (beyond the brief: it is
                   where the digest's cost grows with the meeting)
- ``home``         the App Home of the chair, then of a secretariat member, as opening it
                   builds it (build_homes + home_view, in the viewer's language), each in a
                   session of its own; not the views.publish call

Time is `time.perf_counter` (and `time.process_time`, steadier on a busy machine), best of 3
runs below 100x and one run from 100x on.  "peak MiB" is `ru_maxrss` at the end minus `ru_maxrss`
after the imports (the high-water mark first brought down to the resident size, on Linux), so for
the writers it includes building the record they are handed.  "traced MiB" is `tracemalloc`'s
peak over one more run of the operation alone (Python allocations, its inputs excluded); tracing
is slow, so by default only below 100x.  "queries" counts the SQL statements sent during the
operation (SQLAlchemy's `before_cursor_execute`; BEGIN and COMMIT not counted).  The results are
printed and written to `bench/results/record-<date>.md` and `.json`.

This module imports nothing of the bot's at the top: this process stays small, so the workers'
`ru_maxrss` (which starts from the parent's high-water mark on Linux) is their own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
URL_ENV = "DOCKET_BENCH_URL"  # how the workers get the database URL (never on a command line)
TEAM_URL = "https://docket-bench.slack.example/"

OPS: dict[str, str] = {
    "summary": "build_summary",
    "csv": "CSV: comment_rows + write_csv",
    "markdown": "Markdown: write_markdown",
    "html": "HTML: render_charts + write_html",
    "xlsx": "XLSX: write_xlsx",
    "digest": "digest: build_digest",
    "digest-send": "digest sent: send_digest",
    "home": "App Home: chair + secretariat",
}
# Issue 13's budgets at 100 times the 2020 session: (seconds, MiB or None), per operation.  The
# report says which are met; nothing fails on them (timings vary with the machine's load).
BUDGETS: dict[str, tuple[float, float | None]] = {
    "summary": (1.0, None),
    "csv": (3.0, 100.0),
    "markdown": (3.0, 100.0),
    "html": (3.0, 100.0),
    "xlsx": (3.0, 100.0),
    "digest": (1.0, None),
    "home": (0.2, None),
}
BUDGET_SCALE = 100
NEEDS_RECORD = {"markdown", "html", "xlsx"}  # handed a SummaryRecord built before the clock starts
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


# -- one database per scale ---------------------------------------------------------------------


@contextmanager
def scale_database(base: str | None, tmp: Path, scale: int) -> Iterator[str]:
    """A URL to an empty database for one scale, gone (or set aside) afterwards.

    No URL: a fresh SQLite file in the run's temporary folder, deleted after the scale.  A
    SQLite URL: `<stem>-<N>x.db` beside the file it names, which must not exist yet, kept for
    inspection.  A PostgreSQL URL: a schema of the run's own, dropped afterwards.
    """
    if base is None:
        path = tmp / f"ptc-2020-{scale}x.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from sqlalchemy.engine import make_url

    from bot.core.db import make_engine, normalise_url

    url = make_url(normalise_url(base))
    backend = url.get_backend_name()
    if backend == "sqlite":
        given = Path(url.database or "bench.db").resolve()  # the workers run from the root
        path = given.with_name(f"{given.stem}-{scale}x.db")
        if path.exists():
            raise SystemExit(f"{path} exists: give a new name, runs never share a database")
        yield url.set(database=str(path)).render_as_string(hide_password=False)
        return
    if backend != "postgresql":
        raise SystemExit(f"unsupported database {backend!r}: SQLite or PostgreSQL only")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise SystemExit(
            "PostgreSQL needs psycopg: .venv/bin/pip install 'psycopg[binary]'"
        ) from None
    schema = f"docket_bench_{uuid.uuid4().hex[:10]}_{scale}x"
    admin = make_engine(url.render_as_string(hide_password=False))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def _run_json(module: str, args: list[str], url: str) -> dict[str, Any]:
    """`python -m module args...` with the URL in its environment; its last line of output."""
    command = [sys.executable, "-m", module, *args]
    env = {**os.environ, URL_ENV: url}
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        sys.stderr.write(proc.stderr)
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"{module} exited {proc.returncode}: {last}"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- the run: generate, measure, report ---------------------------------------------------------


def generate(url: str, scale: int, seed: int) -> dict[str, Any]:
    made = _run_json("bench.record_workload", [str(scale), str(seed)], url)
    if "error" in made:
        raise SystemExit(f"generating {scale}x failed: {made['error']}")
    return made


def run_worker(
    op: str, url: str, gen: dict[str, Any], repeat: int, work: Path, traced: bool
) -> dict[str, Any]:
    args = [op, str(gen["meeting_id"]), gen["now"], str(repeat), str(work)]
    result = _run_json("bench.record_measure", [*args, "--traced"] if traced else args, url)
    return {"op": op, **result}


def machine() -> dict[str, Any]:
    import sqlite3

    import sqlalchemy

    cpu = "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "python": platform.python_version(),
        "cpu": cpu,
        "memory": memory,
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
    }


def source_state() -> str:
    """The commit measured, and whether the bot's code differed from it (others' edits)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=30
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changed = git("status", "--porcelain", "--", "bot", "models", "handlers", "pyproject.toml")
    return f"{commit} + uncommitted changes in bot/models/handlers" if changed else commit


def _queries(result: dict[str, Any]) -> str:
    counts = result.get("queries") or []
    if not counts:
        return "-"
    return str(counts[0]) if len(set(counts)) == 1 else "/".join(map(str, counts))


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _size(value: int) -> str:
    if not value:
        return "-"
    return f"{value / 2**20:.2f} MiB" if value >= 2**20 else f"{value / 1024:.0f} KiB"


def _best_index(result: dict[str, Any]) -> int:
    seconds: list[float] = result["seconds"]
    return seconds.index(min(seconds))


def _cpu(result: dict[str, Any]) -> str:
    """CPU time of the best run: close to `seconds` on a quiet machine, much less on a busy one."""
    cpu = result.get("cpu_seconds") or []
    return f"{cpu[_best_index(result)]:.3f}" if len(cpu) == len(result["seconds"]) else "-"


def _gc_share(result: dict[str, Any]) -> str:
    """The share of the best run spent in the cyclic garbage collector."""
    seconds, in_gc = result["seconds"], result.get("gc_seconds") or []
    if len(in_gc) != len(seconds):
        return "-"
    best = _best_index(result)
    return f"{in_gc[best] / seconds[best]:.0%}" if seconds[best] else "-"


def report_rows(runs: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    header = [
        "scale",
        "comments",
        "participants",
        "operation",
        "seconds",
        "CPU s",
        "in GC",
        "peak MiB",
        "traced MiB",
        "queries",
        "output",
    ]
    rows: list[list[str]] = []
    for run in runs:
        gen = run["generated"]
        for result in run["results"]:
            if "error" in result:
                cells = ["failed", "-", "-", "-", "-", "-", result["error"]]
            else:
                runs_note = (
                    "" if len(result["seconds"]) == 1 else f" (best of {len(result['seconds'])})"
                )
                cells = [
                    f"{result['best']:.3f}{runs_note}",
                    _cpu(result),
                    _gc_share(result),
                    _mib(result["peak_mib"]),
                    _mib(result["traced_mib"]),
                    _queries(result),
                    _size(result["output_bytes"]),
                ]
            rows.append(
                [
                    f"{gen['scale']}x",
                    f"{gen['comments']:,}",
                    f"{gen['participants']:,}",
                    OPS[result["op"]],
                    *cells,
                ]
            )
    return header, rows


def ratio_rows(runs: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Per operation, time at each scale over time at the smallest one (and, with three scales
    or more, over the scale before): linear growth gives the ratio of the scales.  Each cell is
    "wall (CPU)": the CPU ratio is the steadier one when other work shares the machine."""
    if len(runs) < 2:
        return [], []
    scales = [run["generated"]["scale"] for run in runs]
    pairs = [(scale, scales[0]) for scale in scales[1:]]
    if len(scales) > 2:
        pairs += list(zip(scales[2:], scales[1:-1], strict=True))
    wall: dict[tuple[int, str], float] = {}
    cpu: dict[tuple[int, str], float] = {}
    for run in runs:
        for result in run["results"]:
            if "error" not in result:
                key = (run["generated"]["scale"], result["op"])
                wall[key] = result["best"]
                cpu_runs = result.get("cpu_seconds") or []
                if len(cpu_runs) == len(result["seconds"]):
                    cpu[key] = cpu_runs[_best_index(result)]
    largest = runs[-1]["generated"]
    header = ["operation", *(f"{a}x / {b}x" for a, b in pairs)]
    header.append(f"µs per comment at {largest['scale']}x")

    def ratio(times: dict[tuple[int, str], float], a: int, b: int, op: str) -> str | None:
        top, bottom = times.get((a, op)), times.get((b, op))
        return None if top is None or not bottom else f"{top / bottom:.1f}"

    rows: list[list[str]] = []
    for op in [result["op"] for result in runs[0]["results"]]:
        cells = []
        for a, b in pairs:
            by_wall, by_cpu = ratio(wall, a, b, op), ratio(cpu, a, b, op)
            cells.append(f"{by_wall or '-'} ({by_cpu})" if by_cpu else by_wall or "-")
        at_largest = wall.get((largest["scale"], op))
        per = "-" if at_largest is None else f"{at_largest / largest['comments'] * 1e6:.0f}"
        rows.append([OPS[op], *cells, per])
    return header, rows


def checks(runs: list[dict[str, Any]]) -> list[str]:
    """What the record says against what was generated; bounded queries across the scales."""
    problems: list[str] = []
    for run in runs:
        gen = run["generated"]
        for result in run["results"]:
            if "error" in result:
                problems.append(f"{gen['scale']}x {result['op']}: {result['error']}")
                continue
            if len(set(result["queries"])) > 1:
                problems.append(
                    f"{gen['scale']}x {result['op']}: query count varies {result['queries']}"
                )
            figures = result.get("figures")
            if figures is not None:
                expected = {
                    "registered": gen["participants"],
                    "comments": gen["comments"] - gen["withdrawn"],
                    "withdrawn": gen["withdrawn"],
                    "edited": gen["edited"],
                    "late": gen["late_active"],
                    "kept_aside": gen["strays"],
                    "by_kind": gen["kinds"],
                    "weeks": list(range(1, gen["weeks"] + 1)),
                    "decided_items": gen["decisions"],
                    "by_silence": 1,
                }
                for key, want in expected.items():
                    if figures[key] != want:
                        problems.append(
                            f"{gen['scale']}x summary: {key} is {figures[key]}, generated {want}"
                        )
            if max(result.get("home_blocks") or [0]) > 100:  # Slack's limit for a view
                problems.append(
                    f"{gen['scale']}x home: {result['home_blocks']} blocks, more than 100"
                )
            if (
                "new_comments" in result
                and result["new_comments"] != gen["comments"] - gen["withdrawn"]
            ):
                problems.append(
                    f"{gen['scale']}x digest: {result['new_comments']} new comments, "
                    f"expected {gen['comments'] - gen['withdrawn']}"
                )
    by_op: dict[str, set[str]] = {}
    for run in runs:
        for result in run["results"]:
            if "error" not in result:
                by_op.setdefault(result["op"], set()).add(_queries(result))
    for op, counts in by_op.items():
        if len(counts) > 1:
            problems.append(f"{OPS[op]}: queries differ between scales: {sorted(counts)}")
    return problems


def _table_text(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def _table_md(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def write_results(out: Path, payload: dict[str, Any]) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"record-{payload['date']}"
    json_path, md_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    runs = payload["runs"]
    m = payload["machine"]
    lines = [
        f"# Record benchmark, {payload['date']}",
        "",
        f"Command: `{payload['command']}`",
        "",
        f"Code measured: {payload['source']}.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, Python {m['python']}, "
        f"SQLAlchemy {m['sqlalchemy']}, database {payload['database']}; "
        f"whole run {payload['total_seconds']:.0f} s; load average (1 min) "
        f"{m['load_average_before'][0]} before, {m['load_average_after'][0]} after.",
        "",
        "## Generated meetings",
        "",
    ]
    gen_header = [
        "scale",
        "delegations",
        "participants",
        "comments",
        "withdrawn",
        "edited",
        "late",
        "revision rows",
        "kept aside",
        "decisions",
        "generated in",
    ]
    gen_rows = [
        [
            f"{g['scale']}x",
            f"{g['delegations']:,}",
            f"{g['participants']:,}",
            f"{g['comments']:,}",
            f"{g['withdrawn']:,}",
            f"{g['edited']:,}",
            f"{g['late_active']:,}",
            f"{g['revisions_rows']:,}",
            f"{g['strays']:,}",
            str(g["decisions"]),
            f"{g['seconds']:.1f} s",
        ]
        for g in (run["generated"] for run in runs)
    ]
    lines += [_table_md(gen_header, gen_rows), "", "## Time, memory, queries", ""]
    lines += [_table_md(*report_rows(runs)), ""]
    ratio_header, ratios = ratio_rows(runs)
    if ratios:
        lines += [
            "## How time grows: wall-clock ratio (CPU-time ratio); linear growth gives the ratio "
            "of the scales",
            "",
        ]
        lines += [_table_md(ratio_header, ratios), ""]
    homes = [
        (run["generated"]["scale"], result)
        for run in runs
        for result in run["results"]
        if result.get("home_cpu_seconds")
    ]
    if homes:
        lines += ["## App Home, per viewer (CPU seconds of the last run)", ""]
        lines += [
            f"- {scale}x: the chair's {result['home_cpu_seconds'][0]:.3f} s, a secretariat "
            f"member's {result['home_cpu_seconds'][1]:.3f} s ({result['home_blocks'][0]} and "
            f"{result['home_blocks'][1]} blocks)"
            for scale, result in homes
        ]
        lines.append("")
    budgets = budget_lines(runs)
    if budgets:
        lines += [f"## Budgets at {BUDGET_SCALE}x (issue 13)", ""]
        lines += [f"- {line}" for line in budgets] + [""]
    lines += ["## SQL statements at the smallest scale", ""]
    shown = 10
    for result in runs[0]["results"] if runs else []:
        if result.get("statements"):
            total = result["queries"][0]
            lines.append(f"- {OPS[result['op']]}: {total}")
            lines += [
                f"  - `{s[:150]}{'…' if len(s) > 150 else ''}`"
                for s in result["statements"][:shown]
            ]
            if total > shown:
                lines.append(f"  - … {total - shown} more")
    lines += ["", "## Checks", ""]
    lines += [f"- {p}" for p in payload["problems"]] or ["- none failed"]
    lines.append("")
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return md_path, json_path


def budget_lines(runs: list[dict[str, Any]]) -> list[str]:
    """Each operation at 100x against its budget: best seconds (and peak MiB) and whether met."""
    lines = []
    for run in runs:
        if run["generated"]["scale"] != BUDGET_SCALE:
            continue
        for result in run["results"]:
            budget = BUDGETS.get(result["op"])
            if budget is None or "error" in result:
                continue
            seconds, mib = budget
            met = result["best"] < seconds and (mib is None or result["peak_mib"] < mib)
            memory = f", {result['peak_mib']:.0f} MiB of {mib:.0f}" if mib is not None else ""
            lines.append(
                f"{OPS[result['op']]}: {result['best']:.3f} s of {seconds:g} s{memory}: "
                + ("met" if met else "MISSED")
            )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.record_bench",
        description="Time the summary record, the digest and the App Home for the 2020 session "
        "at N times its size.",
    )
    parser.add_argument(
        "--scales",
        type=int,
        nargs="+",
        default=[1, 10, 100],
        metavar="N",
        help="sizes as multiples of the 2020 session (default: 1 10 100)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench" / "results",
        help="where record-<date>.md and .json are written (default: bench/results)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="default: a fresh SQLite file per scale in a temporary folder; a PostgreSQL URL "
        "gets a schema of its own per scale, dropped afterwards",
    )
    parser.add_argument(
        "--ops", nargs="+", choices=list(OPS), default=list(OPS), help="default: all of them"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        help="runs per operation (default: 3 below 100x, 1 from 100x)",
    )
    parser.add_argument(
        "--seed", type=int, default=2020, help="the generator's seed: same seed, same meeting"
    )
    parser.add_argument(
        "--tracemalloc",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="one more run of each operation under tracemalloc, for the Python heap's peak; "
        "it runs about 5x slower (a minute for the 100x workbook), so by default only below "
        "100x",
    )
    args = parser.parse_args(argv)

    if any(scale < 1 for scale in args.scales):
        parser.error("scales are whole numbers from 1")
    started = time.perf_counter()
    info = machine()
    load_before = os.getloadavg()
    source = source_state()
    database = "SQLite " + info["sqlite"]
    if args.database_url is not None:
        from sqlalchemy.engine import make_url

        from bot.core.db import normalise_url

        database = make_url(normalise_url(args.database_url)).render_as_string(hide_password=True)
    print(f"Docket record benchmark: scales {args.scales}, {database}")
    print(
        f"{info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, load average "
        f"{load_before[0]:.2f} (other work on the machine slows the figures down)"
    )
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="docket-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for scale in sorted(set(args.scales)):
            repeat = args.runs or (3 if scale < 100 else 1)
            with scale_database(args.database_url, tmp, scale) as url:
                gen = generate(url, scale, args.seed)
                print(
                    f"\n{scale}x: {gen['comments']:,} comments, {gen['participants']:,} "
                    f"participants, {gen['delegations']:,} delegations, generated in "
                    f"{gen['seconds']:.1f} s"
                )
                results = []
                for op in args.ops:
                    traced = args.tracemalloc if args.tracemalloc is not None else scale < 100
                    result = run_worker(op, url, gen, repeat, tmp / f"{scale}x", traced)
                    results.append(result)
                    if "error" in result:
                        print(f"  {OPS[op]:<36} {result['error']}")
                    else:
                        print(
                            f"  {OPS[op]:<36} {result['best']:8.3f} s  "
                            f"peak {_mib(result['peak_mib']):>7} MiB  "
                            f"traced {_mib(result['traced_mib']):>7} MiB  "
                            f"queries {_queries(result)}"
                        )
                runs.append({"generated": gen, "results": results})
    total = time.perf_counter() - started
    info["load_average_before"] = [round(x, 2) for x in load_before]
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]

    print()
    print(_table_text(*report_rows(runs)))
    ratio_header, ratios = ratio_rows(runs)
    if ratios:
        print()
        print(_table_text(ratio_header, ratios))
    budgets = budget_lines(runs)
    if budgets:
        print()
        print(f"Budgets at {BUDGET_SCALE}x:")
        for line in budgets:
            print(f"  - {line}")
    problems = checks(runs)
    print()
    print("Checks: " + ("all passed" if not problems else f"{len(problems)} problem(s)"))
    for problem in problems:
        print(f"  - {problem}")
    payload = {
        "date": datetime.now(UTC).date().isoformat(),
        "command": " ".join(
            ["python -m bench.record_bench", *(argv if argv is not None else sys.argv[1:])]
        ),
        "database": database,
        "source": source,
        "machine": info,
        "seed": args.seed,
        "total_seconds": total,
        "runs": runs,
        "problems": problems,
    }
    md_path, json_path = write_results(args.out, payload)
    print(f"\nWhole run {total:.0f} s; written {md_path} and {json_path}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
