"""E-mail alerts with the real SMTP server of the suite (aiosmtpd on loopback): opt-in confirmed
by a plain GET of the mailed link, one mail per matching change and none for others, none after
unsubscribing (RFC 8058 POST included), digests, retries when SMTP is away, own data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bch.services.errors import NotFound
from bch.storage.rows import utcnow
from tests.accounts.helpers import Mailbox, client_for
from tests.alerts.helpers import confirm_link, publish, subscribed

ME = "reader@example.org"


@pytest.fixture
def svc(services, mailbox):
    """The services without the public API's rate limit, mailing to the suite's SMTP server."""
    copy = services.configured(BCH_RATE_LIMIT="off")
    copy.mailer.settings = services.mailer.settings
    return copy


@pytest.fixture
def client(svc):
    return client_for(svc)


def test_bad_subscriptions_are_refused_naming_the_field(client, svc):
    cases = [
        ({"email": "nobody", "filters": {}}, "email"),
        ({"email": ME, "frequency": "hourly"}, "frequency"),
        ({"email": ME, "filters": {"colour": "green"}}, "filters.colour"),
        ({"email": ME, "filters": {"schema": "noSuchSchema"}}, "filters.schema"),
        ({"email": ME, "filters": {"country": [1, 2]}}, "filters.country"),
        ({"email": ME, "filters": ["country"]}, "filters"),
        ({"email": ME, "lang": "xx"}, "lang"),
    ]
    for body, path in cases:
        answer = client.post("/api/v1/subscriptions", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert path in [e["path"] for e in answer.json()["errors"]], answer.json()
    assert client.post("/api/v1/subscriptions", content=b"[").status_code == 400


def test_confirmed_subscription_gets_one_mail_per_matching_change(client, svc, mailbox):
    answer = client.post("/api/v1/subscriptions", json={"email": ME, "filters": {"country": "CA"}})
    assert answer.status_code == 202
    publish(svc, "CA")  # before the confirmation: not announced
    svc.alerts.run_once()
    assert len(mailbox.to(ME)) == 1  # only the confirmation
    confirmation = mailbox.to(ME)[0]
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = confirm_link(mailbox, ME)
    assert client.get(link).status_code == 200  # a page with a button: confirms nothing
    publish(svc, "CA")  # not yet confirmed: not announced
    assert svc.alerts.run_once().sent == 0
    lang, token = link.split("/")[1], link.split("token=", 1)[1]
    assert client.post(f"/{lang}/alerts/confirm", data={"token": token}).status_code == 200
    ca = publish(svc, "CA")
    publish(svc, "KE")  # not matching
    report = svc.alerts.run_once()
    assert report.sent == 1
    mails = mailbox.wait_for(ME, 2)
    alert = mails[1]
    assert ca in Mailbox.body(alert)
    assert alert["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/api/v1/subscriptions/")
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert svc.alerts.run_once().sent == 0  # nothing twice
    assert len(mailbox.to(ME)) == 2


def test_unsubscribe_in_one_click_rfc_8058(client, svc, mailbox):
    token = subscribed(client, mailbox, ME, {"country": ["CA"]})
    publish(svc, "CA")
    svc.alerts.run_once()
    alert = mailbox.wait_for(ME, 2)[1]
    url = alert["List-Unsubscribe"].split("<", 1)[1].split(">", 1)[0]
    path = url.split("8000", 1)[1]
    answer = client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    publish(svc, "CA")
    assert svc.alerts.run_once().sent == 0
    assert len(mailbox.to(ME)) == 2
    assert client.get("/api/v1/subscriptions/mine", params={"token": token}).status_code == 404


def test_unsubscribe_page_link_and_own_data(client, svc, mailbox):
    token = subscribed(client, mailbox, ME, {"country": ["CA"]})
    other = subscribed(client, mailbox, ME, {"schema": ["authority"]}, "weekly")
    mine = client.get("/api/v1/subscriptions/mine", params={"token": token}).json()["items"]
    assert [s["filters"] for s in mine] == [{"country": ["CA"]}, {"schema": ["authority"]}]
    assert set(mine[0]) == {
        "id", "email", "filters", "frequency", "lang", "createdAt", "confirmedAt"
    }  # fmt: skip
    deleted = client.delete(f"/api/v1/subscriptions/mine/{mine[1]['id']}", params={"token": token})
    assert deleted.json() == {"deleted": 1}
    assert client.get("/api/v1/subscriptions/mine", params={"token": other}).status_code == 404
    assert client.delete("/api/v1/subscriptions/mine", params={"token": token}).json() == {
        "deleted": 1
    }
    publish(svc, "CA")
    assert svc.alerts.run_once().sent == 0


def test_daily_digest_groups_changes(client, svc, mailbox):
    subscribed(client, mailbox, ME, {"country": ["CA"]}, "daily")
    first, second = publish(svc, "CA"), publish(svc, "CA")
    publish(svc, "KE")
    assert svc.alerts.run_once().sent == 0  # the digest is due a day after confirming
    svc.alerts.clock = lambda: utcnow() + timedelta(days=1, minutes=1)
    assert svc.alerts.run_once().sent == 1
    digest = mailbox.wait_for(ME, 2)[1]
    body = Mailbox.body(digest)
    assert first in body and second in body and "daily digest: 2 change(s)" in digest["Subject"]
    assert svc.alerts.run_once().sent == 0


def test_smtp_away_is_retried_with_backoff(client, svc, mailbox):
    subscribed(client, mailbox, ME, {"country": ["CA"]})
    publish(svc, "CA")
    working = svc.mailer.settings
    from bch.services.mail import MailSettings

    svc.mailer.settings = MailSettings(host="127.0.0.1", port=1, sender="bch@test.local")
    report = svc.alerts.run_once()
    assert (report.sent, report.retried) == (0, 1)
    svc.mailer.settings = working
    assert svc.alerts.run_once().sent == 0  # backing off
    svc.alerts.clock = lambda: utcnow() + timedelta(minutes=2)
    assert svc.alerts.run_once().sent == 1
    assert len(mailbox.to(ME)) == 2


def test_subscriptions_are_rate_limited(svc):
    client = client_for(svc.configured(BCH_RATE_SUBSCRIBE="2/3600"))
    codes = [
        client.post("/api/v1/subscriptions", json={"email": f"r{i}@example.org"}).status_code
        for i in range(3)
    ]
    assert codes == [202, 202, 429]


def test_unconfirmed_subscriptions_are_forgotten_after_a_week(client, svc, mailbox):
    client.post("/api/v1/subscriptions", json={"email": ME, "filters": {"country": "CA"}})
    token = subscribed(client, mailbox, "other@example.org", {"country": "CA"})
    svc.alerts.run_once()
    assert len(svc.alerts.mine(token)) == 1
    svc.alerts.clock = lambda: utcnow() + timedelta(days=8)
    svc.alerts.run_once()
    with pytest.raises(NotFound):
        svc.alerts.mine(confirm_link(mailbox, ME).split("token=", 1)[1])
    assert len(svc.alerts.mine(token)) == 1  # confirmed: kept


def test_many_changes_for_many_subscribers_are_queued_in_one_round(svc):
    """More outbox rows at once than one INSERT may carry on SQLite (its variable limit)."""
    svc = svc.configured(BCH_RATE_SUBSCRIBE="1000/1")
    for i in range(30):
        sub = svc.alerts.subscribe({"email": f"r{i}@example.org", "filters": {"country": "CA"}})
        svc.alerts.confirm(sub.token)
    for _ in range(150):
        publish(svc, "CA")
    report = svc.alerts.match(limit=500)
    assert (report.changes, report.queued) == (150, 4500)
