"""The XSS corpus of the browser tests: payloads for HTML, attribute, URL, template and XML
contexts, with Unicode tricks (RTL override, zero-width joiner), written into plain-text fields
in each of the six languages; and the browser check that they stay inert: a payload that runs
opens a dialog (alert) or sets `window.__xss`, both of which the check sees."""

from __future__ import annotations

LANGS = ("en", "fr", "es", "ru", "zh", "ar")
PAYLOADS = [
    "<script>alert('s')</script>",
    "<img src=x onerror=alert('i')>",
    '"><svg onload=alert("v")>',
    "javascript:alert('j')",
    "</title><script>alert('t')</script>",
    "{{7*7}} ${alert('x')}",
]
# contexts beyond HTML text: an XML document (a feed) read by a browser, a closed textarea, a
# CDATA end, an attribute closed by a quote, bidirectional and zero-width tricks
MORE = [
    "<script xmlns=\"http://www.w3.org/1999/xhtml\">window.__xss='xml'</script>",
    "</textarea><script>window.__xss='ta'</script>",
    "]]><x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">window.__xss='cdata'</x:script>",
    "' onfocus='window.__xss=1' autofocus='",
    "\u202egnp.exe\u202c \u200dZ\u200d",
]
WORDS = {
    "en": "Inspection agency",
    "fr": "Agence d'inspection",
    "es": "Agencia de inspección",
    "ru": "Инспекционное агентство",
    "zh": "检验机构",
    "ar": "وكالة التفتيش",
}
MARK = "Zyzzyvxss"
RAN = "() => window.__xss || null"  # set by a payload that ran


def hostile_name(lang: str, i: int = 0) -> str:
    """The value of a text field in `lang`: a mark to find it, words of the language and every
    payload (the i-th first)."""
    everything = [*PAYLOADS, *MORE]
    return f"{MARK}{i} {WORDS[lang]} {everything[i % len(everything)]} {' '.join(everything)}"


def hostile_names() -> dict[str, str]:
    return {lang: hostile_name(lang, i) for i, lang in enumerate(LANGS)}
