"""Forum mail (issue 14): the notification of a new post to a thread's subscribers, and replies
by e-mail where a mail server is configured - a reply-to address signed with BCH_FORM_SECRET
(`reply+<thread>.<user>.<signature>@<domain>`) names the thread and the participant; the reply
is read from the message (`bch forums ingest-mail`, POST /api/v1/forums/mail/inbound)."""

from __future__ import annotations

import email
import email.policy
import re
import secrets
from typing import Any

from bch.services.errors import Forbidden, NotFound
from bch.services.forms import FormGuard, bad
from bch.services.participation import ParticipationMail
from bch.services.richtext import as_text

_REPLY = re.compile(r"reply\+(\d+)\.(\d+)\.([0-9a-f]{24})@", re.IGNORECASE)
_QUOTE = re.compile(r"^On .+ wrote:\s*$")


class ForumMail:
    def __init__(self, guard: FormGuard, *, public_url: str, reply_domain: str | None):
        """`reply_domain`: the domain of reply-by-mail addresses, else None: no reply by
        mail."""
        self.guard = guard
        self.public_url = public_url
        self.reply_domain = reply_domain

    def reply_address(self, thread_id: int, user_id: int) -> str:
        sig = self.guard.sign(f"reply|{thread_id}|{user_id}")[:24]
        return f"reply+{thread_id}.{user_id}.{sig}@{self.reply_domain or 'localhost'}"

    def unsubscribe_token(self, thread_id: int, user_id: int) -> str:
        """The token of a subscriber's one-click unsubscribe link from a thread: the user's id
        and a signature (BCH_FORM_SECRET) of thread and user; nothing stored."""
        return f"{user_id}.{self.guard.sign(f'unsub|{thread_id}|{user_id}')[:24]}"

    def unsubscribed_user(self, thread_id: int, token: str | None) -> int:
        """The user an unsubscribe token of this thread names; a 404 when it is not valid."""
        user, _, sig = (token or "").partition(".")
        if user.isdigit() and len(user) < 18 and len(sig) == 24:
            expected = self.unsubscribe_token(thread_id, int(user)).partition(".")[2]
            if secrets.compare_digest(sig.lower(), expected):
                return int(user)
        raise NotFound("this unsubscribe link is not valid (it may be incomplete)")

    def unsubscribe_headers(self, thread_id: int, user_id: int) -> tuple[tuple[str, str], ...]:
        """RFC 8058 one-click unsubscribe: the https URL the mail program POSTs to."""
        token = self.unsubscribe_token(thread_id, user_id)
        url = f"{self.public_url}/api/v1/forums/threads/{thread_id}/unsubscribe?token={token}"
        return (
            ("List-Unsubscribe", f"<{url}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        )

    def notification(
        self, thread: dict[str, Any], post: dict[str, Any], user_id: int, address: str
    ) -> ParticipationMail:
        """The mail telling subscriber `user_id` of a published post."""
        thread_id, post_id = thread["id"], post["id"]
        link = f"{self.public_url}/{post['language']}/forums/threads/{thread_id}#post-{post_id}"
        headers = (("List-Id", f"<thread-{thread_id}.forums.bch>"),)
        headers += self.unsubscribe_headers(thread_id, user_id)
        how = f"Read and reply on the forum: {link}"
        if self.reply_domain:
            headers += (("Reply-To", self.reply_address(thread_id, user_id)),)
            how += "\nOr reply to this mail: your reply is posted in the thread."
        return ParticipationMail(
            address,
            f"[Forum] {thread['title']}",
            f"{post['author']} wrote ({post['language']}):\n\n{as_text(post['body'])}\n\n"
            f"{how}\nStop the mails of this thread (one click): {self.public_url}/"
            f"{post['language']}/forums/threads/{thread_id}/unsubscribe?token="
            f"{self.unsubscribe_token(thread_id, user_id)}\n",
            headers,
        )

    def read_reply(self, raw: bytes) -> tuple[int, int, str]:
        """An RFC 822 reply -> (thread id, user id, its text without the quoted mail); a 400
        when no signed reply address is found, a 403 when its signature is wrong."""
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        found = None
        for header in ("Delivered-To", "X-Original-To", "To", "Cc"):
            for value in msg.get_all(header, []) or []:
                found = found or _REPLY.search(str(value))
        if found is None:
            raise bad("To", "expected a reply-to address of a forum thread (reply+...@...)")
        thread_id, user_id, sig = int(found.group(1)), int(found.group(2)), found.group(3)
        expected = self.guard.sign(f"reply|{thread_id}|{user_id}")[:24]
        if not secrets.compare_digest(sig.lower(), expected):
            raise Forbidden("the reply address's signature is not valid")
        part = msg.get_body(preferencelist=("plain",))
        text = part.get_content() if part is not None else ""
        lines = []
        for line in text.splitlines():
            if line.startswith(">") or _QUOTE.match(line) or line == "-- ":
                break
            lines.append(line)
        return thread_id, user_id, "\n".join(lines).strip()
