"""Telegram's text formatting: HTML parse mode, lengths and entities.

Offsets and lengths of entities are in UTF-16 code units, as in the Bot API. Length limits
(4096 for texts, 1024 for captions) are counted in Unicode characters of the text after
entity parsing, as Telegram's server does.
"""

from __future__ import annotations

import re
from typing import Any

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "a", "span", "tg-emoji", "blockquote"})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{0,31});")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{1,64})?")


class EntityError(ValueError):
    """Markup that Telegram would refuse with "can't parse entities"."""


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int, strict: bool) -> tuple[str, int]:
    """Decode the '&' at text[i]; return (characters, next index)."""
    match = _ENTITY_RE.match(text, i)
    if match:
        body = match.group(1)
        if body.startswith(("#x", "#X")):
            code = int(body[2:], 16)
        elif body.startswith("#"):
            code = int(body[1:])
        else:
            code = -1
            if body in _NAMED_ENTITIES:
                return _NAMED_ENTITIES[body], match.end()
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), match.end()
    if strict:
        raise EntityError(
            f'Unescaped "&" at byte offset {_byte_offset(text, i)}; write it as &amp; '
            "(the fake Bot API is stricter than Telegram here)"
        )
    return "&", i + 1


def _parse_attributes(text: str, i: int, tag: str, start: int) -> tuple[dict[str, str], int]:
    """Parse attributes from text[i] up to the closing '>'; return (attrs, index after '>')."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, start)}")
        if text[i] == ">":
            return attrs, i + 1
        name_start = i
        while i < n and not text[i].isspace() and text[i] not in "=>/\"'":
            i += 1
        name = text[name_start:i].lower()
        if not name:
            if text[i] == "/" and i + 1 < n and text[i + 1] == ">":
                return attrs, i + 2
            raise EntityError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(text, start)}"
            )
        while i < n and text[i].isspace():
            i += 1
        if i < n and text[i] == "=":
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, start)}")
            if text[i] in "\"'":
                end = text.find(text[i], i + 1)
                if end < 0:
                    raise EntityError(
                        f"Unclosed start tag at byte offset {_byte_offset(text, start)}"
                    )
                raw, i = text[i + 1 : end], end + 1
            else:
                value_start = i
                while i < n and not text[i].isspace() and text[i] != ">":
                    i += 1
                raw = text[value_start:i]
            value = ""
            j = 0
            while j < len(raw):
                if raw[j] == "&":
                    chars, j = _decode_entity(raw, j, strict=False)
                    value += chars
                else:
                    value += raw[j]
                    j += 1
            attrs[name] = value
        else:
            attrs[name] = ""


def _entity_for(tag: str, attrs: dict[str, str], offset: int, length: int) -> dict | None:
    entity: dict[str, Any] = {"offset": offset, "length": length}
    if tag in _SIMPLE_TAGS:
        entity["type"] = _SIMPLE_TAGS[tag]
        if tag == "pre" and attrs.get("language"):
            entity["language"] = attrs["language"]
    elif tag == "span":
        entity["type"] = "spoiler"
    elif tag == "a":
        href = attrs.get("href", "")
        if not href:
            return None
        entity.update(type="text_link", url=href)
    elif tag == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=attrs["emoji-id"])
    elif tag == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
    return entity


def parse_html(text: str, strict: bool = True) -> tuple[str, list[dict]]:
    """Parse Telegram HTML into (plain text, entities) or raise EntityError like Telegram."""
    out: list[str] = []
    pos = 0  # UTF-16 position in the output
    stack: list[tuple[str, dict[str, str], int]] = []
    entities: list[dict] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            chars, i = _decode_entity(text, i, strict)
            out.append(chars)
            pos += utf16_len(chars)
            continue
        if ch != "<":
            out.append(ch)
            pos += utf16_len(ch)
            i += 1
            continue
        start = i
        if i + 1 < n and text[i + 1] == "/":
            end = text.find(">", i)
            if end < 0:
                raise EntityError(f"Unclosed end tag at byte offset {_byte_offset(text, start)}")
            name = text[i + 2 : end].strip().lower()
            i = end + 1
            if not stack:
                raise EntityError(f"Unexpected end tag at byte offset {_byte_offset(text, start)}")
            tag, attrs, begin = stack.pop()
            if name != tag:
                raise EntityError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, start)}, "
                    f'expected "</{tag}>", found "</{name}>"'
                )
            if pos > begin:
                entity = _entity_for(tag, attrs, begin, pos - begin)
                if entity is not None:
                    entities.append(entity)
            continue
        j = i + 1
        while j < n and not text[j].isspace() and text[j] not in ">/":
            j += 1
        if j >= n:
            raise EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, start)}")
        tag = text[i + 1 : j].lower()
        if tag not in SUPPORTED_TAGS:
            raise EntityError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, start)}'
            )
        attrs, i = _parse_attributes(text, j, tag, start)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(text, start)}"
            )
        if tag == "tg-emoji" and not attrs.get("emoji-id"):
            raise EntityError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                f"{_byte_offset(text, start)}"
            )
        if tag == "code" and stack and stack[-1][0] == "pre" and attrs.get("class"):
            language = attrs["class"].removeprefix("language-")
            stack[-1][1]["language"] = language
        stack.append((tag, attrs, pos))
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities = _merge_pre_code(entities)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _merge_pre_code(entities: list[dict]) -> list[dict]:
    """Drop a code entity that exactly spans a pre entity (<pre><code>...</code></pre>)."""
    pres = {(e["offset"], e["length"]) for e in entities if e["type"] == "pre"}
    return [
        e for e in entities if not (e["type"] == "code" and (e["offset"], e["length"]) in pres)
    ]


def parse_text(text: str, parse_mode: str | None, strict: bool = True) -> tuple[str, list[dict]]:
    """Apply a parse_mode; return (plain text, entities). Markdown modes are not validated."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text, strict)
    if mode in ("markdown", "markdownv2"):
        return text, []
    raise ValueError(f"unsupported parse_mode {parse_mode!r}")


def command_entities(text: str) -> list[dict]:
    """The bot_command entity Telegram adds for a leading /command[@bot]."""
    match = _COMMAND_RE.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
