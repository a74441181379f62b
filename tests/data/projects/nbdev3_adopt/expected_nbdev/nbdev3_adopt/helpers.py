"""Hand-written helpers, kept beside the modules nbdev generates."""

__all__ = ["shout_all", "typedispatch"]

_tables: dict[str, dict[type, object]] = {}


def shout_all(names: list[str]) -> list[str]:
    """Return every name in capitals."""
    return [name.upper() for name in names]


def typedispatch(function):
    """Register *function* for the type of its first parameter, under its name.

    Like fastcore's ``typedispatch`` (now in fasttransform): each decorated definition adds
    a case to the dispatcher of that name instead of replacing it.
    """
    table = _tables.setdefault(function.__qualname__, {})
    table[next(iter(function.__annotations__.values()))] = function

    def dispatch(value, *args, **kwargs):
        for kind, case in table.items():
            if isinstance(value, kind):
                return case(value, *args, **kwargs)
        raise TypeError(f"{function.__name__}: no case for {type(value).__name__}")

    dispatch.__name__ = function.__name__
    return dispatch
