"""Printing the figures: each ladder step as it ends, then the summary, the checks and our
figures as a share of the bare server's."""

from __future__ import annotations

import argparse
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from bench.load import OTHERS_DISTURB

LATENCY_P99 = 0.25
DELIVERED = 0.999
SERVER_BUSY = 0.9  # a server process above this share of a core is saturated


def ms(seconds: float | None) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    if math.isinf(seconds):
        return "lost"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.0f} s"


def sec(seconds: float | None) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    return "lost" if math.isinf(seconds) else f"{seconds:.2f} s"


def pct(share: float | None, digits: int = 0) -> str:
    if share is None or math.isnan(share):
        return "-"
    return f"{share * 100:.{digits}f}%"


def live(event: dict[str, Any]) -> None:
    if event["event"] == "connected":
        failures = event["failures"] or "none"
        print(
            f"  connected {event['sinks_connected']} sink phones in "
            f"{event['connect_seconds']:.1f} s ({event['connects_per_second']:.0f}/s) and "
            f"{event['probes_connected']} probes; {event['not_connected']} not connected; "
            f"failed attempts: {failures}",
            flush=True,
        )
    elif event["event"] == "step":
        print(step_block(event), flush=True)
    elif event["event"] == "not quiet":
        print(
            f"  (not quiet after {event['waited_s']:.0f} s: servers {event['servers']}, "
            f"other processes {event['others']:.2f} cores; measuring anyway)",
            flush=True,
        )


def step_block(step: dict[str, Any]) -> str:
    cpu = step["cpu"]
    servers = " + ".join(
        f"{pct(share)} (loop {pct(loop)}, threads {pct(share - loop)})"
        for share, loop in zip(cpu["servers"], cpu["server_loops"], strict=True)
    )
    rss = " + ".join(f"{mb:.0f}" for mb in step["peak_rss_mb"])
    errors = step["errors"]
    refreshed = step["all_phones_refreshed_s"]
    missing = refreshed_missing(step)
    phase = step.get("phase", "ladder")
    lines = [
        ("" if phase == "ladder" else f"  [{phase}]\n")
        + f"  {step['transport']:>6} {step['rate']:>5}/s  {step['votes']} votes over "
        f"{step['planned_seconds']:.1f} s: sent {step['sent']}, acked {step['acked']}, "
        f"refused {step['refused']}, lost {step['lost']}"
        + (f"  errors {errors}" if errors else ""),
        f"         projector: saw {pct(step['delivered_share'], 2)} of votes "
        f"({pct(step['seen_of_acked'], 2)} of acked); vote->projector p50 "
        f"{ms(step['latency_s']['p50'])} p95 {ms(step['latency_s']['p95'])} "
        f"p99 {ms(step['latency_s']['p99'])}; ack p50 {ms(step['ack_s']['p50'])} "
        f"p99 {ms(step['ack_s']['p99'])}; {step['projector_frames']} frames, "
        f"render->arrival p99 {step['projector_transit_ms']['p99']:.0f} ms",
        f"         phones: probe refresh p50 {sec(step['probe_refresh_s']['p50'])} "
        f"p99 {sec(step['probe_refresh_s']['p99'])}; every sink after the last vote p50 "
        f"{sec(refreshed['p50'])} p99 {sec(refreshed['p99'])} ({missing} missing); "
        f"push frames {step['push_frames_per_s']:.0f}/s; sockets closed {step['closed']}",
        f"         server CPU {servers} (peak RSS {rss} MB); redis {pct(cpu['redis'])}, "
        f"postgres {pct(cpu['postgres'])}; cores "
        + ", ".join(f"{c}: {pct(v)}" for c, v in sorted(cpu["cores"].items()))
        + f"; other processes {pct(cpu['others'])}"
        + (" DISTURBED" if step["disturbed"] else "")
        + (
            f"; database connections {step['database_connections']}"
            if step["database_connections"] is not None
            else ""
        ),
        f"         generator CPU {pct(cpu['generator'])}, send lag p99 "
        f"{ms(step['send_lag_s']['p99'])}, loop lag p99 {ms(step['loop_lag']['p99'])}"
        + (f"  {step['generator_note']}" if step["generator_note"] else ""),
        f"         check: projector tally {fmt(step['final_projector_tally'])}, acked "
        f"{step['acked']}, stored {stored_text(step)} -> {'ok' if step_ok(step) else 'MISMATCH'}"
        + (f" ({step['late_acks']} acks came late)" if step["late_acks"] else "")
        + f"; version violations {step['version_violations']['frames']}",
        f"         => {verdict(step)}",
    ]
    return "\n".join(lines)


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if float(value).is_integer() else f"{value}"


