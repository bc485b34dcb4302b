"""Shared request and response building blocks: strict bodies, normalized emails, bounded text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
)

if TYPE_CHECKING:
    from sqlalchemy import Executable
    from sqlalchemy.ext.asyncio import AsyncSession

MAX_EMAIL_LENGTH = 254
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class RequestBody(BaseModel):
    """A request body: unknown fields are refused (422), so nothing is silently applied."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


def normalize_email(value: str) -> str:
    """One spelling per mailbox, and one the mail layer can send to: validated without
    network, lower-cased throughout, an internationalized domain in its ASCII (IDNA)
    form. A non-ASCII local part is refused: sending to it needs SMTPUTF8, which mail
    servers need not offer."""
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError("not a valid email address") from exc
    return str(checked.ascii_email).lower()


def one_line(value: str) -> str:
    """A name or title: one line (no CR, LF or other control character), not blank, and
    kept exactly as written."""
    if _CONTROL_CHARACTERS.search(value):
        raise ValueError("must be a single line without control characters")
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _trimmed_one_line(value: str) -> str:
    return one_line(value.strip())


def refuse_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


# The JSON Schema of a type states what its validators refuse as far as JSON Schema can
# (a client generator, or a fuzzer, then sends what is accepted); validation is unchanged.
ONE_LINE_PATTERN = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"


NOT_BLANK_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"


def one_line_schema(max_length: int) -> WithJsonSchema:
    """The JSON Schema of a `one_line` string of at most `max_length` characters."""
    return WithJsonSchema({"type": "string", "maxLength": max_length, "pattern": ONE_LINE_PATTERN})


def not_blank(value: str) -> str:
    """User text (a post, comment or message body): not blank, no NUL, kept as written."""
    if not value.strip():
        raise ValueError("must not be blank")
    return refuse_nul(value)


def not_blank_schema(max_length: int) -> WithJsonSchema:
    """The JSON Schema of a `not_blank` string of at most `max_length` characters."""
    return WithJsonSchema({"type": "string", "maxLength": max_length, "pattern": NOT_BLANK_PATTERN})


class _CheckedText(StringConstraints):
    """StringConstraints followed by a validator and a JSON Schema of its own: a string type
    is then one line, `Annotated[str, OneLineText(max_length=200)]`."""

    def __iter__(self) -> Iterator[Any]:
        yield from super().__iter__()
        yield from self.checks()

    def checks(self) -> Iterator[Any]:
        yield AfterValidator(refuse_nul)

    @property
    def limit(self) -> int:
        if self.max_length is None:
            raise TypeError("a checked text type needs a max_length")
        return self.max_length


class NoNulText(_CheckedText):
    """User text of at most `max_length` characters, kept as written: no NUL (`refuse_nul`)."""


class OneLineText(_CheckedText):
    """A name or title of at most `max_length` characters (`one_line`), with its JSON Schema."""

    def checks(self) -> Iterator[Any]:
        yield AfterValidator(one_line)
        yield one_line_schema(self.limit)


class NotBlankText(_CheckedText):
    """User text of at most `max_length` characters (`not_blank`), with its JSON Schema."""

    def checks(self) -> Iterator[Any]:
        yield AfterValidator(not_blank)
        yield not_blank_schema(self.limit)


def examples(*bodies: dict[str, Any]) -> ConfigDict:
    """The model_config of a body whose OpenAPI schema shows these examples."""
    return ConfigDict(json_schema_extra={"examples": list(bodies)})


def _any_case(word: str) -> str:
    """`word` matched in any case, in the regex dialect JSON Schema shares (no inline flags)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


# What normalize_email refuses beyond `format: email`: a local part that is not plain ASCII
# dot-atom (SMTPUTF8 and quoted forms are off) or longer than 64, a domain without a dot, and
# the special-use domains email-validator refuses (`.test`, `.localhost`, `.invalid`, ...).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_RESERVED_DOMAINS = "|".join(_any_case(name) for name in sorted(SPECIAL_USE_DOMAIN_NAMES))
EMAIL_PATTERN = (
    rf"^(?=[^@]{{1,64}}@){_ATEXT}+(?:\.{_ATEXT}+)*"
    rf"@(?!(?:[^@]*\.)?(?:{_RESERVED_DOMAINS})$)[^\s@.]+(?:\.[^\s@.]+)+$"
)
EMAIL_SCHEMA = {
    "type": "string",
    "format": "email",
    "maxLength": MAX_EMAIL_LENGTH,
    "pattern": EMAIL_PATTERN,
    "description": "An address mail can be sent to: ASCII before the @ (64 characters at "
    "most), and not at a special-use domain ("
    + ", ".join(f"`.{name}`" for name in sorted(SPECIAL_USE_DOMAIN_NAMES))
    + ").",
}
NEW_PASSWORD_SCHEMA = {
    "type": "string",
    "minLength": 8,  # app.accounts.passwords.MIN_LENGTH and MAX_LENGTH
    "maxLength": 128,
    "description": "8 to 128 characters; not a commonly used password, not the email address.",
}

NormalizedEmail = Annotated[
    str,
    StringConstraints(max_length=MAX_EMAIL_LENGTH),
    AfterValidator(normalize_email),
    WithJsonSchema(EMAIL_SCHEMA),
]
DisplayName = Annotated[
    str,
    StringConstraints(max_length=80),
    AfterValidator(_trimmed_one_line),
    one_line_schema(80),
]
Token = Annotated[str, StringConstraints(min_length=1, max_length=512)]
Password = Annotated[str, StringConstraints(max_length=1024)]
# A password being chosen: the policy (app.accounts.passwords) refuses more, with 422.
NewPassword = Annotated[Password, WithJsonSchema(NEW_PASSWORD_SCHEMA)]

# User text is stored exactly as written: no trimming, no markup processing.
Bio = Annotated[str, NoNulText(max_length=2000)]


DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
PageLimit = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]


OutT = TypeVar("OutT", bound=BaseModel)


class Records(Generic[OutT]):
    """Rows as the schema `model` they are selected for: a SELECT labels its columns with
    the model's field names (other columns are ignored), and a list of rows is validated
    in one call. One shape per record: the schema is the row."""

    def __init__(self, model: type[OutT]) -> None:
        self.model = model
        self._many: TypeAdapter[list[OutT]] = TypeAdapter(list[model])  # type: ignore[valid-type]

    def all(self, rows: Iterable[Mapping[Any, Any]]) -> list[OutT]:
        """`rows` (say `result.mappings()`) as models, validated together."""
        return self._many.validate_python([dict(row) for row in rows])

    def one(self, row: Mapping[Any, Any]) -> OutT:
        return self.model.model_validate(dict(row))

    async def fetch_all(self, db: AsyncSession, query: Executable) -> list[OutT]:
        """The rows `query` selects, as models."""
        return self.all((await db.execute(query)).mappings())

    async def fetch_one_or_none(self, db: AsyncSession, query: Executable) -> OutT | None:
        """The one row `query` selects as a model, or None when there is none."""
        row = (await db.execute(query)).mappings().one_or_none()
        return None if row is None else self.one(row)
