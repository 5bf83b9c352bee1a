"""The field force on real data (issue 14): the officers' roster, patrols cut from GPS
fixes and where they went, mediations and return visits as records, and the officers'
assessment. Plain Python and SQL, like the rest of :mod:`data`."""