def stored_text(step: dict[str, Any]) -> str:
    stored = step["stored"]
    if stored is None:
        return "n/a (in memory)"
    return f"{stored['marks']} marks / {stored['spent']} spent"


def step_ok(step: dict[str, Any]) -> bool:
    """Final projector tally == votes acknowledged == rows stored."""
    tally = step["final_projector_tally"]
    acked = step["acked"]
    ok = tally is not None and round(tally) == acked
    if step["stored"] is not None:
        ok = ok and step["stored"]["marks"] == acked and step["stored"]["spent"] == acked
    return ok


def refreshed_missing(step: dict[str, Any]) -> int:
    summary = step["all_phones_refreshed_s"]
    total = summary.get("total")
    return (total - summary["n"]) if total is not None else 0


def verdict(step: dict[str, Any]) -> str:
    if step["sustained"]:
        return "SUSTAINED"
    reasons = []
    if step["delivered_share"] < DELIVERED:
        reasons.append(f"delivered {pct(step['delivered_share'], 2)} < 99.9%")
    if not step["latency_s"]["p99"] <= LATENCY_P99:
        reasons.append(f"p99 {ms(step['latency_s']['p99'])} > 250 ms")
    return "not sustained: " + "; ".join(reasons)


# --- the end of the run ------------------------------------------------------------------------


def median(values: Sequence[float | None]) -> float:
    finite = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(finite) if finite else math.nan


