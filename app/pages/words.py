"""Errors in words a member understands."""

from __future__ import annotations

from pydantic import ValidationError

from app.core.errors import AppError

TITLES = {
    400: "That did not work",
    401: "Please log in",
    403: "Not allowed",
    404: "Page not found",
    409: "Already done",
    422: "Please check the form",
    429: "Too many tries",
    503: "We are briefly unavailable",
}
NOT_FOUND_TEXT = "There is nothing here, or it is not yours to see."


def words_for(error: AppError) -> tuple[str, str]:
    title = TITLES.get(error.status_code, "That did not work")
    if error.status_code == 404:
        return title, NOT_FOUND_TEXT
    if error.status_code == 429:
        wait = (error.headers or {}).get("Retry-After")
        when = f" in {_seconds(wait)}" if wait else " in a little while"
        return title, f"You have tried this too often. Please try again{when}."
    if error.code == "csrf_failed":
        return "This form has expired", "Please reload the page and send the form again."
    return title, error.message


def _seconds(value: str) -> str:
    try:
        seconds = int(value)
    except ValueError:
        return "a little while"
    if seconds >= 120:
        return f"{seconds // 60} minutes"
    return f"{seconds} seconds" if seconds != 1 else "1 second"


def validation_words(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "form"
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{field.replace('_', ' ')}: {message}")
    return "; ".join(problems)
