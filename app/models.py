"""Every model, imported once, so `Base.metadata` describes the whole schema."""

from app.accounts import models as accounts_models
from app.audit import models as audit_models
from app.billing import models as billing_models
from app.core.database import Base
from app.idempotency import models as idempotency_models
from app.mail import models as mail_models
from app.messages import models as messages_models
from app.orgs import models as orgs_models
from app.posts import models as posts_models
from app.spaces import models as spaces_models

__all__ = [
    "Base",
    "accounts_models",
    "audit_models",
    "billing_models",
    "idempotency_models",
    "mail_models",
    "messages_models",
    "orgs_models",
    "posts_models",
    "spaces_models",
]
