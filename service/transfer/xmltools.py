"""Reading export XML safely: defusedxml refuses entity declarations (billion laughs, XXE)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from .records import UnreadableExport


def parse_xml(path: Path) -> Element:
    try:
        root = defusedxml.ElementTree.parse(path, forbid_dtd=True).getroot()
    except DefusedXmlException as error:
        raise UnreadableExport(f"refused: the file declares a DTD or entities ({error})") from None
    except ParseError as error:
        raise UnreadableExport(f"not well-formed XML: {error}") from None
    if root is None:
        raise UnreadableExport("empty XML document")
    return root


def local(tag: str) -> str:
    """`{namespace}name` → `name`: WXR 1.0, 1.1 and 1.2 only differ in the namespace."""
    return tag.rsplit("}", 1)[-1]


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child.tag) == name]


def text(element: Element, name: str) -> str:
    """The text of the first child called `name` (any namespace), or ""."""
    for child in element:
        if local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def attribute(element: Element, name: str) -> str:
    """An attribute by local name (Disqus puts its ids in the dsq: namespace)."""
    for key, value in element.attrib.items():
        if local(key) == name:
            return value
    return ""


def parse_time(value: str) -> datetime | None:
    """ISO 8601 (`2024-03-01T10:00:00Z`) or WordPress's `2024-03-01 10:00:00`, as UTC."""
    value = value.strip()
    if not value or value.startswith("0000"):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
