"""Read a POST Object request's multipart form as it streams in, never holding the file in memory.

The body is copied as it arrives to a spool file (what the front forwards to the storage unchanged) and fed
to python-multipart's streaming parser, which yields the form's fields and the file's size: the fields are
small and kept; the file's bytes are only counted. S3 reads the form the same way: the fields before the
`file` field, the file, and nothing after it. `on_file` is called when the file starts (the fields are all
known then), so the caller can check the policy before the file's bytes arrive; it answers how many of the
file's bytes are worth spooling (none for a request it will refuse, the policy's maximum size otherwise).
Past that, the body is still read to its end, so the refusal reaches the client, but no longer kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from infra.local.s3.errors import S3Error
from infra.local.s3.post_policy import PostForm

MAX_PRE_DATA_BYTES = 20 * 1024  # S3's limit on the fields before the file
_CHUNK = 256 * 1024


class MalformedPost(S3Error):
    def __init__(self) -> None:
        message = "The body of your POST request is not well-formed multipart/form-data."
        super().__init__(400, "MalformedPOSTRequest", message)


def form_boundary(content_type: str) -> bytes | None:
    """The boundary of a `multipart/form-data` Content-Type; None for any other type."""
    media_type, options = parse_options_header(content_type)
    if media_type != b"multipart/form-data":
        return None
    return options.get(b"boundary") or None


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    name: str = ""
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)


@dataclass
class FormReader:
    """Callbacks for python-multipart: the fields until `file`, then the file's size; later parts ignored."""

    on_file: Callable[[PostForm], int]  # the fields and the file's name -> how many file bytes to spool
    fields: list[tuple[str, str]] = field(default_factory=list)
    file_name: str | None = None
    file_size: int = 0
    finished: bool = False
    spooling: bool = True
    spool_limit: int = 0
    _part: _Part = field(default_factory=_Part)
    _pre_data: int = 0

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._part.header_name.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._part.header_value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
            "on_end": self._finish,
        }

    def form(self) -> PostForm:
        return PostForm(tuple(self.fields), self.file_name, self.file_size)

    def _begin(self) -> None:
        self._part = _Part()

    def _header_end(self) -> None:
        part = self._part
        part.headers[part.header_name.decode("latin-1").strip().lower()] = part.header_value.decode("utf-8", "replace")
        part.header_name.clear()
        part.header_value.clear()

    def _headers_finished(self) -> None:
        _disposition, options = parse_options_header(self._part.headers.get("content-disposition", ""))
        self._part.name = options.get(b"name", b"").decode("utf-8", "replace")
        if self.file_name is None and self._part.name.lower() == "file":
            self._part.is_file = True
            self.file_name = options.get(b"filename", b"").decode("utf-8", "replace")
            self.spool_limit = self.on_file(self.form())
            self.spooling = self.spool_limit >= 0

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._part.is_file:
            self.file_size += end - start
            self.spooling = self.spooling and self.file_size <= self.spool_limit
        elif self.file_name is None:
            self._pre_data += end - start
            if self._pre_data > MAX_PRE_DATA_BYTES:
                raise S3Error(400, "MaxPostPreDataLengthExceededError",
                              "Your POST request fields preceeding the upload file was too large.")  # fmt: skip
            self._part.data.extend(data[start:end])

    def _end(self) -> None:
        if not self._part.is_file and self.file_name is None:
            self.fields.append((self._part.name, self._part.data.decode("utf-8", "replace")))

    def _finish(self) -> None:
        self.finished = True


def read_post_form(
    read: Callable[[int], bytes], boundary: bytes, spool: IO[bytes], on_file: Callable[[PostForm], int]
) -> PostForm:
    """Parse the body `read` yields (b"" at its end) into a PostForm, copying it to `spool` meanwhile.

    Raises S3Error for a body that is not a complete multipart form."""
    reader = FormReader(on_file)
    try:
        parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
        while chunk := read(_CHUNK):
            if reader.spooling:
                spool.write(chunk)
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise MalformedPost() from None
    if not reader.finished:
        raise MalformedPost()
    return reader.form()
