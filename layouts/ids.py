"""Every component id of the app, in one place."""

URL = "url"
PAGE = "page"
LANG_STORE = "lang"

# --- the wall ---------------------------------------------------------------------------------
WALL_TICK = "wall-tick"  # the refresh interval
WALL_CLOCK_TICK = "wall-clock-tick"  # one second, for the clock and the stale warning
WALL_STATE = "wall-state"  # what the page shows: version, region, metric, time zone
WALL_OK = "wall-ok"  # when the server last answered, and the data time it gave
WALL_CLOCK = "wall-clock"
WALL_AS_OF = "wall-as-of"
WALL_TILES = "wall-tiles"
WALL_MAP = "wall-map"
WALL_TICKER = "wall-ticker"
WALL_SEEN = "wall-seen"  # when this browser last heard from the server (its own clock)
WALL_REQUEST = "wall-request"  # a refresh asked of the server (set by the browser)
WALL_TREND = "wall-trend"
WALL_SOURCES = "wall-sources"
WALL_TOP = "wall-top"
WALL_RANKING = "wall-ranking"
WALL_ROTATE = "wall-rotate"  # moves a rotating wall to its next view
WALL_REGION = "wall-region"  # the name of the region on screen
