"""Mail templates: a subject, a text part and an HTML part per mail.

Each mail is a folder in `templates/` holding `subject.txt`, `body.txt` and
`body.html`. HTML is autoescaped; text is not (it is never interpreted). Every
template is compiled once at import, so rendering touches no file on the event loop.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

TEMPLATE_FOLDER = Path(__file__).parent / "templates"
MAX_SUBJECT_LENGTH = 200
_SHARED_TEMPLATES = ("_layout.txt", "_layout.html", "_macros.html")
# Control characters (CR, LF, NUL...) and the Unicode line and paragraph separators.
_LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})


class UnknownTemplate(ValueError):
    """No mail template has this name."""


class UntrustedLink(ValueError):
    """A link in the mail does not start with the configured public URL."""


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _MailTemplate:
    subject: Template
    text: Template
    html: Template


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_FOLDER),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def _load_all(environment: Environment) -> dict[str, _MailTemplate]:
    for shared in _SHARED_TEMPLATES:
        environment.get_template(shared)  # cached, so `extends` never reads a file later
    return {
        folder.name: _MailTemplate(
            subject=environment.get_template(f"{folder.name}/subject.txt"),
            text=environment.get_template(f"{folder.name}/body.txt"),
            html=environment.get_template(f"{folder.name}/body.html"),
        )
        for folder in sorted(TEMPLATE_FOLDER.iterdir())
        if folder.is_dir() and not folder.name.startswith("_")
    }


_TEMPLATES = _load_all(_environment())
TEMPLATE_NAMES = frozenset(_TEMPLATES)


def single_line(value: str, max_length: int = MAX_SUBJECT_LENGTH) -> str:
    """`value` with every run of whitespace or control characters made one space.

    What keeps user text (a display name, a post title) from ending a header line.
    """
    cleaned = "".join(
        " " if unicodedata.category(char) in _LINE_BREAKING else char for char in value
    )
    collapsed = " ".join(cleaned.split())
    if len(collapsed) > max_length:
        return collapsed[: max_length - 1].rstrip() + "…"
    return collapsed


def _check_links(context: Mapping[str, Any], public_url: str) -> None:
    for key, value in context.items():
        if key.endswith("link") and not (
            isinstance(value, str) and value.startswith(f"{public_url}/")
        ):
            raise UntrustedLink(f"context[{key!r}] must be a link under PUBLIC_URL")


def render_mail(
    name: str,
    context: Mapping[str, Any],
    *,
    public_url: str,
    unsubscribe_url: str | None = None,
    unsubscribe_label: str | None = None,
) -> RenderedMail:
    """Render the mail `name`; a missing context variable or a foreign link raises."""
    template = _TEMPLATES.get(name)
    if template is None:
        raise UnknownTemplate(f"no mail template called {name!r}")
    _check_links(context, public_url)
    subject = single_line(template.subject.render(context))
    values = {
        **context,
        "subject": subject,
        "public_url": public_url,
        "unsubscribe_url": unsubscribe_url,
        "unsubscribe_label": unsubscribe_label,
    }
    return RenderedMail(
        subject=subject,
        text=template.text.render(values).strip() + "\n",
        html=template.html.render(values),
    )
