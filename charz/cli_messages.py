"""Messages in the words of the command line: Python keywords become the CLI's flags.

The Python API's messages name keyword arguments (``p_range=``, ``mass_mg=``); a command
line user typed flags (``--bet-range``, ``--mass``). Each technique's CLI passes its table
of keyword → flag to :func:`cli_messages`, which rewrites the errors and warnings raised
inside it, and says each file name once (a message that already starts with it keeps it).
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from charz.errors import CharzError

__all__ = ["cli_messages", "translate"]


def translate(message: str, flags: Mapping[str, str]) -> str:
    """Replace every keyword of ``flags`` (longest first, whole words) by its flag.

    A suggestion written for Python, "(or --mass MG on the command line)", becomes
    redundant once translated and is dropped.
    """
    for key in sorted(flags, key=len, reverse=True):
        pattern = (r"(?<![\w-])" + re.escape(key)
                   + (r"(?!\w)" if key[-1].isalnum() or key[-1] == "_" else ""))
        message = re.sub(pattern, lambda _m, k=key: flags[k], message)
    return re.sub(r"\s*\(or --[\w-]+(?: [A-Z_]+)? on the command line\)", "", message)


@contextmanager
def cli_messages(flags: Mapping[str, str]) -> Iterator[None]:
    """Rewrite the CharzErrors and warnings raised inside the block for the command line."""
    error: BaseException | None = None
    with warnings.catch_warnings(record=True) as caught:
        try:
            yield
        except CharzError as exc:
            text = translate(str(exc), flags)
            error = exc
            if text != str(exc):
                error = copy.copy(exc)
                error.args = (text,)
                error.__cause__ = exc
        except BaseException as exc:  # re-raised below, after the warnings
            error = exc
    for w in caught:  # outside the recording block (inside it, warn would record again)
        warnings.warn_explicit(translate(str(w.message), flags), w.category, w.filename,
                               w.lineno)
    if error is not None:
        raise error
