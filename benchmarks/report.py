"""Render the raw benchmark runs (benchmarks/out/results.json) as RESULTS.md."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

GIB = 2**30
MIB = 2**20
FLOOR_RATIO_TARGET = 0.5
JSON_RATE_TARGET = 150_000
ANALYTICS_SECONDS_TARGET = 30.0
RSS_TARGET = GIB
EQL_QUERY_TARGET = 10.0
EQL_PIPELINE_TARGET = 3.0

Runs = list[dict[str, Any]]


def _median(runs: Runs, key: str = "seconds") -> float:
    return statistics.median(float(run[key]) for run in runs)


def _peak(runs: Runs) -> int:
    return max(int(run["peak_rss_bytes"]) for run in runs)


def _rate(records: int, runs: Runs) -> float:
    return records / _median(runs)


def _analytics_seconds(runs: Runs) -> float:
    """Return the median over runs of the summed per-analytic query times."""
    return float(statistics.median(sum(run["result"]["seconds"].values()) for run in runs))


def _verdict(value: float, target: float, higher_is_better: bool) -> str:
    met = value >= target if higher_is_better else value <= target
    if met:
        return "met"
    if higher_is_better:
        return f"missed by {(1 - value / target) * 100:.0f} %"
    return f"missed by {(value / target - 1) * 100:.0f} %"


def _machine_section(info: dict[str, Any]) -> list[str]:
    versions = ", ".join(f"{name} {value}" for name, value in info["versions"].items())
    return [
        "## Machine and command",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB memory",
        f"- {info['platform']}, Python {info['python']}",
        f"- {versions}",
        f"- commit {info['commit']}, run {info['date']}",
        f"- command: `{info['command']}`",
        "",
    ]


def _size_table(sizes: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Throughput and memory per size",
        "",
        "Medians over the repeated runs; peak RSS is the largest of the runs, summed "
        "over the process and any child processes; load is the 1-minute load "
        "average before and after the first run.",
        "",
        "| size | records | measurement | seconds | records/s | CPU s | records/CPU s "
        "| peak RSS MiB | load |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for size in sizes:
        for name, runs in size["runs"].items():
            records = size["records"]
            rate = "" if name == "analytics" else f"{_rate(records, runs):,.0f}"
            cpu = _median(runs, "cpu_seconds")
            per_cpu = "" if name == "analytics" else f"{records / max(cpu, 1e-9):,.0f}"
            first = runs[0]
            lines.append(
                f"| {size['label']} | {records:,} | {name} | {_median(runs):.1f} | {rate} "
                f"| {cpu:.1f} | {per_cpu} | {_peak(runs) / MIB:,.0f} "
                f"| {first['load_before']:.1f} / {first['load_after']:.1f} |"
            )
    lines.append("")
    return lines


def _targets(sizes: list[dict[str, Any]], eql: dict[str, Any] | None) -> list[str]:
    lines = ["## Targets", "", "| target | size | measured | verdict |", "|---|---|---:|---|"]
    for size in sizes:
        runs, records = size["runs"], size["records"]
        ratio = _rate(records, runs["hunt_evtx"]) / _rate(records, runs["floor"])
        lines.append(
            f"| hunt on EVTX >= {FLOOR_RATIO_TARGET}x parse floor | {size['label']} "
            f"| {ratio:.2f}x | {_verdict(ratio, FLOOR_RATIO_TARGET, True)} |"
        )
        # Records per CPU second depend less on other processes' load than wall time.
        cpu_ratio = _median(runs["floor"], "cpu_seconds") / _median(
            runs["hunt_evtx"], "cpu_seconds"
        )
        lines.append(
            f"| same, by CPU time (both use every core) | {size['label']} "
            f"| {cpu_ratio:.2f}x | {_verdict(cpu_ratio, FLOOR_RATIO_TARGET, True)} |"
        )
        if "hunt_jsonl" in runs:
            rate = _rate(records, runs["hunt_jsonl"])
            lines.append(
                f"| hunt on JSON lines >= {JSON_RATE_TARGET:,} records/s | {size['label']} "
                f"| {rate:,.0f} | {_verdict(rate, JSON_RATE_TARGET, True)} |"
            )
        seconds = _analytics_seconds(runs["analytics"])
        lines.append(
            f"| all analytics over the stored events < {ANALYTICS_SECONDS_TARGET:.0f} s "
            f"| {size['label']} | {seconds:.1f} s "
            f"| {_verdict(seconds, ANALYTICS_SECONDS_TARGET, False)} |"
        )
        measured = [name for name in ("ingest", "analytics", "hunt_evtx") if name in runs]
        peak = max(_peak(runs[name]) for name in measured)
        lines.append(
            f"| peak RSS < 1 GiB | {size['label']} | {peak / MIB:,.0f} MiB "
            f"| {_verdict(peak, RSS_TARGET, False)} |"
        )
    if eql is not None:
        lines.extend(_eql_targets(eql))
    lines.append("")
    lines.extend(_scaling(sizes))
    return lines


def _eql_targets(eql: dict[str, Any]) -> list[str]:
    runs = eql["runs"]
    ratios = _query_ratios(runs)
    worst = min(ratios.values()) if ratios else 0.0
    carhunt = _median(runs["carhunt_pipeline"])
    peer = statistics.median(
        run["result"]["convert_seconds"] + run["result"]["query_seconds"]
        for run in runs["eql_pipeline"]
    )
    label = f"{eql['records']:,} records"
    return [
        f"| analytics phase >= {EQL_QUERY_TARGET:.0f}x faster than eql per query (slowest "
        f"ratio) | {label} | {worst:.1f}x | {_verdict(worst, EQL_QUERY_TARGET, True)} |",
        f"| EVTX to hits >= {EQL_PIPELINE_TARGET:.0f}x faster than EVTX to JSON plus eql "
        f"| {label} | {peer / carhunt:.1f}x | "
        f"{_verdict(peer / carhunt, EQL_PIPELINE_TARGET, True)} |",
    ]


def _query_ratios(runs: dict[str, Runs]) -> dict[str, float]:
    ratios = {}
    for analytic_id in runs["eql_analytics"][0]["result"]["seconds"]:
        peer = statistics.median(r["result"]["seconds"][analytic_id] for r in runs["eql_analytics"])
        ours = statistics.median(
            r["result"]["seconds"][analytic_id] for r in runs["carhunt_analytics"]
        )
        ratios[analytic_id] = peer / max(ours, 1e-9)
    return ratios


def _scaling(sizes: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Cost against input size",
        "",
        "Seconds per million records; a flat row means the cost grows linearly.",
        "",
        "| measurement | " + " | ".join(size["label"] for size in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for name in ("floor", "ingest", "analytics", "hunt_evtx", "hunt_jsonl"):
        cells = []
        for size in sizes:
            runs = size["runs"].get(name)
            per_million = _median(runs) / size["records"] * 1e6 if runs else None
            cells.append("" if per_million is None else f"{per_million:.1f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def _eql_section(eql: dict[str, Any]) -> list[str]:
    runs = eql["runs"]
    ratios = _query_ratios(runs)
    ours_hits = runs["carhunt_analytics"][0]["result"]["hits"]
    peer_hits = runs["eql_analytics"][0]["result"]["hits"]
    lines = [
        f"## eql {runs['eql_analytics'][0]['command'][0] and ''}peer, {eql['records']:,} records",
        "",
        "eql (PyPI) runs single-event queries over the same records as pyevtx-rs JSON, "
        "held in memory as eql events (loading them is not counted); carhunt runs the "
        "analytic over the persisted DuckDB store. Hit counts differ where the carhunt "
        "analytic also joins or filters (see benchmarks/tasks.py).",
        "",
        "| analytic | eql s | carhunt s | ratio | eql hits | carhunt hits |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for analytic_id, ratio in ratios.items():
        peer = statistics.median(r["result"]["seconds"][analytic_id] for r in runs["eql_analytics"])
        ours = statistics.median(
            r["result"]["seconds"][analytic_id] for r in runs["carhunt_analytics"]
        )
        lines.append(
            f"| {analytic_id} | {peer:.3f} | {ours:.3f} | {ratio:.1f}x "
            f"| {peer_hits[analytic_id]:,} | {ours_hits.get(analytic_id, 0):,} |"
        )
    pipeline = runs["eql_pipeline"]
    convert = statistics.median(r["result"]["convert_seconds"] for r in pipeline)
    query = statistics.median(r["result"]["query_seconds"] for r in pipeline)
    lines += [
        "",
        f"Whole pipeline: EVTX to JSON lines with pyevtx-rs on every core {convert:.1f} s, "
        f"eql with all {len(ratios)} queries in one pass {query:.1f} s; "
        f"`carhunt hunt` on the EVTX files with every analytic "
        f"{_median(runs['carhunt_pipeline']):.1f} s.",
        "",
    ]
    return lines


def write_report(raw: dict[str, Any], path: Path, analysis: Path) -> None:
    """Write RESULTS.md from the raw runs, followed by the hand-written analysis."""
    lines = [
        "# carhunt benchmark results",
        "",
        "Written by `python -m benchmarks.run` (`make bench`); the analysis at the end is "
        "kept in benchmarks/analysis.md. Inputs come from benchmarks/generate.py: copies "
        "of the corpus's real EVTX files with patched record ids, times, GUIDs, process "
        "ids and host names, and the same records as JSON lines.",
        "",
    ]
    eql = raw.get("eql")
    sizes = sorted(raw["sizes"], key=lambda size: size["records"])
    lines += _machine_section(raw["machine"])
    lines += _targets(sizes, eql)
    lines += _size_table(sizes)
    if eql is not None:
        lines += _eql_section(eql)
    if analysis.exists():
        lines.append(analysis.read_text(encoding="utf-8"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
