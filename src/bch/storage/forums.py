"""Online forums (tables `forums`, `forum_groups`, `forum_threads`, `forum_posts`,
`forum_members`, `forum_subscriptions`; issue 14). Rows are plain dicts with UTC datetimes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update

from bch.storage.consultations import plain
from bch.storage.database import Connection, Database
from bch.storage.tables import users
from bch.storage.tables_participation import (
    forum_groups,
    forum_members,
    forum_posts,
    forum_subscriptions,
    forum_threads,
    forums,
)

_WHEN_F = ("opens_at", "closes_at", "created_at")
_WHEN_P = ("created_at", "moderated_at")


class ForumRepository:
    def __init__(self, db: Database):
        self.db = db

    def reading(self) -> Connection:
        return self.db.reading()

    # -- forums and groups --------------------------------------------------------------------
    def add(self, conn: Connection, values: dict[str, Any], groups: list[dict[str, str]]) -> None:
        conn.execute(insert(forums).values(**values))
        self._add_groups(conn, values["id"], groups)

    def add_if_absent(
        self, conn: Connection, values: dict[str, Any], groups: list[dict[str, str]]
    ) -> bool:
        """Insert the forum and its groups unless a forum with this id exists (ON CONFLICT DO
        NOTHING: a server seeding at the same moment waits for the other's row, then leaves it
        and its groups alone). True: added."""
        q = self.db.dialect.insert(forums).values(**values)
        q = q.on_conflict_do_nothing(index_elements=["id"]).returning(forums.c.id)
        if conn.execute(q).first() is None:  # (psycopg's rowcount here is -1)
            return False
        self._add_groups(conn, values["id"], groups)
        return True

    def _add_groups(self, conn: Connection, forum_id: str, groups: list[dict[str, str]]) -> None:
        for i, title in enumerate(groups):
            conn.execute(insert(forum_groups).values(forum_id=forum_id, title=title, position=i))

    def get(self, conn: Connection, forum_id: str) -> dict[str, Any] | None:
        row = conn.execute(select(forums).where(forums.c.id == forum_id)).first()
        return plain(row, _WHEN_F) if row else None

    def change(self, conn: Connection, forum_id: str, **values: Any) -> None:
        conn.execute(update(forums).where(forums.c.id == forum_id).values(**values))

    def listing(self, conn: Connection) -> list[dict[str, Any]]:
        q = select(forums).order_by(forums.c.created_at.desc(), forums.c.id)
        return [plain(r, _WHEN_F) for r in conn.execute(q)]

    def groups(self, conn: Connection, forum_id: str) -> list[dict[str, Any]]:
        q = (
            select(forum_groups)
            .where(forum_groups.c.forum_id == forum_id)
            .order_by(forum_groups.c.position, forum_groups.c.id)
        )
        return [dict(r._mapping) for r in conn.execute(q)]

    # -- members ------------------------------------------------------------------------------
    def role(self, conn: Connection, forum_id: str, user_id: int) -> str | None:
        q = select(forum_members.c.role).where(
            forum_members.c.forum_id == forum_id, forum_members.c.user_id == user_id
        )
        return conn.execute(q).scalar()

    def set_role(
        self, conn: Connection, forum_id: str, user_id: int, role: str, reason: str | None = None
    ) -> None:
        key = (forum_members.c.forum_id == forum_id) & (forum_members.c.user_id == user_id)
        conn.execute(delete(forum_members).where(key))
        conn.execute(
            insert(forum_members).values(
                forum_id=forum_id, user_id=user_id, role=role, reason=reason
            )
        )

    def user_id_of(self, conn: Connection, email: str) -> int | None:
        return conn.execute(select(users.c.id).where(users.c.email == email.lower())).scalar()

    def email_of(self, conn: Connection, user_id: int) -> str | None:
        return conn.execute(select(users.c.email).where(users.c.id == user_id)).scalar()

    def display_name(self, conn: Connection, user_id: int) -> str:
        row = conn.execute(select(users.c.name, users.c.email).where(users.c.id == user_id)).first()
        if row is None:
            return ""
        return row.name or row.email.split("@")[0]

    # -- threads and posts --------------------------------------------------------------------
    def add_thread(self, conn: Connection, values: dict[str, Any]) -> int:
        result = conn.execute(insert(forum_threads).values(**values).returning(forum_threads.c.id))
        return int(result.scalar_one())

    def thread(self, conn: Connection, thread_id: int) -> dict[str, Any] | None:
        row = conn.execute(select(forum_threads).where(forum_threads.c.id == thread_id)).first()
        return plain(row, ("created_at",)) if row else None

    def threads(self, conn: Connection, forum_id: str) -> list[dict[str, Any]]:
        posts = (
            select(forum_posts.c.thread_id, func.count().label("posts"))
            .where(forum_posts.c.status == "published")
            .group_by(forum_posts.c.thread_id)
            .subquery()
        )
        q = (
            select(forum_threads, func.coalesce(posts.c.posts, 0).label("posts"))
            .select_from(forum_threads.outerjoin(posts, posts.c.thread_id == forum_threads.c.id))
            .where(forum_threads.c.forum_id == forum_id)
            .order_by(forum_threads.c.created_at, forum_threads.c.id)
        )
        return [plain(r, ("created_at",)) for r in conn.execute(q)]

    def add_post(self, conn: Connection, values: dict[str, Any]) -> int:
        result = conn.execute(insert(forum_posts).values(**values).returning(forum_posts.c.id))
        return int(result.scalar_one())

    def post(self, conn: Connection, post_id: int) -> dict[str, Any] | None:
        row = conn.execute(select(forum_posts).where(forum_posts.c.id == post_id)).first()
        return plain(row, _WHEN_P) if row else None

    def change_post(self, conn: Connection, post_id: int, **values: Any) -> None:
        conn.execute(update(forum_posts).where(forum_posts.c.id == post_id).values(**values))

    def posts(self, conn: Connection, thread_id: int) -> list[dict[str, Any]]:
        q = (
            select(forum_posts)
            .where(forum_posts.c.thread_id == thread_id)
            .order_by(forum_posts.c.created_at, forum_posts.c.id)
        )
        return [plain(r, _WHEN_P) for r in conn.execute(q)]

    def posts_of(self, conn: Connection, user_id: int) -> list[dict[str, Any]]:
        q = select(forum_posts).where(forum_posts.c.user_id == user_id).order_by(forum_posts.c.id)
        return [plain(r, _WHEN_P) for r in conn.execute(q)]

    def anonymise_posts(self, conn: Connection, user_id: int, author: str) -> int:
        result = conn.execute(
            update(forum_posts)
            .where(forum_posts.c.user_id == user_id)
            .values(user_id=None, author=author)
        )
        conn.execute(
            update(forum_threads).where(forum_threads.c.user_id == user_id).values(user_id=None)
        )
        return result.rowcount or 0

    # -- subscriptions ------------------------------------------------------------------------
    def subscribe(self, conn: Connection, thread_id: int, user_id: int) -> None:
        key = (forum_subscriptions.c.thread_id == thread_id) & (
            forum_subscriptions.c.user_id == user_id
        )
        if conn.execute(select(forum_subscriptions).where(key)).first() is None:
            conn.execute(insert(forum_subscriptions).values(thread_id=thread_id, user_id=user_id))

    def unsubscribe(self, conn: Connection, thread_id: int, user_id: int) -> None:
        conn.execute(
            delete(forum_subscriptions).where(
                forum_subscriptions.c.thread_id == thread_id,
                forum_subscriptions.c.user_id == user_id,
            )
        )

    def subscribers(self, conn: Connection, thread_id: int) -> list[tuple[int, str]]:
        q = (
            select(users.c.id, users.c.email)
            .select_from(
                forum_subscriptions.join(users, users.c.id == forum_subscriptions.c.user_id)
            )
            .where(forum_subscriptions.c.thread_id == thread_id)
            .order_by(users.c.id)
        )
        return [(int(r.id), r.email) for r in conn.execute(q)]

    def subscriptions_of(self, conn: Connection, user_id: int) -> list[int]:
        q = select(forum_subscriptions.c.thread_id).where(forum_subscriptions.c.user_id == user_id)
        return [int(r.thread_id) for r in conn.execute(q)]

    def memberships_of(self, conn: Connection, user_id: int) -> list[dict[str, Any]]:
        q = select(forum_members).where(forum_members.c.user_id == user_id)
        return [dict(r._mapping) for r in conn.execute(q)]

    def forget_user(self, conn: Connection, user_id: int) -> None:
        """Subscriptions and invitations go; a ban stays (it protects the forum)."""
        conn.execute(delete(forum_subscriptions).where(forum_subscriptions.c.user_id == user_id))
        conn.execute(
            delete(forum_members).where(
                forum_members.c.user_id == user_id, forum_members.c.role != "banned"
            )
        )
