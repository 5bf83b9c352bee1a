"""A rule module whose detector raises (tests of data.alerts.book)."""


def detect(conn, params, as_of):
    raise RuntimeError("the fake rule broke")
