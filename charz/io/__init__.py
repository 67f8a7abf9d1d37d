"""Reader registry and reader toolkit.

``charz.read(path)`` dispatches to readers that technique packages register with
:func:`register_reader` (see :mod:`charz.io.registry`). The toolkit that readers build on:

- :mod:`charz.io.registry` — :func:`read`, :func:`register_reader`, :func:`readers`,
  :func:`require`; ``.gz``/``.bz2``/``.xz`` stripped for every reader; library failures
  turned into :class:`~charz.errors.CorruptFileError` in :func:`reader_failure`;
- :mod:`charz.io.text` — :func:`read_bytes`, :func:`decode_text`, :func:`read_text_table`,
  zip helpers;
- :mod:`charz.io.numbers` — :func:`parse_number` (decimal commas, thousands, units, NaN
  words), :func:`split_number_unit`;
- :mod:`charz.io.dates` — :func:`parse_datetime`, :func:`iso_datetime`,
  :func:`datetime64_utc`, :func:`to_utc`;
- :mod:`charz.io.xml` — :func:`parse_xml` and namespace-free ``find``/``findtext``;
- :mod:`charz.io.metadata` — :func:`resolve_metadata` (the user's value overrides the
  file's; ``<key>_source`` is ``"user"`` or ``"file"``).
"""

from __future__ import annotations

from charz.io.dates import DATETIME_FORMATS, datetime64_utc, iso_datetime, parse_datetime, to_utc
from charz.io.metadata import metadata_sources, resolve_metadata
from charz.io.numbers import NAN_WORDS, parse_number, parse_numbers, split_number_unit, to_float
from charz.io.registry import (
    _REGISTRY,  # noqa: F401  (tests swap readers in and out)
    COMPRESSIONS,
    HEAD_BYTES,
    ReaderSpec,
    _candidates,  # noqa: F401
    _head,  # noqa: F401
    inner_name,
    load_plugins,
    original_path,
    read,
    reader_failure,
    reader_options,
    readers,
    register_reader,
    require,
)
from charz.io.text import (
    TextTable,
    bytes_io,
    decode_text,
    open_zip,
    read_bytes,
    read_text,
    read_text_table,
    text_head,
    zip_member,
    zip_members,
    zip_names,
)
from charz.io.xml import child, children, find, find_all, findtext, local, number_list, parse_xml

__all__ = [
    "COMPRESSIONS",
    "DATETIME_FORMATS",
    "HEAD_BYTES",
    "NAN_WORDS",
    "ReaderSpec",
    "TextTable",
    "bytes_io",
    "child",
    "children",
    "datetime64_utc",
    "decode_text",
    "find",
    "find_all",
    "findtext",
    "inner_name",
    "iso_datetime",
    "load_plugins",
    "local",
    "metadata_sources",
    "number_list",
    "open_zip",
    "original_path",
    "parse_datetime",
    "parse_number",
    "parse_numbers",
    "parse_xml",
    "read",
    "read_bytes",
    "read_text",
    "read_text_table",
    "reader_failure",
    "reader_options",
    "readers",
    "register_reader",
    "require",
    "resolve_metadata",
    "split_number_unit",
    "text_head",
    "to_float",
    "to_utc",
    "zip_member",
    "zip_members",
    "zip_names",
]
