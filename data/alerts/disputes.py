"""Recurring disputes (矛盾反复): a dispute again where one was mediated before.

A dispute (``case_class`` :data:`data.schema.DISPUTE`) open at ``as_of``
(:func:`data.alerts.history.open_at`) recurs when an earlier dispute was mediated (any
outcome) within ``days`` days before the new one was reported, and

* at the same address: both addresses normalised (full-width forms to half-width by
  NFKC, case folded, every space and punctuation mark dropped), empty ones never match;
* or by the same party. The store has no parties field: the party is the case's
  ``reporter`` (the person who brought it), normalised the same way. A reporter that
  names a channel rather than a person (``channel_reporters``, e.g. 12345热线来电) or is
  one of the deployment's officers (a grid worker reporting what they found on patrol)
  is no party, and never matches.

Mediations are the ``mediations`` records (and the cases' ``mediated_at`` where a store
has no record), at or before ``as_of`` by construction (before the new report).

One finding per recurring dispute: key ``recurring_dispute:<the later dispute's id>``;
orange, red when two or more earlier mediations match. It holds while that dispute is
open, and closes itself when the dispute is closed or voided. ``region_id``: the later
dispute's region; ``started_at``: its report; ``case_ids``: the later dispute first, then
the earlier ones. ``facts``: ``address`` (the later dispute's address when the address
matched, else None), ``party`` (its reporter when the party matched, else None),
``earlier_case_id`` and ``mediated_at`` (ISO) of the latest earlier mediation,
``mediations`` (how many matched) and ``days``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from data import schema
from data.alerts.finding import ORANGE, RED, Finding
from data.alerts.history import open_at, open_ids, reports_only, rows_by_id
from data.models import Case, Mediation, Officer

RULE = "recurring_dispute"


def normalise(text: str | None) -> str:
    """An address or name to compare: NFKC (full-width to half-width), case folded, only
    letters and digits kept (no spaces, punctuation or symbols). '' for nothing."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # most texts hold nothing to drop: isalnum is the pattern's complement, and quick
    return folded if folded.isalnum() else _NOT_LETTER_OR_DIGIT.sub("", folded)


#: Anything but a letter or a digit (``\w`` less the underscore).
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def detect(conn: Connection, params: dict, as_of: datetime) -> list[Finding]:
    """The open disputes at ``as_of`` (naive UTC) that recur after an earlier mediation."""
    days = float(params["days"])
    if days <= 0:
        raise ValueError(f"{RULE}: days must be above 0, got {params['days']!r}")
    not_parties = {normalise(name) for name in params.get("channel_reporters", ())}
    not_parties |= {normalise(name) for name in conn.execute(select(Officer.name)).scalars()}
    not_parties.discard("")

    normal = functools.lru_cache(maxsize=None)(normalise)  # texts repeat: each once
    later = _open_disputes(conn, as_of)
    if not later:
        return []
    since = min(row[3] for row in later) - timedelta(days=days)
    by_address: dict[str, list[tuple]] = {}
    by_party: dict[str, list[tuple]] = {}
    for case_id, at, address, reporter in _mediations(conn, since, as_of):
        if (address := normal(address)):
            by_address.setdefault(address, []).append((at, case_id))
        if (party := normal(reporter)) and party not in not_parties:
            by_party.setdefault(party, []).append((at, case_id))

    findings = []
    for case_id, region_id, address, reported_at, reporter in later:
        start = reported_at - timedelta(days=days)
        address_key, party_key = normalise(address), normalise(reporter)
        at_address = _earlier(by_address.get(address_key, ()), case_id, start, reported_at)
        by_same = (_earlier(by_party.get(party_key, ()), case_id, start, reported_at)
                   if party_key not in not_parties else set())
        matched = at_address | by_same
        if not matched:
            continue
        latest_at, latest_case = max(matched)
        others = sorted({other for _, other in matched})
        findings.append(Finding(
            rule=RULE, key=f"{RULE}:{case_id}", level=RED if len(matched) >= 2 else ORANGE,
            region_id=region_id, started_at=reported_at, case_ids=(case_id, *others),
            facts={"address": address if at_address else None,
                   "party": reporter if by_same else None,
                   "earlier_case_id": latest_case, "mediated_at": latest_at.isoformat(),
                   "mediations": len(matched), "days": params["days"]}))
    findings.sort(key=lambda f: f.case_ids[0])
    return findings


def _earlier(mediations, case_id: int, start: datetime, end: datetime) -> set[tuple]:
    """The (at, case id) of ``mediations`` of other cases from ``start`` to before ``end``."""
    return {(at, other) for at, other in mediations if other != case_id and start <= at < end}


def _open_disputes(conn: Connection, as_of: datetime) -> list[tuple]:
    """(id, region id, address, reported at, reporter) of the disputes open at ``as_of``."""
    c = Case
    columns = [c.id, c.region_id, c.address, c.reported_at, c.reporter]
    return sorted(rows_by_id(conn, columns, list(open_ids(conn, as_of)),
                             c.case_class == schema.DISPUTE, open_at(as_of), reports_only()))


def _mediations(conn: Connection, since: datetime, as_of: datetime) -> set[tuple]:
    """(case id, at, address, reporter) of the disputes' mediations from ``since`` to
    ``as_of``: the mediation records, and the cases' ``mediated_at`` where a case has no
    record (a store that kept only the latest mediation)."""
    c, m = Case, Mediation
    recorded = (select(m.case_id, m.at, c.address, c.reporter)
                .join(c, c.id == m.case_id)
                .where(m.at >= since, m.at <= as_of, c.case_class == schema.DISPUTE))
    # the cases' ids from the mediation times' index and the records' case index alone;
    # the rows of the few without a record only
    unrecorded = (select(c.id).where(c.mediated_at >= since, c.mediated_at <= as_of,
                                     ~select(m.id).where(m.case_id == c.id).exists()))
    rows = {tuple(row) for row in conn.execute(recorded)}
    ids = list(conn.execute(unrecorded).scalars())
    rows |= set(rows_by_id(conn, [c.id, c.mediated_at, c.address, c.reporter], ids,
                           c.case_class == schema.DISPUTE))
    return rows
