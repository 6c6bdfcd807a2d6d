"""A work-around for the ``Allow`` header of Litestar's automatic OPTIONS responses."""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute


def repair_options_allow(app: Litestar) -> None:
    """Point each automatic OPTIONS handler at its final route.

    Litestar registers a controller's handlers one by one and creates the
    OPTIONS handler with the first one; its ``Allow`` header then reads the
    methods of that first, replaced route (``Allow: OPTIONS, POST`` on a path
    that also has GET). The handler closes over that route, so it is given the
    route that serves the path.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.http_methods != {"OPTIONS"} or handler.fn.__name__ != "options_handler":
                continue
            for cell in getattr(handler.fn, "__closure__", None) or ():
                if isinstance(cell.cell_contents, HTTPRoute):
                    cell.cell_contents = route
