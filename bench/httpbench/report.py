"""Ratios within each round, their medians, the markdown tables and the bar chart."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from bench.httpbench.contenders import BARE, PUSH_PEERS, Contender
from bench.httpbench.rounds import ConfigResult


def round_ratios(
    result: ConfigResult,
    key: str,
    versus: tuple[str, ...] = (BARE,),
    floor: str = BARE,
    plus: str | None = None,
) -> list[float]:
    """Per round: ``key``'s ratio to ``floor``, over the best ratio to the bare view among ``versus``.

    ``floor`` other than the bare view takes out a cost that ``key`` pays and ``versus`` does not
    (DRF's own, for the DRF class against the middleware).  ``plus`` adds one to ``versus``
    instead: what ``plus`` costs beyond the bare view, added to the best of ``versus`` (times per
    request add up: ``1 / r = 1 / r_versus + 1 / r_plus - 1`` for ratios ``r`` to the bare view).
    """
    ratios = result.ratios
    needed = (key, floor, *versus, *((plus,) if plus else ()))
    if any(k not in ratios for k in needed):
        return []
    out = []
    for i, mine in enumerate(ratios[key]):
        best = max(ratios[v][i] for v in versus)
        if plus and best and ratios[plus][i]:
            best = 1 / (1 / best + 1 / ratios[plus][i] - 1)
        base = ratios[floor][i]
        out.append(mine / base / best if best and base else 0.0)
    return out


def median_ratio(
    result: ConfigResult,
    key: str,
    versus: tuple[str, ...] = (BARE,),
    floor: str = BARE,
    plus: str | None = None,
) -> float | None:
    """Median of the per-round ratios (``None`` when a contender was not measured)."""
    ratios = round_ratios(result, key, versus, floor, plus)
    return statistics.median(ratios) if ratios else None


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ratio_cell(result: ConfigResult, key: str) -> str:
    ratio = median_ratio(result, key)
    if ratio is None:
        return "-"
    cell = f"{ratio:.2f}"
    if key in PUSH_PEERS:
        cell += f" ({_fmt(median_ratio(result, key, PUSH_PEERS[key]))}x the faster peer)"
    return cell


def ratios_table(results: list[ConfigResult], contenders: tuple[Contender, ...]) -> str:
    """The summary: each contender's ratio to the bare view, one column per configuration."""
    lines = ["| contender | " + " | ".join(r.config.label for r in results) + " |"]
    lines.append("|---|" + "---|" * len(results))
    for contender in contenders:
        label = f"**{contender.label}**" if contender.ours else contender.label
        lines.append(f"| {label} | " + " | ".join(_ratio_cell(r, contender.key) for r in results) + " |")
    return "\n".join(lines)


def detail_table(result: ConfigResult, contenders: tuple[Contender, ...]) -> str:
    """One configuration: ratio (min-max of rounds), req/s, p50/p99, worker CPU per request, errors."""
    lines = [
        f"{result.config.label}:\n",
        "| contender | ratio (min-max) | req/s | p50 / p99 ms | worker CPU µs/req | non-2xx + socket errors |",
        "|---|---|---|---|---|---|",
    ]
    for contender in contenders:
        runs = result.runs.get(contender.key)
        if not runs:
            continue
        ratios = round_ratios(result, contender.key)
        rps = statistics.median(r.rps for r in runs)
        p50 = statistics.median(r.p50_ms for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        cpu = statistics.median(r.cpu_us_per_request for r in runs)
        errors = sum(r.non2xx + r.socket_errors for r in runs)
        lines.append(
            f"| {contender.label} | {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) "
            f"| {rps:,.0f} | {p50:.1f} / {p99:.1f} | {cpu:,.0f} | {errors} |"
        )
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Target:
    """A goal the figures are read against: ``key``'s ratio to the best of ``versus``."""

    what: str
    key: str
    versus: tuple[str, ...]
    goal: str
    #: The contender ``key``'s ratio is taken to (the bare view unless a cost is taken out).
    floor: str = BARE
    #: A contender whose cost beyond the bare view is added to ``versus`` (see :func:`round_ratios`).
    plus: str | None = None


TARGETS: tuple[Target, ...] = (
    Target(
        "OA plain vs the faster peer",
        "djwechat-plain",
        PUSH_PEERS["djwechat-plain"],
        "sync >= 0.6, threads >= 1.0",
    ),
    Target(
        "OA safe vs the faster peer",
        "djwechat-safe",
        PUSH_PEERS["djwechat-safe"],
        "sync >= 0.6, threads >= 1.0",
    ),
    Target(
        "OA plain vs its floor: the faster peer plus a push's cache work",
        "djwechat-plain",
        PUSH_PEERS["djwechat-plain"],
        "1.0 = at the floor",
        plus="bare-admit",
    ),
    Target(
        "OA safe vs its floor: the faster peer plus a push's cache work",
        "djwechat-safe",
        PUSH_PEERS["djwechat-safe"],
        "1.0 = at the floor",
        plus="bare-admit",
    ),
    Target("strict session vs bare + one GET", "jwt-strict", ("bare-get",), ">= 0.9"),
    Target("strict session vs simplejwt (DB user)", "jwt-strict", ("simplejwt",), ">= 2.0"),
    Target("1 s session cache vs bare", "jwt-cached", (BARE,), "sync >= 0.85, threads >= 0.9"),
    Target("pub/sub-invalidated session vs bare", "jwt-pubsub", (BARE,), ">= 0.9"),
    Target("DRF class vs the middleware path", "jwt-drf", ("jwt-strict",), ">= 0.9"),
    Target(
        "DRF class over a bare DRF APIView vs the middleware over the bare view",
        "jwt-drf",
        ("jwt-strict",),
        ">= 0.9",
        floor="drf-bare",
    ),
)


def targets_table(results: list[ConfigResult]) -> str:
    """The ratios the goals are stated in, each a median of per-round ratios."""
    head = "| ratio | " + " | ".join(r.config.label for r in results) + " | goal |"
    lines = [head, "|---|" + "---|" * len(results) + "---|"]
    for target in TARGETS:
        cells = " | ".join(
            _fmt(median_ratio(r, target.key, target.versus, target.floor, target.plus)) for r in results
        )
        lines.append(f"| {target.what} | {cells} | {target.goal} |")
    return "\n".join(lines)


def operations_table(
    micro: dict[str, tuple[float, float]], groups: dict[str, str], trips: dict[str, tuple[float, float]]
) -> str:
    """Wall and CPU µs per operation, by group, with the Redis commands and SQL queries of some."""
    lines = [
        "| operation | | wall µs | CPU µs | Redis commands / SQL queries per call |",
        "|---|---|---|---|---|",
    ]
    for name, (wall, cpu) in micro.items():
        counts = f"{trips[name][0]:.2f} / {trips[name][1]:.2f}" if name in trips else ""
        lines.append(f"| {groups[name]} | {name} | {wall:,.1f} | {cpu:,.1f} | {counts} |")
    return "\n".join(lines)


def noise_lines(results: list[ConfigResult]) -> str:
    """How much the bare view itself moved during each configuration: the run's noise."""
    lines = []
    for result in results:
        bare = sorted(run.rps for run in result.runs.get(BARE, []))
        if bare:
            lines.append(
                f"- {result.config.label}: bare view over {len(bare)} runs {statistics.median(bare):,.0f} req/s "
                f"(min {bare[0]:,.0f}, max {bare[-1]:,.0f}); load average {result.load[0]:.2f} -> {result.load[1]:.2f}"
            )
    return "\n".join(lines)


def chart(results: list[ConfigResult], contenders: tuple[Contender, ...], path: Path) -> None:
    """Horizontal bars: ratio to the bare view per contender, one bar per configuration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [c for c in contenders if c.key != BARE]
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(rows) + 1.4))
    height = 0.8 / max(len(results), 1)
    shades = ("#4c72b0", "#dd8452", "#55a868")
    for i, result in enumerate(results):
        values = [median_ratio(result, c.key) or 0.0 for c in rows]
        positions = [n + i * height for n in range(len(rows))]
        bars = ax.barh(positions, values, height=height, label=result.config.label, color=shades[i % 3])
        for bar, value in zip(bars, values, strict=True):
            ax.text(value + 0.01, bar.get_y() + bar.get_height() / 2, f"{value:.2f}", va="center", fontsize=7)
    highest = max((median_ratio(r, c.key) or 0.0 for r in results for c in rows), default=1.0)
    ax.set_xlim(0, max(1.05, highest + 0.15))
    ax.set_yticks([n + height * (len(results) - 1) / 2 for n in range(len(rows))])
    ax.set_yticklabels([("▶ " if c.ours else "") + c.label for c in rows], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(1.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xlabel("req/s over the bare Django view run around it (median of rounds)")
    ax.set_title("gunicorn + wrk, PostgreSQL + Redis (▶ = djwechat)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
