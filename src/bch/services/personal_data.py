"""A person's own data in consultations and forums (issue 14 item 4): export it as JSON and
delete it. Deleting keeps the texts the record of a consultation must keep (shown as by "deleted
user"): name, e-mail address, subscriptions and invitations go; the deletion is audited."""

from __future__ import annotations

from typing import Any

from bch.services import audit
from bch.services.consultations import ConsultationService
from bch.services.errors import Unauthorized
from bch.services.forums import ForumService
from bch.services.policy import Principal
from bch.services.unit_of_work import UnitOfWork


class PersonalData:
    def __init__(self, consultations: ConsultationService, forums: ForumService, uow: UnitOfWork):
        self.consultations = consultations
        self.forums = forums
        self.uow = uow

    @staticmethod
    def _person(principal: Principal) -> None:
        if principal.is_anonymous:
            raise Unauthorized("sign in to export or delete your data")

    def export(self, principal: Principal) -> dict[str, Any]:
        self._person(principal)
        return {
            "account": {"id": principal.user_id, "email": principal.email},
            "comments": self.consultations.comments_of(principal),
            **self.forums.personal(principal),
        }

    def delete(self, principal: Principal) -> dict[str, int]:
        self._person(principal)
        with self.uow(changes=False) as tx:
            comments = self.consultations.forget(tx.conn, principal)
            posts = self.forums.forget(tx.conn, principal)
            audit.write(
                tx.conn,
                principal.email or "-",
                "personal-data.delete",
                detail={"user": principal.user_id, "comments": comments, "posts": posts},
            )
        return {"comments": comments, "forumPosts": posts}
