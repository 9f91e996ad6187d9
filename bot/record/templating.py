"""The Jinja2 environment the record's templates (bot/record/templates/) are rendered in.

Undefined names fail loudly (`StrictUndefined`): a misspelt field must not quietly print
nothing in a record.  A block tag's own line leaves no trace in the output (`trim_blocks`,
`lstrip_blocks`), so a template reads line by line as the file it writes.
"""

from collections.abc import Callable, Mapping

import jinja2


def environment(
    *,
    autoescape: bool,
    filters: Mapping[str, Callable[..., object]],
    tests: Mapping[str, Callable[..., bool]] | None = None,
    finalize: Callable[[object], object] | None = None,
) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.record", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(filters)
    env.tests.update(tests or {})
    return env
