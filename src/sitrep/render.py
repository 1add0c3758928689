"""Presenting Reports: the readable situation report (rich text or Markdown) and JSON lines.

Nothing here recomputes what the extractors found; it only lays it out. Events whose modality is
not asserted or reported are listed apart, under a heading that says they did not happen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .model import FACTUAL_MODALITIES, Report

MAX_ROWS = 40


def _names(report: Report) -> dict[str, str]:
    return {a.id: a.name for a in report.actors} | {p.id: p.name for p in report.places}


def _clip(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _header(report: Report) -> Text:
    d = report.document
    head = Text(d.title or "(untitled)", style="bold")
    facts = [
        ", ".join(d.authors) if d.authors else None,
        d.published,
        d.source,
        d.url,
        f"{len(d.text.split())} words",
        f"id {d.id[:12]}",
    ]
    head.append("\n" + " · ".join(f for f in facts if f), style="dim")
    if d.origin:
        head.append(f"\nfrom {d.origin}", style="dim")
    return head


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table | Text:
    if not rows:
        return Text(f"{title}: none found", style="dim")
    table = Table(title=f"{title} ({len(rows)})", title_justify="left", box=box.SIMPLE_HEAD,
                  show_lines=False, expand=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows[:MAX_ROWS]:
        table.add_row(*row)
    if len(rows) > MAX_ROWS:
        table.caption = f"… and {len(rows) - MAX_ROWS} more (use --format json for all)"
    return table


def _coords(lat: float | None, lon: float | None) -> str:
    return "unresolved" if lat is None or lon is None else f"{lat:.3f}, {lon:.3f}"


def _rows(report: Report) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Section title -> (columns, rows): the one layout both renderers share."""
    names = _names(report)
    happened = [e for e in report.events if e.modality in FACTUAL_MODALITIES]
    other = [e for e in report.events if e.modality not in FACTUAL_MODALITIES]

    def event_row(e) -> list[str]:
        who = ", ".join(names.get(a, a) for a in e.source) or "?"
        whom = ", ".join(names.get(a, a) for a in e.target) or "-"
        if len(e.source) > 1 and set(e.target) == set(e.source):
            whom = "each other"  # a mutual act: "X and Y agreed"
        kind = e.type + (f"/{e.mode}" if e.mode else "")
        said = "" if e.attributed_to == "author" else f" (per {names.get(e.attributed_to, e.attributed_to)})"
        return [kind, who, whom, names.get(e.place, "") if e.place else "", e.modality + said,
                _clip(e.evidence.text, 100)]

    ev_cols = ["type", "source", "target", "place", "modality", "evidence"]
    return {
        "Actors": (
            ["actor", "kind", "country", "role", "mentions"],
            [[a.name, a.kind + (f"/{a.sector}" if a.sector else ""), a.country or "",
              a.role or "", str(len(a.mentions))] for a in report.actors],
        ),
        "Places": (
            ["place", "feature", "country", "coordinates", "confidence", "mentions"],
            [[p.name, p.feature, p.country or "", _coords(p.lat, p.lon), f"{p.confidence:.2f}",
              str(len(p.mentions))] for p in report.places],
        ),
        "Events that the text says happened": (ev_cols, [event_row(e) for e in happened]),
        "Events intended, hypothetical, denied or asked (did not happen)": (
            ev_cols, [event_row(e) for e in other]),
        "Quotes": (
            ["speaker", "kind", "quote"],
            [[q.speaker_text or names.get(q.speaker or "", "?"), q.kind, _clip(q.text)]
             for q in report.quotes],
        ),
        "Claims to check": (
            ["score", "kinds", "claim"],
            [[f"{c.checkworthiness:.2f}", ", ".join(c.kinds), _clip(c.text)]
             for c in sorted(report.claims, key=lambda c: -c.checkworthiness)],
        ),
        "Rhetorical techniques": (
            ["technique", "confidence", "text"],
            [[t.technique, f"{t.confidence:.2f}", _clip(t.text, 100)] for t in report.rhetoric],
        ),
    }


def render_text(report: Report, console: Console) -> None:
    parts = [_table(title, cols, rows) for title, (cols, rows) in _rows(report).items()]
    console.print(Panel(_header(report), box=box.HEAVY, expand=True))
    console.print(Group(*parts))
    console.print()


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    d = report.document
    lines = [f"# {d.title or '(untitled)'}", ""]
    meta = [("Authors", ", ".join(d.authors)), ("Published", d.published), ("Source", d.source),
            ("URL", d.url), ("Document id", f"`{d.id}`")]
    lines += [f"- **{k}**: {v}" for k, v in meta if v] + [""]
    for title, (cols, rows) in _rows(report).items():
        lines.append(f"## {title}")
        lines.append("")
        if not rows:
            lines += ["None found.", ""]
            continue
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "---|" * len(cols))
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def to_json(report: Report, indent: int | None = 2) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=indent)


def to_jsonl(reports: Iterable[Report]) -> Iterable[str]:
    for r in reports:
        yield to_json(r, indent=None) + "\n"
