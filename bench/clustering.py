"""Time the cluster suggestions on 300 generated ideas.

    .venv/bin/python bench/clustering.py [--ideas 300] [--runs 5] [--seed 4]

Ideas are generated deterministically (a seeded random choice from word lists on 8 themes,
plus a few off-topic ones), at most 200 characters each, in the style delegates write on
phones. It prints the best and median time of `suggest_clusters` over the runs, the number of
suggestions and of unclustered ideas, and, since the generator knows each idea's theme, how
pure the suggestions are (the share of suggested ideas whose suggestion's main theme is their
own). It needs no Django settings and no database. It is not a test and has no pass mark.

`--scikit-learn` also times the same method done by scikit-learn (TF-IDF and average-link
agglomerative clustering on the same stemmed words) and says whether it suggests the same
groups; scikit-learn is not a dependency: run it from a virtualenv that has it
(`pip install scikit-learn` there, then that venv's python on this file).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

# Run as a script from the project root, so make `sessions` importable without Django.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sessions.ideas.clustering import Suggestion, suggest_clusters

MAX_LENGTH = 200

# Per theme: things delegates propose, and words they use about them.
THEMES: dict[str, dict[str, list[str]]] = {
    "changeovers": {
        "things": [
            "SMED on the press line",
            "quick-change tooling",
            "a changeover checklist",
            "pre-staged tools and dies",
            "external setup before the line stops",
            "a changeover cart for each machine",
            "colour-coded setup parts",
            "filming a changeover to find waste",
            "a changeover time target on the board",
            "setup parts kept at the machine",
            "one-touch clamps on the dies",
            "a changeover team on Monday mornings",
        ],
        "aims": ["shorter changeovers", "setup time halved", "less waiting between batches"],
    },
    "training": {
        "things": [
            "a skills matrix for every team",
            "cross-training on the packing line",
            "an onboarding plan for new starters",
            "a training buddy for each new operator",
            "short training sessions at shift start",
            "supervisors trained to coach",
            "training records kept on the skills board",
            "job shadowing for cover skills",
            "a training plan for each operator",
            "skills certificates on the notice board",
            "an induction video for new starters",
            "apprentices paired with experienced operators",
        ],
        "aims": ["cover for holidays", "new starters up to speed faster", "more skilled operators"],
    },
    "data entry": {
        "things": [
            "barcode scanning at goods in",
            "tablets instead of paper forms",
            "no more double keying of orders",
            "scanning job cards to record labour",
            "one system for order entry",
            "drop-down lists on data entry screens",
            "paper timesheets replaced by scanners",
            "a shared spreadsheet linked to the ERP",
            "orders keyed once into the ERP",
            "scanners on the forklifts",
            "delivery notes scanned not typed",
            "data entry checks before month end",
        ],
        "aims": ["fewer keying errors", "data entered once", "no retyping paper forms"],
    },
    "maintenance": {
        "things": [
            "daily machine checks by operators",
            "a planned maintenance calendar",
            "breakdown logs on each machine",
            "spare parts stocked for critical machines",
            "vibration monitoring on the compressors",
            "autonomous maintenance routines",
            "lubrication points marked on machines",
            "a maintenance request board",
            "a breakdown response plan",
            "maintenance tasks on a checklist by each machine",
            "spare parts list for the older machines",
            "maintenance team walk every morning",
        ],
        "aims": ["fewer breakdowns", "less unplanned downtime", "machines that run reliably"],
    },
    "scheduling": {
        "things": [
            "a weekly production schedule agreed on Friday",
            "a visual planning board",
            "frozen schedule for the next two days",
            "capacity planning per work centre",
            "a daily schedule review with sales",
            "smaller batches in the schedule",
            "planning jobs by due date",
            "a sequence that groups similar jobs",
            "the schedule on a screen by each line",
            "planning meeting every morning at 9",
            "due dates checked before jobs are scheduled",
            "a planner who owns the schedule",
        ],
        "aims": ["orders delivered on time", "fewer rush jobs", "a stable plan for the week"],
    },
    "quality": {
        "things": [
            "first-off inspection on every job",
            "a defect tally sheet at each station",
            "root cause analysis of customer complaints",
            "poka-yoke fixtures for assembly",
            "a quality alert board",
            "scrap measured per shift",
            "rework logged with its cause",
            "gauges calibrated monthly",
            "defect photos at each station",
            "quality checks done by operators",
            "customer complaints reviewed weekly",
            "scrap bins weighed every shift",
        ],
        "aims": ["fewer defects", "less scrap and rework", "no complaints from customers"],
    },
    "inventory": {
        "things": [
            "kanban cards for fasteners",
            "a stock count every Monday",
            "min and max levels in the stores",
            "a supermarket for line-side stock",
            "supplier deliveries twice a week",
            "slow-moving stock reviewed quarterly",
            "two-bin system for consumables",
            "stock locations labelled in the warehouse",
            "kanban for packaging stock",
            "stock levels checked by suppliers",
            "warehouse stock counted by location",
            "fewer stock lines of fasteners",
        ],
        "aims": ["no stock-outs", "less cash tied up in stock", "parts found first time"],
    },
    "energy": {
        "things": [
            "compressed air leaks fixed",
            "energy meters on the ovens",
            "lights on motion sensors",
            "machines switched off at night",
            "heat recovery from the compressors",
            "an energy walk every month",
            "solar panels on the roof",
            "energy use shown per product",
            "compressors switched off at weekends",
            "energy meters read every week",
            "LED lights in the warehouse",
            "insulation on the ovens",
        ],
        "aims": [
            "lower energy bills",
            "less energy wasted overnight",
            "a smaller carbon footprint",
        ],
    },
}

FRAMES = [
    "{thing}",
    "{thing} for {aim}",
    "Try {thing}",
    "Pilot {thing} {where}",
    "{thing} so we get {aim}",
    "{aim}: start with {thing}",
    "{thing} and {other}",
    "what about {thing} {where}?",
    "{thing} - {aim}",
    "we could have {thing} {where}, aiming for {aim}",
]
WHERE = [
    "on line 2",
    "in assembly",
    "on the night shift",
    "in the press shop",
    "in the warehouse",
    "for a month",
    "across both sites",
    "",
]
# Reasons delegates add, built from parts shared by every theme (so they add everyday noise,
# not a theme), which bring some ideas near the length limit.
REASON_PARTS = [
    ["because", "as", "since", "given that"],
    ["operators", "the team", "supervisors", "our customers", "the night shift", "we"],
    [
        "lose an hour waiting",
        "keep asking about it",
        "complain about it",
        "have raised it twice",
        "end up firefighting",
        "spend too long on it",
    ],
    ["every day", "each week", "at month end", "on Mondays", "most shifts", "right now"],
]
OPENERS = ["", "", "", "Maybe ", "I think ", "Idea: ", "Could we try ", "Simple one: "]
OFF_TOPIC = [
    "Free pizza on Fridays",
    "The car park floods when it rains",
    "Better coffee in the canteen",
    "Music in the office",
    "Company football team",
    "Paint the meeting room",
    "Bike racks by the gate",
    "A suggestions box",
]


def generate(count: int, seed: int) -> tuple[list[tuple[int, str]], dict[int, str]]:
    """`count` ideas with ids 1..count, and each idea's theme ("off-topic" for a few)."""
    rng = random.Random(seed)
    names = list(THEMES)
    ideas: list[tuple[int, str]] = []
    themes: dict[int, str] = {}
    for idea_id in range(1, count + 1):
        if rng.random() < 0.04:
            theme = "off-topic"
            text = rng.choice(OFF_TOPIC)
        else:
            theme = rng.choice(names)
            words = THEMES[theme]
            thing, other = rng.sample(words["things"], 2)
            text = rng.choice(FRAMES).format(
                thing=thing, other=other, aim=rng.choice(words["aims"]), where=rng.choice(WHERE)
            )
            text = rng.choice(OPENERS) + text
            if rng.random() < 0.35:
                for _ in range(1 + (rng.random() < 0.3)):
                    reason = " ".join(rng.choice(part) for part in REASON_PARTS)
                    text = f"{text.rstrip('?')}, {reason}"
            text = " ".join(text.split()).replace(" ?", "?").replace(" ,", ",")
            text = text[:1].upper() + text[1:]
        if len(text) > MAX_LENGTH:  # the form's limit: delegates cut at a word
            text = text[: MAX_LENGTH + 1].rsplit(" ", 1)[0]
        ideas.append((idea_id, text))
        themes[idea_id] = theme
    return ideas, themes


