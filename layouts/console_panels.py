"""The console's panels, list rows, dispatch hints and action feedback, built from data.

Builders only: given what :mod:`data.cases`, :mod:`data.console` and :mod:`data.workflow` return for the
console's state (the region view, the map's shapes, the case points, a list row, the
dispatch suggestions, the results of an action), they make the components, figures and
sentences the callbacks of :mod:`callbacks.console` return. The words are looked up in
:mod:`layouts.text`.
"""

from __future__ import annotations

from dash import html

from data import schema
from layouts import console as layout
from layouts.figures import compare_bars, light_bars, light_trend, region_map
from layouts.text import label, metric_label, region_name, t, t_error

#: The panels :func:`build_panels` fills, in the order the callback returns them.
PANEL_KEYS = ("map", "breadcrumb", "subtitle", "tiles", "trend", "categories", "ranking",
              "ranking_title", "compare_table", "compare_bars", "message")


def records(value) -> list[dict]:
    """Rows as dicts, from a DataFrame or a list of dicts."""
    if value is None:
        return []
    if hasattr(value, "to_dict"):
        return value.to_dict("records")
    return list(value)


def case_points(frame) -> list[dict]:
    """The map's case points (those with coordinates) from
    :func:`data.cases.points.open_case_points`."""
    return [{"id": int(p["id"]), "code": p["code"], "lon": p["lon"], "lat": p["lat"],
             "light": p.get("stage_light"), "closed": p.get("status") == schema.CLOSED,
             "long_unfixed": bool(p.get("long_unfixed"))}
            for p in records(frame) if p.get("lon") is not None]


def build_panels(view: dict, shapes: dict, points: list[dict], query: dict, lang: str,
                 code: str | None) -> dict:
    """Everything the panels show (keys: :data:`PANEL_KEYS`), as components and figures,
    from the region view of ``code`` (:func:`data.console.region_view`), its map's
    ``shapes``, the case ``points`` drawn on it and the address's ``query`` (the links
    keep the period and filters)."""
    region = view["region"]
    child_metrics = _child_metrics(view)
    features, outline, labels = _map_parts(shapes)
    values = {c: m.get("open") for c, m in child_metrics.items()}
    figure = region_map(features, values, outline, labels, points,
                        title=t("map_metric", lang), revision=f"map-{code}",
                        height=layout.MAP_HEIGHT, bounds=shapes.get("bounds"),
                        no_data=t("map_no_data", lang))
    crumbs = list(view.get("breadcrumb") or [])
    if not crumbs or crumbs[-1].get("code") != region.get("code"):
        crumbs.append(region)  # the region itself, or "all" for the whole deployment
    trend = view["trend"]
    trend_rows = records(trend)
    top = records(view["categories"])
    ranking = view["ranking"]
    compare = [{**child, **child_metrics.get(child["code"], {})} for child in view["children"]]
    period = view["period"]
    subtitle = (f"{region_name(region, lang)} · {t('period', lang)} {period['from']} – "
                f"{period['to']} · {t('as_of', lang)} {period['as_of'][:16].replace('T', ' ')}")
    if period.get("same_span"):  # still running: compared with the same span before
        subtitle += f" · {t('same_span_short', lang)}"
    return {
        "map": figure,
        "breadcrumb": layout.build_breadcrumb(crumbs, query, lang),
        "subtitle": subtitle,
        "tiles": layout.build_tiles(view["metrics"], view["previous"], lang,
                                    same_span=bool(period.get("same_span"))),
        "trend": light_trend([str(r["day"]) for r in trend_rows],
                             [int(r["reported"]) for r in trend_rows],
                             [int(r["closed"]) for r in trend_rows],
                             names=(t("series_reported", lang), t("series_closed", lang))),
        "categories": light_bars([str(r["key"]) for r in top[:10]], [r["n"] for r in top[:10]],
                                 height=250),
        "ranking": layout.build_ranking(ranking, query, lang),
        "ranking_title": layout.build_ranking_title(ranking, lang),
        "compare_table": layout.build_compare_table(compare, query, lang),
        "compare_bars": compare_bars(
            [c["name"] for c in compare], [c["code"] for c in compare],
            [(metric_label("closure_rate", lang), [c.get("closure_rate") for c in compare]),
             (metric_label("on_time_closure_rate", lang),
              [c.get("on_time_closure_rate") for c in compare])]),
        "message": "",
    }


def _child_metrics(view: dict) -> dict[str, dict]:
    raw = view.get("children_metrics") or {}
    if isinstance(raw, dict):
        return {str(k): v for k, v in raw.items()}
    return {row["code"]: row for row in records(raw)}


def _map_parts(shapes: dict) -> tuple[list[dict], list, list[dict]]:
    """The children's features, the region's outline and the children's label points
    from :func:`data.maps.region_shapes`."""
    features = shapes.get("features") or []
    labels = []
    for f in features:
        point = f.get("properties", {}).get("label")
        if point:
            spots = f["properties"].get("spots") or [point]
            labels.append({"name": f["properties"].get("name", f["id"]), "code": f["id"],
                           "lon": spots[0][0], "lat": spots[0][1], "spots": spots,
                           "weight": f["properties"].get("area", 0)})
    return features, shapes.get("outline") or [], labels


def labelled_row(row: dict, lang: str) -> dict:
    """A list row with the words the grid shows beside the keys it sorts and acts on."""
    light = row.get("stage_light")
    return {**row, "row_id": str(row["id"]),  # ag-grid's row ids are text
            "status_label": label(row.get("status") or "", lang),
            "source_label": label(row.get("source") or "", lang),
            "light_label": t(f"light_{light}", lang) if light else "",
            "urgent_label": t("yes", lang) if row.get("urgent") else ""}


def officer_options(officers, lang: str) -> list[dict]:
    """The dispatch form's officer choices: each officer's name and why they are offered
    (``reason``, a ``why_`` key)."""
    return [{"label": t("officer_choice", lang, name=o.name, why=t("why_" + o.reason, lang)),
             "value": o.id} for o in officers]


def dispatch_hint(hints: list[tuple[str, dict]], lang: str) -> list[html.Div]:
    """The dispatch form's hint, one sentence per ``(key, values)`` of
    :func:`callbacks.console_targets.dispatch_choices`: a ``why`` value is a ``why_`` key,
    a ``due`` value a local datetime."""
    sentences = []
    for key, values in hints:
        words = dict(values)
        if "why" in words:
            words["why"] = t("why_" + words["why"], lang)
        if "due" in words:
            words["due"] = f"{words['due']:%Y-%m-%d %H:%M}"
        sentences.append(html.Div(t(key, lang, **words)))
    return sentences


def action_outcome(results: list, codes: dict, action: str, lang: str) -> str:
    """What happened to an action on cases, in words: done, or each refusal with its
    case's code (``codes``: case id → code) and why."""
    failed = [r for r in results if not r.ok]
    done = len(results) - len(failed)
    if not failed:
        return t("done", lang, action=t(f"action_{action}", lang), n=done)
    reasons = "; ".join(f"{codes.get(r.case_id, r.case_id)}: "
                        f"{t_error(r.error.key, r.error.values, lang)}" for r in failed)
    return reasons if not done else f"{t('done_partly', lang, ok=done, failed=len(failed))} {reasons}"

