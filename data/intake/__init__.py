"""Live intake: cases that arrive while they happen, through the doors of issue 13.

Plain Python and SQL, no Dash and no Flask (the web doors are :mod:`dashboard.open311` and
the console's hotline desk). One path makes every new case, whatever the door:

* :mod:`data.intake.fields` – :class:`NewCase` parsed from a form's or a request's values,
  and :class:`IntakeRefused`, which names every field's problem at once;
* :mod:`data.intake.placement` – the grid a point (or a region code) lands in;
* :mod:`data.intake.create` – :func:`preview` (grid, department, deadline, suspected
  duplicates, before saving) and :func:`create_case` (one transaction: the case, its
  ``report`` event naming the door, the intake row, photos, duplicate hints, the data
  version);
* :mod:`data.intake.duplicates` – 疑似重复: finding the open cases a new one may repeat;
* :mod:`data.intake.merge` – a commander's decision on a hint: merge the newer into the
  older (the newer is voided as a duplicate), or dismiss it;
* :mod:`data.intake.media` – photos checked by content, metadata stripped, kept on disk;
* :mod:`data.intake.keys` – the API keys writers use;
* :mod:`data.intake.open311` – the GeoReport v2 view of categories and cases.
"""