def scikit_learn_groups(ideas: list[tuple[int, str]]) -> list[tuple[int, ...]]:
    """Steps 2-4 of sessions.clustering done by scikit-learn, on the module's own words."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    from sessions.ideas.clustering import SIMILARITY_THRESHOLD, _parse

    parsed = [_parse(idea_id, text) for idea_id, text in sorted(ideas)]
    tfidf = TfidfVectorizer(analyzer=list, sublinear_tf=True, min_df=2)
    vectors = tfidf.fit_transform([list(p.stems.elements()) for p in parsed]).toarray()
    worded = [i for i, vector in enumerate(vectors) if vector.any()]  # cosine needs a word
    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage="average",
        distance_threshold=1 - SIMILARITY_THRESHOLD,
    ).fit_predict(vectors[worded])
    groups: dict[int, list[int]] = {}
    for i, label in zip(worded, labels, strict=True):
        groups.setdefault(int(label), []).append(parsed[i].id)
    return [tuple(group) for group in groups.values() if len(group) > 1]


def compare_scikit_learn(ideas: list[tuple[int, str]], ours: list[Suggestion], runs: int) -> None:
    started = time.perf_counter()
    import sklearn  # noqa: F401  (the import's cost is part of the comparison)

    imported = time.perf_counter() - started
    timings: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        groups = scikit_learn_groups(ideas)
        timings.append(time.perf_counter() - started)
    same = {frozenset(g) for g in groups} == {frozenset(s.idea_ids) for s in ours}
    print(
        f"scikit-learn: best {min(timings) * 1000:.1f} ms, "
        f"median {statistics.median(timings) * 1000:.1f} ms, import {imported * 1000:.0f} ms; "
        f"{len(groups)} groups, {'the same' if same else 'NOT the same'} as suggest_clusters"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideas", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--scikit-learn", action="store_true", help="compare with scikit-learn")
    args = parser.parse_args()
    if args.runs < 1 or args.ideas < 1:
        parser.error("--runs and --ideas must be at least 1")

    ideas, themes = generate(args.ideas, args.seed)
    timings: list[float] = []
    suggestions = []
    for _ in range(args.runs):
        started = time.perf_counter()
        suggestions = suggest_clusters(ideas)
        timings.append(time.perf_counter() - started)

    clustered = sum(len(s.idea_ids) for s in suggestions)
    pure = sum(Counter(themes[i] for i in s.idea_ids).most_common(1)[0][1] for s in suggestions)
    longest = max(len(text) for _, text in ideas)
    print(f"ideas: {len(ideas)} (longest {longest} characters), runs: {args.runs}")
    print(
        f"suggest_clusters: best {min(timings) * 1000:.1f} ms, "
        f"median {statistics.median(timings) * 1000:.1f} ms, "
        f"first {timings[0] * 1000:.1f} ms (stemming cache cold)"
    )
    print(f"suggestions: {len(suggestions)}, unclustered ideas: {len(ideas) - clustered}")
    if clustered:
        print(f"purity: {pure / clustered:.0%} of suggested ideas are in their theme's suggestion")
    for s in suggestions[:12]:
        mix = Counter(themes[i] for i in s.idea_ids).most_common()
        print(f"  {len(s.idea_ids):3}  {s.name:<30} {', '.join(f'{t} {n}' for t, n in mix)}")
    if len(suggestions) > 12:
        print(f"  ... and {len(suggestions) - 12} more")
    if args.scikit_learn:
        compare_scikit_learn(ideas, suggestions, args.runs)


if __name__ == "__main__":
    main()
