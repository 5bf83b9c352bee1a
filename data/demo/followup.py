"""The demo's mediations (调解) and return visits (回访) as records, matching what its cases
already say.

Every mediated dispute (``mediation_outcome`` / ``mediated_at``) gets its mediation, by the
grid's officer, with a kind; every rated case (``satisfaction`` and its ``rate`` event) its
answered visit at that event's time. On top, so the records look like a centre's:

* half the failed mediations (even case ids) were referred to court or arbitration
  (``referred``): the case's ``mediation_outcome`` says so too, since it holds the latest;
* one successful mediation in seven (case id divisible by 7) had a failed first attempt
  halfway between dispatch and the success (its own record and ``mediate`` event): a
  dispute mediated twice, counted once by its latest outcome;
* one closed citizen case in four that was never rated (case id divisible by 4) had a visit
  three hours after closing that reached nobody (``unreached``, a ``visit`` event): the
  case's ``satisfaction`` stays empty, as the console leaves it.

Nothing here draws from the generator: the choices follow the case ids, so the rest of the
demo is exactly what it was and the same seed still gives the same store. The records'
``origin`` is ``console`` (the demo stands for a centre that records them in its console)
and their ``actor`` 指挥中心, like the demo's other centre steps. The demo reopens no case
after a visit (its reworks are the verification's).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data import schema

ACTOR = "指挥中心"
#: Kinds by the case id's remainder of 20: mostly people's mediation.
_KIND_BUCKETS = (["people"] * 12 + ["administrative"] * 3 + ["police_civil"] * 3
                 + ["pre_litigation"] * 2)
_CITIZEN = ("hotline", "app", "online")


def followup_records(cases: pd.DataFrame, events: pd.DataFrame, end: pd.Timestamp
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(cases with referred outcomes, events with the extra steps, mediations, visits),
    frames ready to insert (ids included)."""
    cases = cases.copy()
    ids = cases["id"].to_numpy()
    outcome = cases["mediation_outcome"]
    referred = (outcome == schema.MEDIATION_FAILURE).to_numpy() & (ids % 2 == 0)
    cases.loc[referred, "mediation_outcome"] = schema.MEDIATION_REFERRED
    mediations, first_tries = _mediations(cases)
    visits, unreached = _visits(cases, end)
    extra = pd.concat([_events(first_tries, "mediate"), _events(unreached, "visit")],
                      ignore_index=True)
    extra.insert(0, "id", np.arange(len(events) + 1, len(events) + len(extra) + 1))
    return cases, pd.concat([events, extra], ignore_index=True), mediations, visits


def _mediations(cases: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    mediated = cases[cases["mediation_outcome"].notna() & cases["mediated_at"].notna()]
    ids = mediated["id"].to_numpy()
    kinds = np.array(_KIND_BUCKETS)[ids % len(_KIND_BUCKETS)]
    latest = pd.DataFrame({
        "case_id": ids, "at": mediated["mediated_at"].to_numpy(),
        "outcome": mediated["mediation_outcome"].to_numpy(), "kind": kinds,
        "officer_id": mediated["officer_id"].to_numpy()})
    twice = ((mediated["mediation_outcome"] == schema.MEDIATION_SUCCESS).to_numpy()
             & (ids % 7 == 0) & mediated["dispatched_at"].notna().to_numpy())
    before = mediated[twice]
    first = pd.DataFrame({
        "case_id": before["id"].to_numpy(),
        "at": (before["dispatched_at"] + (before["mediated_at"] - before["dispatched_at"]) / 2)
        .dt.floor("s").to_numpy(),
        "outcome": schema.MEDIATION_FAILURE, "kind": kinds[twice],
        "officer_id": before["officer_id"].to_numpy()})
    rows = pd.concat([latest, first], ignore_index=True).sort_values(
        ["at", "case_id"], kind="stable").reset_index(drop=True)
    rows["mediator"] = None
    rows["note"] = None
    rows["actor"] = ACTOR
    rows["origin"] = schema.CONSOLE_ORIGIN
    rows.insert(0, "id", np.arange(1, len(rows) + 1))
    return rows, first[["case_id", "at"]].assign(status=schema.DISPATCHED)


def _visits(cases: pd.DataFrame, end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = cases["id"].to_numpy()
    source = cases["source"].to_numpy()
    rated = cases["_rated"].to_numpy(dtype=bool)
    channel = np.where(source == "hotline", "phone",
                       np.where(np.isin(source, ["app", "online"]), "app",
                                np.where(ids % 3 == 0, "in_person", "phone")))
    answered = pd.DataFrame({
        "case_id": ids[rated], "at": cases["_rated_at"].to_numpy()[rated],
        "satisfaction": cases["satisfaction"].to_numpy()[rated], "channel": channel[rated]})
    tried_at = cases["closed_at"] + pd.Timedelta(hours=3)
    nobody = (cases["closed_at"].notna().to_numpy() & ~rated & np.isin(source, _CITIZEN)
              & (ids % 4 == 0) & (tried_at <= end).to_numpy())
    unreached = pd.DataFrame({
        "case_id": ids[nobody], "at": tried_at.to_numpy()[nobody],
        "satisfaction": schema.UNREACHED, "channel": "phone"})
    rows = pd.concat([answered, unreached], ignore_index=True).sort_values(
        ["at", "case_id"], kind="stable").reset_index(drop=True)
    rows["note"] = None
    rows["actor"] = ACTOR
    rows["reopened"] = False
    rows["origin"] = schema.CONSOLE_ORIGIN
    rows.insert(0, "id", np.arange(1, len(rows) + 1))
    return rows, unreached[["case_id", "at"]].assign(status=schema.CLOSED)


def _events(steps: pd.DataFrame, action: str) -> pd.DataFrame:
    """History rows of the extra steps (the status they leave as it was)."""
    return pd.DataFrame({
        "case_id": steps["case_id"].to_numpy(), "action": action,
        "from_status": steps["status"].to_numpy(), "to_status": steps["status"].to_numpy(),
        "actor": ACTOR, "note": None, "at": steps["at"].to_numpy()})
