"""Reading a page form into the API's own request schemas, so both check input alike."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from app.core.errors import Invalid
from app.core.logging import remember_secret_fields
from app.pages.rendering import CSRF_FIELD
from app.pages.words import validation_words

Body = TypeVar("Body", bound=BaseModel)


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    remember_secret_fields(fields.items())  # a posted password is never logged by value
    fields.pop(CSRF_FIELD, None)
    return fields


FormFields = Annotated[dict[str, str], Depends(form_fields)]
"""The posted form's text fields (read once per request, however many ask)."""


def parsed(schema: type[Body], fields: dict[str, str], *names: str) -> Body:
    """The named fields (blank optional ones left out) as `schema`, or a page-worded 422."""
    return validated(schema, {name: fields[name] for name in names if fields.get(name, "") != ""})


def validated(schema: type[Body], given: dict[str, object]) -> Body:
    try:
        return schema.model_validate(given)
    except ValidationError as error:
        raise Invalid(validation_words(error)) from None
