"""Every component id of the app, in one place."""

URL = "url"
PAGE = "page"
LANG_STORE = "lang"
