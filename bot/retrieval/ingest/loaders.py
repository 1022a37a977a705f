"""Load knowledge documents as sections: Markdown (front matter, headings, page markers),
PDF (one section per page, via pypdf) and DOCX (via docx2txt).

Every section is a LangChain Document whose metadata carries source, title, section, page,
scope, language, date and the original's address (`source_url`), so each chunk cut from it
can be cited. A document's source id is its path in its folder, after the folder's prefix:
the knowledge folder's files have none, the managed folder's (documents coordinators add)
start with "managed:", so the two never collide.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document

SUFFIXES = (".md", ".markdown", ".pdf", ".docx")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_PAGE = re.compile(r"^<!--\s*page:\s*(\d+)\s*-->$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Folder:
    """A folder of documents, and how the source ids of its files begin."""

    path: Path
    prefix: str = ""

    def holds(self, file: Path) -> bool:
        """Return whether the file lies inside this folder."""
        return file.resolve().is_relative_to(self.path.resolve())

    def source(self, file: Path) -> str:
        """Return the file's source id: the prefix and its path inside the folder (a file
        outside it is known by its name)."""
        if not self.holds(file):
            return self.prefix + file.name
        return self.prefix + file.resolve().relative_to(self.path.resolve()).as_posix()


def folder_of(file: Path, folders: Sequence[Folder]) -> Folder:
    """Return the folder that holds a file (the first folder when none does)."""
    return next((folder for folder in folders if folder.holds(file)), folders[0])


def _metadata(path: Path, folder: Folder, meta: dict[str, Any]) -> dict[str, Any]:
    found = {
        "source": folder.source(path),
        "title": str(meta.get("title") or path.stem.replace("-", " ").capitalize()),
        "scope": str(meta.get("scope") or "all"),
        "language": str(meta.get("language") or "da"),
        "publisher": str(meta.get("publisher") or ""),
        "date": str(meta.get("date") or ""),
    }
    # Only when given: a document without them keeps the metadata (and so the hashes) it
    # was indexed with before they existed, and is not embedded again.
    for key in ("source_url", "kind"):
        if meta.get(key):
            found[key] = str(meta[key])
    return found


def _sidecar(path: Path) -> dict[str, Any]:
    sidecar = path.with_name(path.name + ".meta.yaml")
    if sidecar.exists():
        return yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    return {}


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return (front matter, body) of a Markdown text."""
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            meta = yaml.safe_load(text[4:end]) or {}
            return (meta if isinstance(meta, dict) else {}), text[end + 4 :].lstrip("\n")
    return {}, text


class MarkdownSectionLoader(BaseLoader):
    """One Document per heading section; the heading path becomes the `section`."""

    def __init__(self, path: Path, folder: Folder) -> None:
        self.path, self.folder = path, folder

    def lazy_load(self) -> Iterator[Document]:
        """Yield the sections of the file in order."""
        meta, body = split_front_matter(self.path.read_text(encoding="utf-8"))
        base = _metadata(self.path, self.folder, {**_sidecar(self.path), **meta})
        headings: list[str] = []
        page: int | None = None
        lines: list[str] = []

        def flush() -> Iterator[Document]:
            text = _COMMENT.sub("", "\n".join(lines)).strip()
            if text:
                section = " › ".join(headings[1:] or headings[:1])
                yield Document(text, metadata={**base, "section": section, "page": page or 0})
            lines.clear()

        for line in body.splitlines():
            if match := _HEADING.match(line):
                yield from flush()
                level = len(match[1])
                headings = [*headings[: level - 1], match[2].strip()]
            elif match := _PAGE.match(line.strip()):
                if lines and any(part.strip() for part in lines):
                    yield from flush()
                page = int(match[1])
            else:
                lines.append(line)
        yield from flush()


class PdfPageLoader(BaseLoader):
    """One Document per PDF page (pypdf), so citations carry the page number."""

    def __init__(self, path: Path, folder: Folder) -> None:
        self.path, self.folder = path, folder

    def lazy_load(self) -> Iterator[Document]:
        """Yield the text of each page."""
        from pypdf import PdfReader

        reader = PdfReader(self.path)
        info: object = reader.metadata or {}
        meta = {"title": getattr(info, "title", None), **_sidecar(self.path)}
        base = _metadata(self.path, self.folder, meta)
        for number, page in enumerate(reader.pages, start=1):
            text = _dehyphenate(page.extract_text() or "")
            if text.strip():
                yield Document(text, metadata={**base, "section": "", "page": number})


class DocxLoader(BaseLoader):
    """The text of a Word document (docx2txt) as one section."""

    def __init__(self, path: Path, folder: Folder) -> None:
        self.path, self.folder = path, folder

    def lazy_load(self) -> Iterator[Document]:
        """Yield the document text."""
        import docx2txt

        text = docx2txt.process(str(self.path)) or ""
        base = _metadata(self.path, self.folder, _sidecar(self.path))
        if text.strip():
            yield Document(text, metadata={**base, "section": "", "page": 0})


def _dehyphenate(text: str) -> str:
    """Join words broken at line ends ("ud-\\ndanner" → "uddanner"); keep real compounds."""
    return re.sub(r"(\w)-\n(\w)", lambda m: m[1] + m[2] if m[2].islower() else m[0], text)


def load_path(path: Path, root: Path | Folder) -> list[Document]:
    """Load one file with the loader its suffix asks for."""
    folder = root if isinstance(root, Folder) else Folder(root)
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        return list(MarkdownSectionLoader(path, folder).lazy_load())
    if suffix == ".pdf":
        return list(PdfPageLoader(path, folder).lazy_load())
    if suffix == ".docx":
        return list(DocxLoader(path, folder).lazy_load())
    return []


def knowledge_files(root: Path) -> list[Path]:
    """Return the documents under a folder (READMEs and hidden files are not knowledge)."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and p.name.lower() != "readme.md"
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
