"""Pure text handling of retrieval: loading, chunking, language, question types, coverage."""

from __future__ import annotations

from pathlib import Path

from bot.retrieval.ingest.chunking import chunk_sections, paragraphs, sentence_documents, windows
from bot.retrieval.ingest.loaders import _dehyphenate, knowledge_files, load_path
from bot.retrieval.ranking.rerank import evidence, question_type
from bot.retrieval.text.language import looks_english
from bot.retrieval.text.lexical import coverage, ngrams, stems

DOC = """---
title: Testdokument
scope: dept:t1
---

# Testdokument

## Første afsnit
<!-- page: 3 -->

Første sætning handler om vagter. Anden sætning: ca. 44.000 medarbejdere.

- et punkt
- et andet punkt

### Underafsnit
<!-- page: 4 -->

Tekst i underafsnittet.
"""


def test_markdown_sections_keep_heading_path_page_and_scope(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(DOC, encoding="utf-8")
    sections = load_path(path, tmp_path)
    assert [(s.metadata["section"], s.metadata["page"]) for s in sections] == [
        ("Første afsnit", 3),
        ("Første afsnit › Underafsnit", 4),
    ]
    assert {s.metadata["scope"] for s in sections} == {"dept:t1"}
    assert all("<!--" not in s.page_content for s in sections)


def test_readme_and_hidden_files_are_not_knowledge(tmp_path: Path) -> None:
    for name in ("README.md", ".hidden.md", "a.md", "b.pdf", "c.txt"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in knowledge_files(tmp_path)] == ["a.md", "b.pdf"]


def test_sentences_do_not_break_at_danish_abbreviations() -> None:
    (paragraph,) = paragraphs("Vi har ca. 44.000 medarbejdere, bl.a. læger. Næste sætning.")
    assert paragraph == ["Vi har ca. 44.000 medarbejdere, bl.a. læger.", "Næste sætning."]


def test_chunks_follow_paragraphs_and_never_exceed_the_size() -> None:
    text = "\n\n".join(" ".join(f"Ord{i}{j}." for j in range(25)) for i in range(4))
    chunks = windows(text, max_words=30)
    assert all(len(c.split()) <= 30 for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_chunk_and_sentence_documents_point_at_each_other(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(DOC, encoding="utf-8")
    chunks = chunk_sections(load_path(path, tmp_path))
    sentences = sentence_documents(chunks)
    keys = {c.metadata["chunk_key"] for c in chunks}
    assert {s.metadata["chunk_key"] for s in sentences} == keys
    assert chunks[0].page_content.startswith("Testdokument › Første afsnit\n")


def test_language_detection() -> None:
    assert looks_english("When may I come back after vomiting?")
    assert looks_english("Can I bring my dog to work?")
    assert not looks_english("Hvem er formelle vejledere?")
    assert not looks_english("Kan jeg øve før jeg møder patienten?")


def test_question_types() -> None:
    assert question_type("Hvad er kompetenceudvikling?").definition_of == ("kompetenceudvikling",)
    assert question_type("Hvor mange medarbejdere er der?").quantity
    assert question_type("Hvornår blev den vedtaget?").date
    assert question_type("Hvorfor en strategi?").why
    assert question_type("Hvordan melder jeg mig syg?") == question_type("Hej")


def test_answer_form_evidence() -> None:
    wanted = set(stems("Hvad er kompetenceudvikling?"))
    kind = question_type("Hvad er kompetenceudvikling?")
    assert (
        evidence(kind, wanted, "**Kompetenceudvikling** refererer til udvikling af viden.") == 1.0
    )
    assert (
        evidence(kind, wanted, "Efteruddannelse og kompetenceudvikling er et fælles ansvar.")
        == 0.4
    )
    count = question_type("Hvor mange gange mødes netværket?")
    count_words = set(stems("Hvor mange gange mødes netværket?"))
    assert evidence(count, count_words, "Der afholdes to årlige møder i netværket.") >= 0.3


def test_why_questions_want_the_cause_more_than_the_consequence() -> None:
    question = "Hvorfor lavede hospitalet en strategi?"
    kind, wanted = question_type(question), set(stems(question))
    cause = "Strategien skyldes, at hospitalet mangler sygeplejersker."
    consequence = "Derfor lavede hospitalet en strategi for uddannelse."
    assert evidence(kind, wanted, cause) == 1.0
    assert evidence(kind, wanted, consequence) == 0.5
    assert evidence(kind, wanted, "Hospitalet har en kantine.") == 0.0


def test_compounds_count_partly_and_rare_words_weigh_most() -> None:
    assert "<vej" in ngrams(["vejleder"])
    assert coverage("vejlederuddannelse", "vejlederuddannelsen") == 1.0
    assert 0 < coverage("kateteranlæggelse", "anlægge et kateter") < 1
    rare = {"wifi": 5.0, "hospital": 0.5}.get
    idf = lambda stem: rare(stem) or 1.0  # noqa: E731
    assert coverage("wifi hospitalet", "hospitalet", idf) < 0.2


def test_line_break_hyphenation_is_joined_but_compounds_stay() -> None:
    assert _dehyphenate("ud-\ndanner og SOSU-\nElever") == "uddanner og SOSU-\nElever"
