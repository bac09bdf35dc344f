"""The API's JSON parser: what no database can store, or no code should walk, is a 400 here.

PostgreSQL refuses NUL in text and jsonb, no database driver can encode a lone UTF-16 surrogate
(JSON allows `"\\ud800"`), and a body nested thousands deep raises RecursionError in the parser
or in whatever walks it later. Refusing all three once, for every JSON route, keeps them from
reaching a serializer, a service or the database as a 500.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Far deeper than any body the API documents (article metadata is the deepest, a few levels).
MAX_DEPTH = 32
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def json_problem(
    value: Any, *, max_depth: int = MAX_DEPTH, where: str = "$", depth: int = 0
) -> str | None:
    """What makes a parsed JSON value unstorable (naming where, as `$.a[0].b`), or None.

    `where` and `depth` place a value found inside a larger document. Walks iteratively, so
    the check itself cannot exhaust the stack.
    """
    stack: list[tuple[Any, str, int]] = [(value, where, depth)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            problem = _string_problem(item)
            if problem:
                return f"the string at {where} {problem}"
            continue
        if not isinstance(item, (Mapping, list)):
            continue
        if depth >= max_depth:
            return f"the value at {where} is nested deeper than {max_depth} levels"
        if isinstance(item, Mapping):
            for key, child in item.items():
                problem = _string_problem(key)
                if problem:
                    return f"a key in {where} {problem}"
                stack.append((child, f"{where}.{str(key)[:40]}", depth + 1))
        else:
            stack.extend((child, f"{where}[{i}]", depth + 1) for i, child in enumerate(item))
    return None


def _string_problem(text: str) -> str | None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000)"
    return f"contains a lone surrogate (\\u{ord(found.group()):04x}); send valid UTF-16 pairs"


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser that also refuses NUL, lone surrogates and deep nesting with 400.

    The refusal names the field, as a serializer's would, when the problem lies under one of the
    body's keys: {"metadata": ["The string at $.metadata.a contains a NUL character…"]}.
    """

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                f"JSON parse error - the body is nested deeper than {MAX_DEPTH} levels."
            ) from None
        if isinstance(data, Mapping):
            for key, value in data.items():
                if _string_problem(key) is not None:
                    break  # no field to name: the whole body is refused below
                problem = json_problem(value, where=f"$.{key[:40]}", depth=1)
                if problem is not None:
                    raise ParseError({key: [problem[0].upper() + problem[1:] + "."]})
        problem = json_problem(data)
        if problem is not None:
            raise ParseError(f"JSON parse error - {problem}.")
        return data
