"""Every model, imported once, so `Base.metadata` describes the whole schema."""

from app.core.database import Base
from app.mail import models as mail_models

__all__ = ["Base", "mail_models"]
