"""Early warning (研判预警, issue 16): rules that read the store and find trouble coming,
each alert explaining its rule and the numbers behind it.

The parts, one home each:

* :mod:`data.alerts.finding` — what a rule finds (:class:`Finding`) and the levels;
* :mod:`data.alerts.params` — the rules' parameters: ``rules.toml`` next to this file, the
  centre's own file over it (``ALERT_RULES`` / ``--rules``), checked with clear errors;
* :mod:`data.alerts.registry` — the one registry of rules (key, words' key, detector);
* one module per rule: :mod:`data.alerts.surge` (突增), :mod:`data.alerts.repeat`
  (重复投诉), :mod:`data.alerts.disputes` (矛盾反复), :mod:`data.alerts.stuck`
  (久拖未决), :mod:`data.alerts.blind` (巡查盲区); each ``detect(conn, params, as_of)``
  returns the :class:`Finding` list of what holds at ``as_of``, reading nothing after it;
* :mod:`data.alerts.history` — what the store held at ``as_of`` (open, not yet voided),
  read from the indexes, for the rules;
* :mod:`data.alerts.book` — the alerts kept in the store (``alerts``, ``alert_cases``):
  findings turned into alerts, never duplicated (a finding's ``key`` is its identity),
  closed by themselves when their condition no longer holds, recomputed only when the
  data, the parameters or the time moved; read back by region;
* :mod:`data.alerts.actions` — the people's actions on them (acknowledge, assign as a
  supervision case, close with a note), with versions and audit rows;
* :mod:`data.alerts.weekly` — a region's week of alerts and what became of them by the
  week's end (the weekly briefing's page);
* :mod:`data.alerts.backfill` — the last days replayed on a store whose alerts were never
  computed (``dashboard alerts --backfill``).

No Dash here: :mod:`layouts` words and draws them, :mod:`callbacks` connects them.
"""
