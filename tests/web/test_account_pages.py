"""Sign up, the confirmation link, sign in and out, forgotten password on the web pages, with
the mails through a real SMTP server on 127.0.0.1 (both backends)."""

from __future__ import annotations

import re

from tests.accounts.helpers import Mailbox, mailbox  # noqa: F401 (fixture)
from tests.web.conftest import PASSWORD, client

NEW_PASSWORD = "Another-horse-43!"


def _link(box: Mailbox, address: str, n: int, path: str) -> str:
    mail = box.wait_for(address, n)[n - 1]
    found = re.search(rf"https?://[^\s]+({re.escape(path)}\?token=[\w-]+)", Mailbox.body(mail))
    assert found, Mailbox.body(mail)
    return found.group(1)


def test_sign_up_confirm_sign_in_reset(services, mailbox):  # noqa: F811
    c = client(services)
    assert 'href="/es/sign-up"' in c.get("/es/sign-in").text
    # problems come back on the page, in its language, with what was typed
    r = c.post(
        "/es/sign-up",
        data={"email": "ana@example.org", "password": "short", "password2": "short"},
    )
    assert r.status_code == 400 and "Una contraseña tiene de 10 a 200 caracteres." in r.text
    assert 'value="ana@example.org"' in r.text
    r = c.post(
        "/es/sign-up",
        data={"email": "ana@example.org", "password": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert r.status_code == 400 and "Las dos contraseñas no coinciden." in r.text
    r = c.post("/es/sign-up", data={"email": "ana", "password": PASSWORD, "password2": PASSWORD})
    assert r.status_code == 400 and "Introduzca una dirección de correo" in r.text
    r = c.post(
        "/es/sign-up",
        data={
            "email": "ana@example.org",
            "name": "Ana",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert r.status_code == 202 and "Revise su correo" in r.text
    # not confirmed yet: signing in says what to do
    r = c.post("/es/sign-in", data={"email": "ana@example.org", "password": PASSWORD})
    assert r.status_code == 403 and "Confirme primero su dirección" in r.text
    confirm = _link(mailbox, "ana@example.org", 1, "/es/confirm")
    page = c.get(confirm)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "ana@example.org está confirmada" in page.text
    again = c.get(confirm)  # single use
    assert again.status_code == 400 and "Este enlace es desconocido" in again.text
    r = c.post("/es/sign-in", data={"email": "ana@example.org", "password": PASSWORD})
    assert r.status_code == 303
    home = c.get("/es/").text
    assert 'action="/es/sign-out"' in home
    csrf = re.search(
        r'action="/es/sign-out"[^>]*><input type="hidden" name="csrf" value="([^"]+)"', home
    )
    assert csrf, "the menu's sign-out form carries the session's CSRF secret"
    r = c.post("/es/sign-out", data={"csrf": csrf.group(1)})
    assert r.status_code == 303
    assert 'href="/es/sign-in"' in c.get("/es/").text
    # forgotten password: a mailed single-use link opens the page that sets a new one
    assert 'href="/es/password-reset"' in c.get("/es/sign-in").text
    r = c.post("/es/password-reset", data={"email": "ana@example.org"})
    assert r.status_code == 202 and "ana@example.org" in r.text
    r = c.post("/es/password-reset", data={"email": "nobody@example.org"})
    assert r.status_code == 202  # the same answer: no account discovery
    reset = _link(mailbox, "ana@example.org", 2, "/es/password-reset/confirm")
    form = c.get(reset)
    assert form.status_code == 200 and 'name="token"' in form.text
    token = reset.split("token=")[1]
    r = c.post(
        "/es/password-reset/confirm",
        data={"token": token, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert r.status_code == 200 and "Su contraseña se cambió" in r.text
    r = c.post(
        "/es/password-reset/confirm",
        data={"token": token, "password": PASSWORD, "password2": PASSWORD},
    )
    assert r.status_code == 400 and "Este enlace es desconocido" in r.text  # used once
    assert (
        c.post("/es/sign-in", data={"email": "ana@example.org", "password": PASSWORD}).status_code
        == 401
    )
    r = c.post("/es/sign-in", data={"email": "ana@example.org", "password": NEW_PASSWORD})
    assert r.status_code == 303


def test_an_expired_reset_link_is_refused(services, mailbox):  # noqa: F811
    services.accounts.add_user("old@example.org", password=PASSWORD)
    c = client(services)
    c.post("/en/password-reset", data={"email": "old@example.org"})
    token = _link(mailbox, "old@example.org", 1, "/en/password-reset/confirm").split("token=")[1]
    with services.engine.begin() as conn:  # the link's 24 hours are over
        conn.exec_driver_sql("UPDATE account_tickets SET expires_at = created_at")
    r = c.post(
        "/en/password-reset/confirm",
        data={"token": token, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert r.status_code == 400 and "has expired" in r.text


def test_a_signed_in_user_can_ask_for_a_reset_link_too(services, mailbox):  # noqa: F811
    services.accounts.add_user("kofi@example.org", password=PASSWORD)
    c = client(services)
    r = c.post("/fr/sign-in", data={"email": "kofi@example.org", "password": PASSWORD})
    assert r.status_code == 303
    form = c.get("/fr/password-reset").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    r = c.post("/fr/password-reset", data={"csrf": csrf, "email": "kofi@example.org"})
    assert r.status_code == 202 and "Consultez vos courriels" in r.text
    assert "/fr/password-reset/confirm?token=" in Mailbox.body(
        mailbox.wait_for("kofi@example.org")[0]
    )