def final(runs: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """Prints the summary table (medians over repeats), sustained rates, checks and ratios."""
    steps: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        for target in run["targets"]:
            for step in target["steps"]:
                steps[(target["name"], step["transport"], step["rate"])].append(step)

    print(f"\n== summary ({len(runs)} run{'s' if len(runs) > 1 else ''}; medians)")
    print(
        "| configuration | transport | votes/s | acked | seen | p50 | p95 | p99 | phone p50 "
        "| phone p99 | all phones p99 | closed | server CPU | peak RSS MB | generator CPU "
        "| sustained |"
    )
    print("|" + "---|" * 16)
    rows = []
    for (name, transport, rate), group in steps.items():
        row = {
            "configuration": name,
            "transport": transport,
            "rate": rate,
            "acked_share": median([s["acked"] / s["votes"] for s in group if s["votes"]]),
            "delivered_share": median([s["delivered_share"] for s in group]),
            "p50": median([s["latency_s"]["p50"] for s in group]),
            "p95": median([s["latency_s"]["p95"] for s in group]),
            "p99": median([s["latency_s"]["p99"] for s in group]),
            "phone_p50": median([s["probe_refresh_s"]["p50"] for s in group]),
            "phone_p99": median([s["probe_refresh_s"]["p99"] for s in group]),
            "all_phones_p99": median([s["all_phones_refreshed_s"]["p99"] for s in group]),
            "closed": max(s["closed"] for s in group),
            "server_cpu": median([sum(s["cpu"]["servers"]) for s in group]),
            "peak_rss_mb": median([max(s["peak_rss_mb"]) for s in group]),
            "generator_cpu": median([s["cpu"]["generator"] for s in group]),
            "generator_note": next(
                (s["generator_note"].split(" (")[0].lower() for s in group if s["generator_note"]),
                "",
            ),
            "sustained": all(s["sustained"] for s in group),
            "disturbed": sum(s["disturbed"] for s in group),
            "runs": len(group),
        }
        rows.append(row)
        print(
            f"| {name} | {transport} | {rate} | {pct(row['acked_share'], 1)} "
            f"| {pct(row['delivered_share'], 2)} | {ms(row['p50'])} | {ms(row['p95'])} "
            f"| {ms(row['p99'])} | {sec(row['phone_p50'])} | {sec(row['phone_p99'])} "
            f"| {sec(row['all_phones_p99'])} | {row['closed']} | {pct(row['server_cpu'])} "
            f"| {row['peak_rss_mb']:.0f} | {pct(row['generator_cpu'])}"
            f"{' (' + row['generator_note'] + ')' if row['generator_note'] else ''} "
            f"| {'yes' if row['sustained'] else 'no'}"
            f"{' (disturbed)' if row['disturbed'] else ''} |"
        )
    disturbed = sum(row["disturbed"] for row in rows)
    if disturbed:
        print(
            f"WARNING: {disturbed} step(s) ran while other processes used over "
            f"{OTHERS_DISTURB} cores; their figures are low. Run again on a quiet machine."
        )

    sustained = sustained_rates(runs)
    print("\n== sustained (highest rate with >= 99.9% delivered and p99 <= 250 ms; median)")
    for (name, transport), best_rate in sustained.items():
        tried = best_rate if best_rate else "none of the rates tried"
        print(f"  {name}, {transport}: {tried} votes/s")

    checks, passed = check_all(runs)
    ratios = bare_ratios(runs)
    connects = [
        {
            "configuration": t["name"],
            "connected": t["connect"]["sinks_connected"] + t["connect"]["probes_connected"],
            "seconds": t["connect"]["connect_seconds"],
            "failures": t["connect"]["failures"],
            "closed": t.get("closed_sockets"),
            "peak_rss_mb": t.get("peak_rss_mb"),
        }
        for run in runs
        for t in run["targets"]
    ]
    print("\n== connections")
    for c in connects:
        print(
            f"  {c['configuration']}: {c['connected']} of {args.phones} phones connected in "
            f"{c['seconds']:.1f} s, failures {c['failures'] or 'none'}, closed during the run "
            f"{c['closed']}, server peak RSS (VmHWM) "
            + " + ".join(f"{mb:.0f}" for mb in c["peak_rss_mb"] or [])
            + " MB"
        )
    return {
        "rows": rows,
        "sustained": {f"{n} / {t}": r for (n, t), r in sustained.items()},
        "checks": checks,
        "checks_passed": passed,
        "ratios": ratios,
        "connections": connects,
    }


def sustained_rates(runs: list[dict[str, Any]]) -> dict[tuple[str, str], float]:
    found: dict[tuple[str, str], list[float]] = defaultdict(list)
    for run in runs:
        for target in run["targets"]:
            best: dict[str, float] = {}
            for step in target["steps"]:
                best.setdefault(step["transport"], 0)
                if step["sustained"]:
                    best[step["transport"]] = max(best[step["transport"]], step["rate"])
            for transport, rate in best.items():
                found[(target["name"], transport)].append(rate)
    return {key: median(rates) for key, rates in found.items()}


def check_all(runs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    print("\n== checks (final projector tally == votes acknowledged == rows stored)")
    checks, passed = [], True
    for run in runs:
        for target in run["targets"]:
            steps = ([target["cost_step"]] if target.get("cost_step") else []) + target["steps"]
            bad = [s for s in steps if not step_ok(s)]
            violations = sum(s["version_violations"]["frames"] for s in steps)
            acked = sum(s["acked"] for s in steps)
            tally = sum(s["final_projector_tally"] or 0 for s in steps)
            stored = (
                sum(s["stored"]["marks"] for s in steps)
                if target["kind"] == "app"
                else "n/a (in memory)"
            )
            ok = not bad
            passed = passed and ok
            problems = target.get("server_log_problems") or []
            logged = {k: sum(p.get(k, 0) for p in problems) for k in ("Traceback", "ERROR")}
            print(
                f"  run {run['repeat']}, {target['name']}: projector {tally:.0f} == acked {acked}"
                f" == stored {stored}: {'ok' if not bad else 'MISMATCH in ' + str(len(bad))}"
                f"{'' if not bad else ' step(s)'}; server log tracebacks "
                f"{logged['Traceback']}, errors {logged['ERROR']}"
            )
            if violations:
                print(
                    f"    WARNING: {violations} projector frame(s) lacked a vote acknowledged "
                    "with a change id at or below the frame's version (commits landed out of "
                    "id order; see bench/README.md)"
                )
            for step in bad:
                print(
                    f"    {step['transport']} {step['rate']}/s: projector "
                    f"{fmt(step['final_projector_tally'])}, acked {step['acked']}, stored "
                    f"{stored_text(step)}"
                )
            checks.append(
                {
                    "run": run["repeat"],
                    "configuration": target["name"],
                    "projector": tally,
                    "acked": acked,
                    "stored": stored,
                    "ok": ok,
                    "version_violations": violations,
                    "server_log": logged,
                }
            )
    return checks, passed


def busy_seconds(
    cpu: dict[str, Any], idle: dict[str, Any] | None, key: str, *, everything: bool = False
) -> float:
    """CPU-seconds of a measurement above idle: `key` "servers" (whole processes) or
    "server_loops" (their event-loop threads); with `everything`, Redis and PostgreSQL too."""
    shares: float = sum(cpu[key]) - (sum(idle[key]) if idle else 0.0)
    if everything:
        shares += cpu["redis"] + cpu["postgres"]
        shares -= (idle["redis"] + idle["postgres"]) if idle else 0.0
    wall_s: float = cpu["wall_s"]
    return shares * wall_s


def costs(target: dict[str, Any]) -> dict[str, Any] | None:
    """CPU-seconds per pushed frame and per vote, from two measurements that mix them very
    differently: the vote-cost step (few phones, so little fan-out) and the lowest socket step
    of the ladder (every phone). Fan-out runs on the event loop, so the two event-loop CPU
    figures give the cost of a frame; a vote's cost is then the rest of the cost step's CPU
    (every thread: the database thread renders and writes) per vote."""
    cost = target.get("cost_step")
    ladder = [s for s in target["steps"] if s["transport"] == "socket"]
    if not cost or not cost["acked"] or not ladder:
        return None
    step = ladder[0]
    few, full = target.get("idle_cpu_few"), target.get("idle_cpu")
    loop_c = busy_seconds(cost["cpu"], few, "server_loops")
    loop_s = busy_seconds(step["cpu"], full, "server_loops")
    frames_c, frames_s = float(cost["push_frames"]), float(step["push_frames"])
    votes_c, votes_s = float(cost["acked"]), float(step["acked"])
    det = frames_c * votes_s - frames_s * votes_c
    if abs(det) < 1e-9:
        return None
    per_frame = (loop_c * votes_s - loop_s * votes_c) / det
    if per_frame <= 0:
        return None
    fanout = per_frame * frames_c
    return {
        "per_frame_s": per_frame,
        "per_vote_s": (busy_seconds(cost["cpu"], few, "servers") - fanout) / votes_c,
        "per_vote_everything_s": (
            busy_seconds(cost["cpu"], few, "servers", everything=True) - fanout
        )
        / votes_c,
        "vote_step": {"phones": cost["phase"], "rate": cost["rate"]},
        "frame_step": {"rate": step["rate"], "push_frames_per_s": step["push_frames_per_s"]},
        "saturated": max(step["cpu"]["servers"]) >= SERVER_BUSY
        or max(cost["cpu"]["servers"]) >= SERVER_BUSY,
        "disturbed": bool(step["disturbed"] or cost["disturbed"]),
    }


def share(bare: float, ours: float) -> float:
    return bare / ours if ours > 0 and bare > 0 else math.nan


def bare_ratios(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our figures as a share of the bare server's: its CPU per pushed frame (or per vote)
    divided by ours, so 20% means we push a fifth of the frames it would with the same CPU."""
    print("\n== our figures as a share of the bare websockets server (socket transport)")
    ratios = []
    for run in runs:
        bare = next((t for t in run["targets"] if t["kind"] == "bare"), None)
        if bare is None:
            print("  (no bare server in this run)")
            continue
        for ours in (t for t in run["targets"] if t["kind"] == "app"):
            entry: dict[str, Any] = {"run": run["repeat"], "configuration": ours["name"]}
            mine, theirs = costs(ours), costs(bare)
            if mine is None or theirs is None:
                print(
                    f"  run {run['repeat']}, {ours['name']}: the vote-cost step and the first "
                    "socket step do not separate the cost of a frame from that of a vote"
                )
                ratios.append(entry)
                continue
            frames = share(theirs["per_frame_s"], mine["per_frame_s"])
            votes = share(theirs["per_vote_s"], mine["per_vote_s"])
            everything = share(theirs["per_vote_s"], mine["per_vote_everything_s"])
            entry.update(
                ours=mine,
                bare=theirs,
                push_frames_share=frames,
                per_vote_share=votes,
                per_vote_share_with_redis_postgres=everything,
            )
            caveat = ""
            if mine["saturated"]:
                caveat += " (our server was saturated in a step used)"
            if mine["disturbed"] or theirs["disturbed"]:
                caveat += " (DISTURBED by other processes)"
            print(
                f"  run {run['repeat']}, {ours['name']}: push frames {pct(frames, 1)} of bare "
                f"({us(mine['per_frame_s'])} vs {us(theirs['per_frame_s'])} of server CPU a "
                f"frame); per-vote work {pct(votes, 1)} of bare ({us(mine['per_vote_s'])} vs "
                f"{us(theirs['per_vote_s'])} a vote; {pct(everything, 1)} counting Redis and "
                f"PostgreSQL, {us(mine['per_vote_everything_s'])} a vote){caveat}"
            )
            ratios.append(entry)
    if len(runs) > 1:
        names = sorted({r["configuration"] for r in ratios})
        for name in names:
            named = [r for r in ratios if r["configuration"] == name and "ours" in r]
            print(
                f"  median of {len(named)} runs, {name}: push frames "
                f"{pct(median([r['push_frames_share'] for r in named]), 1)}, per-vote work "
                f"{pct(median([r['per_vote_share'] for r in named]), 1)} "
                f"({pct(median([r['per_vote_share_with_redis_postgres'] for r in named]), 1)} "
                "counting Redis and PostgreSQL)"
            )
    return ratios


def us(seconds: float) -> str:
    if seconds is None or math.isnan(seconds):
        return "-"
    return f"{seconds * 1e6:.0f} us" if seconds < 0.001 else f"{seconds * 1000:.1f} ms"
