"""Quoted history and signatures: what a reply adds, in the languages mail clients write attributions in."""

from __future__ import annotations

import re

# --- quoted history and signatures ---------------------------------------------------------------------------------

# "On <date>, <name> wrote:" and its translations; the verb may come before the name (German, Dutch).
_WROTE_VERBS = r"(wrote|schrieb|a écrit|escribió|escribio|schreef|escreveu|ha scritto|skrev|napisał|kirjoitti)"
_ON_WROTE = re.compile(
    rf"^\s*(on|am|le|el|op|em|il|den|på|w dniu)\b.{{0,400}}\b{_WROTE_VERBS}\b.{{0,300}}?\s*:\s*$", re.IGNORECASE
)
# "<name> wrote:" without a date: an attribution only when quoted lines follow it.
_NAME_WROTE = re.compile(rf"^.{{0,300}}\b{_WROTE_VERBS}\b.{{0,200}}?\s*:\s*$", re.IGNORECASE)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|original nachricht|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|oorspronkelijk bericht|origineel bericht|mensagem original|messaggio originale)\s*-{2,}",
    re.IGNORECASE,
)
# Outlook's header block: From, then Sent or Date within the next lines, in the languages Outlook writes.
_HEADER_LINE = re.compile(r"^\s*\*?(from|von|de|van|da|från|fra)\s*:\*?\s+\S", re.IGNORECASE)
_SENT_LINE = re.compile(
    r"^\s*\*?(sent|date|gesendet|datum|envoyé|date d'envoi|enviado|enviada|fecha|verzonden|data|inviato|"
    r"skickat|sendt)\s*:\*?\s+\S",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_FORWARD = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|"
    r"doorgestuurd bericht|mensagem encaminhada|messaggio inoltrato)\s*-{2,}|"
    r"(begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié)\s*:)",
    re.IGNORECASE,
)
_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|wg|tr|rv|enc|doorst|i)\s*:", re.IGNORECASE)


def is_forwarded(subject: str, text: str) -> bool:
    """A forwarded mail: its quoted part IS the request, so nothing of it is trimmed."""
    return bool(_FORWARD_SUBJECT.match(subject)) or any(_FORWARD.match(line) for line in text.splitlines()[:200])


def _attribution_before(lines: list[str], index: int) -> int | None:
    """The attribution line ("… wrote:") right above a quoted line at `index` (blank lines between allowed)."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above < 0 or lines[above].lstrip().startswith(">"):
        return None
    line = lines[above]
    if _ON_WROTE.match(line) or _NAME_WROTE.match(line):
        return above
    # An attribution wrapped over two lines ("On Mon, 3 Mar 2025, Acme <support@…>" / "wrote:").
    if above > 0 and _ON_WROTE.match(f"{lines[above - 1]} {line}"):
        return above - 1
    return None


def trim_quoted(text: str) -> str:
    """The new part of a reply: cut at the quoted history ("On … wrote:" and its translations, "-----Original
    Message-----", an Outlook "From: … Sent: …" block in the languages Outlook writes, ">" lines under an
    attribution) and at the signature after "-- ". Quoted lines with no attribution above them are a quote the
    sender chose, and stay. When the cut would leave nothing but an attribution or a header line (a mail that is
    all forward or quote), the whole text is kept: a mail is never reduced to its header line. The original
    stays downloadable whole from the ticket ("Original email")."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        joined = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
        if _ORIGINAL.match(line) or _ON_WROTE.match(line) or (_starts_attribution(line) and _ON_WROTE.match(joined)):
            cut = index
            break
        if _HEADER_LINE.match(line) and any(_SENT_LINE.match(after) for after in lines[index + 1 : index + 5]):
            cut = index - 1 if index > 0 and _RULE.match(lines[index - 1]) else index
            break
        if line.lstrip().startswith(">") and (above := _attribution_before(lines, index)) is not None:
            cut = above
            break
        if line in ("-- ", "--"):
            cut = index
            break
    trimmed = re.sub(r"\n{3,}", "\n\n", "\n".join(lines[:cut])).strip()
    return trimmed if _says_something(trimmed) else text.strip()


def _starts_attribution(line: str) -> bool:
    return bool(re.match(r"^\s*(on|am|le|el|op|em|il|den|på)\s", line, re.IGNORECASE))


def _says_something(text: str) -> bool:
    """More than a forward marker, a rule or an attribution line."""
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or _RULE.match(line) or _FORWARD.match(line) or _ORIGINAL.match(line):
            continue
        if _ON_WROTE.match(line) or _NAME_WROTE.match(line) or _HEADER_LINE.match(line):
            continue
        return True
    return False
